"""Which rows describe the same person: records of repeat admissions, and the name
keys that tell namesakes apart. Used by the status rules ("fits two people" must
mean two different persons)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def name_key(frame: pd.DataFrame) -> pd.Series:
    """Surname skeleton (the blocking key: gender ending and vowels dropped, so a
    registry typo like Емельняов is still Емельянов), given name and patronymic."""
    return frame["surname_key"] + "|" + frame["given_canon"] + "|" + frame["patronymic_canon"]


def person_key(records: pd.DataFrame) -> pd.Series:
    """Records that seem to describe the same person (repeat admissions) share a key:
    same full name and birth date; a record without a birth date joins the one
    person of that name who has one."""
    name = name_key(records)
    birth = records["birth_date"].fillna("")
    known = pd.DataFrame({"name": name, "birth": birth})[birth != ""]
    single = known.groupby("name")["birth"].nunique()
    only_birth = known.drop_duplicates("name").set_index("name")["birth"]
    fill = name.map(only_birth.where(single == 1)).fillna("")
    return name + "|" + birth.where(birth != "", fill)


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
