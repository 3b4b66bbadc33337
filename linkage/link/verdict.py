"""What the status rules share: the context they look at and the verdict they write.

`Context` holds the scored pairs (levels, weights, score) and both tables; `Verdict`
holds each pair's status, the reason a person should look, and the rule that decided
it. The rules themselves are in `link/status.py` (and the rescues they call on in
`link/rescue.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from linkage.config import Thresholds
from linkage.link.coded import positions
from linkage.link.persons import person_key

AUTO, REVIEW, CONFIRMED, REJECTED = "auto", "review", "confirmed", "rejected"
LINKED = (AUTO, CONFIRMED)      # what outcome studies take as a link


@dataclass
class Context:
    """What the rules look at: scored pairs (levels, weights, score) and both tables."""

    scored: pd.DataFrame
    records: pd.DataFrame
    studies: pd.DataFrame
    thresholds: Thresholds
    comparisons: tuple
    decisions: dict[tuple[str, str], str] = field(default_factory=dict)
    stale: set[tuple[str, str]] = field(default_factory=set)
    persons: pd.Series | None = None      # person_key(records), if already known

    def __post_init__(self) -> None:
        if self.persons is None:
            self.persons = person_key(self.records)

    @cached_property
    def record_rows(self) -> np.ndarray:
        """Each pair's row in `records` (looked up once per record, not per pair)."""
        return positions(self.scored.index, 0, self.records.index)

    @cached_property
    def study_rows(self) -> np.ndarray:
        """Each pair's row in `studies`: also the study's number where rules group."""
        return positions(self.scored.index, 1, self.studies.index)

    def record_values(self, column: str) -> np.ndarray:
        """Each pair's record's value of a column ("" where there is none)."""
        return self.records[column].fillna("").to_numpy()[self.record_rows]

    def study_values(self, column: str) -> np.ndarray:
        """Each pair's study's value of a column ("" where there is none)."""
        return self.studies[column].fillna("").to_numpy()[self.study_rows]

    @cached_property
    def pair_persons(self) -> np.ndarray:
        """Each pair's record's person (person_key)."""
        return self.persons.to_numpy()[self.record_rows]

    def at(self, name: str, *labels: str) -> np.ndarray:
        """Pairs whose comparison `name` is at one of these levels."""
        comp = next(c for c in self.comparisons if c.name == name)
        return self.scored[name].isin(comp.codes(*labels)).to_numpy()

    @cached_property
    def contradiction(self) -> np.ndarray:
        """Why a pair must not be accepted unseen, whatever its score ("" if nothing):
        the first level with a `hold`, in the comparisons' order, except a surname
        conflict the team's own filing explains (see filed_under_current_name)."""
        out = np.full(len(self.scored), "", dtype=object)
        for comp in self.comparisons:
            holds = [i for i, level in enumerate(comp.levels) if level.hold]
            codes = self.scored[comp.name].to_numpy()
            for code in holds:
                out[(codes == code) & (out == "")] = comp.levels[code].hold
        out[self.filed_under_current_name] = ""
        return out

    @cached_property
    def filed_under_current_name(self) -> np.ndarray:
        """The images carry another surname (a maiden name), but the team filed them in
        a folder named with the record's surname, the birth date agrees exactly and
        nothing else disagrees (given name whole or as an initial, patronymic the same
        or not written): the filing is the evidence a person would look for. (An
        impostor with the same given name, patronymic and birth date has a folder of
        her own surname.)"""
        if not {"surname", "given_name", "patronymic", "birth_date"} <= set(self.scored):
            return np.zeros(len(self.scored), dtype=bool)
        return self.at("surname", "conflict") & self.at("birth_date", "exact") & \
            self.at("given_name", "exact", "initial_match") & \
            self.at("patronymic", "exact", "initial_match", "missing")

    @cached_property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"study": self.study_rows, "person": self.pair_persons,
                             "weight": self.scored["weight"].to_numpy()})


@dataclass
class Verdict:
    status: np.ndarray
    attention: np.ndarray
    decided_by: np.ndarray
    answer: np.ndarray
    # set by the two-people rule, read by explained-away
    close: np.ndarray | None = None
    not_best: np.ndarray | None = None

    def set(self, mask: np.ndarray, status: str, rule: str, why: str | np.ndarray = "") -> None:
        self.status[mask] = status
        self.decided_by[mask] = rule
        if isinstance(why, np.ndarray):
            self.attention[mask] = why[mask]
        elif why:
            self.attention[mask] = why

    def hold(self, mask: np.ndarray, rule: str, why: str | np.ndarray) -> None:
        """Auto -> review, with the reason a person should look."""
        self.set(mask & (self.status == AUTO), REVIEW, rule, why)
