"""What a comparison level is, and the base of every comparison (link/comparisons.py).

A `Level` carries all that its meaning decides elsewhere: whether it is agreement,
evidence against or no information (the sheet's green, red or none), whether it
weighs at all, whether its weight is adjusted by term frequency, whether it holds a
pair back from automatic acceptance (and with which words), and its reason in
Russian and English. Level codes are positions in `levels`, but code only ever names
them (`self.code("exact")`), so reordering a tuple cannot silently change a result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

AGREE, AGAINST, NO_INFO = "agree", "against", "none"


@dataclass(frozen=True)
class Level:
    label: str
    kind: str                    # AGREE / AGAINST / NO_INFO: the sheet's green, red or none
    ru: str = ""                 # the reason in the sheet ("" = not worth a mention)
    en: str = ""
    weighs: bool = True          # False: weight 0 whatever m and u say
    tf: bool = False             # weight adjusted by how common the value is
    hold: str = ""               # never auto: the words for «Внимание» (Russian)
    scheme: bool = False         # the reason names the transliteration scheme that matched
    trains: bool = False         # EM training session: pairs at this level (see scoring)

    def reason(self, lang: str = "ru") -> str:
        return self.en if lang == "en" and self.en else self.ru


@dataclass(frozen=True)
class RecordColumn:
    """A column of the export that a comparison reads and no other part of linkage
    needs: its name in the records' table, and the headers an export may give it (a
    config's `[export.columns] <name> = "<header>"` names another)."""

    name: str
    headers: tuple[str, ...] = ()


def missing(ru: str = "", en: str = "") -> Level:
    """Level 0 of every comparison: no evidence either way, weight 0."""
    return Level("missing", NO_INFO, ru, en, weighs=False)


class Comparison:
    """A named comparison over some record columns and some study columns."""

    name: str = ""
    record_columns: tuple[str, ...] = ()
    study_columns: tuple[str, ...] = ()
    levels: tuple[Level, ...] = ()
    # Record columns this comparison alone reads, taken from the export by their headers
    # (link.identity.linking_records); the others are every record's (records.columns).
    export_columns: tuple[RecordColumn, ...] = ()
    # u among random pairs of the same sex: given names and patronymics are gendered,
    # and candidate pairs (blocked on gendered surnames) are nearly always same-sex.
    same_sex_u: bool = False
    tf_column: str | None = None     # record column holding the value for tf levels
    # Sheet cells (label keys of review.labels) coloured by this comparison's level.
    sheet_cells: tuple[str, ...] = ()
    # Words (ru, en) for a "similar" level that is one typing slip: clearer than "похоже".
    slip_reason: tuple[str, str] | None = None
    # compare() reads its columns through link.coded, so they may come as categoricals
    # (compare_levels makes them so); any other comparison gets plain columns.
    reads_codes: bool = False

    def code(self, label: str) -> int:
        """The integer a level is stored as; unknown labels fail loudly."""
        for index, level in enumerate(self.levels):
            if level.label == label:
                return index
        raise KeyError(f"{self.name} has no level «{label}»")

    def codes(self, *labels: str) -> list[int]:
        return [self.code(label) for label in labels]

    def level(self, code: int) -> Level:
        return self.levels[int(code)]

    def cell_kinds(self, code: int) -> dict[str, str]:
        """Sheet cell -> AGREE / AGAINST / NO_INFO for a pair at this level."""
        kind = self.level(code).kind
        return {cell: kind for cell in self.sheet_cells}

    def compare(self, left: list[pd.Series], right: list[pd.Series]) -> np.ndarray:
        raise NotImplementedError

    def feature(self, on_done: Callable[[Comparison], None] | None = None):
        """This comparison as a recordlinkage feature (recordlinkage is imported here,
        so that the declarations load without it: a reused result needs no linker).
        `on_done` is told when it has compared every pair (the progress bar)."""
        from linkage.link.recordlinkage_parts import load

        BaseCompareFeature = load()[0].BaseCompareFeature  # noqa: N806 - a class

        class _Feature(BaseCompareFeature):
            def __init__(self, comparison: Comparison):
                super().__init__(list(comparison.record_columns),
                                 list(comparison.study_columns), label=comparison.name)
                self.comparison = comparison

            def _compute_vectorized(self, *args):
                if not self.comparison.reads_codes:
                    args = tuple(a.astype(object) if isinstance(a.dtype, pd.CategoricalDtype)
                                 else a for a in args)
                n_left = len(self.comparison.record_columns)
                left, right = list(args[:n_left]), list(args[n_left:])
                levels = self.comparison.compare(left, right)
                if on_done is not None:
                    on_done(self.comparison)
                return levels

        return _Feature(self)
