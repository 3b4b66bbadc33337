"""Read an STMZ 3 export as it comes: any encoding, delimiter and header style.

Every row is kept. What cannot be used is reported as a problem naming the row
(as a spreadsheet numbers it: the header is row 1 unless a title line precedes
it), the column and the value; only a file we cannot read at all, or one with
no name or ID column, or with duplicate record IDs, is refused as a whole.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

from linkage.errors import ExportError
from linkage.names.parse import REGISTRY_ORDER, ParsedName, parse_full_name, parse_words
from linkage.records.columns import (
    FIELDS,
    id_column_by_content,
    id_header_candidates,
    looks_like_header,
    map_headers,
)
from linkage.records.csv_rows import header_width, split_rows
from linkage.records.values import normalise_case_number, parse_date, parse_sex
from linkage.text import fix_mojibake, russian_plausibility


@dataclass(frozen=True)
class ExportProblem:
    row: int
    column: str
    value: str
    problem: str


IDENTIFYING = ("record_id", "full_name", "surname", "given_name", "patronymic", "birth_date",
               "case_number")


@dataclass
class Export:
    """Records as canonical columns, plus what was understood about the file."""

    records: list[dict[str, str]]
    problems: list[ExportProblem] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    header_row: int = 1
    columns: dict[str, str] = field(default_factory=dict)   # field -> header in the file
    unusable_rows: list[int] = field(default_factory=list)
    # The columns an outcome study needs as they are (scores, diagnosis...): every one
    # but the record ID and those that identify a person (name, birth date, case number).
    passthrough_headers: list[str] = field(default_factory=list)
    passthrough: dict[str, list[str]] = field(default_factory=dict)   # record ID -> cells

    def to_json(self) -> str:
        """The export as JSON: kept in the state file for the next run, and how the
        second process hands back an export it read."""
        # shallow: the records are already plain (asdict would copy every cell)
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        plain["problems"] = [[p.row, p.column, p.value, p.problem] for p in self.problems]
        return json.dumps(plain, ensure_ascii=False)

    @staticmethod
    def from_json(text: str) -> Export:
        plain = json.loads(text)
        return Export(**{**plain, "problems": [ExportProblem(*p) for p in plain["problems"]]})

    @property
    def persons(self) -> int:
        """How many people the records seem to describe (repeat admissions merged)."""
        keys = {(r["surname_key"], r["given_key"], r["birth_date"]) for r in self.records
                if r["surname_key"]}
        return len(keys)


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or the most
    Russian-looking of Windows-1251 / KOI8-R / CP866."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[:4000]
    odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
    if max(odd_zeros, even_zeros) > len(sample) // 20:      # ASCII of UTF-16 without BOM
        return "utf-16-le" if odd_zeros >= even_zeros else "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = raw[:32_000]      # a few hundred names tell the three apart
    return max(("cp1251", "koi8_r", "cp866"),
               key=lambda enc: russian_plausibility(sample.decode(enc, "replace")))


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most equal, >1 fields."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    best, best_score = ";", -1.0
    for delim in (";", ",", "\t", "|"):
        counts = [len(_split_line(ln, delim)) for ln in lines]
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * common
        if score > best_score:
            best, best_score = delim, score
    return best


def _split_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line[:100_000]], delimiter=delimiter), [])
    except csv.Error:          # a quote never closed in this line: count it plainly
        return line.split(delimiter)


_NOT_CSV = ((b"PK\x03\x04", "an Excel workbook (.xlsx) or a zip"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls) or a "
                                                   "password-protected file"))


def _refuse_what_is_not_text(path: Path, raw: bytes) -> None:
    for magic, what in _NOT_CSV:
        if raw.startswith(magic):
            raise ExportError(f"{path}: this is {what}, not a CSV export; save it from Excel as "
                              "«CSV (разделители — точка с запятой)» or export CSV from STMZ 3")
    if detect_encoding(raw).startswith("utf-16"):
        return
    head = raw[:4000]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if control > len(head) // 50:
        raise ExportError(f"{path}: not a text file ({control} control bytes in its first "
                          f"{len(head)}); is it the CSV export?")


def _shown(text: str) -> str:
    """A header as it can be shown in a message: control characters as escapes."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def read_export(path: str | Path, encoding: str = "auto", delimiter: str = "auto",
                columns: dict[str, str] | None = None, names: bool = True) -> Export:
    """Read and validate an export; raise ExportError for a file that cannot be used.
    `names=False` leaves the names unparsed (empty parts): IDs, dates and the other
    columns only, for `linkage links`, which needs no name and should answer at once."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the export ({exc.strerror or exc})") from None
    if not raw.strip():
        raise ExportError(f"{path}: the export is empty")
    _refuse_what_is_not_text(path, raw)
    enc = detect_encoding(raw) if encoding in ("", "auto") else encoding
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ExportError(f"{path}: cannot decode the export as {enc}: {exc}") from None
    text = text.lstrip("\ufeff")
    delim = detect_delimiter(text) if delimiter in ("", "auto") else delimiter
    rows, row_problems = split_rows(text, delim, header_width(text, delim, _find_header))
    if not rows:
        raise ExportError(f"{path}: the export holds no rows")
    header_index = _find_header(rows)
    headers = [h.strip() for h in rows[header_index]]
    mapping, notes = map_headers(headers, columns or {})
    if "full_name" not in mapping and "surname" not in mapping:
        raise ExportError(
            f"{path}: no name column found (expected «ФИО» or «Фамилия»/«Имя»/«Отчество»); "
            f"columns seen: {', '.join(_shown(h) for h in headers if h) or 'none'}")
    data_rows = [r for r in rows[header_index + 1:] if any(c.strip() for c in r)]
    notes += _find_record_id(headers, data_rows, mapping, columns or {})
    if "record_id" not in mapping:
        raise ExportError(
            f"{path}: no record ID column found: no header like «ID», «№», «Рег. номер», "
            f"«Код пациента», and no column whose values are all present, unique and short; "
            f"set [export.columns] record_id; columns seen: "
            f"{', '.join(_shown(h) for h in headers if h)}")
    export = Export(records=[], encoding=enc, delimiter=delim, header_row=header_index + 1,
                    columns={f: headers[mapping[f]] for f in FIELDS if f in mapping})
    export.problems.extend(ExportProblem(header_index + 1, "", "", note) for note in notes)
    export.problems.extend(ExportProblem(p.row, "", p.value, p.problem) for p in row_problems)
    identifying = {mapping[f] for f in IDENTIFYING if f in mapping}
    kept = [i for i, h in enumerate(headers) if i not in identifying and h]
    export.passthrough_headers = [headers[i] for i in kept]
    controls = bool(_CONTROL.search(text))
    for offset, cells in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in cells):
            continue
        if controls:
            cells = _without_controls(cells, headers, offset, export)
        record = _record(cells, mapping, headers, offset, export, names)
        export.records.append(record)
        export.passthrough[record["record_id"]] = [cells[i].strip() if i < len(cells) else ""
                                                   for i in kept]
    _check_duplicates(path, export)
    return export


def read_export_kept(path: Path, encoding: str = "auto", delimiter: str = "auto",
                     columns: dict[str, str] | None = None) -> tuple[Export, str]:
    """The export and its JSON (`Export.to_json`, what the state file keeps): what the
    job's second process hands back. The export itself travels pickled, which keeps
    the strings its records share shared (from the JSON, more memory)."""
    export = read_export(path, encoding, delimiter, columns)
    return export, export.to_json()


def _find_record_id(headers: list[str], rows: list[list[str]], mapping: dict[str, int],
                    configured: dict[str, str]) -> list[str]:
    """Complete `mapping` with the record ID column if the headers did not give it;
    return notes saying which column was chosen and why."""
    if "record_id" in mapping:
        others = [i for i in id_header_candidates(headers) if i != mapping["record_id"]
                  and i not in mapping.values()]
        if others and "record_id" not in configured:
            return [f"two columns could be the record ID: «{headers[mapping['record_id']]}», "
                    f"{', '.join(f'«{headers[i]}»' for i in others)}; using "
                    f"«{headers[mapping['record_id']]}» (set [export.columns] record_id to "
                    "choose another)"]
        return []
    index = id_column_by_content(headers, rows, set(mapping.values()))
    if index is None:
        return []
    mapping["record_id"] = index
    return [f"record ID: no header is a known ID name, so column «{headers[index]}» is used "
            "(every value present, unique and short); set [export.columns] record_id to "
            "choose another"]


def _find_header(rows: list[list[str]]) -> int:
    """The header is the first of the top rows that holds two or more known headers."""
    for index, cells in enumerate(rows[:10]):
        if looks_like_header(cells) >= 2:
            return index
    return next((i for i, cells in enumerate(rows) if any(c.strip() for c in cells)), 0)


def _cell(cells: list[str], mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(cells):
        return ""
    return " ".join(cells[index].split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(cells: list[str], headers: list[str], row: int,
                      export: Export) -> list[str]:
    """Control characters (a stray \x02 pasted into a cell) removed and reported: no
    spreadsheet accepts them, and they are never part of a name or a date."""
    out = []
    for index, cell in enumerate(cells):
        if _CONTROL.search(cell):
            shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", cell)
            export.problems.append(ExportProblem(
                row, headers[index] if index < len(headers) else f"cell {index + 1}", shown,
                "control character removed"))
            cell = _CONTROL.sub("", cell)
        out.append(cell)
    return out


def _record(cells: list[str], mapping: dict[str, int], headers: list[str], row: int,
            export: Export, names: bool = True) -> dict[str, str]:
    def problem(name: str, value: str, what: str) -> None:
        export.problems.append(ExportProblem(row, headers[mapping[name]] if name in mapping
                                             else name, value, what))


    if len(cells) != len(headers):
        export.problems.append(ExportProblem(row, "", f"{len(cells)} cells",
                                             f"row has {len(cells)} cells, header has "
                                             f"{len(headers)}"))
    record_id = _cell(cells, mapping, "record_id")
    if not record_id:
        record_id = f"row{row}"
        problem("record_id", "", f"empty record ID, using «{record_id}»")
    def name_cell(field_name: str) -> str:
        value = _cell(cells, mapping, field_name)
        repaired, how = fix_mojibake(value)
        if how:
            problem(field_name, value, f"garbled text repaired: {how}")
        return repaired

    if not names:
        name = ParsedName()                  # not parsed: nothing is compared
    elif "full_name" in mapping and _cell(cells, mapping, "full_name"):
        name = parse_full_name(name_cell("full_name"), REGISTRY_ORDER)
    else:
        name = parse_words([name_cell(f) for f in ("surname", "given_name", "patronymic")
                            if f in mapping], REGISTRY_ORDER)
    dates = {}
    for field_name in ("birth_date", "admission_date", "surgery_date"):
        value = _cell(cells, mapping, field_name)
        dates[field_name], what = parse_date(value, century_known=field_name != "birth_date")
        if what:
            problem(field_name, value, what)
    sex_cell = _cell(cells, mapping, "sex")
    sex, what = parse_sex(sex_cell)
    if what:
        problem("sex", sex_cell, what)
    sex_source = "export" if sex else ""
    if not sex and name.sex:
        sex, sex_source = name.sex, "inferred from name"
    if names and name.is_empty:
        export.unusable_rows.append(row)
        problem("full_name" if "full_name" in mapping else "surname", "", "no usable name")
    return _as_record(record_id, name, dates, sex, sex_source,
                      _cell(cells, mapping, "case_number"), row,
                      fix_mojibake(_cell(cells, mapping, "full_name"))[0] or name.display())


def _as_record(record_id: str, name: ParsedName, dates: dict[str, str], sex: str,
               sex_source: str, case_raw: str, row: int, full_name: str) -> dict[str, str]:
    from linkage.names.canon import blocking_key, canonical_token

    return {
        "record_id": record_id, "full_name": full_name,
        "surname": name.surname, "given_name": name.given, "patronymic": name.patronymic,
        "given_initial": name.given_initial, "patronymic_initial": name.patronymic_initial,
        "surname_key": blocking_key(name.surname), "given_key": canonical_token(name.given),
        "birth_date": dates["birth_date"], "sex": sex, "sex_source": sex_source,
        "case_number": case_raw, "case_key": normalise_case_number(case_raw),
        "admission_date": dates["admission_date"], "surgery_date": dates["surgery_date"],
        "row": str(row),
    }


def _check_duplicates(path: Path, export: Export) -> None:
    rows_by_id: dict[str, list[str]] = {}
    for record in export.records:
        rows_by_id.setdefault(record["record_id"], []).append(record["row"])
    duplicates = {rid: rows for rid, rows in rows_by_id.items() if len(rows) > 1}
    if duplicates:
        listed = "; ".join(f"ID {rid} in rows {', '.join(rows)}"
                           for rid, rows in list(duplicates.items())[:10])
        more = f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else ""
        raise ExportError(f"{path}: duplicate record IDs: {listed}{more}")
