"""From scored pairs to auto / review / non-match, with human decisions on top.

Thresholds alone are not enough. Evidence against a pair (an exact name with
another birth date, another given name), namesakes without a birth date, a name
known only from a folder, and a study that fits two people about equally go to a
person even when the score is high. A contradicted pair whose study is clearly
another person's automatic link is explained away and not asked. Studies that
share PatientID and name are kept consistent: each gets the best score of its
group for the same record.
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


def contradictions(scored: pd.DataFrame) -> np.ndarray:
    """Why a pair must not be accepted unseen, whatever its score ("" if nothing).

    Evidence against a link that other fields outweigh is still a question for a
    person: twins share surname, birth date and patronymic but not the given
    name; namesakes share the whole name but not the birth date.
    """
    out = np.array([""] * len(scored), dtype=object)
    rules = (
        ("sex", ("different",), "пол другой"),
        ("birth_date", ("different", "same_year"), "дата рождения другая"),
        ("given_name", ("different", "initial_mismatch"), "имя другое"),
        ("patronymic", ("different", "initial_mismatch"), "отчество другое"),
        ("surname", ("conflict",), "фамилия в снимке и в имени папки разные"),
    )
    for name, labels, text in rules:
        hit = scored[name].isin([_level(name, lb) for lb in labels]).to_numpy()
        out[hit & (out == "")] = text
    return out


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


def name_key(frame: pd.DataFrame) -> pd.Series:
    """Surname skeleton (the blocking key: gender ending and vowels dropped, so a
    registry typo like Емельняов is still Емельянов), given name and patronymic."""
    return frame["surname_key"] + "|" + frame["given_canon"] + "|" + frame["patronymic_canon"]


def namesakes_without_birth(scored: pd.DataFrame, records: pd.DataFrame,
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

    return scored.index.get_level_values(1).isin(at_risk(studies)) | \
        scored.index.get_level_values(0).isin(at_risk(records))


def classify(scored: pd.DataFrame, records: pd.DataFrame, thresholds: Thresholds,
             studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add `status` (auto / review / "") and `attention` (why a high score was held back)."""
    out = scored.copy()
    score = out["score"].to_numpy()
    status = np.where(score >= thresholds.auto, AUTO,
                      np.where(score >= thresholds.review, REVIEW, ""))
    attention = np.array([""] * len(out), dtype=object)

    def hold(mask: np.ndarray, why: str | np.ndarray) -> None:
        held = mask & (status == AUTO)
        status[held] = REVIEW
        attention[held] = why[held] if isinstance(why, np.ndarray) else why

    conflict = contradictions(out)
    hold(conflict != "", conflict)
    # A name read only from a folder is weak: folders sometimes hold two patients.
    birth_agrees = out["birth_date"].isin([_level("birth_date", "exact"),
                                           _level("birth_date", "swapped")])
    folder_only = (out["surname"] == _level("surname", "exact_folder")) & ~birth_agrees & \
        (out["case_number"] != _level("case_number", "same"))
    hold(folder_only.to_numpy(), "имя только в названии папки, без даты рождения")
    if studies is not None:
        hold(namesakes_without_birth(out, records, studies),
             "тёзки, а дата рождения не указана")
    persons = person_key(records)
    frame = pd.DataFrame({
        "study": out.index.get_level_values(1),
        "person": persons.reindex(out.index.get_level_values(0)).to_numpy(),
        "weight": out["weight"].to_numpy(),
    })
    candidates = frame[status != ""]
    if not candidates.empty:
        per_person = candidates.groupby(["study", "person"])["weight"].max().reset_index()
        per_person = per_person.sort_values(["study", "weight"], ascending=[True, False])
        rank = per_person.groupby("study").cumcount()
        top = per_person[rank == 0].set_index("study")["weight"]
        second = per_person[rank == 1].set_index("study")["weight"].reindex(top.index)
        close = top.index[(top - second.fillna(-np.inf)) < AMBIGUITY_BITS]
        best_person = per_person[rank == 0].set_index("study")["person"]
        not_best = (frame["person"] != best_person.reindex(frame["study"]).to_numpy()).to_numpy()
        hold(frame["study"].isin(close).to_numpy(), "снимок подходит двум разным людям")
        hold(not_best, "другой человек подходит к снимку лучше")
        # Explained away: evidence against this pair, and the study is clearly another
        # person's (an automatic link without contradictions, far ahead). Twins and
        # namesakes whose counterpart is in the registry are not asked about.
        clean_auto = (status == AUTO) & (conflict == "")
        explained = frame.loc[clean_auto, "study"].unique()
        away = (conflict != "") & (status == REVIEW) & not_best & \
            frame["study"].isin(explained).to_numpy() & \
            ~frame["study"].isin(close).to_numpy()
        status[away] = ""
        attention[away] = "снимок принадлежит другому человеку"
    out["status"] = status
    out["attention"] = attention
    return out
