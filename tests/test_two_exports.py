"""The job as it is used: an early export, every question answered, then the full
export. Answers are never asked again, never reversed, and make the next run ask no
more than a fresh run leaves unanswered (docs/architecture.md, "Never losing an answer")."""

from __future__ import annotations

from linkage.config import load_settings
from linkage.run.play import play_two_exports
from linkage.synth import generate


def test_answers_after_one_export_make_the_next_ask_less(tmp_path) -> None:
    data = generate(tmp_path / "data", persons=400, seed=21)
    early = data.early_export.read_text(encoding="cp1251").count("\n")
    full = data.export.read_text(encoding="cp1251").count("\n")
    assert 0.55 * full < early < 0.85 * full
    play = play_two_exports(data, tmp_path / "work", load_settings())
    assert play.first_asked > 0
    assert play.asked_again == 0
    assert play.rejected_linked == 0
    assert play.confirmed_lost == 0
    assert play.second_false_auto == 0
    assert play.second_asked <= play.fresh_unanswered
    assert play.f1_after_second_sheet >= 0.99
