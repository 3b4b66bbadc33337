"""Rows of a write-only sheet written as one XML element each, the very XML openpyxl
writes, without openpyxl's per-cell objects and nested writer contexts: those were
two thirds of review.xlsx's time at 10,000 persons (180,000 cells). And the sheet's XML
in UTF-8 (`Utf8Writer`), not ASCII with a character reference for every Cyrillic
letter: 14 MB instead of 27 for the «Авто» sheet at 10,000 persons.

Only what our sheets hold takes this path: text, whole and decimal numbers, and
styled cells made by `StreamedSheet.cell`. A row with anything else (a formula-like
text, an error code, a date, a comment...) is written by openpyxl itself, so no value
is ever written differently. `tests/review/test_row_writer.py` holds the XML equal.
"""

from __future__ import annotations

from math import isfinite

from lxml.etree import Element, SubElement, xmlfile
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_LONGEST = 32767                # openpyxl cuts longer text; let it do so itself


class Utf8Writer(WorksheetWriter):
    """openpyxl's sheet writer, writing UTF-8 instead of ASCII with a character
    reference for every Cyrillic letter (&#1048;): the sheet's XML is a third the size,
    and quicker to write and to compress."""

    def get_stream(self):
        with xmlfile(self.out, encoding="utf-8") as xf:
            xf.write_declaration(standalone=True)
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass


def start_utf8(ws: WriteOnlyWorksheet) -> None:
    """Before the first row: the sheet is written by `Utf8Writer`."""
    if getattr(ws, "_writer", "missing") is None:
        ws._writer = Utf8Writer(ws)
        ws._writer.write_top()


def install(ws: WriteOnlyWorksheet) -> None:
    """From now on, rows appended to `ws` are written by `_row_element` (call after
    the first row: openpyxl creates the sheet's writer then)."""
    writer = getattr(ws, "_writer", None)
    if writer is None or not hasattr(writer, "write_row") or \
            not hasattr(ws, "_values_to_row"):
        return              # another openpyxl inside: its own (slower) path stays
    openpyxl_write_row = writer.write_row
    openpyxl_values_to_row = ws._values_to_row
    letters: list[str] = [""]

    def write_row(xf, values, row_idx: int) -> None:
        while len(letters) <= len(values):
            letters.append(get_column_letter(len(letters)))
        element = _row_element(ws, values, row_idx, letters)
        if element is None:
            openpyxl_write_row(xf, openpyxl_values_to_row(values, row_idx), row_idx)
        else:
            xf.write(element)

    ws._values_to_row = lambda values, row_idx: values      # the row as given
    writer.write_row = write_row


def _row_element(ws: WriteOnlyWorksheet, values, row_idx: int, letters: list[str]):
    """The <row> openpyxl would write, or None if a value needs openpyxl itself."""
    attrs = {"r": f"{row_idx}"}
    attrs.update(ws.row_dimensions.get(row_idx, {}))
    row = Element("row", attrs)
    for col, value in enumerate(values, 1):
        if value is None:
            continue
        if isinstance(value, Cell):
            if value._comment is not None or value.hyperlink is not None:
                return None
            kind, value, style = value.data_type, value._value, \
                (value.style_id if value.has_style else None)
            if value is None and style is None:
                continue
        else:
            kind, style = _kind(value), None
        if not ((kind == "s" and _plain_text(value)) or (kind == "n" and _finite(value))):
            return None
        cell_attrs = {"r": f"{letters[col]}{row_idx}"}
        if style is not None:
            cell_attrs["s"] = f"{style}"
        cell_attrs["t"] = "inlineStr" if kind == "s" else kind
        cell = SubElement(row, "c", cell_attrs)
        if value == "" or value is None:
            continue
        if kind == "s":
            text = SubElement(SubElement(cell, "is"), "t",
                              {_SPACE: "preserve"} if value != value.strip() else {})
            text.text = value
        else:
            SubElement(cell, "v").text = f"{value:.16g}"     # as openpyxl: %.16g
    return row


def _kind(value) -> str | None:
    """openpyxl's data type for the values this path takes (bool is not one)."""
    kind = type(value)
    if kind is str:
        return "s"
    if kind is int or kind is float:
        return "n"
    return None


def _plain_text(value) -> bool:
    """Text openpyxl writes as it is: not a formula, an error code, too long or
    holding a character a sheet cannot."""
    return isinstance(value, str) and len(value) <= _LONGEST and \
        not (len(value) > 1 and value.startswith("=")) and value not in ERROR_CODES and \
        ILLEGAL_CHARACTERS_RE.search(value) is None


def _finite(value) -> bool:
    return type(value) in (int, float) and isfinite(value)
