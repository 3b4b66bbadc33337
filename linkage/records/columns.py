"""Which CSV header is which field: the config's mapping first, then synonyms."""

from __future__ import annotations

import re

FIELDS = ("record_id", "full_name", "surname", "given_name", "patronymic", "birth_date",
          "sex", "case_number", "admission_date", "surgery_date")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("id", "№ записи", "номер записи", "record id", "record_id", "ид",
                  "идентификатор", "код", "№ пп", "n записи"),
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
                    "№ медкарты", "номер карты"),
    "admission_date": ("дата поступления", "дата госпитализации", "поступление",
                       "дата поступ.", "admission date", "admitted"),
    "surgery_date": ("дата операции", "операция дата", "дата оперативного вмешательства",
                     "surgery date", "date of surgery"),
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
