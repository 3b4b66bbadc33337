"""Read a filled-in review.xlsx back, all or nothing.

Columns are found by their headers, never by position, so a sheet that was
sorted, filtered, had rows deleted or columns added imports the same. Any cell
in «Решение» that is not да / нет / не знаю (or empty) refuses the whole file
with the list of bad cells; otherwise all decisions are stored in one
transaction, append-only.

A sheet carries a stamp of the run that wrote it (review.stamp). An answer stored
from another sheet after this one was written is newer than anything in this one:
it is kept, and the import lists the pairs where the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from linkage.errors import ImportRefused
from linkage.review.labels import (
    DECISION_HEADER,
    FP_COLUMNS,
    KEY_COLUMNS,
    LABELS,
    normalise_decision,
)
from linkage.review.stamp import SheetStamp, read_stamp
from linkage.store import Decision, Store


@dataclass
class ImportReport:
    read: int = 0                     # decision cells filled in
    added: int = 0                    # new decisions stored (0 on a re-import)
    by_value: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    kept_newer: list[str] = field(default_factory=list)   # answers this sheet did not overwrite


def _find(headers: list, names) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def read_decisions(path: Path) -> tuple[list[Decision], list[str], SheetStamp]:
    """Decisions in the file, warnings and the sheet's stamp; raise ImportRefused on
    any bad cell."""
    path = Path(path)
    try:
        # read-only: streamed, several times faster; formulas as formulas (values below)
        workbook = load_workbook(path, read_only=True)
    except Exception as exc:   # zip, XML and format errors of a damaged or foreign file
        what = "encrypted or not an .xlsx" if isinstance(exc, InvalidFileException) else \
            f"{type(exc).__name__}: {exc}"
        raise ImportRefused(path, [f"cannot open as .xlsx ({what}); save it from Excel as "
                                   "«Книга Excel (*.xlsx)» and import again"]) from None
    stamp = read_stamp(workbook)
    problems: list[str] = []
    decisions: dict[tuple[str, str], Decision] = {}
    yes_people: dict[str, set[tuple[str, str]]] = {}
    found_sheet = False
    values = _FormulaValues(path)
    for ws in workbook.worksheets:
        ws.reset_dimensions()    # some writers store no (or a wrong) sheet size
        rows = (values.row(ws.title, cells) for cells in ws.iter_rows())
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if DECISION_HEADER not in headers or not all(k in headers for k in KEY_COLUMNS):
            continue
        found_sheet = True
        col = {name: headers.index(name) for name in (DECISION_HEADER, *KEY_COLUMNS)}
        comment_col = _find(headers, [LABELS[lang]["comment"] for lang in LABELS])
        name_col = _find(headers, [LABELS[lang]["rec_name"] for lang in LABELS])
        birth_col = _find(headers, [LABELS[lang]["rec_birth"] for lang in LABELS])
        fp_cols = [_find(headers, [c]) for c in FP_COLUMNS]
        for row_number, row in enumerate(rows, start=2):
            def cell(index: int | None, row=row) -> str:
                if index is None or index >= len(row) or row[index] in (None, _NO_VALUE):
                    return ""
                return str(row[index]).strip()

            raw = row[col[DECISION_HEADER]] if col[DECISION_HEADER] < len(row) else None
            if raw is _NO_VALUE:
                problems.append(f"sheet «{ws.title}», row {row_number}: the decision is a "
                                "formula without a saved value; type да / нет / не знаю")
                continue
            value = normalise_decision(raw)
            if value is None:
                problems.append(f"sheet «{ws.title}», row {row_number}: «{raw}» is not "
                                "да / нет / не знаю")
                continue
            if not value:
                continue
            key = (cell(col[KEY_COLUMNS[0]]), cell(col[KEY_COLUMNS[1]]))
            if not all(key):
                problems.append(f"sheet «{ws.title}», row {row_number}: the decision has no "
                                "record_id / study_instance_uid (hidden columns emptied?)")
                continue
            decision = Decision(key[0], key[1], value, cell(comment_col),
                                cell(fp_cols[0]), cell(fp_cols[1]), source_file=path.name,
                                source_sheet=ws.title, source_row=row_number,
                                sheet_id=stamp.sheet_id)
            earlier = decisions.get(key)
            if earlier and earlier.decision != value:
                problems.append(f"sheet «{ws.title}», rows {earlier.source_row} and "
                                f"{row_number}: the same pair is answered differently")
                continue
            decisions[key] = decision
            if value == "yes":
                person = (" ".join(cell(name_col).lower().replace("ё", "е").split()),
                          cell(birth_col))
                yes_people.setdefault(key[1], set()).add(person)
    if not found_sheet:
        problems.append(f"no sheet has the columns «{DECISION_HEADER}», record_id and "
                        "study_instance_uid")
    workbook.close()
    values.close()
    if problems:
        raise ImportRefused(path, problems)
    warnings = [f"study {uid} is confirmed for records of different people: "
                f"{'; '.join(' '.join(p).strip() for p in sorted(people))}"
                for uid, people in yes_people.items() if len(people) > 1]
    return list(decisions.values()), warnings, stamp


_NO_VALUE = object()     # a formula whose value the spreadsheet did not save


class _FormulaValues:
    """Cell values, formulas replaced by the value the spreadsheet saved for them. The
    workbook is opened a second time (values only) just when a formula is met."""

    def __init__(self, path: Path):
        self.path, self._cached = path, None

    def row(self, title: str, cells) -> tuple:
        return tuple(self._value(title, c) if c.data_type == "f" else c.value for c in cells)

    def _value(self, title: str, cell):
        if self._cached is None:
            self._cached = load_workbook(self.path, data_only=True)
        value = self._cached[title].cell(row=cell.row, column=cell.column).value
        return _NO_VALUE if value is None else value

    def close(self) -> None:
        if self._cached is not None:
            self._cached.close()


def import_review(path: Path, store: Store, force: bool = False,
                  known: set[tuple[str, str]] | None = None) -> ImportReport:
    """Validate the whole file, then store its decisions in one transaction.

    An answer that differs from one stored from another sheet after this sheet was
    written is not stored (unless `force`): the newer answer stays.
    """
    decisions, warnings, stamp = read_decisions(path)
    report = ImportReport(read=len(decisions), warnings=warnings)
    if known is not None:
        unknown = [d for d in decisions if (d.record_id, d.study_instance_uid) not in known]
        if unknown:
            report.warnings.append(
                f"{len(unknown)} answered pairs were not proposed by the last run (e.g. record "
                f"{unknown[0].record_id} / study {unknown[0].study_instance_uid}): stored, and "
                "used if a later run meets them; check the sheet is from this state's runs")
    for d in decisions:
        report.by_value[d.decision] = report.by_value.get(d.decision, 0) + 1
    if not force:
        current = store.current_decisions()
        kept = []
        for d in decisions:
            stored = current.get((d.record_id, d.study_instance_uid))
            if stored is not None and stored.decision != d.decision \
                    and (stored.id or 0) > stamp.decisions_seen \
                    and stored.sheet_id != stamp.sheet_id:
                kept.append(d)
                report.kept_newer.append(
                    f"record {d.record_id} / study {d.study_instance_uid}: kept «{stored.decision}»"
                    f" (stored {stored.decided_at} from {stored.source_file}), not this sheet's "
                    f"«{d.decision}»")
        decisions = [d for d in decisions if d not in kept]
    report.added = store.add_decisions(decisions)
    return report
