"""Rows of a write-only sheet written as ready XML text, the very XML openpyxl
writes, without openpyxl's per-cell objects and nested writer contexts (most of
review.xlsx's time) and without an lxml element per cell (most of what was left). And
the sheet's XML in UTF-8 (`Utf8Writer`), not ASCII with a character reference for
every Cyrillic letter: about half the size.

Only what our sheets hold takes this path: text, whole and decimal numbers, and
styled cells made by `StreamedSheet.cell`. A row with anything else (a formula-like
text, an error code, a date, a comment...) is written by openpyxl itself, so no value
is ever written differently. `tests/review/test_row_writer.py` holds the XML equal.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from copy import copy
from math import isfinite

from lxml.etree import xmlfile
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

_LONGEST = 32767                # openpyxl cuts longer text; let it do so itself


class Utf8Writer(WorksheetWriter):
    """openpyxl's sheet writer, writing UTF-8 instead of ASCII with a character
    reference for every Cyrillic letter (&#1048;): the sheet's XML is a third the size,
    and quicker to write and to compress. The rows go through `_TextRows`."""

    def get_stream(self):
        with open(self.out, "wb") as file, xmlfile(file, encoding="utf-8") as xf:
            xf.write_declaration(standalone=True)
            rows = _TextRows(xf, file)
            with rows.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield rows
                        elif el is None:
                            continue
                        else:
                            rows.write(el)
                except GeneratorExit:
                    pass


class _TextRows:
    """lxml's incremental writer as openpyxl uses it (`element`, `write`), which also
    takes rows as ready UTF-8 XML (`write_text`): those are gathered and written to
    the file between lxml's own output, which is flushed first, so that the order of
    the document is kept."""

    def __init__(self, xf, file) -> None:
        self._xf, self._file, self._pending = xf, file, []

    def write_text(self, xml: bytes) -> None:
        self._pending.append(xml)
        if len(self._pending) >= 1000:
            self._flush()

    def write(self, *args, **kwargs) -> None:
        self._flush()
        self._xf.write(*args, **kwargs)

    @contextmanager
    def element(self, *args, **kwargs):
        self._flush()
        with self._xf.element(*args, **kwargs):
            yield
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._xf.flush()
            self._file.write(b"".join(self._pending))
            self._pending.clear()


def start_utf8(ws: WriteOnlyWorksheet) -> None:
    """Before the first row: the sheet is written by `Utf8Writer`."""
    if getattr(ws, "_writer", "missing") is None:
        ws._writer = Utf8Writer(ws)
        ws._writer.write_top()


def install(ws: WriteOnlyWorksheet) -> None:
    """From now on, rows appended to `ws` are written by `_row_xml` (call after the
    first row: openpyxl creates the sheet's writer then)."""
    writer = getattr(ws, "_writer", None)
    if not isinstance(writer, Utf8Writer) or not hasattr(writer, "write_row") or \
            not hasattr(ws, "_values_to_row"):
        return              # another openpyxl inside: its own (slower) path stays
    openpyxl_write_row = writer.write_row
    openpyxl_values_to_row = ws._values_to_row
    letters: list[str] = [""]

    def write_row(xf, values, row_idx: int) -> None:
        while len(letters) <= len(values):
            letters.append(get_column_letter(len(letters)))
        xml = _row_xml(ws, values, row_idx, letters)
        if xml is None:
            values = [v.as_cell(ws) if type(v) is Styled else v for v in values]
            openpyxl_write_row(xf, openpyxl_values_to_row(values, row_idx), row_idx)
        else:
            xf.write_text(xml)

    ws._values_to_row = lambda values, row_idx: values      # the row as given
    writer.write_row = write_row


class Styled:
    """A value with a style the workbook already holds (`StreamedSheet.cell`): what a
    row needs of a styled cell, without building openpyxl's cell object for each.
    `style` is openpyxl's style array, for a row openpyxl itself writes."""

    __slots__ = ("value", "style_id", "style")

    def __init__(self, value, style_id: int, style) -> None:
        self.value, self.style_id, self.style = value, style_id, style

    def as_cell(self, ws: WriteOnlyWorksheet) -> Cell:
        cell = WriteOnlyCell(ws, value=self.value)
        cell._style = copy(self.style)
        return cell


def _row_xml(ws: WriteOnlyWorksheet, values, row_idx: int, letters: list[str]
             ) -> bytes | None:
    """The <row> openpyxl would write, as UTF-8, or None if a value needs openpyxl
    itself. Texts are checked (and escaped, if need be) once per row, not per cell."""
    cells: list[tuple[int, str, object, int | None]] = []
    texts: list[str] = []
    for col, value in enumerate(values, 1):
        if value is None:
            continue
        if type(value) is Styled:
            value, style = value.value, value.style_id
            kind = _kind(value)
        elif isinstance(value, Cell):
            if value._comment is not None or value.hyperlink is not None:
                return None
            kind, value, style = value.data_type, value._value, \
                (value.style_id if value.has_style else None)
            if value is None and style is None:
                continue
        else:
            kind, style = _kind(value), None
        if kind == "s" and type(value) is str:
            if len(value) > _LONGEST or value in ERROR_CODES:
                return None
            if len(value) > 1 and value[0] == "=":
                kind = "f"              # a formula, as openpyxl takes a text starting "="
            texts.append(value)
        elif not (kind == "n" and _finite(value)):
            return None
        cells.append((col, kind, value, style))
    joined = "\n".join(texts)
    if ILLEGAL_CHARACTERS_RE.search(joined):
        return None
    escape = _escape if _SPECIAL.search(joined) else str
    parts = []
    for col, kind, value, style in cells:
        styled = "" if style is None else f' s="{style}"'
        if kind == "f":
            parts.append(f'<c r="{letters[col]}{row_idx}"{styled}><f>{escape(value[1:])}'
                         "</f><v></v></c>")
            continue
        cell = f'<c r="{letters[col]}{row_idx}"{styled} t="{"inlineStr" if kind == "s" else kind}"'
        if value == "" or value is None:
            parts.append(f"{cell}/>")
        elif kind == "s":
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(f"{cell}><is><t{space}>{escape(value)}</t></is></c>")
        else:
            parts.append(f"{cell}><v>{value:.16g}</v></c>")     # as openpyxl: %.16g
    attrs = {"r": f"{row_idx}"}
    attrs.update(ws.row_dimensions.get(row_idx, {}))
    row = "<row" + "".join(f' {name}="{_escape(str(v), quote=True)}"'
                           for name, v in attrs.items())
    row = f"{row}>{''.join(parts)}</row>" if parts else f"{row}/>"
    try:
        return row.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate: openpyxl says what is wrong
        return None


_SPECIAL = re.compile("[&<>\r]")       # what `_escape` changes in text


def _escape(text: str, quote: bool = False) -> str:
    """As lxml escapes text (and, with `quote`, an attribute value)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\r", "&#13;")
    if quote:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _kind(value) -> str | None:
    """openpyxl's data type for the values this path takes (bool is not one)."""
    kind = type(value)
    if kind is str:
        return "s"
    if kind is int or kind is float:
        return "n"
    return None


def _finite(value) -> bool:
    return type(value) in (int, float) and isfinite(value)
