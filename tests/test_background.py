"""Outputs written in a second process while the main one works (linkage.run.background,
linkage.files.staged): the same files as when written in place, an error raised where
the job waits for it, research tables moved beside the review sheet only once the
sheet is written, and nothing half-written left behind."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from openpyxl import load_workbook

import linkage.run.schedule as schedule
from linkage.config import load_settings
from linkage.errors import ExportError, OutputLocked
from linkage.files import staged
from linkage.images.walk import readable
from linkage.names.parse import ParsedName, parse_dicom_name
from linkage.reports.revision import revise, studies_by_year, write_revision
from linkage.run import reuse
from linkage.run.background import Background
from linkage.run.inventory import scan_only, write_report_from_state
from linkage.run.job import run_job
from linkage.run.schedule import (
    ResearchInputs,
    prepare_research_tables,
    write_research_tables_from_state,
)
from linkage.store import Store


def _cells(path):
    workbook = load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets}


@pytest.fixture(scope="module")
def folder_rows(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("background")
    scanned, _ = scan_only(dataset.images, out, out / "s.sqlite", load_settings(),
                           progress=False)
    with Store(out / "s.sqlite") as store:
        listing = store.file_listing(scanned.root)
    rows = revise([(readable(p), s, k) for p, s, k in listing], scanned.instances)
    return out, rows, studies_by_year(scanned.instances)


def test_a_report_written_in_the_background_is_the_one_written_in_place(folder_rows,
                                                                         tmp_path) -> None:
    _, rows, by_year = folder_rows
    write_revision(tmp_path / "here.xlsx", rows, by_year)
    with Background() as background:
        background.submit(write_revision, tmp_path / "there.xlsx", rows, by_year)
        background.wait()
    assert _cells(tmp_path / "there.xlsx") == _cells(tmp_path / "here.xlsx")
    assert len(_cells(tmp_path / "there.xlsx")["Папки"]) == len(rows) + 1


def test_the_report_takes_the_folder_names_the_main_process_parsed(folder_rows,
                                                                     tmp_path) -> None:
    """The second process does not parse again what grouping the studies parsed: a
    folder name handed over is the one the report shows."""
    out, rows, _ = folder_rows
    named = next(r for r in rows if r.folder_surname and "/" not in r.folder)
    with Store.reader(out / "s.sqlite") as store:
        root = store.db.execute("select root from scans order by rowid desc limit 1"
                                ).fetchone()[0]
    handed = {named.folder: ParsedName(surname="Переданная")}
    with Background() as background:
        background.submit(write_report_from_state, tmp_path / "revision.xlsx",
                          out / "s.sqlite", root, handed)
    shown = {row[0]: row[1] for row in _cells(tmp_path / "revision.xlsx")["Папки"][1:]}
    assert shown[named.folder] == "Переданная"
    others = [r for r in rows if r.folder_surname and r is not named]
    assert others and all(shown[r.folder] == r.folder_surname for r in others)


def test_a_failed_background_write_raises_where_the_job_waits(folder_rows, tmp_path) -> None:
    _, rows, by_year = folder_rows
    (tmp_path / "a file").write_text("not a folder")
    with Background() as background:
        background.submit(write_revision, tmp_path / "a file" / "revision.xlsx", rows,
                          by_year)
        with pytest.raises(OSError):
            background.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


RESEARCH = ("links.csv", "cohort.csv", "image_occurrence.csv", "study_files.csv",
            "matches.csv", "export_problems.csv")


def test_the_job_writes_in_the_background_what_it_writes_in_place(dataset, tmp_path,
                                                                  monkeypatch) -> None:
    """The small synth has fewer files and studies than make a second process worth
    starting: the thresholds are lowered so that this run takes the background path."""
    here, there = tmp_path / "here", tmp_path / "there"
    in_place = run_job(dataset.images, dataset.export, here, load_settings(), progress=False)
    monkeypatch.setattr(schedule, "SIZES", schedule.Sizes(0, 0, 0, 0))
    parse_dicom_name.cache_clear()        # so that the names come from the second process
    result = run_job(dataset.images, dataset.export, there, load_settings(), progress=False)
    assert result.export == in_place.export     # read by the second process meanwhile
    assert _cells(there / "revision.xlsx") == _cells(here / "revision.xlsx")
    for name in (*RESEARCH, "studies.csv", "scan_problems.csv"):
        assert (there / name).read_bytes() == (here / name).read_bytes(), name
    assert all(path.is_file() for path in result.outputs.values())
    assert not [p for p in there.iterdir() if p.name.startswith(".")
                and p.name not in (".linkage.run.lock", ".linkage-state")]
    # the export as the second process read it is the one kept for the next run
    again = run_job(dataset.images, dataset.export, there, load_settings(), progress=False)
    assert again.reused == "link and outputs"
    assert again.export == in_place.export
    shutil.rmtree(here)


def test_a_refused_export_read_meanwhile_stops_the_run_and_replaces_nothing(
        dataset, tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()
              and p.suffix in (".csv", ".xlsx")}
    bad = tmp_path / "no names.csv"
    bad.write_text("Дата рождения;Пол\n01.02.1960;М\n", encoding="utf-8")
    monkeypatch.setattr(schedule, "SIZES", replace(schedule.SIZES, export_from_bytes=0))
    with pytest.raises(ExportError, match="no names.csv"):
        run_job(dataset.images, bad, out, load_settings(), progress=False)
    assert {name: (out / name).read_bytes() for name in before} == before
    assert [p.pid for p in multiprocessing.active_children()] == []
    _no_thread_left_preparing_the_linker()


def test_a_refused_export_read_in_place_leaves_no_thread_behind(dataset, tmp_path) -> None:
    """The thread that prepares the linker waits for the export: a refusal before the
    scan tells it there is none."""
    bad = tmp_path / "no names.csv"
    bad.write_text("Дата рождения;Пол\n01.02.1960;М\n", encoding="utf-8")
    with pytest.raises(ExportError, match="no names.csv"):
        run_job(dataset.images, bad, tmp_path / "out", load_settings(), progress=False)
    _no_thread_left_preparing_the_linker()


def _no_thread_left_preparing_the_linker() -> None:
    import threading
    import time

    deadline = time.monotonic() + 30        # its imports may still be finishing
    while any(t.name == "prepare linker" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the thread preparing the linker never ended"
        time.sleep(0.05)


def test_research_tables_are_not_replaced_when_the_sheet_cannot_be(dataset, tmp_path,
                                                                   monkeypatch) -> None:
    """The sheet comes first: a review.xlsx that cannot be replaced (here a folder of
    that name; on Windows, a sheet open in Excel) stops the run before any table the
    second process wrote is moved beside it."""
    out = tmp_path / "out"
    run_job(dataset.images, dataset.early_export, out, load_settings(), progress=False)
    before = {name: (out / name).read_bytes() for name in RESEARCH[:5]}   # and matches
    (out / "review.xlsx").unlink()
    (out / "review.xlsx").mkdir()
    (out / "review.xlsx" / "a file").write_text("keeps the folder in place")
    monkeypatch.setattr(schedule, "SIZES", replace(schedule.SIZES, research_from_studies=0))
    with pytest.raises(OutputLocked):
        run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    assert {name: (out / name).read_bytes() for name in RESEARCH[:5]} == before
    assert not list(out.glob(".staged.*"))


def test_staged_files_appear_only_on_commit(tmp_path) -> None:
    (tmp_path / "links.csv").write_text("old")
    with staged(tmp_path) as staging:
        (staging.path / "links.csv").write_text("new")
        (staging.path / "cohort.csv").write_text("new")
        assert (tmp_path / "links.csv").read_text() == "old"
        moved = staging.commit()
    assert sorted(p.name for p in moved) == ["cohort.csv", "links.csv"]
    assert (tmp_path / "links.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "links.csv"]
    with pytest.raises(RuntimeError), staged(tmp_path) as staging:
        (staging.path / "links.csv").write_text("newer")
        raise RuntimeError("the sheet failed")
    assert (tmp_path / "links.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "links.csv"]


def _slow_write(path) -> None:
    """A write that takes long (a report of a huge folder)."""
    import time

    time.sleep(60)
    path.write_text("too late")


def test_an_error_in_the_job_ends_the_background_write_at_once(tmp_path) -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), Background() as background:
        background.submit(_slow_write, tmp_path / "report.xlsx")
        time.sleep(1)             # the process is up and writing
        raise KeyboardInterrupt
    assert time.perf_counter() - started < 30
    assert not (tmp_path / "report.xlsx").exists()


def _write_pid(path: Path) -> None:
    path.write_text(str(os.getpid()))


def test_tasks_share_one_process(tmp_path) -> None:
    """The names parsed for the main process stay cached for revision.xlsx, which
    follows them in the same process; a wait does not end it."""
    with Background() as background:
        background.submit(_write_pid, tmp_path / "first")
        background.wait()
        background.submit(_write_pid, tmp_path / "second")
        background.wait()
    first, second = ((tmp_path / name).read_text() for name in ("first", "second"))
    assert first == second and int(first) != os.getpid()


def test_the_next_process_starts_once_the_last_one_has_ended(tmp_path) -> None:
    """The job hands the research tables to a new process once revision.xlsx is
    written: the first must have ended (and given its memory back) by then. The new
    one warms up in the meantime, and the next task runs where it warmed up."""
    with Background() as background:
        background.submit(_write_pid, tmp_path / "first")
        background.then_new_process(warm_up=partial(_write_pid, tmp_path / "warm"))
        background.submit(_write_pid, tmp_path / "second")
        first = int((tmp_path / "first").read_text())
        assert first not in [p.pid for p in multiprocessing.active_children()]
        background.wait()
    second = int((tmp_path / "second").read_text())
    assert second != first and int((tmp_path / "warm").read_text()) == second
    assert not multiprocessing.active_children()


def test_a_warm_up_nothing_followed_does_not_hold_up_the_end(tmp_path) -> None:
    import time

    with Background() as background:
        background.submit(_write_pid, tmp_path / "first")
        background.then_new_process(warm_up=partial(_slow_write, tmp_path / "warm"))
        background.wait()
        started = time.perf_counter()
    assert time.perf_counter() - started < 30
    assert not multiprocessing.active_children()
    assert not (tmp_path / "warm").exists()


def test_an_error_while_the_process_is_switched_ends_both_at_once(tmp_path) -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), Background() as background:
        background.submit(_slow_write, tmp_path / "report.xlsx")
        background.then_new_process(warm_up=partial(_write_pid, tmp_path / "warm"))
        time.sleep(1)
        raise KeyboardInterrupt
    assert time.perf_counter() - started < 30
    assert not (tmp_path / "report.xlsx").exists() and not (tmp_path / "warm").exists()
    assert not multiprocessing.active_children()


def test_the_research_tables_process_reads_its_inputs_from_the_state(dataset,
                                                                      tmp_path) -> None:
    """It reads the studies and the export the state file keeps, ahead of the tables,
    and writes the tables the job writes in place; when the state lacks one, it writes
    nothing and says so (the job then writes them from what it holds)."""
    from linkage.reports.links import linked

    out = tmp_path / "out"
    settings = load_settings()
    result = run_job(dataset.images, dataset.export, out, settings, progress=False)
    state = out / "linkage_state.sqlite"
    good = ResearchInputs(state, result.scan.root, result.scan.digest,
                          reuse.export_digest(dataset.export, settings))
    links = linked(result.linked.pairs)
    for inputs in (replace(good, export="no such export"), replace(good, listing="no such")):
        (tmp_path / "none").mkdir(exist_ok=True)
        assert not write_research_tables_from_state(tmp_path / "none", links, inputs,
                                                    settings.windows)
        assert not list((tmp_path / "none").iterdir())
    for ahead in (False, True):
        there = tmp_path / f"ahead {ahead}"
        there.mkdir()
        if ahead:
            prepare_research_tables(good)
        assert write_research_tables_from_state(there, links, good, settings.windows)
        for name in RESEARCH[:4]:
            assert (there / name).read_bytes() == (out / name).read_bytes(), name


def test_studies_csv_from_the_state_is_the_one_written_in_place(dataset, tmp_path) -> None:
    """The job's second process writes studies.csv from the studies the scan stored;
    a state file without them says so rather than write an empty inventory."""
    from linkage.errors import JobError
    from linkage.run.inventory import write_studies_from_state

    out = tmp_path / "out"
    scanned, _ = scan_only(dataset.images, out, out / "s.sqlite", load_settings(),
                           progress=False)
    write_studies_from_state(tmp_path / "studies.csv", out / "s.sqlite", scanned.root,
                             scanned.digest)
    assert (tmp_path / "studies.csv").read_bytes() == (out / "studies.csv").read_bytes()
    with pytest.raises(JobError, match="s.sqlite"):
        write_studies_from_state(tmp_path / "again.csv", out / "s.sqlite", scanned.root,
                                 "another listing")
    assert not (tmp_path / "again.csv").exists()
