"""xlsx/row_writer.py: a streamed sheet's rows are the very XML openpyxl writes for
the same values and styles (an empty cell may be written <c/> rather than <c></c>, a
Cyrillic letter as itself in UTF-8 rather than a character reference),
and a value our fast path does not take (a formula-like text, an error code, a date,
a bool, a number that is not finite) is written by openpyxl itself. The file opens
with openpyxl and in LibreOffice with the same values."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, PatternFill

from linkage.xlsx.streamed import StreamedSheet

FILL = PatternFill("solid", fgColor="C6EFCE")
WRAP = Alignment(wrap_text=True, vertical="top")

ROWS = [
    ["Иванов Иван Иванович", 0.97, 12, None, "", "  spaced ", "IVANOV^IVAN \"И\"\r\n\tx", 1e20,
     -3],
    ["=1+1", "#N/A", True, datetime(2024, 1, 2, 3, 4), math.nan, "ok", 0, 0.1,
     ("styled", "written by openpyxl")],
    ["Щукина", ("styled", 0.5), ("styled", "Петров"), ("styled", ""), None, "a<b&c>", 7, "", 2.5],
    [("styled", '=HYPERLINK("file:///C:/Снимки/Ан & Бо","Ан <Бо>")'), 1, "x", None, "", "y",
     2, "z", '=HYPERLINK("file:///tmp/a","a")'],
]


def _values(row: list, styled) -> list:
    """The row with ("styled", value) made a cell with FILL, WRAP and 0% by `styled`."""
    return [styled(value[1]) if isinstance(value, tuple) else value for value in row]


def _openpyxl_cell(ws):
    def styled(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.fill, cell.alignment, cell.number_format = FILL, WRAP, "0%"
        return cell
    return styled


def _sheet_data(path: Path) -> list[str]:
    """The rows of the first sheet as written, an empty cell always as <c ...></c>."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    data = xml[xml.index("<sheetData>"):xml.index("</sheetData>")]
    data = re.sub(r"<c ([^>]*)/>", r"<c \1></c>", data)
    # openpyxl writes a Cyrillic letter as &#1048;, our UTF-8 sheets as the letter
    data = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), data)
    return re.findall(r"<row .*?</row>", data, re.DOTALL)


def _ours(path: Path) -> None:
    wb = Workbook(write_only=True)
    sheet = StreamedSheet(wb, "s", [(f"col{i}", 10) for i in range(9)], len(ROWS))
    for i, row in enumerate(ROWS):
        sheet.append(_values(row, lambda v: sheet.cell(v, fill=FILL, alignment=WRAP,
                                                       number_format="0%")),
                     height=26 if i == 2 else None)
    sheet.finish()
    wb.save(path)


def test_rows_are_the_xml_openpyxl_writes(tmp_path: Path) -> None:
    ours = tmp_path / "ours.xlsx"
    _ours(ours)
    plain = Workbook(write_only=True)
    ws = plain.create_sheet("s")
    for i, row in enumerate([[f"col{i}" for i in range(9)], *ROWS]):
        if i == 3:
            ws.row_dimensions[i + 1].height = 26
        ws.append(_values(row, _openpyxl_cell(ws)))
    reference = tmp_path / "openpyxl.xlsx"
    plain.save(reference)
    got, expected = _sheet_data(ours), _sheet_data(reference)
    assert len(got) == len(expected) == len(ROWS) + 1
    # the header is styled in ours only; every data row is the same XML, style ids aside
    for mine, theirs in zip(got[1:], expected[1:], strict=True):
        assert _without_styles(mine) == _without_styles(theirs)
    # what openpyxl writes itself: a formula, an error code, a bool, a date
    assert "<f>1+1</f>" in got[2] and 't="e"' in got[2] and 't="b"' in got[2]
    # a row of formulas and plain values: our fast path, the same XML
    assert '<f>HYPERLINK("file:///C:/Снимки/Ан &amp; Бо","Ан &lt;Бо&gt;")</f>' in got[4]


def _without_styles(row: str) -> str:
    return re.sub(r' s="\d+"', "", row)


def test_the_sheet_is_utf8_with_its_declaration(tmp_path: Path) -> None:
    path = tmp_path / "ours.xlsx"
    _ours(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8' standalone='yes'?>")
    assert "Иванов Иван Иванович".encode() in xml and b"&#1048;" not in xml


def test_styled_cells_keep_their_style_and_values_read_back(tmp_path: Path) -> None:
    path = tmp_path / "ours.xlsx"
    _ours(path)
    ws = load_workbook(path)["s"]
    assert [c.value for c in ws[2]][:3] == ["Иванов Иван Иванович", 0.97, 12]
    assert ws["F2"].value == "  spaced " and ws["H2"].value == 1e20
    assert ws["A3"].value == "=1+1" and ws["B3"].value == "#N/A" and ws["C3"].value is True
    assert ws["B4"].value == 0.5 and ws["B4"].number_format == "0%"
    assert ws["C4"].fill.fgColor.rgb == "00C6EFCE" and ws["C4"].alignment.wrap_text
    assert ws["F4"].value == "a<b&c>"
    # a styled cell in a row openpyxl writes itself (it holds a formula) keeps its style
    assert ws["I3"].value == "written by openpyxl" and ws["I3"].fill.fgColor.rgb == "00C6EFCE"
    assert ws.row_dimensions[4].height == 26


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_fast_rows(tmp_path: Path) -> None:
    path = tmp_path / "ours.xlsx"
    _ours(path)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    text = (tmp_path / "ours.csv").read_text("utf-8")
    assert "Иванов Иван Иванович" in text and "a<b&c>" in text and "Щукина" in text
