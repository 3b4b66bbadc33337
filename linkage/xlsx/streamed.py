"""Sheets written row by row (openpyxl's write-only mode): the normal mode keeps every
cell as an object, hundreds of megabytes for a large folder. Used by
review.xlsx and revision.xlsx."""

from __future__ import annotations

from copy import copy
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from linkage.xlsx.cells import cell_text
from linkage.xlsx.row_writer import Styled, install, start_utf8

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
TOP_WRAP = Alignment(wrap_text=True, vertical="top")


class StreamedSheet:
    """A write-only sheet with a styled header row: widths, hidden columns, the frozen
    header and print settings are set before the first row (they precede the rows in
    the file), rows are streamed, and the filter covers what was written.

    `rows`, the number of rows to come, is written as the sheet's dimension at its top:
    without it, a reader (openpyxl's, the importer's) reads every row of every sheet
    just to learn their size."""

    def __init__(self, wb: Workbook, title: str, columns: list[tuple[str, int]], rows: int,
                 hidden_from: int | None = None):
        self.ws = ws = wb.create_sheet(title)
        self.width = len(columns)
        self.rows = 1
        self.expected = rows + 1
        self._styles: dict[tuple, tuple] = {}
        ws.calculate_dimension = dimension(self.width, self.expected)
        for i, (_, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
            if hidden_from and i >= hidden_from:
                ws.column_dimensions[get_column_letter(i)].hidden = True
        ws.row_dimensions[1].height = 28
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
        header = []
        for name, _ in columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, TOP_WRAP
            header.append(cell)
        start_utf8(ws)
        ws.append(header)
        install(ws)             # the rows to come: one XML element each (row_writer.py)

    def append(self, values: list, height: float | None = None) -> None:
        """`values`: plain values or styled WriteOnlyCells."""
        self.rows += 1
        if height is not None:
            self.ws.row_dimensions[self.rows].height = height
        self.ws.append([v if isinstance(v, Cell | Styled) else cell_text(v) for v in values])

    def cell(self, value, **style) -> Cell | Styled:
        """A styled cell. Each combination of styles is set (and looked up in the
        workbook's style tables) once, on an openpyxl cell; later cells take its style
        id as they are (`row_writer.Styled`): setting styles one by one was a third
        of review.xlsx's time, building a cell object for each a third of the rest."""
        if not style:
            return WriteOnlyCell(self.ws, value=cell_text(value))
        # the settings themselves are kept with their ids, so no id is reused meanwhile
        key = tuple((name, id(setting)) for name, setting in style.items())
        known = self._styles.get(key)
        if known is None:
            cell = WriteOnlyCell(self.ws, value=None)
            for name, setting in style.items():
                setattr(cell, name, setting)
            known = self._styles[key] = (cell.style_id, copy(cell._style),
                                         tuple(style.values()))
        return Styled(cell_text(value), known[0], known[1])

    def finish(self) -> None:
        if self.rows != self.expected:
            raise RuntimeError(f"sheet {self.ws.title}: {self.rows} rows written, "
                               f"{self.expected} announced")
        self.ws.auto_filter.ref = f"A1:{get_column_letter(self.width)}{self.rows}"


def dimension(columns: int, rows: int):
    """What openpyxl's sheet writer asks a sheet for its <dimension> (write-only
    sheets cannot know it before their rows)."""
    return lambda: f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"


def save(wb: Workbook, path: Path) -> None:
    """`wb.save(path)`, deflating at zlib's level 1 rather than its default 6: much
    faster, for a file a quarter larger. What openpyxl's `save_workbook` does, with
    that one setting."""
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1)
    wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    ExcelWriter(wb, archive).save()
