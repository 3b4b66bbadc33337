"""Read a filled-in review.xlsx back, all or nothing.

Columns are found by their headers, never by position, so a sheet that was
sorted, filtered, had rows deleted or columns added imports the same. Any cell
in «Решение» that is not да / нет / не знаю (or empty) refuses the whole file
with the list of bad cells; otherwise all decisions are stored in one
transaction, append-only.

A sheet carries a stamp of the run that wrote it (review.stamp). An answer is as new
as the sheet it was given in, not as the moment it was imported: an answer from a
sheet handed out later wins over this sheet's, even if this sheet is imported last
(an old copy), and the import lists those pairs. A sheet written with another state
file is refused (a forgotten --state would store its answers where no run finds
them). An answer cleared in the very sheet it was given in is withdrawn: the pair is
asked again. `run` carries a sheet's answers through this same function.
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
from linkage.store import LAST_INPUTS_KEY, Decision, Store


@dataclass
class ImportReport:
    read: int = 0                     # decision cells filled in
    added: int = 0                    # new decisions stored (0 on a re-import)
    by_value: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    kept_newer: list[str] = field(default_factory=list)   # answers this sheet did not overwrite
    withdrawn: list[str] = field(default_factory=list)    # answers cleared in this sheet


def _find(headers: list, names) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


@dataclass
class SheetAnswers:
    decisions: list[Decision]
    blank: set[tuple[str, str]]        # pairs of the sheet whose «Решение» is empty
    warnings: list[str]
    stamp: SheetStamp
    # study -> the records confirmed for it here, each with its name as the sheet shows
    confirmed: dict[str, dict[str, str]] = field(default_factory=dict)


def read_decisions(path: Path) -> SheetAnswers:
    """Decisions in the file, the pairs left blank, warnings and the sheet's stamp;
    raise ImportRefused on any bad cell."""
    path = Path(path)
    workbook = _open(path)
    stamp = read_stamp(workbook)
    found = _Found(path, stamp.sheet_id)
    values = _FormulaValues(path)
    for ws in workbook.worksheets:
        ws.reset_dimensions()    # some writers store no (or a wrong) sheet size
        read: set[int] = set()       # the columns whose formulas are worth a value
        rows = (values.row(ws.title, cells, read) for cells in ws.iter_rows())
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if DECISION_HEADER in headers and all(k in headers for k in KEY_COLUMNS):
            read.update(_read_columns(headers))
            found.sheet(ws.title, headers, rows)
    if not found.sheets:
        found.problems.append(f"no sheet has the columns «{DECISION_HEADER}», record_id and "
                              "study_instance_uid")
    workbook.close()
    values.close()
    if found.problems:
        raise ImportRefused(path, found.problems)
    return SheetAnswers(list(found.decisions.values()), found.blank - found.decisions.keys(),
                        [], stamp, {uid: records for uid, records in found.confirmed.items()
                                    if len(records) > 1})


def _open(path: Path):
    """The workbook, read-only (streamed; formulas as formulas, their values read
    apart); refused with what to do when it is protected, damaged or not an xlsx."""
    with path.open("rb") as handle:
        if handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ImportRefused(path, ["the file is password-protected (or an old .xls): in "
                                       "Excel, «Файл → Сведения → Защита книги», remove the "
                                       "password, save as .xlsx and import again"])
    try:
        return load_workbook(path, read_only=True)
    except Exception as exc:   # zip, XML and format errors of a damaged or foreign file
        what = "encrypted or not an .xlsx" if isinstance(exc, InvalidFileException) else \
            f"{type(exc).__name__}: {exc}"
        raise ImportRefused(path, [f"cannot open as .xlsx ({what}); save it from Excel as "
                                   "«Книга Excel (*.xlsx)» and import again"]) from None


@dataclass
class _Found:
    """What the sheets of one file answered, row by row, and every bad cell."""

    path: Path
    sheet_id: str
    sheets: int = 0
    problems: list[str] = field(default_factory=list)
    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)
    blank: set[tuple[str, str]] = field(default_factory=set)
    confirmed: dict[str, dict[str, str]] = field(default_factory=dict)

    def sheet(self, title: str, headers: list[str], rows) -> None:
        self.sheets += 1
        col = {name: headers.index(name) for name in (DECISION_HEADER, *KEY_COLUMNS)}
        named = {key: _find(headers, [LABELS[lang][key] for lang in LABELS])
                 for key in ("comment", "rec_name", "rec_birth")}
        fp_cols = [_find(headers, [c]) for c in FP_COLUMNS]
        for row_number, row in enumerate(rows, start=2):
            def cell(index: int | None, row=row) -> str:
                if index is None or index >= len(row) or row[index] in (None, _NO_VALUE):
                    return ""
                return str(row[index]).strip()

            where = f"sheet «{title}», row {row_number}"
            raw = row[col[DECISION_HEADER]] if col[DECISION_HEADER] < len(row) else None
            value = None if raw is _NO_VALUE else normalise_decision(raw)
            key = (cell(col[KEY_COLUMNS[0]]), cell(col[KEY_COLUMNS[1]]))
            if raw is _NO_VALUE:
                self.problems.append(f"{where}: the decision is a formula without a saved "
                                     "value; type да / нет / не знаю")
            elif value is None:
                self.problems.append(f"{where}: «{raw}» is not да / нет / не знаю")
            elif not value:
                if all(key):
                    self.blank.add(key)
            elif not all(key):
                self.problems.append(f"{where}: the decision has no record_id / "
                                     "study_instance_uid (hidden columns emptied?)")
            else:
                self.answer(Decision(key[0], key[1], value, cell(named["comment"]),
                                     cell(fp_cols[0]), cell(fp_cols[1]),
                                     source_file=self.path.name, source_sheet=title,
                                     source_row=row_number, sheet_id=self.sheet_id),
                            f"{cell(named['rec_name'])} {cell(named['rec_birth'])}".strip())

    def answer(self, decision: Decision, record_name: str) -> None:
        key = (decision.record_id, decision.study_instance_uid)
        earlier = self.decisions.get(key)
        if earlier and earlier.decision != decision.decision:
            self.problems.append(f"sheet «{decision.source_sheet}», rows {earlier.source_row} "
                                 f"and {decision.source_row}: the same pair is answered "
                                 "differently")
            return
        self.decisions[key] = decision
        if decision.decision == "yes":
            self.confirmed.setdefault(key[1], {})[key[0]] = record_name


_NO_VALUE = object()     # a formula whose value the spreadsheet did not save


def _read_columns(headers: list[str]) -> set[int]:
    """The columns the import reads: the decision, the keys, the comment, the record's
    name and birth date, the fingerprints (not, say, «Путь к копии», a formula in
    every row)."""
    names = [DECISION_HEADER, *KEY_COLUMNS, *FP_COLUMNS,
             *(LABELS[lang][key] for lang in LABELS for key in ("comment", "rec_name",
                                                                "rec_birth"))]
    return {i for i, header in enumerate(headers) if header in names}


class _FormulaValues:
    """Cell values, formulas replaced by the value the spreadsheet saved for them. The
    workbook is opened a second time (values only) just when a formula is met in a
    column the import reads; elsewhere a formula reads as nothing."""

    def __init__(self, path: Path):
        self.path, self._cached = path, None

    def row(self, title: str, cells, read: set[int]) -> tuple:
        return tuple(c.value if c.data_type != "f" else
                     self._value(title, c) if i in read else None
                     for i, c in enumerate(cells))

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

    Refused (unless `force`) when the sheet was written with another state file. An
    answer that differs from one given in a sheet handed out after this one is not
    stored (unless `force`): the newer answer stays.
    """
    sheet = read_decisions(path)
    stamp = sheet.stamp
    if stamp.state_id and stamp.state_id != store.state_id and not force:
        where = f" ({stamp.state_path})" if stamp.state_path else ""
        raise ImportRefused(path, [
            f"this sheet was written with another state file{where}, not {store.path}: give "
            "--state of the run that wrote it, or --force to store its answers here"])
    decisions = sheet.decisions
    report = ImportReport(read=len(decisions),
                          warnings=sheet.warnings + _two_people(sheet.confirmed, store))
    if known is not None:
        unknown = [d for d in decisions if (d.record_id, d.study_instance_uid) not in known]
        if unknown:
            report.warnings.append(
                f"{len(unknown)} answered pairs were not proposed by the last run (e.g. record "
                f"{unknown[0].record_id} / study {unknown[0].study_instance_uid}): stored, and "
                "used if a later run meets them; check the sheet is from this state's runs")
    for d in decisions:
        report.by_value[d.decision] = report.by_value.get(d.decision, 0) + 1
    current = store.current_decisions()
    if not force:
        newer = _newer_than(stamp, store.sheet_order())
        kept = []
        for d in decisions:
            stored = current.get((d.record_id, d.study_instance_uid))
            if stored is not None and stored.decision != d.decision and newer(stored):
                kept.append(d)
                report.kept_newer.append(
                    f"record {d.record_id} / study {d.study_instance_uid}: kept «{stored.decision}»"
                    f" (stored {stored.decided_at} from {stored.source_file}), not this sheet's "
                    f"«{d.decision}»")
        decisions = [d for d in decisions if d not in kept]
    withdrawn = [Decision(*key, decision="unsure", comment=WITHDRAWN, source_file=path.name,
                          sheet_id=stamp.sheet_id)
                 for key in sorted(sheet.blank)
                 if stamp.sheet_id and (stored := current.get(key)) is not None
                 and stored.sheet_id == stamp.sheet_id and stored.decision != "unsure"]
    report.withdrawn = [f"record {d.record_id} / study {d.study_instance_uid}"
                        for d in withdrawn]
    report.added = store.add_decisions([*decisions, *withdrawn])
    return report


