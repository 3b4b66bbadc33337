"""The review sheet is the clinician's file: its answers are taken before a run and the
new sheet never replaces one that is open or was saved while the run worked.

A run reads the answers of every sheet in the output folder that changed since the
tool wrote or read it (`review.xlsx` and the dated `review-*.xlsx` a run leaves when it
may not replace `review.xlsx`), through `review.importer.import_review`, the very rules
of `linkage review import`. At the end, just before the new sheet takes the place of
`review.xlsx`, the old one is looked at again: if Excel or LibreOffice holds it open
(their lock files), or its bytes are not the ones read at the start (saved meanwhile),
its answers are read again and the new sheet is written beside it with a dated name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.errors import ImportRefused, JobError
from linkage.files import move_into_place
from linkage.store import Store, readable

# openpyxl (through the importer) is loaded only when a sheet is read: a run with no
# sheet to read starts scanning sooner
if TYPE_CHECKING:
    from linkage.review.importer import ImportReport

SHEET_NAME = "review.xlsx"
_SEEN_KEY = "sheets seen in "     # + the output folder: name -> fingerprint, in the state


def lock_files(sheet: Path) -> list[Path]:
    """The files Excel (`~$name`) and LibreOffice (`.~lock.name#`) keep beside a sheet
    they have open."""
    return [p for p in (sheet.with_name(f"~${sheet.name}"),
                        sheet.with_name(f".~lock.{sheet.name}#")) if p.exists()]


def fingerprint(path: Path) -> list | None:
    """Size, modification time and content digest: what "the same file" means here."""
    try:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, digest]


def sheets_in(out: Path) -> list[Path]:
    """review.xlsx and the dated sheets beside it, oldest name first."""
    dated = sorted(p for p in out.glob("review-*.xlsx") if p.is_file())
    main = out / SHEET_NAME
    return [*dated, *([main] if main.is_file() else [])]


@dataclass
class Carried:
    """The answers a run took from the sheets in its output folder."""
    reports: dict[str, ImportReport] = field(default_factory=dict)   # file name -> report
    seen: dict[str, list] = field(default_factory=dict)   # file name -> fingerprint read

    @property
    def read(self) -> int:
        return sum(r.read for r in self.reports.values())

    @property
    def added(self) -> int:
        return sum(r.added for r in self.reports.values())

    def lines(self) -> list[str]:
        out = []
        for name, report in self.reports.items():
            if report.read or report.withdrawn:
                where = "the previous review.xlsx before replacing it" \
                    if name == SHEET_NAME else name
                out.append(f"answers taken from {where}: {report.read} (new: {report.added})")
            out += [f"  answer withdrawn (cell cleared; asked again): {k}"
                    for k in report.withdrawn]
            out += [f"  not taken (a newer answer is stored): {k}" for k in report.kept_newer]
            out += [f"  warning: {w}" for w in report.warnings]
        return out


def carry_answers(out: Path, store: Store, force: bool = False,
                  written: dict[str, list] | None = None) -> Carried:
    """Store the answers of every sheet in `out` that changed since this state wrote
    or read it. Refuse the run, replacing nothing, when a sheet cannot be read (none of
    its answers stored) or answers pairs otherwise than a later sheet did (its other
    answers stored; `force` lets the sheet win, as in `review import --force`)."""
    carried = Carried()
    seen = _seen(store, out)
    for sheet in sheets_in(out):
        now = fingerprint(sheet)
        carried.seen[sheet.name] = now
        if now is None or seen.get(sheet.name) == now or _unchanged(sheet, now, written):
            continue
        report = _import(sheet, store, force)
        if report.kept_newer and not force:
            raise ImportRefused(sheet, [
                "the run was stopped and nothing was replaced: this sheet answers "
                f"{len(report.kept_newer)} pairs otherwise than a later sheet did; run with "
                "--force to let this sheet win, or clear these cells:",
                *report.kept_newer])
        carried.reports[sheet.name] = report
    remember_seen(store, out, carried.seen)
    return carried


def _unchanged(sheet: Path, now: list, written: dict[str, list] | None) -> bool:
    """The sheet as the last run wrote it (size and mtime in the run's outputs)."""
    return bool(written) and sheet.name == SHEET_NAME and written.get(SHEET_NAME) == now[:2]


def _import(sheet: Path, store: Store, force: bool) -> ImportReport:
    from linkage.review.importer import import_review

    try:
        return import_review(sheet, store, force=force)
    except ImportRefused as exc:
        raise ImportRefused(sheet, ["the run was stopped and nothing was replaced: this sheet "
                                    "may hold answers, and they could not be taken",
                                    *exc.problems]) from None


def _seen(store: Store, out: Path) -> dict[str, list]:
    return json.loads(store.get_meta(_SEEN_KEY + readable(str(out.resolve()))) or "{}")


def remember_seen(store: Store, out: Path, seen: dict[str, list | None]) -> None:
    before = _seen(store, out)
    known = before | {k: v for k, v in seen.items() if v is not None}
    if known != before:
        store.set_meta(_SEEN_KEY + readable(str(out.resolve())), json.dumps(known))


@dataclass
class Placed:
    path: Path            # where the new sheet now is
    note: str = ""        # why it is not review.xlsx, for the summary
    carried: ImportReport | None = None    # answers saved into review.xlsx during the run


def place_sheet(new_sheet: Path, out: Path, read_at_start: list | None, store: Store,
                force: bool = False) -> Placed:
    """Move the new sheet into `out` as review.xlsx, unless the one there is open or
    was saved since `read_at_start`: then its answers are taken (again) and the new
    sheet goes beside it as review-<date>.xlsx."""
    target = out / SHEET_NAME
    opened = lock_files(target)
    now = fingerprint(target)
    saved_meanwhile = now is not None and now != read_at_start
    if not opened and not saved_meanwhile:
        move_into_place(new_sheet, target)
        remember_seen(store, out, {SHEET_NAME: fingerprint(target)})
        return Placed(target)
    carried = None
    if saved_meanwhile:
        carried = _import(target, store, force)
        remember_seen(store, out, {SHEET_NAME: now})
    dated = _dated(out)
    move_into_place(new_sheet, dated)
    remember_seen(store, out, {dated.name: fingerprint(dated)})
    if opened:
        note = (f"review.xlsx is open ({opened[0].name} beside it): it was left as it is and "
                f"the new sheet is {dated.name}")
    else:
        note = ("review.xlsx was saved while the run worked: its answers were taken and it "
                f"was left as it is; the new sheet {dated.name} was made before them (run "
                "again for a sheet that knows them)")
    return Placed(dated, note, carried)


def _dated(out: Path) -> Path:
    stem = datetime.now().strftime("review-%Y%m%d-%H%M%S")
    path, n = out / f"{stem}.xlsx", 1
    while path.exists():
        n += 1
        path = out / f"{stem}-{n}.xlsx"
    return path


def check_state_present(out: Path, state: Path, new_state_allowed: bool) -> None:
    """Refuse to start from a missing or empty state file when the output folder holds
    answers (matches.csv with confirmed or rejected pairs): they live in the lost state
    file, and a new one would ask everything again and drop them from the outputs."""
    if new_state_allowed or (state.is_file() and state.stat().st_size > 0):
        return
    matches = out / "matches.csv"
    try:
        with matches.open(encoding="utf-8-sig", errors="replace") as handle:
            answered = any(",confirmed," in line or ",rejected," in line for line in handle)
    except OSError:
        return
    if answered:
        what = "is empty" if state.is_file() else "is not there"
        raise JobError(f"the state file {state} {what}, but {matches} holds answers given "
                       "with it: give --state of the file that holds them (or restore it "
                       "from a backup); --new-state to start afresh without them")
