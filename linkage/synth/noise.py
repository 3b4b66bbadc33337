"""The mess people type: registry-side and image-side noise classes, each at a rate
stated here and recorded as a truth flag (a category of the record or the study),
so that `linkage evaluate` reports recall and false automatic links per class."""

from __future__ import annotations

import random
from datetime import date

# Per registry record (an admission typed by hand).
REGISTRY = {
    "typo_surname": 0.02, "typo_given": 0.03, "typo_patronymic": 0.03,
    "initials_only": 0.03, "no_patronymic": 0.03, "lookalike_latin": 0.02,
    "birth_missing": 0.02, "birth_swapped": 0.02, "birth_digit": 0.02,
}
# Per study (a name typed at the scanner).
IMAGE = {"typo_image_surname": 0.02}

# Neighbouring keys on the Russian ЙЦУКЕН layout, row by row.
_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_NEIGHBOURS = {ch: row[max(i - 1, 0):i] + row[i + 1:i + 2]
               for row in _ROWS for i, ch in enumerate(row)}
# Cyrillic letters with a Latin twin that looks the same.
_LATIN_TWIN = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y",
               "А": "A", "Е": "E", "О": "O", "Р": "P", "С": "C", "Х": "X", "В": "B",
               "Н": "H", "К": "K", "М": "M", "Т": "T"}


def typo(word: str, rng: random.Random) -> tuple[str, str]:
    """One slip inside a word of five letters or more: a neighbouring key, a doubled,
    dropped or swapped letter (never the first or the last letter). (word, kind)."""
    if len(word) < 5:
        return word, ""
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("neighbour", "double", "drop", "swap"))
    low = word[i].lower()
    if kind == "neighbour" and _NEIGHBOURS.get(low):
        key = rng.choice(_NEIGHBOURS[low])
        return word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:], kind
    if kind == "double":
        return word[:i + 1] + word[i] + word[i + 1:], kind
    if kind == "drop":
        return word[:i] + word[i + 1:], kind
    return word[:i] + word[i + 1] + word[i] + word[i + 2:], "swap"


def lookalike(word: str, rng: random.Random) -> str:
    """One Cyrillic letter replaced by its Latin twin («Ивaнов», «Cергей»)."""
    spots = [i for i, ch in enumerate(word) if ch in _LATIN_TWIN]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + _LATIN_TWIN[word[i]] + word[i + 1:]


def registry_name(surname: str, given: str, patronymic: str, rng: random.Random
                  ) -> tuple[str, str, str, set[str]]:
    """Surname, given name and patronymic as one admission's record spells them
    (initials as «А.»), and the record's noise classes."""
    cats: set[str] = set()
    if rng.random() < REGISTRY["typo_surname"]:
        surname, kind = typo(surname, rng)
        if kind:
            cats.add("reg:typo_surname")
    if rng.random() < REGISTRY["typo_given"]:
        given, kind = typo(given, rng)
        if kind:
            cats.add("reg:typo_given")
    if rng.random() < REGISTRY["typo_patronymic"]:
        patronymic, kind = typo(patronymic, rng)
        if kind:
            cats.add("reg:typo_patronymic")
    if rng.random() < REGISTRY["lookalike_latin"]:
        surname, given = lookalike(surname, rng), lookalike(given, rng)
        cats.add("reg:lookalike_latin")
    if rng.random() < REGISTRY["no_patronymic"]:
        patronymic = ""
        cats.add("reg:no_patronymic")
    if rng.random() < REGISTRY["initials_only"]:
        cats.add("reg:initials_only")
        given, patronymic = f"{given[:1]}.", f"{patronymic[:1]}." if patronymic else ""
    return surname, given, patronymic, cats


def registry_birth(birth: date, rng: random.Random) -> tuple[date | None, set[str]]:
    """The birth date as the record holds it: missing, day/month swapped, one digit off."""
    r = rng.random()
    if r < REGISTRY["birth_missing"]:
        return None, {"reg:birth_missing"}
    r -= REGISTRY["birth_missing"]
    if r < REGISTRY["birth_swapped"] and birth.day <= 12 and birth.day != birth.month:
        return date(birth.year, birth.day, birth.month), {"reg:birth_swapped"}
    r -= REGISTRY["birth_swapped"]
    if r < REGISTRY["birth_digit"]:
        tens = birth.day // 10 * 10
        days = [tens + d for d in range(10) if 1 <= tens + d <= 28 and tens + d != birth.day]
        if days:
            return date(birth.year, birth.month, rng.choice(days)), {"reg:birth_digit"}
    return birth, set()
