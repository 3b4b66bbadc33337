"""Read a filled-in review.xlsx back, all or nothing.

Columns are found by their headers, never by position, so a sheet that was
sorted, filtered, had rows deleted or columns added imports the same. Any cell
in «Решение» that is not да / нет / не знаю (or empty) refuses the whole file
with the list of bad cells; otherwise all decisions are stored in one
transaction, append-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from linkage.review.labels import DECISION_HEADER, KEY_COLUMNS, LABELS, normalise_decision
from linkage.review.sheet import FP_COLUMNS
from linkage.store import Decision, Store


class ImportRefused(ValueError):
    """The file was not imported; `problems` lists every bad cell."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: not imported, nothing was changed. Fix these cells:\n"
                         f"  {shown}{more}")


@dataclass
class ImportReport:
    read: int = 0                     # decision cells filled in
    added: int = 0                    # new decisions stored (0 on a re-import)
    by_value: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _find(headers: list, names) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def read_decisions(path: Path) -> tuple[list[Decision], list[str]]:
    """Decisions in the file and warnings; raise ImportRefused on any bad cell."""
    path = Path(path)
    try:
        workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ImportRefused(path, [f"cannot open as .xlsx: {exc}"]) from None
    problems: list[str] = []
    decisions: dict[tuple[str, str], Decision] = {}
    yes_people: dict[str, set[tuple[str, str]]] = {}
    found_sheet = False
    for ws in workbook.worksheets:
        rows = ws.iter_rows(values_only=True)
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
                if index is None or index >= len(row) or row[index] is None:
                    return ""
                return str(row[index]).strip()

            raw = row[col[DECISION_HEADER]] if col[DECISION_HEADER] < len(row) else None
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
                                source_sheet=ws.title, source_row=row_number)
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
    if problems:
        raise ImportRefused(path, problems)
    warnings = [f"study {uid} is confirmed for records of different people: "
                f"{'; '.join(' '.join(p).strip() for p in sorted(people))}"
                for uid, people in yes_people.items() if len(people) > 1]
    return list(decisions.values()), warnings


def import_review(path: Path, store: Store) -> ImportReport:
    """Validate the whole file, then store its decisions in one transaction."""
    decisions, warnings = read_decisions(path)
    report = ImportReport(read=len(decisions), warnings=warnings)
    for d in decisions:
        report.by_value[d.decision] = report.by_value.get(d.decision, 0) + 1
    report.added = store.add_decisions(decisions)
    return report
