"""Nothing changed, nothing to do (docs/architecture.md): a run whose tree, export,
answers and settings are the last run's reuses its link result and leaves its outputs
alone; any change to one of them links again. Real files, a real SQLite state."""

from __future__ import annotations

import io
import shutil
import sqlite3
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import linkage.run.schedule as schedule
from linkage.config import load_settings
from linkage.errors import OutputLocked
from linkage.link.memo import pack, unpack
from linkage.review.stamp import STAMP_SHEET, read_stamp
from linkage.run.job import run_job
from tests.conftest import tree_digest
from tests.review.test_review_loop import decide

LINK_OUTPUTS = ("matches.csv", "review.xlsx", "links.csv", "cohort.csv",
                "image_occurrence.csv", "study_files.csv", "export_problems.csv")


def _outputs(out) -> dict[str, str]:
    digest = tree_digest(out)
    return {name: digest[name] for name in LINK_OUTPUTS}


@pytest.fixture()
def first(dataset, tmp_path):
    out = tmp_path / "out"
    result = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert result.reused == ""
    return out, result


def test_a_second_run_on_the_same_inputs_reuses_everything(dataset, first) -> None:
    out, result = first
    before, sheet_before = _outputs(out), _sheet(out)
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == "link and outputs"
    pd.testing.assert_frame_equal(again.linked.pairs, result.linked.pairs)
    assert again.export == result.export      # kept as read: records, problems, columns
    assert again.linked.guard == result.linked.guard
    assert again.linked.blocking == result.linked.blocking
    after, sheet_after = _outputs(out), _sheet(out)
    del before["review.xlsx"], after["review.xlsx"]
    assert after == before                               # not even rewritten
    # the sheet is the same, under a stamp of its own: a copy of the last one is older
    assert sheet_after[0] == sheet_before[0]
    assert sheet_after[1].sheet_id != sheet_before[1].sheet_id
    assert sheet_after[1].decisions_seen == sheet_before[1].decisions_seen
    assert "nothing changed since the last run" in again.summary()
    third = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert third.reused == "link and outputs"


def _sheet(out):
    wb = load_workbook(out / "review.xlsx")
    rows = [list(r) for ws in wb.worksheets if ws.title != STAMP_SHEET
            for r in ws.iter_rows(values_only=True)]
    return rows, read_stamp(wb)


def test_a_deleted_output_is_written_again_from_the_kept_result(dataset, first) -> None:
    out, _ = first
    matches = (out / "matches.csv").read_bytes()
    (out / "matches.csv").unlink()
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == "link"
    assert (out / "matches.csv").read_bytes() == matches


def test_a_deleted_revision_report_of_an_unchanged_tree_is_written_again(dataset, first
                                                                         ) -> None:
    """An unchanged tree's run takes the studies from the stored scan, not the
    instances: the report is then made from the state file, with the same rows."""
    out, _ = first
    rows = _workbook_rows(out / "revision.xlsx")
    (out / "revision.xlsx").unlink()
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.scan.unchanged and again.scan.instances == []
    assert again.scan.counts["instances"] > 0
    assert _workbook_rows(out / "revision.xlsx") == rows


