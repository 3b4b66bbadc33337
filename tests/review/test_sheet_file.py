"""review.xlsx as a file: written row by row (openpyxl's write-only mode), each sheet
still announces its size at its top, as a normal workbook does, and the size is the
one of its rows. Without it a reader reads every row of every sheet just to size it
(a second per import at 10,000 persons), and a wrong size would cut rows off."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.run.job import run_job


@pytest.fixture(scope="module")
def sheet(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheet") / "out"
    run_job(dataset.images, dataset.export, out, load_settings(), progress=False)
    return out / "review.xlsx"


def test_every_sheet_announces_its_size_first(sheet) -> None:
    with zipfile.ZipFile(sheet) as archive:
        members = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert members
        for name in members:
            head = archive.read(name)[:1000].decode("utf-8")
            assert re.search(r'<dimension ref="A1:[A-Z]+\d+"/>', head), name


def test_the_announced_size_is_the_size_of_the_rows(sheet) -> None:
    full = load_workbook(sheet)
    fast = load_workbook(sheet, read_only=True)
    for ws in full.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        announced = fast[ws.title]
        assert announced.max_row == len(rows), ws.title
        assert announced.max_column == max(len(r) for r in rows), ws.title
        assert [tuple(r) for r in announced.iter_rows(values_only=True)] == rows, ws.title
