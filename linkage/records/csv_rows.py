"""Split an export's text into rows, surviving the quotes a hand-edited CSV gets wrong.

The csv module reads `2;"Петров Пётр;02.02.1970;муж` as the start of a quoted cell
that runs on until the next quote somewhere below, so the rows after it silently
become part of one cell. Here a quoted cell may still span lines (a note with a
line break), but only until a following line looks like a row of its own; then
the quote is taken as a typo, the line is read without quotes and the problem is
reported with its row. A cell over the csv module's size limit is reported too.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


@dataclass(frozen=True)
class RowProblem:
    row: int           # as a spreadsheet numbers rows: the first row is 1
    value: str
    problem: str


_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _physical_lines(text: str) -> list[str]:
    """Lines with their ends, split at \n, \r\n or \r only (str.splitlines, much
    faster, also splits at characters a cell may hold, so only when there are none)."""
    if not _OTHER_BREAKS.search(text):
        return text.splitlines(keepends=True)
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _ends_inside_quotes(line: str, delimiter: str, inside: bool) -> bool:
    """Quote state at the end of a physical line (CSV rules: a quote opens a cell only
    at its start; inside one, "" is a quote and a lone " closes it)."""
    if '"' not in line:
        return inside
    at_start = not inside
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if inside:
            if ch == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 2
                    continue
                inside = False
        elif ch == '"' and at_start:
            inside = True
        else:
            at_start = ch == delimiter
        i += 1
    return inside


# The longest cell a row may hold: the csv module's default limit, checked here too, so
# that a library in the same process that raised the module's limit (frictionless does)
# changes nothing in how an export is read.
CELL_LIMIT = 131_072


def _cells(text: str, delimiter: str) -> list[str]:
    if '"' not in text:
        return text.rstrip("\r\n").split(delimiter)
    cells = next(csv.reader([text], delimiter=delimiter), [])
    if any(len(cell) > CELL_LIMIT for cell in cells):
        raise csv.Error(f"field larger than field limit ({CELL_LIMIT})")
    return cells


def _looks_like_row(line: str, delimiter: str, width: int) -> bool:
    """A line that would be a complete row on its own: no open quote, and about as
    many cells as the header."""
    if _ends_inside_quotes(line, delimiter, False):
        return False
    return len(_cells(line, delimiter)) >= max(2, width - 1)


def header_width(text: str, delimiter: str, find_header) -> int:
    """Cells in the header row, found among the first lines read naively."""
    first = [_cells(line, delimiter) for line in _physical_lines(text[:100_000])[:10]]
    return len(first[find_header(first)]) if first else 0


def split_rows(text: str, delimiter: str, width: int
               ) -> tuple[list[list[str]], list[RowProblem]]:
    """Rows of cells, and the rows whose quotes or sizes had to be repaired."""
    lines = _physical_lines(text)
    rows: list[list[str]] = []
    problems: list[RowProblem] = []
    i = 0
    while i < len(lines):
        start = i
        inside = _ends_inside_quotes(lines[i], delimiter, False)
        i += 1
        while inside and i < len(lines):
            closes = not _ends_inside_quotes(lines[i], delimiter, True)
            whole = closes and len(_cells("".join(lines[start:i + 1]), delimiter)) == width
            if not whole and _looks_like_row(lines[i], delimiter, width):
                break                  # the next row begins: the quote was a typo
            inside = not closes
            i += 1
        row_number = len(rows) + 1
        if inside:
            i = start + 1
            line = lines[start].rstrip("\r\n")
            rows.append([c.replace('"', "") for c in line.split(delimiter)])
            problems.append(RowProblem(row_number, line[:80],
                                       "a quote («\"») opens a cell that never closes: the "
                                       "line was read without quotes, check this row"))
            continue
        record = "".join(lines[start:i])
        try:
            rows.append(_cells(record, delimiter))
        except csv.Error as exc:
            rows.append([c.replace('"', "") for c in record.rstrip("\r\n").split(delimiter)])
            problems.append(RowProblem(row_number, record[:80],
                                       f"cannot be read as CSV ({exc}): the line was read "
                                       "without quotes, check this row"))
    return rows, problems