def _workbook_rows(path) -> list[list]:
    wb = load_workbook(path)
    return [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def test_an_answer_links_again(dataset, first) -> None:
    out, _ = first
    (record, study, _), = decide(out / "review.xlsx", ["да"])
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == ""
    assert again.carried is not None and again.carried.added == 1
    pairs = again.linked.pairs.set_index(["record_id", "study_instance_uid"])
    assert pairs.loc[(record, study), "status"] == "confirmed"


def test_another_export_or_other_settings_link_again(dataset, first, tmp_path) -> None:
    out, before = first
    export = tmp_path / "export.csv"
    export.write_bytes(dataset.export.read_bytes().rstrip(b"\r\n") +
                       "\r\n900001;Новиков Пётр Ильич;01.02.1960;М;;10.01.2024;;\r\n"
                       .encode("cp1251"))
    again = run_job(dataset.images, export, out, load_settings(), progress=False)
    assert again.reused == ""
    # the new record was linked: every study is a possible pair of it
    assert again.linked.blocking.all_pairs == \
        before.linked.blocking.all_pairs + len(before.studies)
    settings = replace(load_settings(), auto=0.995)
    assert run_job(dataset.images, export, out, settings, progress=False).reused == ""


def test_a_damaged_memo_is_linked_anew(dataset, first) -> None:
    out, result = first
    with sqlite3.connect(out / "linkage_state.sqlite") as db:
        db.execute("UPDATE memo SET result = ?", (b"PK\x03\x04 not an archive",))
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == ""
    pd.testing.assert_frame_equal(again.linked.pairs, result.linked.pairs)


def test_a_result_survives_packing(first) -> None:
    _, result = first
    back = unpack(pack(result.linked))
    assert back is not None
    pd.testing.assert_frame_equal(back.pairs, result.linked.pairs)
    for a, b in zip(back.model.weights(), result.linked.model.weights(), strict=True):
        assert (a == b).all()
    assert unpack(b"garbage") is None
    # a missing text (no decision yet) reads back as "", as the job writes it
    pairs = result.linked.pairs.copy()
    pairs.loc[pairs.index[:3], "decision"] = None
    pairs.loc[pairs.index[3:5], "reason"] = float("nan")
    back = unpack(pack(replace(result.linked, pairs=pairs))).pairs
    assert back["decision"].iloc[:3].tolist() == ["", "", ""]
    assert back["reason"].iloc[3:5].tolist() == ["", ""]
    assert back["reason"].iloc[5:].tolist() == pairs["reason"].iloc[5:].tolist()
    # a comparison's level (0-5) is kept in one byte, not pandas' eight
    with np.load(io.BytesIO(pack(result.linked))) as arrays:
        assert arrays["num:surname"].dtype.itemsize == 1
        assert arrays["num:score"].dtype == np.float64


def _run_with_an_output_blocked(dataset, out, name: str) -> tuple[bytes, list]:
    """A run whose output `name` cannot be replaced (a folder of that name; on
    Windows, a workbook open in Excel); the result and the outputs' stamps it kept."""
    (out / name).mkdir(parents=True)
    (out / name / "a file").write_text("keeps the folder in place")
    with pytest.raises(OutputLocked):
        run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    with sqlite3.connect(out / "linkage_state.sqlite") as db:
        kept = db.execute("SELECT result FROM memo").fetchone()
        stamps = db.execute("SELECT outputs FROM memo_outputs").fetchall()
    assert kept is not None, "the link result was not kept"
    return kept[0], stamps


@pytest.mark.parametrize("research_process", [False, True])
def test_a_result_whose_outputs_failed_is_kept_and_they_are_written_next_time(
        dataset, tmp_path, monkeypatch, research_process) -> None:
    """The result is kept before the outputs are written (in place or, for a large
    folder, partly by the research tables' process): when review.xlsx cannot be replaced
    (a folder of that name; on Windows, a sheet open in Excel), the next run reuses the
    result and writes every output it did not write."""
    if research_process:            # the synth is small: lowered, the job takes that path
        monkeypatch.setattr(schedule, "SIZES",
                            replace(schedule.SIZES, research_from_studies=0))
    out = tmp_path / "out"
    kept, stamps = _run_with_an_output_blocked(dataset, out, "review.xlsx")
    assert unpack(kept) is not None and stamps == []
    shutil.rmtree(out / "review.xlsx")
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == "link"
    assert load_workbook(out / "review.xlsx", read_only=True).sheetnames
    assert all(path.is_file() for path in again.outputs.values())


def test_a_result_whose_revision_report_failed_is_kept(dataset, tmp_path, monkeypatch) -> None:
    """revision.xlsx, written by the second process while the job links, fails (a
    folder of that name here; on Windows, the report open in Excel): its error is
    the run's, and the link result is kept all the same, so the next run reuses it."""

    monkeypatch.setattr(schedule, "SIZES",     # the small synth too
                        replace(schedule.SIZES, revision_from_files=0))
    out = tmp_path / "out"
    kept, _ = _run_with_an_output_blocked(dataset, out, "revision.xlsx")
    assert unpack(kept) is not None
    assert not (out / "review.xlsx").exists()       # no output written after the failure
    shutil.rmtree(out / "revision.xlsx")
    again = run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert again.reused == "link"
    assert (out / "revision.xlsx").is_file() and (out / "review.xlsx").is_file()


def test_a_changed_given_names_list_links_again() -> None:
    """The given names and the default settings are part of the code a result depends
    on, also in an editable install (where they live outside the package's folder)."""
    import os
    from importlib import resources

    from linkage.run.reuse import code_digest as _code_digest

    for package, name in (("linkage.data", "given_names.txt"),
                          ("linkage.configs", "default.toml")):
        path = resources.files(package).joinpath(name)
        before, stat = _code_digest(), os.stat(path)
        try:
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
            assert _code_digest() != before, name
        finally:
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert _code_digest() == before
