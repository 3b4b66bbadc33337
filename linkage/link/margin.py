"""Who else the images could be: the margin of an automatic link (docs/architecture.md,
"What an automatic link rests on", (c)). Each function takes the rules' context
(`status.Context`: the scored pairs, both tables, the persons) and returns, per pair,
whether another registry person could be the one in the images: a namesake without a
birth date, a namesake born a digit, a year or a day/month swap away, or a folder named
with another given name. `status.auto_evidence` holds such pairs for a person."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.names.canon import canonical_token
from linkage.names.conventions import translated_given
from linkage.names.similarity import similarity_many

SIMILAR_NAME = 0.9     # as link.comparisons.SIMILAR: at or above, one name


def namesake_born_near(ctx, auto: np.ndarray) -> np.ndarray:
    """Pairs whose study's name also fits another person, in the registry or in the
    images, born one digit, one year or a day/month swap away from the study's birth
    date: such a date tells the two apart no better than a typo in either (and the
    registry's exact date may be the typo: a namesake's, mistyped into this one)."""
    rows = np.flatnonzero(auto & (ctx.study_values("birth_date") != ""))
    out = np.zeros(len(ctx.scored), dtype=bool)
    if not rows.size:
        return out
    records, studies_all = ctx.records, ctx.studies
    people = pd.concat([
        pd.DataFrame({"key": (records["surname_key"].fillna("") + "|"
                              + _initial_of(records)).to_numpy(),
                      "person": ctx.persons.to_numpy(),
                      "birth": records["birth_date"].fillna("").to_numpy(),
                      "given": records["given_canon"].fillna("").to_numpy()}),
        # each study a witness of its own (its images may be another person's)
        pd.DataFrame({"key": (_surname_key(studies_all) + "|"
                              + _initial_of(studies_all)).to_numpy(),
                      "person": ("image:" + studies_all.index.astype(str)).to_numpy(),
                      "birth": studies_all["birth_date"].fillna("").to_numpy(),
                      "given": studies_all["given_canon"].fillna("").to_numpy()})])
    people = people[(people["birth"] != "") & (people["key"].str.len() > 2)] \
        .drop_duplicates(["key", "birth", "given"])
    by_key = {k: g for k, g in people.groupby("key")}
    studies = ctx.studies.iloc[ctx.study_rows[rows]]
    study_keys = (_surname_key(studies) + "|" + _initial_of(studies)).to_numpy()
    for row, study_key, birth, given, person in zip(
            rows.tolist(), study_keys.tolist(), studies["birth_date"].tolist(),
            studies["given_canon"].fillna("").tolist(), ctx.pair_persons[rows].tolist(),
            strict=True):
        others = by_key.get(study_key)
        if others is None:
            continue
        for other_person, other_birth, other_given in zip(
                others["person"], others["birth"], others["given"], strict=True):
            if other_person != person and _born_near(birth, other_birth) and \
                    (len(given) < 2 or len(other_given) < 2 or given == other_given):
                out[row] = True
                break
    return out


def _surname_key(studies: pd.DataFrame) -> pd.Series:
    """The images' surname, or the folder's when they carry none (anonymised): the name
    the linker went by."""
    own = studies["surname_key"].fillna("")
    return own.where(own != "", studies["folder_key"].fillna(""))


def _initial_of(frame: pd.DataFrame) -> pd.Series:
    given = frame["given_canon"].fillna("")
    return given.str[:1].where(given != "", frame["given_initial"].fillna("").map(
        lambda i: canonical_token(i)[:1]))


def _born_near(a: str, b: str) -> bool:
    """Two ISO dates one digit, one year (same day) or a day/month swap apart."""
    if a == b or len(a) != 10 or len(b) != 10:
        return False
    digits = sum(x != y for x, y in zip(a, b, strict=True)) == 1
    year = a[4:] == b[4:] and abs(int(a[:4]) - int(b[:4])) == 1
    swap = a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]
    return digits or year or swap


def folder_names_another(ctx, auto: np.ndarray) -> np.ndarray:
    """Pairs whose study's folder is named with a given name that is not the record's
    (the twin's folder «Тамцева Варвара» holding images signed «ТАМЦЕВА^В.Г.»)."""
    rows = np.flatnonzero(auto & (ctx.study_values("folder_given") != ""))
    out = np.zeros(len(ctx.scored), dtype=bool)
    if not rows.size:
        return out
    pairs = list(zip(ctx.record_values("given_name")[rows].tolist(),
                     ctx.study_values("folder_given")[rows].tolist(), strict=True))
    distinct = sorted({p for p in pairs if p[0]})
    if not distinct:
        return out
    similar = dict(zip(distinct, similarity_many([a for a, _ in distinct],
                                                 [translated_given(b) for _, b in distinct])
                       >= SIMILAR_NAME, strict=True))
    out[rows] = [bool(a) and not similar[(a, b)] for a, b in pairs]
    return out


def undated_namesake(ctx) -> np.ndarray:
    """Pairs whose record's surname and given name are also another registry person's
    who has no birth date: nothing tells which of the two the images show."""
    records = ctx.records
    key = (records["surname_key"].fillna("") + "|" + records["given_canon"].fillna("")) \
        .to_numpy()
    undated = (records["birth_date"].fillna("") == "").to_numpy() & \
        (records["given_canon"].fillna("").str.len() > 1).to_numpy()
    if not undated.any():
        return np.zeros(len(ctx.scored), dtype=bool)
    persons = ctx.persons.to_numpy()
    owners = pd.DataFrame({"key": key[undated], "person": persons[undated]}) \
        .drop_duplicates().groupby("key")["person"].agg(set)
    pair_keys = key[ctx.record_rows]
    pair_persons = ctx.pair_persons
    out = np.zeros(len(ctx.scored), dtype=bool)
    for i in np.flatnonzero(pd.Series(pair_keys).isin(owners.index).to_numpy()):
        out[i] = bool(owners[pair_keys[i]] - {pair_persons[i]})
    return out
