"""Which rows describe the same person: records of repeat admissions, and the name
keys that tell namesakes apart. Used by the status rules ("fits two people" must
mean two different persons)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from linkage.link.coded import positions
from linkage.names.canon import canonical_token
from linkage.names.morph import two_given_names
from linkage.names.similarity import one_slip


def name_key(frame: pd.DataFrame) -> pd.Series:
    """Surname skeleton (the blocking key: gender ending and vowels dropped, so a
    registry typo like Емельняов is still Емельянов), given name and patronymic."""
    return frame["surname_key"] + "|" + frame["given_canon"] + "|" + frame["patronymic_canon"]


def person_key(records: pd.DataFrame) -> pd.Series:
    """Records grouped into persons (repeat admissions spelt differently), only on what
    tells two people apart (docs/architecture.md, "What an automatic link rests on"):

    - records with a given name written out and a birth date are one person when the
      birth dates are equal and the names are compatible;
    - records with the same case number and surname are one person;
    - a record with only an initial, or without a birth date, stays alone: an initial
      and a birth date are shared by twins, a name alone by namesakes.

    Two records whose birth dates differ by one digit, one year or a swap of day and
    month stay two persons,
    however well the names agree: that is as likely two namesakes as a typo, and their
    pairs are asked. Parts are compatible when they agree, are one typing slip apart,
    are only an initial that fits, or are missing on one side.
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
    spelt = [bool(birth[i]) and len(rows[i][2]) > 1 for i in range(n)]
    by_date: dict[tuple, list[int]] = {}
    for i in range(n):
        if spelt[i]:
            by_date.setdefault(_date_key(birth[i]), []).append(i)
    for members in by_date.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if find(i) != find(j) and _compatible(rows[i], rows[j]):
                    union(i, j)
    case = records["case_key"].fillna("").to_numpy() if "case_key" in records else [""] * n
    by_case: dict[tuple[str, str], int] = {}
    for i in range(n):
        if case[i] and rows[i][0]:
            union(i, by_case.setdefault((case[i], rows[i][0]), i))
    ids = records.index.to_numpy()
    return pd.Series([f"p:{ids[find(i)]}" for i in range(n)], index=records.index)


def _date_key(date: str) -> str:
    """Records of one person share it: the birth date itself. (The registry types every
    date day first, so a swap there is no typo but another person's date.)"""
    return date


_COLUMNS = ["surname_key", "surname", "given_name", "given_initial", "patronymic",
            "patronymic_initial"]


def _name_rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    values = frame.reindex(columns=_COLUMNS).fillna("").astype(str).to_numpy()
    return [tuple(row) for row in values]


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Could these two name rows be one person's (see person_key)?"""
    if a[0] != b[0] and not _same_word(a[1], b[1]):
        return False
    if not _part_fits(a[4], a[5], b[4], b[5]) or two_given_names(a[2], b[2]):
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
    not one date (one digit apart or day and month swapped may be two people)."""
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
        if len({_date_key(d) for d in dates}) > 1:
            shared.add(name)

    def at_risk(frame: pd.DataFrame) -> np.ndarray:
        return ((frame["birth_date"].fillna("") == "") & name_key(frame).isin(shared)).to_numpy()

    return at_risk(studies)[positions(pairs, 1, studies.index)] | \
        at_risk(records)[positions(pairs, 0, records.index)]
