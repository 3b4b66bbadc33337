"""Which CSV header is which field: the config's mapping first, then synonyms, and
for the record ID, failing those, the column whose values look like IDs."""

from __future__ import annotations

import re

FIELDS = ("record_id", "full_name", "surname", "given_name", "patronymic", "birth_date",
          "sex", "case_number", "admission_date", "surgery_date")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("id", "№", "№ п/п", "№ пп", "п/п", "№ записи", "номер записи", "n записи",
                  "рег. номер", "рег номер", "рег.№", "регистрационный номер",
                  "регистрационный №", "№ регистрации", "номер карты", "№ карты", "код",
                  "код пациента", "код записи", "идентификатор", "ид", "record id",
                  "record_id", "record", "patient id", "registry id", "reg no"),
    "full_name": ("фио", "ф.и.о.", "фамилия имя отчество", "фио пациента", "пациент",
                  "full name", "name", "patient", "имя пациента"),
    "surname": ("фамилия", "surname", "last name", "family name"),
    "given_name": ("имя", "given name", "first name"),
    "patronymic": ("отчество", "patronymic", "middle name"),
    "birth_date": ("дата рождения", "д.р.", "др", "д/р", "дата рожд.", "дата рожд",
                   "birth date", "date of birth", "dob", "birthdate"),
    "sex": ("пол", "sex", "gender"),
    "case_number": ("№ истории болезни", "номер истории болезни", "история болезни",
                    "№ и/б", "и/б", "№ иб", "иб", "№ истории", "case number", "мкаб",
                    "№ медкарты", "номер медкарты", "№ истории болезни (иб)"),
    "admission_date": ("дата поступления", "дата госпитализации", "поступление",
                       "дата поступ.", "поступил", "поступила", "госпитализация",
                       "admission date", "admitted"),
    "surgery_date": ("дата операции", "операция дата", "дата оперативного вмешательства",
                     "дата оперативного лечения", "оперирован", "surgery date",
                     "date of surgery"),
}


def header_key(text: str) -> str:
    """Compare headers ignoring case, spaces, punctuation and ё/е."""
    text = (text or "").lower().replace("ё", "е").replace("\ufeff", "")
    return re.sub(r"[\s.,:;_\-()\"'№#/\\?]+", "", text) or text.strip()


_LOOKUP = {header_key(s): f for f, syns in SYNONYMS.items() for s in syns}
# "№" matters in "№ И/Б" but is stripped above; keep "иб" etc. distinct from "id".


def map_headers(headers: list[str], configured: dict[str, str]
                ) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and notes on configured headers that were not found.

    A configured header wins when the file has it; otherwise the field is looked
    for by its usual names (the defaults name STMZ 3's headers, and an export
    saved from Excel may call them differently), and a note says so.
    """
    keys = [header_key(h) for h in headers]
    mapping: dict[str, int] = {}
    notes: list[str] = []
    missing_configured: list[tuple[str, str]] = []
    for field, header in configured.items():
        if not header:
            continue
        if header_key(header) in keys:
            mapping[field] = keys.index(header_key(header))
        else:
            missing_configured.append((field, header))
    taken = set(mapping.values())
    for index, key in enumerate(keys):
        field = _LOOKUP.get(key)
        if field and field not in mapping and index not in taken:
            mapping[field] = index
            taken.add(index)
    for field, header in missing_configured:
        found = f"used «{headers[mapping[field]]}» instead" if field in mapping else \
            "no such column"
        notes.append(f"column «{header}» set for {field} is not in the export: {found}")
    return mapping, notes


def looks_like_header(cells: list[str]) -> int:
    """How many cells are known headers (to find the header under a title line)."""
    return sum(1 for c in cells if header_key(c) in _LOOKUP)


def id_header_candidates(headers: list[str]) -> list[int]:
    """Every column whose header is one of the record ID's names."""
    return [i for i, h in enumerate(headers) if _LOOKUP.get(header_key(h)) == "record_id"]


_ID_WORDS = ("№", "id", "номер", "код", "ид")
MAX_ID_LENGTH = 24


def id_column_by_content(headers: list[str], rows: list[list[str]], taken: set[int]
                         ) -> int | None:
    """A column that can serve as the record ID when no header says so: every value
    present, unique and short (not a name, not a date). A header with «№», «ID»,
    «номер» or «код» is preferred, then the leftmost column."""
    if not rows:
        return None
    candidates = []
    for index, header in enumerate(headers):
        if index in taken:
            continue
        values = [" ".join(r[index].split()) if index < len(r) else "" for r in rows]
        if not all(values) or len(set(values)) != len(values):
            continue
        if max(len(v) for v in values) > MAX_ID_LENGTH or any(" " in v for v in values):
            continue
        if all(_looks_like_date(v) for v in values[:50]):
            continue
        named = any(w in header.lower() for w in _ID_WORDS)
        candidates.append((not named, index))
    return min(candidates)[1] if candidates else None


def _looks_like_date(value: str) -> bool:
    return bool(re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", value))
