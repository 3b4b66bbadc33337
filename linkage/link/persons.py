"""Which rows describe the same person: records of repeat admissions, and the name
keys that tell namesakes apart. Used by the status rules ("fits two people" must
mean two different persons)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from linkage.names.canon import canonical_token


def name_key(frame: pd.DataFrame) -> pd.Series:
    """Surname skeleton (the blocking key: gender ending and vowels dropped, so a
    registry typo like Емельняов is still Емельянов), given name and patronymic."""
    return frame["surname_key"] + "|" + frame["given_canon"] + "|" + frame["patronymic_canon"]


def person_key(records: pd.DataFrame) -> pd.Series:
    """Records grouped into persons (repeat admissions spelt differently): the same
    birth date and compatible names, or the same case number and surname; a record
    without a birth date joins the one person of compatible name who has one.

    Names are compatible when each part agrees, is one typing slip away, is only an
    initial that fits, or is missing on one side (no patronymic in one record).
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
    by_birth: dict[str, list[int]] = {}
    for i, b in enumerate(birth):
        if b:
            by_birth.setdefault(b, []).append(i)
    for members in by_birth.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if _compatible(rows[i], rows[j]):
                    union(i, j)
    case = records["case_key"].fillna("").to_numpy() if "case_key" in records else [""] * n
    by_case: dict[tuple[str, str], int] = {}
    for i in range(n):
        if case[i] and rows[i][0]:
            first = by_case.setdefault((case[i], rows[i][0]), i)
            union(i, first)
    by_surname: dict[str, list[int]] = {}
    for i in range(n):
        if birth[i] and rows[i][0]:
            by_surname.setdefault(rows[i][0], []).append(i)
    for i in range(n):
        if birth[i] or not rows[i][0]:
            continue
        persons = {find(j) for j in by_surname.get(rows[i][0], ()) if _compatible(rows[i], rows[j])}
        if len(persons) == 1:
            union(i, persons.pop())
    ids = records.index.to_numpy()
    return pd.Series([f"p:{ids[find(i)]}" for i in range(n)], index=records.index)


def _name_rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    columns = ["surname_key", "surname_canon", "given_canon", "given_initial",
               "patronymic_canon", "patronymic_initial"]
    values = frame.reindex(columns=columns).fillna("").astype(str).to_numpy()
    return [tuple(row) for row in values]


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Could these two name rows be one person's (see person_key)?"""
    if a[0] != b[0] and not _slip(a[1], b[1]):
        return False
    return _part_fits(a[2], a[3], b[2], b[3]) and _part_fits(a[4], a[5], b[4], b[5])


def _part_fits(word_a: str, initial_a: str, word_b: str, initial_b: str) -> bool:
    if word_a and word_b:
        return word_a == word_b or _slip(word_a, word_b)
    first_a = (word_a[:1] or initial_a[:1]).lower()
    first_b = (word_b[:1] or initial_b[:1]).lower()
    if not first_a or not first_b:
        return True                     # missing on one side: no evidence against
    if word_a or word_b:                # a canonical word against a Cyrillic initial
        first_a, first_b = canonical_token(first_a)[:1], canonical_token(first_b)[:1]
    return first_a == first_b


def _slip(a: str, b: str) -> bool:
    """One typing slip between two canonical words (five letters or more)."""
    if not a or not b or abs(len(a) - len(b)) > 1 or max(len(a), len(b)) < 5:
        return False
    return OSA.distance(a, b) <= 1


def namesakes_without_birth(pairs: pd.Index, records: pd.DataFrame,
                            studies: pd.DataFrame) -> np.ndarray:
    """Pairs whose study or record has no birth date while its full name belongs to
    two or more people (seen as different birth dates in records or studies)."""
    names = pd.concat([name_key(records), name_key(studies)])
    births = pd.concat([records["birth_date"], studies["birth_date"]]).fillna("")
    people = pd.DataFrame({"name": names.to_numpy(), "birth": births.to_numpy()})
    people = people[people["birth"] != ""]
    shared = set(people.groupby("name")["birth"].nunique().loc[lambda s: s > 1].index)

    def at_risk(frame: pd.DataFrame) -> pd.Index:
        return frame.index[(frame["birth_date"].fillna("") == "") & name_key(frame).isin(shared)]

    return pairs.get_level_values(1).isin(at_risk(studies)) | \
        pairs.get_level_values(0).isin(at_risk(records))
