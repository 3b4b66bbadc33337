"""Candidate pairs: the union of several blocking passes.

A single wrong field (a misspelt surname, a swapped birth date, a folder named
after a relative) must never hide a true pair, so each pass keys on something
different and the candidate set is their union. Empty keys never block together.

Every pass is a join on a key, so the `Blocker` builds each once over both whole
tables and can then give the pairs of any set of studies: the link stage asks for
them a chunk of studies at a time (docs/architecture.md, "Memory that does not grow").
The sorted-neighbourhood pass is a join too: recordlinkage's SortedNeighbourhood,
run once over the distinct surnames of both sides, says which record surnames are
near each study surname (its ranks are over the distinct values, so this is the
relation it would find between the whole tables).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.link.coded import day_numbers
from linkage.link.comparisons import StudyDate

# (record column, study column) pairs: one blocking pass each.
BLOCK_PASSES: tuple[tuple[str, str], ...] = (
    ("surname_key", "surname_key"),          # canonical surname, any script
    ("surname_key", "folder_key"),           # the folder's surname
    # equal birth dates too: the unordered key holds day and month sorted, so it proposes
    # every pair an exact birth-date pass would, and those with day and month swapped
    ("birth_unordered", "birth_unordered"),
    ("case_key", "case_key"),                # case number = PatientID (in-house studies)
    (("birth_year", "given_key"), ("birth_year", "given_key")),
)
NEIGHBOURHOOD_COLUMN = "surname_canon"
NEIGHBOURHOOD_WINDOW = 5
# the maiden-name pass: a woman's given name and patronymic, and an admission in the
# days around the study where StudyDate says the study "fits", in periods of this many days
STAY_PERIOD_DAYS = 90
BEFORE_STUDY_DAYS = StudyDate.AFTER_ADMISSION      # an admission this long before it
AFTER_STUDY_DAYS = StudyDate.BEFORE_ADMISSION       # or this long after it


@dataclass(frozen=True)
class BlockingReport:
    pairs: int
    all_pairs: int

    @property
    def reduction_ratio(self) -> float:
        return 1.0 - self.pairs / self.all_pairs if self.all_pairs else 0.0


@dataclass(frozen=True)
class _Join:
    """Records and study entries with integer keys (-1: no key); a study may have
    several entries (one per record surname near its own)."""

    record_order: np.ndarray      # record positions sorted by key
    record_keys: np.ndarray       # their keys, sorted
    entry_studies: np.ndarray     # per entry: the study's position
    entry_keys: np.ndarray        # per entry: the key it joins on

    @classmethod
    def of(cls, record_keys: np.ndarray, entry_studies: np.ndarray, entry_keys: np.ndarray
           ) -> _Join:
        keyed = np.flatnonzero(record_keys >= 0)
        order = keyed[np.argsort(record_keys[keyed], kind="stable")]
        wanted = entry_keys >= 0
        return cls(order, record_keys[order], entry_studies[wanted], entry_keys[wanted])

    def matches(self, entries: np.ndarray | slice = slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """Per entry (or these entries): where its records start, and how many."""
        keys = self.entry_keys[entries]
        start = np.searchsorted(self.record_keys, keys, side="left")
        return start, np.searchsorted(self.record_keys, keys, side="right") - start

    def pairs(self, in_chunk: np.ndarray, n_studies: int) -> np.ndarray:
        """Pair numbers (record position x studies + study position) of the studies
        marked in `in_chunk`."""
        entries = np.flatnonzero(in_chunk[self.entry_studies])
        start, count = self.matches(entries)
        total = int(count.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        first = np.repeat(np.cumsum(count) - count, count)
        records = self.record_order[np.repeat(start, count) + np.arange(total) - first]
        return records.astype(np.int64) * n_studies + np.repeat(self.entry_studies[entries],
                                                                 count)


class Blocker:
    """The blocking passes over two whole tables, ready to give any studies' pairs."""

    def __init__(self, records: pd.DataFrame, studies: pd.DataFrame) -> None:
        self.n_records, self.n_studies = len(records), len(studies)
        every_study = np.arange(len(studies))
        self.joins = []
        for left, right in BLOCK_PASSES:
            record_keys, study_keys = _joint_keys(records, left, studies, right)
            self.joins.append(_Join.of(record_keys, every_study, study_keys))
        self.joins.append(_neighbourhood(records, studies))
        self.joins.append(woman_near_stay(records, studies))

    def report(self, pairs: int) -> BlockingReport:
        return BlockingReport(pairs, self.n_records * self.n_studies)

    def pairs_per_study(self) -> np.ndarray:
        """At most how many pairs each study has (a pair two passes propose counts
        twice): what the link stage plans its chunks by."""
        out = np.zeros(self.n_studies, dtype=np.int64)
        for join in self.joins:
            out += np.bincount(join.entry_studies, weights=join.matches()[1],
                               minlength=self.n_studies).astype(np.int64)
        return out

    def pairs(self, studies: np.ndarray | None = None) -> np.ndarray:
        """The pairs of these study positions (all by default), each once, as pair
        numbers (record position x studies + study position), ascending."""
        in_chunk = np.ones(self.n_studies, dtype=bool) if studies is None else \
            np.isin(np.arange(self.n_studies), studies)
        found = [join.pairs(in_chunk, self.n_studies) for join in self.joins]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def pair_index(numbers: np.ndarray, records: pd.Index, studies: pd.Index) -> pd.MultiIndex:
    """Pair numbers as a (record_id, study_instance_uid) index, built from positions so
    that no label is hashed again."""
    return pd.MultiIndex(levels=[records, studies],
                         codes=[numbers // len(studies), numbers % len(studies)],
                         names=["record_id", "study_instance_uid"], verify_integrity=False)


def candidate_pairs(records: pd.DataFrame, studies: pd.DataFrame
                    ) -> tuple[pd.MultiIndex, BlockingReport]:
    """All (record_id, study_instance_uid) pairs that any pass proposes."""
    blocker = Blocker(records, studies)
    numbers = blocker.pairs()
    return pair_index(numbers, records.index, studies.index), blocker.report(len(numbers))


def _key_column(frame: pd.DataFrame, columns) -> np.ndarray:
    """One text key per row ("" when any of its columns is empty)."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    parts = [frame[c].fillna("").astype(str).to_numpy(dtype=object) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = np.where((key == "") | (part == ""), "", key + "\x1f" + part)
    return key


def _joint_keys(records: pd.DataFrame, left, studies: pd.DataFrame, right
                ) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' keys as codes into one vocabulary (-1: empty)."""
    both = np.concatenate([_key_column(records, left), _key_column(studies, right)])
    codes, words = pd.factorize(both)
    codes = codes.astype(np.int64)
    codes[both == ""] = -1
    return codes[:len(records)], codes[len(records):]


def woman_near_stay(records: pd.DataFrame, studies: pd.DataFrame) -> _Join:
    """The maiden-name pass as a join: a woman's images signed with another surname and
    no birth date share nothing with her record but the given name, the patronymic and
    the time. Each record keys on those and its admission's period; each study has an
    entry per period an admission fitting its date could lie in."""
    if not {"given_canon", "patronymic_canon", "admission_date"} <= set(records) or \
            not {"given_canon", "patronymic_canon", "study_date"} <= set(studies):
        empty = np.zeros(0, dtype=np.int64)
        return _Join.of(np.full(len(records), -1, dtype=np.int64), empty, empty)
    names = _key_column(records, ("given_canon", "patronymic_canon"))
    admitted = day_numbers(records["admission_date"])
    woman = _women(records)
    record_words = np.where(woman & (names != "") & (admitted > 0),
                            names + "\x1f" + (admitted // STAY_PERIOD_DAYS).astype(str), "")
    study_names = _key_column(studies, ("given_canon", "patronymic_canon"))
    made = day_numbers(studies["study_date"])
    wanted = np.flatnonzero(_women(studies, unknown=True) & (study_names != "") & (made > 0))
    first = (made[wanted] - BEFORE_STUDY_DAYS) // STAY_PERIOD_DAYS
    last = (made[wanted] + AFTER_STUDY_DAYS) // STAY_PERIOD_DAYS
    spans = last - first + 1
    entry_studies = np.repeat(wanted, spans)
    periods = np.repeat(first, spans) + np.arange(int(spans.sum())) - \
        np.repeat(np.cumsum(spans) - spans, spans)
    entry_words = study_names[entry_studies] + "\x1f" + periods.astype(str)
    codes, _ = pd.factorize(np.concatenate([record_words, entry_words]))
    codes = codes.astype(np.int64)
    record_codes = codes[:len(records)]
    record_codes[record_words == ""] = -1
    return _Join.of(record_codes, entry_studies.astype(np.int64), codes[len(records):])


def _women(frame: pd.DataFrame, unknown: bool = False) -> np.ndarray:
    """Rows of a woman: sex F, or no sex and a woman's patronymic (-вна, -чна, кызы);
    with `unknown`, any row not said to be a man's."""
    sex = frame["sex"].fillna("").to_numpy(dtype=object) if "sex" in frame \
        else np.full(len(frame), "", dtype=object)
    if unknown:
        return sex != "M"
    patronymic = frame["patronymic_canon"].fillna("").astype(str)
    womans = (patronymic.str.endswith("na") | patronymic.str.endswith("kizi")).to_numpy()
    return (sex == "F") | ((sex == "") & womans)


def _neighbourhood(records: pd.DataFrame, studies: pd.DataFrame) -> _Join:
    """The sorted-neighbourhood pass as a join: each study has an entry per record
    surname within the window of its own."""
    # here: a reused result needs no linker
    from linkage.link.recordlinkage_parts import load

    record_words = _key_column(records, NEIGHBOURHOOD_COLUMN)
    study_words = _key_column(studies, NEIGHBOURHOOD_COLUMN)
    record_codes, record_vocabulary = pd.factorize(record_words)
    study_codes, study_vocabulary = pd.factorize(study_words)
    record_codes[record_words == ""] = -1
    study_codes[study_words == ""] = -1
    a = pd.DataFrame({NEIGHBOURHOOD_COLUMN: record_vocabulary})
    b = pd.DataFrame({NEIGHBOURHOOD_COLUMN: study_vocabulary})
    a, b = a[a[NEIGHBOURHOOD_COLUMN] != ""], b[b[NEIGHBOURHOOD_COLUMN] != ""]
    empty = np.zeros(0, dtype=np.int64)
    if not len(a) or not len(b):
        return _Join.of(np.full(len(records), -1, dtype=np.int64), empty, empty)
    base, algorithms = load()
    near = base.BaseIndex([algorithms.SortedNeighbourhood(
        NEIGHBOURHOOD_COLUMN, window=NEIGHBOURHOOD_WINDOW)]).index(a, b)
    relation = pd.DataFrame({"record_word": near.get_level_values(0).to_numpy(),
                             "study_word": near.get_level_values(1).to_numpy()})
    # every study of a surname gets an entry per record surname near it
    studies_of = pd.DataFrame({"study": np.arange(len(studies)), "study_word": study_codes})
    entries = studies_of[studies_of["study_word"] >= 0].merge(relation, on="study_word")
    return _Join.of(record_codes.astype(np.int64), entries["study"].to_numpy(np.int64),
                    entries["record_word"].to_numpy(np.int64))
