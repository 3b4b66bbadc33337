"""Workbooks written with XlsxWriter, the maintained library made for writing large
xlsx files (pandas writes with it too); openpyxl only reads them back (the answers).

Texts go to the workbook's shared string table, as Excel writes them: a sheet of
questions repeats the same names, folders and reasons, and a reader (the import, with
openpyxl) reads each once. Every value is written by its type: a text is always text,
never a number, a date or a link by its looks; a formula is a `Formula`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from linkage.xlsx.cells import cell_text

# Styles as XlsxWriter's format properties, combined by `Book.format`.
TOP = {"valign": "top"}
TOP_WRAP = {"valign": "top", "text_wrap": True}
HEADER = {"bold": True, "bg_color": "#DDEBF7", "valign": "top", "text_wrap": True}
A4 = 9          # XlsxWriter's paper size for A4


@dataclass(frozen=True)
class Formula:
    """A formula (its text starts with "="), and the value a reader that does not
    calculate shows for it."""

    text: str
    value: str = ""


@dataclass(frozen=True)
class Link:
    """A hyperlink to a file or folder (`url`, a file URI), shown as `text`."""

    url: str
    text: str


# Excel's longest hyperlink, and the most one sheet may hold; past them a link is
# written as its text alone.
LONGEST_URL = 2079
MOST_LINKS = 65_530
# From this many rows a workbook is written row by row (XlsxWriter's constant_memory
# mode: each row goes to the file once the next begins, its texts inline), so that its
# memory does not grow with the folder; below, the shared string table is worth it.
ROWS_IN_MEMORY = 40_000


@dataclass(frozen=True)
class Styled:
    """A value with its style (format properties)."""

    value: object
    style: tuple[tuple[str, object], ...]


class Book:
    """One workbook being written to `path` (closed by `close`, or by the `with`
    block)."""

    def __init__(self, path: Path, rows: int = 0):
        """`rows`: about how many rows its sheets will hold (see ROWS_IN_MEMORY)."""
        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "nan_inf_to_errors": True,
            "constant_memory": rows >= ROWS_IN_MEMORY})
        self._formats: dict[tuple, object] = {}

    def format(self, style: tuple[tuple[str, object], ...] | dict):
        """The workbook's format for these properties, made once."""
        key = tuple(sorted(style.items())) if isinstance(style, dict) else style
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(dict(key)) if key else None
        return self._formats[key]

    def sheet(self, title: str, columns: list[tuple[str, int]],
              hidden_from: int | None = None) -> Sheet:
        return Sheet(self, title, columns, hidden_from)

    def plain_sheet(self, title: str, widths: list[int]) -> Worksheet:
        """A sheet for a few rows and a chart (a summary), landscape on A4."""
        ws = self.wb.add_worksheet(title)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        ws.set_landscape()
        ws.set_paper(A4)
        ws.fit_to_pages(1, 1)
        return ws

    def close(self) -> None:
        self.wb.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()


class Sheet:
    """A table: a styled header row that stays on screen and on every printed page,
    column widths, hidden columns from `hidden_from` (1-based), rows appended one by
    one, and a filter over what was written (`finish`)."""

    def __init__(self, book: Book, title: str, columns: list[tuple[str, int]],
                 hidden_from: int | None = None):
        self.book, self.width, self.rows, self.links = book, len(columns), 0, 0
        self.ws = ws = book.wb.add_worksheet(title)
        for i, (_, width) in enumerate(columns, start=1):
            hidden = bool(hidden_from and i >= hidden_from)
            ws.set_column(i - 1, i - 1, width, None, {"hidden": hidden})
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.set_paper(A4)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        self.append([self.cell(name, **HEADER) for name, _ in columns], height=28)

    def cell(self, value, **style) -> Styled:
        """`value` with format properties (`TOP`, `TOP_WRAP`, `bg_color`, `num_format`...)."""
        return Styled(value, tuple(sorted(style.items())))

    def format(self, **style):
        """The workbook's format for these properties (for `append`'s `formats`)."""
        return self.book.format(style)

    def append(self, values: list, height: float | None = None,
               formats: list | None = None) -> None:
        """One row; `formats`, when given, one format (or None) per value: what a large
        sheet passes rather than a `Styled` per cell."""
        row, ws = self.rows, self.ws
        if formats is None:
            for col, value in enumerate(values):
                write(ws, self.book, row, col, value)
        else:
            for col, (value, fmt) in enumerate(zip(values, formats, strict=True)):
                if type(value) is Link:
                    self.links += 1
                    if self.links > MOST_LINKS:
                        value = value.text
                write_plain(ws, row, col, value, fmt)
        if height is not None:
            ws.set_row(row, height)
        self.rows += 1

    def finish(self) -> None:
        self.ws.autofilter(0, 0, max(self.rows - 1, 0), max(self.width - 1, 0))


def write(ws: Worksheet, book: Book, row: int, col: int, value) -> None:
    """One cell, by the type of its value (None and "" leave it empty, but styled)."""
    if type(value) is Styled:
        write_plain(ws, row, col, value.value, book.format(value.style))
    else:
        write_plain(ws, row, col, value, None)


def write_plain(ws: Worksheet, row: int, col: int, value, style) -> None:
    """One cell with its format (or None), by the type of its value."""
    if type(value) is str:
        if value:
            ws.write_string(row, col, cell_text(value), style)
        elif style is not None:
            ws.write_blank(row, col, None, style)
    elif type(value) is Link:
        # XlsxWriter reads a link that starts with a lowercase "file://" as a Windows
        # path of its own (backslashes; a POSIX path made relative); with the scheme in
        # capitals (schemes ignore case, RFC 3986) the URI is written as it is
        url = "FILE" + value.url[4:] if value.url.startswith("file:") else value.url
        if len(url) > LONGEST_URL or ws.write_url(row, col, url, style, value.text):
            ws.write_string(row, col, cell_text(value.text), style)
    elif type(value) is Formula:
        ws.write_formula(row, col, value.text, style, cell_text(value.value))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, style)
    elif isinstance(value, numbers.Real):
        if math.isfinite(value):
            ws.write_number(row, col, value, style)
        else:
            ws.write_string(row, col, str(value), style)
    elif value is None or value == "":
        if style is not None:
            ws.write_blank(row, col, None, style)
    else:
        ws.write_string(row, col, cell_text(str(value)), style)


def write_rows(ws: Worksheet, book: Book, rows: list[list], first: int = 0) -> None:
    for r, values in enumerate(rows, start=first):
        for c, value in enumerate(values):
            write(ws, book, r, c, value)