def _two_people(confirmed: dict[str, dict[str, str]], store: Store) -> list[str]:
    """A study confirmed for records of more than one registry person, as the linker
    groups the records into persons (repeat admissions, however spelt, are one). A
    record the last run's export does not know counts as a person of its own."""
    if not confirmed:
        return []
    persons = registry_persons(store)
    warnings = []
    for uid, records in sorted(confirmed.items()):
        people = {persons.get(record, f"record {record}") for record in records}
        if len(people) > 1:
            names = "; ".join(sorted(set(records.values())))
            warnings.append(f"study {uid} is confirmed for records of different people: "
                            f"{names}")
    return warnings


def registry_persons(store: Store) -> dict[str, str]:
    """record_id -> person (`link.persons.person_key`) over the last run's export as the
    state keeps it; empty when it keeps none."""
    import json

    from linkage.link.identity import records_frame
    from linkage.link.persons import person_key
    from linkage.records.read import Export

    facts = json.loads(store.get_meta(LAST_INPUTS_KEY) or "{}")
    kept = store.kept_export(facts.get("export", ""))
    if kept is None:
        return {}
    return person_key(records_frame(Export.from_json(kept).records)).to_dict()


# the comment of an answer withdrawn by clearing its cell: the pair is asked again
WITHDRAWN = "ответ стёрт в листе: спросить снова"


def _newer_than(stamp: SheetStamp, order: dict[str, int]):
    """Whether a stored answer was given after the sheet `stamp` was handed out: in a
    sheet handed out later, or (for answers or sheets this state did not hand out)
    stored after this sheet was written. The same sheet is never newer than itself."""
    mine = order.get(stamp.sheet_id)

    def newer(stored: Decision) -> bool:
        if stored.sheet_id == stamp.sheet_id and stamp.sheet_id:
            return False
        theirs = order.get(stored.sheet_id)
        if mine is not None and theirs is not None:
            return theirs > mine
        return (stored.id or 0) > stamp.decisions_seen

    return newer
