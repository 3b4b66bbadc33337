"""From scored pairs to auto / review / non-match, with human decisions on top.

Thresholds alone are not enough: an exact name with a different birth date, or
a study that fits two different people about equally (namesakes), goes to a
person even when its score is high. Studies that share PatientID and name are
kept consistent: each gets the best score of its group for the same record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.link.comparisons import COMPARISONS

AUTO, REVIEW, CONFIRMED, REJECTED = "auto", "review", "confirmed", "rejected"
AMBIGUITY_BITS = 6.0   # two people within 2**6 = 64x of each other: too close to call


@dataclass(frozen=True)
class Thresholds:
    auto: float = 0.99
    review: float = 0.2


def _level(name: str, label: str) -> int:
    comp = next(c for c in COMPARISONS if c.name == name)
    return comp.level_index(label)


def harmonise_groups(scored: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Studies with the same PatientID and surname are one person's: a record gets
    the same (best) score for all of them."""
    keys = studies["case_key"].where(studies["case_key"] != "", None)
    surnames = studies["surname_canon"].where(studies["surname_canon"] != "", None)
    group = (keys + "|" + surnames).dropna()
    if group.empty or len(scored) == 0:
        return scored
    frame = scored[["score", "weight"]].copy()
    frame["group"] = group.reindex(scored.index.get_level_values(1)).to_numpy()
    frame["record"] = scored.index.get_level_values(0)
    grouped = frame.dropna(subset=["group"])
    if grouped.empty:
        return scored
    best = grouped.groupby(["record", "group"])[["score", "weight"]].transform("max")
    scored = scored.copy()
    scored.loc[best.index, "score"] = best["score"].to_numpy()
    scored.loc[best.index, "weight"] = best["weight"].to_numpy()
    return scored


def person_key(records: pd.DataFrame) -> pd.Series:
    """Records that seem to describe the same person (repeat admissions) share a key."""
    return records["surname_canon"].str.replace(r"a$", "", regex=True) + "|" + \
        records["given_canon"] + "|" + records["birth_date"].fillna("")


def classify(scored: pd.DataFrame, records: pd.DataFrame, thresholds: Thresholds
             ) -> pd.DataFrame:
    """Add `status` (auto / review / "") and `flags` (why a high score was held back)."""
    out = scored.copy()
    score = out["score"].to_numpy()
    status = np.where(score >= thresholds.auto, AUTO,
                      np.where(score >= thresholds.review, REVIEW, ""))
    flags = np.array([""] * len(out), dtype=object)

    conflict = ((out["surname"] == _level("surname", "exact"))
                & (out["given_name"] == _level("given_name", "exact"))
                & ((out["birth_date"] == _level("birth_date", "different"))
                   | (out["sex"] == _level("sex", "different")))).to_numpy()
    held = conflict & (status == AUTO)
    status[held] = REVIEW
    flags[held] = "имя совпадает, но дата рождения или пол другие"

    persons = person_key(records)
    frame = pd.DataFrame({
        "study": out.index.get_level_values(1),
        "person": persons.reindex(out.index.get_level_values(0)).to_numpy(),
        "weight": out["weight"].to_numpy(),
    })
    candidates = frame[status != ""]
    if not candidates.empty:
        best_per_person = candidates.groupby(["study", "person"])["weight"].max()
        ranked = best_per_person.groupby(level=0).apply(
            lambda s: s.sort_values(ascending=False).to_numpy()[:2])
        close = {study for study, top in ranked.items()
                 if len(top) > 1 and top[0] - top[1] < AMBIGUITY_BITS}
        ambiguous = frame["study"].isin(close).to_numpy() & (status == AUTO)
        status[ambiguous] = REVIEW
        flags[ambiguous] = "снимок подходит двум разным людям"
    out["status"] = status
    out["flags"] = flags
    return out
