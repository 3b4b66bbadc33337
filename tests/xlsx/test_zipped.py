"""One member of a real workbook changed, the others copied as stored: the zip is whole,
the copies are the very bytes they were, and openpyxl and LibreOffice read the result."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linkage.xlsx.book import Book
from linkage.xlsx.zipped import _stored_body, replace_member


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "w.xlsx"
    with Book(path) as wb:
        sheet = wb.sheet("Лист", [("ФИО", 30), ("n", 8)])
        for i in range(2000):
            sheet.append([f"Иванова Мария {i}", i])
        sheet.append(["метка-старая", -1])
        sheet.finish()
    return path


def test_one_member_changes_and_the_others_are_copied_as_stored(workbook: Path,
                                                                tmp_path: Path) -> None:
    target = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(workbook) as book:
        shared = book.read("xl/sharedStrings.xml")
    replace_member(workbook, target, "xl/sharedStrings.xml",
                   shared.replace("метка-старая".encode(), "метка-новая".encode()))
    with zipfile.ZipFile(workbook) as old, zipfile.ZipFile(target) as new, \
            open(workbook, "rb") as old_raw, open(target, "rb") as new_raw:
        assert new.testzip() is None                   # every CRC checks
        assert new.namelist() == old.namelist()
        for info in old.infolist():
            if info.filename != "xl/sharedStrings.xml":
                assert _stored_body(new_raw, new.getinfo(info.filename)) == \
                    _stored_body(old_raw, info)
    rows = list(load_workbook(target)["Лист"].iter_rows(values_only=True))
    assert rows[0] == ("ФИО", "n") and rows[1] == ("Иванова Мария 0", 0)
    assert rows[-1] == ("метка-новая", -1) and len(rows) == 2002


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_changed_workbook(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "changed.xlsx"
    with zipfile.ZipFile(workbook) as book:
        shared = book.read("xl/sharedStrings.xml")
    replace_member(workbook, target, "xl/sharedStrings.xml",
                   shared.replace("метка-старая".encode(), "метка-новая".encode()))
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                           str(tmp_path), str(target)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "changed.csv").read_text(encoding="utf-8")
    assert "метка-новая,-1" in text and "Иванова Мария 1999,1999" in text
