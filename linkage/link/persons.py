"""Which rows describe the same person: records of repeat admissions, and the name
keys that tell namesakes apart. Used by the status rules ("fits two people" must
mean two different persons)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from linkage.link.coded import positions
from linkage.names.canon import canonical_token
from linkage.names.similarity import one_slip


def name_key(frame: pd.DataFrame) -> pd.Series:
    """Surname skeleton (the blocking key: gender ending and vowels dropped, so a
    registry typo like Емельняов is still Емельянов), given name and patronymic."""
    return frame["surname_key"] + "|" + frame["given_canon"] + "|" + frame["patronymic_canon"]


def person_key(records: pd.DataFrame) -> pd.Series:
    """Records grouped into persons (repeat admissions spelt differently): the same
    surname (or one slip apart) with compatible given name, patronymic and birth date,
    or the same case number and surname; a record without a birth date joins the one
    person of compatible name who has one.

    Parts are compatible when they agree, are one typing slip apart, are only an
    initial that fits, or are missing on one side (no patronymic in one record).
    Birth dates are compatible when equal, or, for fully spelt names, with day and
    month swapped or one digit off (a registry typo in one admission).
    """
    n = len(records)
    if n == 0:
        return pd.Series([], index=records.index, dtype=object)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    rows = _name_rows(records)
    birth = records["birth_date"].fillna("").to_numpy()
    blocks: dict[str, list[int]] = {}
    for i in range(n):
        if birth[i]:
            blocks.setdefault(f"b:{birth[i]}", []).append(i)
        if rows[i][0] and birth[i]:
            blocks.setdefault(f"s:{rows[i][0]}", []).append(i)
    for members in blocks.values():
        for i, later in _date_neighbours(members, birth):
            for j in later:
                if find(i) != find(j) and _births_fit(birth[i], birth[j], rows[i], rows[j]) \
                        and _compatible(rows[i], rows[j]):
                    union(i, j)
    case = records["case_key"].fillna("").to_numpy() if "case_key" in records else [""] * n
    by_case: dict[tuple[str, str], int] = {}
    for i in range(n):
        if case[i] and rows[i][0]:
            union(i, by_case.setdefault((case[i], rows[i][0]), i))
    by_surname: dict[str, list[int]] = {}
    by_initials: dict[str, list[int]] = {}      # a surname typed with a slip: Емельнов
    for i in range(n):
        if birth[i] and rows[i][0]:
            by_surname.setdefault(rows[i][0], []).append(i)
            by_initials.setdefault(_initials(rows[i]), []).append(i)
    for i in range(n):
        if birth[i] or not rows[i][0]:
            continue
        candidates = set(by_surname.get(rows[i][0], ())) | set(by_initials.get(
            _initials(rows[i]), ()))
        persons = {find(j) for j in candidates if _compatible(rows[i], rows[j])}
        if len(persons) == 1:
            union(i, persons.pop())
    ids = records.index.to_numpy()
    return pd.Series([f"p:{ids[find(i)]}" for i in range(n)], index=records.index)


def _date_neighbours(members: list[int], birth) -> list[tuple[int, list[int]]]:
    """Each member with the later members whose birth date could be one date typed
    twice (see `_same_date_typed`), in the members' order. A common surname's block
    holds hundreds of records: comparing every two of them is most of the work, and
    only dates that share a key can fit: the date itself, its day and month swapped,
    or the date with any one character left out."""
    if len(members) <= 8:
        return [(i, members[x + 1:]) for x, i in enumerate(members)]
    by_key: dict[tuple, list[int]] = {}
    keys_of = []
    for x, i in enumerate(members):
        keys = _date_keys(birth[i])
        keys_of.append(keys)
        for key in keys:
            by_key.setdefault(key, []).append(x)
    out = []
    for x, i in enumerate(members):
        later = sorted({y for key in keys_of[x] for y in by_key[key] if y > x})
        out.append((i, [members[y] for y in later]))
    return out


def _date_keys(date: str) -> set[tuple]:
    """Keys two dates share whenever `_same_date_typed` holds for them."""
    keys = {("swap", date[:4], *sorted((date[5:7], date[8:10])))}
    keys.update(("one", len(date), k, date[:k] + date[k + 1:]) for k in range(len(date)))
    return keys


_COLUMNS = ["surname_key", "surname", "given_name", "given_initial", "patronymic",
            "patronymic_initial"]


def _name_rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    values = frame.reindex(columns=_COLUMNS).fillna("").astype(str).to_numpy()
    return [tuple(row) for row in values]


def _initials(row: tuple[str, ...]) -> str:
    """Surname, given name and patronymic initials (canonical): where a record whose
    surname has a slip looks for its person."""
    return "".join(canonical_token((word or initial)[:1])
                   for word, initial in ((row[1], ""), (row[2], row[3]), (row[4], row[5])))


def _births_fit(a: str, b: str, row_a: tuple[str, ...], row_b: tuple[str, ...]) -> bool:
    if a == b:
        return True
    if not (len(row_a[2]) > 1 and len(row_b[2]) > 1):
        return False                   # a registry typo needs given names spelt out
    return _same_date_typed(a, b)


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Could these two name rows be one person's (see person_key)?"""
    if a[0] != b[0] and not _same_word(a[1], b[1]):
        return False
    if not _part_fits(a[4], a[5], b[4], b[5]):
        return False
    return _part_fits(a[2], a[3], b[2], b[3]) or _two_slips(a[2], b[2])


