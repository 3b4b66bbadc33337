"""A compared column as codes into its distinct values, so that the comparisons work
once per distinct value (or pair of values), never once per candidate pair.

Candidate pairs repeat the same few thousand words hundreds of thousands of times.
`compare_levels` hands the comparisons categorical columns (recordlinkage's Compare
then only takes small integer codes for each pair); `coded` reads such a column, or
any plain one, as positions into its words. A missing value is the empty word.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd


class Coded(NamedTuple):
    """`words[codes]` is the column; "" (missing) is among the words."""

    codes: np.ndarray           # int64, one per row
    words: np.ndarray           # object array of str

    def values(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The words of the column (or of some rows of it), as an object array."""
        return self.words[self.codes if rows is None else self.codes[rows]]

    def present(self) -> np.ndarray:
        """Per row: is there a word?"""
        return (self.words != "")[self.codes]


def coded(series: pd.Series) -> Coded:
    """A column as codes into its distinct words (missing = "", as `fillna("")` would)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        words = series.cat.categories.astype(str).to_numpy(dtype=object)
    else:
        codes, words = pd.factorize(series.fillna("").astype(str).to_numpy(dtype=object))
        codes = codes.astype(np.int64)
        words = np.asarray(words, dtype=object)
    codes[codes < 0] = len(words)               # NaN -> the trailing ""
    return Coded(codes, np.append(words, np.array([""], dtype=object)))


def day_numbers(series: pd.Series) -> np.ndarray:
    """ISO dates as day numbers (0 where missing or not a date), converted once per
    distinct date."""
    dates = coded(series)
    table = np.array([_ordinal(d) for d in dates.words], dtype=np.int64)
    return table[dates.codes]


def _ordinal(text: str) -> int:
    try:
        return date.fromisoformat(text).toordinal() if text else 0
    except ValueError:
        return 0


def common(*columns: Coded) -> list[Coded]:
    """The columns re-coded into one shared vocabulary: equal codes are equal words."""
    words = pd.unique(np.concatenate([c.words for c in columns]))
    index = pd.Index(words)
    out = []
    for column in columns:
        remap = index.get_indexer(column.words)
        out.append(Coded(remap[column.codes], words))
    return out


def categorical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """These columns of the frame (no others), as categoricals: taking a categorical for
    300,000 pairs moves small integers, not strings. Categories in the order first met,
    not sorted (sorting thousands of strings would cost more than the rest)."""
    out = {}
    for name in dict.fromkeys(c for c in columns if c in frame.columns):
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            out[name] = column
        else:
            codes, words = pd.factorize(column.to_numpy(dtype=object))
            out[name] = pd.Categorical.from_codes(codes, words)
    return pd.DataFrame(out, index=frame.index)


def positions(pairs: pd.Index, level: int, ids: pd.Index) -> np.ndarray:
    """Each pair's row in `ids` (one side's table index), as int64. A MultiIndex is
    itself codes into its distinct labels: each label is looked up once, not once per
    pair (a record is in hundreds of pairs). A pair whose id is not in `ids` is an
    error of the caller's, said at once rather than read as some other row."""
    if isinstance(pairs, pd.MultiIndex):
        found = ids.get_indexer(pairs.levels[level]).astype(np.int64)
        codes = pairs.codes[level]
        out = np.where(codes < 0, -1, found[codes])
    else:
        out = ids.get_indexer(pairs.get_level_values(level)).astype(np.int64)
    if (out < 0).any():
        raise KeyError(f"{int((out < 0).sum())} pairs refer to rows that are not in the table")
    return out
