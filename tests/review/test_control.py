"""The control sample (docs/architecture.md, "How often is an automatic link wrong"): a
random draw of automatic links, never one checked before, and a precision estimate
whose 95% interval covers the truth about 95% of the time, also when the linker is
deliberately worse (0.97) and its errors sit in one rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.review.control import draw, estimate, stratum

RULES = {"auto_by_birth_date": (0.8, 0.995), "auto_by_case_number": (0.15, 0.999),
         "follows_auto": (0.05, 0.9)}          # rule -> (share of links, precision)


def _population(rng: np.random.Generator, n: int, rules: dict) -> pd.DataFrame:
    rule = rng.choice(list(rules), size=n, p=[share for share, _ in rules.values()])
    precision = np.array([rules[r][1] for r in rule])
    return pd.DataFrame({
        "record_id": [f"r{i}" for i in range(n)],
        "study_instance_uid": [f"2.25.{i}" for i in range(n)],
        "decided_by": rule,
        "score": rng.choice([0.99995, 0.9995, 0.995], size=n, p=[0.7, 0.2, 0.1]),
        "correct": rng.random(n) < precision,
    })


def _simulated_run(seed: int, rules: dict, runs: int = 6, per_run: int = 20):
    """A registry's automatic links checked over several runs, the truth answering."""
    rng = np.random.default_rng(seed)
    links = _population(rng, 1500, rules)
    checked: set = set()
    answered = []
    for run in range(runs):
        sample = draw(links, checked, per_run, seed=seed * 100 + run)
        assert len(sample) <= per_run
        keys = set(zip(sample["record_id"], sample["study_instance_uid"], strict=True))
        assert not keys & checked                      # never a link asked before
        checked |= keys
        answered.append(sample[["stratum", "correct"]])
    population = stratum(links["decided_by"], links["score"]).value_counts()
    return estimate(pd.concat(answered), population), float(links["correct"].mean())


def test_the_interval_covers_the_true_precision_in_200_runs() -> None:
    covered = 0
    for seed in range(200):
        # half the runs with a linker deliberately made worse: precision about 0.97
        rules = RULES if seed % 2 else {**RULES, "auto_by_birth_date": (0.8, 0.965)}
        found, truth = _simulated_run(seed, rules)
        assert found.checked == 120
        covered += found.low <= truth <= found.high
    assert covered >= 186, covered                    # 93% of 200


def test_the_draw_is_reproducible_and_covers_every_rule() -> None:
    rng = np.random.default_rng(1)
    links = _population(rng, 500, RULES)
    first = draw(links, set(), 20, seed=7)
    again = draw(links, set(), 20, seed=7)
    assert first["record_id"].tolist() == again["record_id"].tolist()
    assert set(first["decided_by"]) == set(RULES)      # each rule has a link checked
    assert len(draw(links, set(), 0, seed=7)) == 0


def test_before_any_answer_there_is_no_estimate_and_a_wrong_link_lowers_it() -> None:
    empty = estimate(pd.DataFrame({"stratum": [], "correct": []}), pd.Series(dtype=int))
    assert empty.precision is None and "not yet estimated" in empty.line()
    answers = pd.DataFrame({"stratum": ["auto_by_birth_date ≥0.9999"] * 19 + ["x <0.999"],
                            "correct": [True] * 19 + [False]})
    found = estimate(answers, pd.Series({"auto_by_birth_date ≥0.9999": 900, "x <0.999": 100}))
    assert 0.85 < found.precision < 0.95 and found.wrong == 1 and found.checked == 20
    assert found.low < found.precision < found.high
    assert "n = 20 checked" in found.line()


def test_the_control_sheet_is_answered_like_any_other_and_estimates_precision(
        dataset, tmp_path) -> None:
    import json

    from openpyxl import load_workbook

    from linkage.config import load_settings
    from linkage.review.labels import DECISION_HEADER
    from linkage.run.job import run_job

    out = tmp_path / "out"
    first = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert "precision not yet estimated" in first.summary()
    sheet = out / "review.xlsx"
    wb = load_workbook(sheet)
    ws = wb["Выборочная проверка"]
    col = {c.value: c.column for c in ws[1] if c.value}
    assert "Случайная выборка автоматических связей" in str(ws.cell(row=2, column=1).value)
    rows = list(range(3, ws.max_row + 1))
    assert 1 <= len(rows) <= 20
    drawn = [(ws.cell(row=r, column=col["record_id"]).value,
              ws.cell(row=r, column=col["study_instance_uid"]).value) for r in rows]
    auto = first.linked.pairs[first.linked.pairs["status"] == "auto"]
    assert set(drawn) <= set(zip(auto["record_id"], auto["study_instance_uid"], strict=True))
    for n, r in enumerate(rows):
        ws.cell(row=r, column=col[DECISION_HEADER]).value = "нет" if n == 0 else "да"
    wb.save(sheet)

    second = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert f"n = {len(rows)} checked, 1 wrong" in second.summary()
    status = second.linked.pairs.set_index(["record_id", "study_instance_uid"])["status"]
    assert status[drawn[0]] == "rejected"                    # нет rejects that link
    quality = json.loads((out / "linkage_quality.json").read_text(encoding="utf-8"))
    assert quality["automatic_links"]["checked"] == len(rows)
    assert 0 < quality["automatic_links"]["precision"] < 1
    # recall's side: studies and records left without any pair, by year
    unmatched = quality["unmatched"]
    assert set(unmatched) == {"studies_without_pair", "records_without_study"}
    assert sum(unmatched["records_without_study"].values()) == len(dataset_records_unpaired(
        second))
    assert "without any pair: studies" in second.summary()
    again = load_workbook(out / "review.xlsx")
    if "Выборочная проверка" in again.sheetnames:           # none left to draw is fine too
        ws = again["Выборочная проверка"]
        col = {c.value: c.column for c in ws[1] if c.value}
        redrawn = {(ws.cell(row=r, column=col["record_id"]).value,
                    ws.cell(row=r, column=col["study_instance_uid"]).value)
                   for r in range(3, ws.max_row + 1)}
        assert not redrawn & set(drawn)                      # never asked twice
    summary = [[c.value for c in row] for row in again["Сводка"].iter_rows()]
    assert any(str(r[0]).startswith("Точность автоматических связей") for r in summary)


def dataset_records_unpaired(result) -> set[str]:
    shown = result.linked.pairs[result.linked.pairs["status"] != ""]
    return {str(r["record_id"]) for r in result.export.records} - set(shown["record_id"])
