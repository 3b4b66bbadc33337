"""Which run wrote a review sheet, kept in the sheet itself (a hidden sheet).

An answer is only as new as the sheet it was given in: an old copy of a sheet,
imported after newer answers were stored, must not overwrite them. The stamp says
which sheet this is and how many decisions the state held when it was written.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from linkage.xlsx.book import Book, write_rows
from linkage.xlsx.zipped import replace_member

STAMP_SHEET = "linkage"


@dataclass(frozen=True)
class SheetStamp:
    sheet_id: str = ""          # "" for a sheet without a stamp (an older version's)
    written_at: str = ""
    decisions_seen: int = 0     # the state's last decision id when the sheet was written
    state_id: str = ""          # the state file whose run wrote it ("" in older sheets)
    state_path: str = ""        # where that state file was, to name it in a message

    @staticmethod
    def new(written_at: str, decisions_seen: int, state_id: str = "",
            state_path: str = "") -> SheetStamp:
        return SheetStamp(uuid.uuid4().hex[:16], written_at, decisions_seen, state_id,
                          state_path)


def write_stamp(wb: Book, stamp: SheetStamp) -> None:
    ws = wb.wb.add_worksheet(STAMP_SHEET)
    write_rows(ws, wb, [[key, str(getattr(stamp, key))] for key in (
        "sheet_id", "written_at", "decisions_seen", "state_id", "state_path")])
    ws.hide()


def read_stamp(wb: Workbook) -> SheetStamp:
    if STAMP_SHEET not in wb.sheetnames:
        return SheetStamp()
    values = {str(k): str(v) for k, v, *_ in wb[STAMP_SHEET].iter_rows(values_only=True)
              if k is not None and v is not None}
    seen = values.get("decisions_seen", "0")
    return SheetStamp(values.get("sheet_id", ""), values.get("written_at", ""),
                      int(seen) if seen.isdigit() else 0, values.get("state_id", ""),
                      values.get("state_path", ""))


def restamp(path: Path, old: SheetStamp, new: SheetStamp) -> bool:
    """Give an unchanged sheet a new run's stamp without writing it again: a run hands
    out a sheet of its own even when nothing changed, so an old copy stays older.
    Only the member that holds the stamp's texts changes (the shared strings, or an
    older sheet's stamp sheet), the others are copied as stored; False when it is not
    found."""
    old_id = f">{old.sheet_id}<".encode()
    if not old.sheet_id or old.decisions_seen != new.decisions_seen \
            or old.state_id != new.state_id:
        return False
    from linkage.files import atomic_path

    with zipfile.ZipFile(path) as source:
        # only the members that may hold the stamp are read, never the large sheet
        candidates = [info.filename for info in source.infolist()
                      if info.filename == "xl/sharedStrings.xml" or
                      info.filename.startswith("xl/worksheets/") and info.file_size < 100_000]
        found = [(name, data) for name, data in ((n, source.read(n)) for n in candidates)
                 if data.count(old_id) == 1]
    if len(found) != 1:
        return False
    name, data = found[0]
    data = data.replace(old_id, f">{new.sheet_id}<".encode()).replace(
        f">{old.written_at}<".encode(), f">{new.written_at}<".encode())
    with atomic_path(path) as tmp:
        replace_member(path, tmp, name, data)
    return True


