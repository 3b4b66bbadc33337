"""A report written in a second process while the job links (linkage.background): the
same workbook as when written in place, its error raised where the job waits for it,
and nothing half-written left behind."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

import linkage.inventory as inventory
from linkage.background import Background
from linkage.config import load_settings
from linkage.images.walk import readable
from linkage.inventory import scan_only
from linkage.job import run_job
from linkage.review.revision import revise, studies_by_year, write_revision
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


def test_a_failed_background_write_raises_where_the_job_waits(folder_rows, tmp_path) -> None:
    _, rows, by_year = folder_rows
    (tmp_path / "a file").write_text("not a folder")
    with Background() as background:
        background.submit(write_revision, tmp_path / "a file" / "revision.xlsx", rows,
                          by_year)
        with pytest.raises(OSError):
            background.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


def test_the_job_writes_the_revision_in_the_background_as_in_place(dataset, tmp_path,
                                                                   monkeypatch) -> None:
    """The small synth has fewer folders than make a second process worth starting:
    the threshold is lowered so that this run takes the background path."""
    here, there = tmp_path / "here", tmp_path / "there"
    run_job(dataset.images, dataset.export, here, load_settings(), progress=False)
    monkeypatch.setattr(inventory, "BACKGROUND_FROM_FOLDERS", 0)
    run_job(dataset.images, dataset.export, there, load_settings(), progress=False)
    assert _cells(there / "revision.xlsx") == _cells(here / "revision.xlsx")
    assert not [p for p in there.iterdir() if p.name.startswith(".revision.xlsx.")]
    shutil.rmtree(here)
