"""Which run wrote a review sheet, kept in the sheet itself (a hidden sheet).

An answer is only as new as the sheet it was given in: an old copy of a sheet,
imported after newer answers were stored, must not overwrite them. The stamp says
which sheet this is and how many decisions the state held when it was written.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from openpyxl import Workbook

STAMP_SHEET = "linkage"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class SheetStamp:
    sheet_id: str = ""          # "" for a sheet without a stamp (an older version's)
    written_at: str = ""
    decisions_seen: int = 0     # the state's last decision id when the sheet was written

    @staticmethod
    def new(written_at: str, decisions_seen: int) -> SheetStamp:
        return SheetStamp(uuid.uuid4().hex[:16], written_at, decisions_seen)


def write_stamp(wb: Workbook, stamp: SheetStamp) -> None:
    ws = wb.create_sheet(STAMP_SHEET)
    for key in ("sheet_id", "written_at", "decisions_seen"):
        ws.append([key, str(getattr(stamp, key))])
    ws.sheet_state = "hidden"


def read_stamp(wb: Workbook) -> SheetStamp:
    if STAMP_SHEET not in wb.sheetnames:
        return SheetStamp()
    values = {str(k): str(v) for k, v, *_ in wb[STAMP_SHEET].iter_rows(values_only=True)
              if k is not None and v is not None}
    seen = values.get("decisions_seen", "0")
    return SheetStamp(values.get("sheet_id", ""), values.get("written_at", ""),
                      int(seen) if seen.isdigit() else 0)


def cell_text(value):
    """A value a spreadsheet accepts: control characters (a \\x02 in an export cell, a
    \\x01 in a DICOM name) are shown as escapes instead of making the file unwritable."""
    if isinstance(value, str) and _ILLEGAL.search(value):
        return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value