def _two_slips(a: str, b: str) -> bool:
    """Two records of one admission history can each carry a slip in a long given name
    (Екатермна, Екаетрина): two edits apart in words of eight letters or more."""
    a, b = a.lower().replace("ё", "е"), b.lower().replace("ё", "е")
    return min(len(a), len(b)) >= 8 and OSA.distance(a, b) <= 2


def _part_fits(word_a: str, initial_a: str, word_b: str, initial_b: str) -> bool:
    if word_a and word_b:
        return _same_word(word_a, word_b)
    first_a = word_a or initial_a
    first_b = word_b or initial_b
    if not first_a or not first_b:
        return True                     # missing on one side: no evidence against
    return canonical_token(first_a[:1]) == canonical_token(first_b[:1])


def _same_word(a: str, b: str) -> bool:
    return canonical_token(a) == canonical_token(b) or one_slip(a, b)


def namesakes_without_birth(pairs: pd.Index, records: pd.DataFrame,
                            studies: pd.DataFrame) -> np.ndarray:
    """Pairs whose study or record has no birth date while its full name belongs to
    two or more people: birth dates, among records and studies of that name, that are
    not one date typed twice (equal, day and month swapped, or one digit off)."""
    names = pd.concat([name_key(records), name_key(studies)])
    births = pd.concat([records["birth_date"], studies["birth_date"]]).fillna("")
    people = pd.DataFrame({"name": names.to_numpy(), "birth": births.to_numpy()})
    # a name without a surname (an anonymised study known by its folder) is no name
    people = people[(people["birth"] != "") & ~people["name"].str.startswith("|")]
    people = people.drop_duplicates()
    counts = people.groupby("name")["birth"].nunique()
    shared = set()
    for name, group in people[people["name"].isin(counts[counts > 1].index)].groupby("name"):
        dates = sorted(group["birth"])
        if any(not _same_date_typed(a, b) for i, a in enumerate(dates) for b in dates[i + 1:]):
            shared.add(name)

    def at_risk(frame: pd.DataFrame) -> np.ndarray:
        return ((frame["birth_date"].fillna("") == "") & name_key(frame).isin(shared)).to_numpy()

    return at_risk(studies)[positions(pairs, 1, studies.index)] | \
        at_risk(records)[positions(pairs, 0, records.index)]


def _same_date_typed(a: str, b: str) -> bool:
    """ISO dates that are one date typed twice: equal, day/month swapped, one digit off."""
    swapped = a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]
    return a == b or swapped or (len(a) == len(b) and sum(map(str.__ne__, a, b)) == 1)
