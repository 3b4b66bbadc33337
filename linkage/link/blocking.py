"""Candidate pairs: the union of several blocking passes.

A single wrong field (a misspelt surname, a swapped birth date, a folder named
after a relative) must never hide a true pair, so each pass keys on something
different and the candidate set is their union. Empty keys never block together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.link.coded import positions

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
NEIGHBOURHOOD_WINDOW = 5


@dataclass(frozen=True)
class BlockingReport:
    pairs: int
    all_pairs: int

    @property
    def reduction_ratio(self) -> float:
        return 1.0 - self.pairs / self.all_pairs if self.all_pairs else 0.0


def _with_missing(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Blank keys become NaN, which recordlinkage's Block drops instead of matching."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    part = frame[columns]
    return part.where(part != "", np.nan)


def candidate_pairs(records: pd.DataFrame, studies: pd.DataFrame
                    ) -> tuple[pd.MultiIndex, BlockingReport]:
    """All (record_id, study_instance_uid) pairs that any pass proposes."""
    # here: a reused result needs no linker
    from linkage.link.recordlinkage_parts import load

    base, algorithms = load()
    indexes = []
    for left, right in BLOCK_PASSES:
        left_cols = [left] if isinstance(left, str) else list(left)
        right_cols = [right] if isinstance(right, str) else list(right)
        a = _with_missing(records, left_cols)
        b = _with_missing(studies, right_cols)
        b.columns = left_cols
        a, b = a.dropna(), b.dropna()
        if len(a) and len(b):
            indexer = base.BaseIndex([algorithms.Block(left_on=left_cols,
                                                       right_on=left_cols)])
            indexes.append(indexer.index(a, b))
    a = _with_missing(records, "surname_canon").dropna()
    b = _with_missing(studies, "surname_canon").dropna()
    if len(a) and len(b):
        indexer = base.BaseIndex([algorithms.SortedNeighbourhood(
            "surname_canon", window=NEIGHBOURHOOD_WINDOW)])
        indexes.append(indexer.index(a, b))
    pairs = _union(indexes, records.index, studies.index)
    return pairs, BlockingReport(len(pairs), len(records) * len(studies))


def _union(indexes: list[pd.MultiIndex], record_ids: pd.Index, study_ids: pd.Index
           ) -> pd.MultiIndex:
    """The passes' pairs, each once, in the order they were first proposed: every pair
    as one integer (record position x studies + study position), made unique by
    hashing."""
    keys = [positions(idx, 0, record_ids) * len(study_ids) + positions(idx, 1, study_ids)
            for idx in indexes if len(idx)]
    if not keys:
        return pd.MultiIndex.from_arrays([[], []], names=["record_id", "study_instance_uid"])
    unique = pd.unique(np.concatenate(keys))
    # built from positions, so no label is hashed again
    return pd.MultiIndex(levels=[record_ids, study_ids],
                         codes=[unique // len(study_ids), unique % len(study_ids)],
                         names=["record_id", "study_instance_uid"], verify_integrity=False)

