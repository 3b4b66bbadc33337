"""xlsx/book.py: every value written by its type (a text stays text, whatever it looks
like; a formula keeps the value a reader without a calculator shows), styles, hidden
columns, the frozen header and the filter; the file opens with openpyxl (values,
fills, formats) and in LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linkage.xlsx.book import LONGEST_URL, ROWS_IN_MEMORY, TOP_WRAP, Book, Formula, Link

ROWS = [
    ["=1+1", "0012", "https://example.org", "01.02.1960", "IVANOV^IVAN\x01", 0.97, 12, None,
     "", "Щукина «Ю»"],
    [Formula('=HYPERLINK("file:///tmp/a b","a b")', "a b"), "TRUE", "#N/A", 1e20, -3,
     float("nan"), True, "  spaced ", "a<b&c>", "x"],
]


@pytest.fixture(params=["in memory", "row by row"])
def book(request, tmp_path: Path) -> Path:
    """The same workbook both ways: a large one is written row by row."""
    path = tmp_path / "b.xlsx"
    with Book(path, 0 if request.param == "in memory" else ROWS_IN_MEMORY) as wb:
        sheet = wb.sheet("Лист", [(f"col{i}", 10 + i) for i in range(10)], hidden_from=9)
        for i, row in enumerate(ROWS):
            sheet.append(row, height=30 if i else None)
        sheet.append([sheet.cell(0.5, bg_color="#C6EFCE", num_format="0%", **TOP_WRAP),
                      sheet.cell("", bg_color="#FFC7CE")])
        sheet.finish()
    return path


def test_texts_stay_texts_and_numbers_numbers(book: Path) -> None:
    ws = load_workbook(book)["Лист"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=3)]
    assert values[0] == ["=1+1", "0012", "https://example.org", "01.02.1960",
                         "IVANOV^IVAN\\x01", 0.97, 12, None, None, "Щукина «Ю»"]
    assert [ws.cell(row=2, column=c).data_type for c in (1, 2, 3)] == ["s", "s", "s"]
    assert values[1][0] == '=HYPERLINK("file:///tmp/a b","a b")'
    assert values[1][1:5] == ["TRUE", "#N/A", 1e20, -3]
    assert values[1][5] == "nan" and values[1][6] is True and values[1][7] == "  spaced "
    assert not ws.cell(row=2, column=3).hyperlink          # a text that looks like a URL
    cached = load_workbook(book, data_only=True)["Лист"]
    assert cached["A3"].value == "a b"                     # the formula's saved value


def test_styles_columns_header_and_filter(book: Path) -> None:
    ws = load_workbook(book)["Лист"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J4"
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws.column_dimensions["I"].hidden and ws.column_dimensions["J"].hidden
    assert not ws.column_dimensions["H"].hidden
    assert ws.column_dimensions["B"].width == pytest.approx(11, abs=1)
    assert ws["A4"].fill.fgColor.rgb.endswith("C6EFCE") and ws["A4"].number_format == "0%"
    assert ws["A4"].alignment.wrap_text and ws["B4"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.row_dimensions[3].height == 30
    assert ws.print_title_rows.replace("$", "") == "1:1"


def test_texts_are_shared_strings_unless_written_row_by_row(book: Path) -> None:
    with zipfile.ZipFile(book) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        if "xl/sharedStrings.xml" in names:
            assert "Щукина «Ю»" in archive.read("xl/sharedStrings.xml").decode("utf-8")
            assert "inlineStr" not in sheet
        else:
            assert "Щукина «Ю»" in sheet
    assert '<dimension ref="A1:J4"/>' in sheet[:1000]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_it(book: Path, tmp_path: Path) -> None:
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "csv", "--outdir", str(tmp_path), str(book)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "b.csv").read_text(encoding="utf-8", errors="replace")
    assert "0012" in text and "=1+1" in text and "https://example.org" in text


def test_links_keep_their_uri_and_too_long_ones_stay_text(tmp_path: Path) -> None:
    """A folder's file URI is written as it is (XlsxWriter would make a POSIX path a
    relative Windows one), and one past Excel's limit is written as its text."""
    folder = tmp_path / "Снимки" / "Иванов И.И (копия) #2"
    path = tmp_path / "l.xlsx"
    with Book(path) as wb:
        sheet = wb.sheet("s", [("a", 10)])
        sheet.append([Link(folder.as_uri(), "Иванов/IM1")])
        sheet.append([Link("file:///" + "x" * LONGEST_URL, "too long")])
        sheet.finish()
    ws = load_workbook(path)["s"]
    assert ws["A2"].value == "Иванов/IM1"
    assert ws["A2"].hyperlink.target.lower() == folder.as_uri().lower()
    assert ws["A3"].value == "too long" and ws["A3"].hyperlink is None


def test_past_the_most_links_a_sheet_holds_a_link_is_its_text(tmp_path: Path,
                                                              monkeypatch) -> None:
    import linkage.xlsx.book as book_module

    monkeypatch.setattr(book_module, "MOST_LINKS", 1)
    path = tmp_path / "l.xlsx"
    with Book(path) as wb:
        sheet = wb.sheet("s", [("a", 10)])
        for n in range(2):
            sheet.append([Link((tmp_path / f"d{n}").as_uri(), f"d{n}")], formats=[None])
        sheet.finish()
    ws = load_workbook(path)["s"]
    assert ws["A2"].hyperlink is not None and ws["A3"].hyperlink is None
    assert ws["A3"].value == "d1"
