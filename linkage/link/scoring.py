"""Fellegi-Sunter match weights: u from random pairs, m and the prior by EM,
term-frequency adjusted for names.

People's answers do not tune m: the pairs they answer are the ones the model was
unsure about, chosen for their contradictions and odd levels, not a sample of
matches, and counting them as typical matches raised exactly the weights that mean
"doubtful" (the next export then asked more, not fewer, questions). Answers act in
link.status instead: each decides its pair and the pairs that follow from it.

Weights are log2(m/u) per comparison level; the "missing" level weighs 0. The
probability of a pair is the logistic of prior log-odds plus the summed weights,
and each comparison's contribution is kept for the review sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.link.blocking import pair_index
from linkage.link.coded import categorical, positions
from linkage.link.comparisons import COMPARISONS, Comparison

RANDOM_PAIRS = 50_000
EM_ITERATIONS = 40
SMOOTHING = 1.0               # additive smoothing of level counts


@dataclass
class Model:
    comparisons: tuple[Comparison, ...]
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float
    tf: dict[str, pd.Series] = field(default_factory=dict)   # column -> value frequency

    def weights(self) -> list[np.ndarray]:
        out = []
        for comp, m, u in zip(self.comparisons, self.m, self.u, strict=True):
            w = np.log2(m / u)
            w[[not level.weighs for level in comp.levels]] = 0.0
            out.append(w)
        return out


def compare_levels(pairs: pd.MultiIndex, records: pd.DataFrame, studies: pd.DataFrame,
                   comparisons: tuple[Comparison, ...] = COMPARISONS,
                   on_compared: Callable[[Comparison], None] | None = None) -> pd.DataFrame:
    """One integer level column per comparison, through recordlinkage's Compare;
    `on_compared` is told as each comparison is done."""
    # here: a reused result needs no linker
    from linkage.link.recordlinkage_parts import new_compare

    if len(pairs) == 0:
        return pd.DataFrame({c.name: pd.Series(dtype=np.int8) for c in comparisons},
                            index=pairs)
    compare = new_compare()
    for comparison in comparisons:
        compare.add(comparison.feature(on_compared))
    levels = compare.compute(
        pairs,
        categorical(records, [c for cmp in comparisons for c in cmp.record_columns]),
        categorical(studies, [c for cmp in comparisons for c in cmp.study_columns]))
    return levels.astype(np.int8)


class Comparer:
    """`compare_levels` for chunk after chunk of pairs: the compared columns made
    categorical once (link.pipeline compares a chunk of studies at a time)."""

    def __init__(self, records: pd.DataFrame, studies: pd.DataFrame,
                 comparisons: tuple[Comparison, ...] = COMPARISONS) -> None:
        self.ids = (records.index, studies.index)
        self.records = categorical(records, [c for cmp in comparisons for c in cmp.record_columns])
        self.studies = categorical(studies, [c for cmp in comparisons for c in cmp.study_columns])
        self.comparisons = comparisons

    def levels(self, numbers: np.ndarray) -> np.ndarray:
        """The levels of these pairs (numbers as `blocking.Blocker` gives them): one
        int8 column per comparison."""
        if not len(numbers):
            return np.zeros((0, len(self.comparisons)), dtype=np.int8)
        from linkage.link.recordlinkage_parts import new_compare

        compare = new_compare()
        for comparison in self.comparisons:
            compare.add(comparison.feature())
        levels = compare.compute(pair_index(numbers, *self.ids), self.records, self.studies)
        return levels[[c.name for c in self.comparisons]].to_numpy(dtype=np.int8)


def _level_freq(column: np.ndarray, n_levels: int, weights: np.ndarray | None = None
                ) -> np.ndarray:
    counts = np.bincount(column, weights=weights, minlength=n_levels)[:n_levels]
    counts = counts + SMOOTHING
    return counts / counts.sum()


def estimate_u(records: pd.DataFrame, studies: pd.DataFrame,
               comparisons: tuple[Comparison, ...] = COMPARISONS, seed: int = 0
               ) -> list[np.ndarray]:
    """Level frequencies among random pairs: nearly all of them are non-matches."""
    rng = np.random.default_rng(seed)
    n = min(RANDOM_PAIRS, len(records) * len(studies))
    if n == 0:
        return [np.full(len(c.levels), 1.0 / len(c.levels)) for c in comparisons]
    left = rng.integers(0, len(records), n)
    right = rng.integers(0, len(studies), n)
    # built from positions: labels would be hashed 50,000 times over
    pairs = pd.MultiIndex(levels=[records.index, studies.index], codes=[left, right],
                          verify_integrity=False)
    levels = compare_levels(pairs, records, studies, comparisons)
    rec_sex = records["sex"].fillna("").to_numpy()[left]
    img_sex = studies["sex"].fillna("").to_numpy()[right]
    same_sex = (rec_sex == img_sex) & (rec_sex != "")
    out = []
    for c in comparisons:
        column = levels[c.name].to_numpy()
        if c.same_sex_u and same_sex.sum() > 100:
            column = column[same_sex]
        out.append(_level_freq(column, len(c.levels)))
    return out


def _initial_m(comparison: Comparison) -> np.ndarray:
    """Start EM believing that better levels are likelier among matches."""
    k = len(comparison.levels)
    m = np.array([0.0] + [2.0 ** i for i in range(k - 1)])
    m[0] = m[1:].mean()
    return m / m.sum()


def training_sessions(comparisons: tuple[Comparison, ...]) -> list[tuple[int, list[int]]]:
    """EM training sessions, as Splink trains: each session looks only at pairs that
    agree on one field (its levels marked `trains`) and does not estimate that field
    (agreement there is forced by the selection, so it says nothing about matches).
    Every other field is estimated, and each field's weight is averaged over the
    sessions that estimated it."""
    return [(k, [i for i, level in enumerate(c.levels) if level.trains])
            for k, c in enumerate(comparisons) if any(level.trains for level in c.levels)]


def pattern_keys(matrix: list[np.ndarray], comparisons: tuple[Comparison, ...]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The distinct combinations of levels among the pairs (one column per comparison),
    each as one integer, ascending, and how many pairs show each. EM needs no more:
    every pair of one combination has the same match probability, and a few thousand
    combinations stand for millions of pairs. Counted a chunk of pairs at a time, they
    add up (`merge_patterns`)."""
    sizes = [len(c.levels) for c in comparisons]
    key = np.zeros(len(matrix[0]), dtype=np.int64)
    for column, size in zip(matrix, sizes, strict=True):
        key = key * size + column
    distinct, counts = np.unique(key, return_counts=True)
    return distinct, counts.astype(np.int64)


def merge_patterns(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The combinations of several chunks' pairs, as `pattern_keys` of all of them."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(np.concatenate([keys for keys, _ in parts]),
                                  return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([c for _, c in parts]),
                         minlength=len(distinct))
    return distinct, np.rint(counts).astype(np.int64)


def _decoded(keys: np.ndarray, comparisons: tuple[Comparison, ...]) -> list[np.ndarray]:
    columns = []
    for size in reversed([len(c.levels) for c in comparisons]):
        keys, level = np.divmod(keys, size)
        columns.append(level.astype(np.intp))
    return columns[::-1]


def _patterns(matrix: list[np.ndarray], comparisons: tuple[Comparison, ...]
              ) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct combinations of levels (one column per comparison) and their counts."""
    distinct, counts = pattern_keys(matrix, comparisons)
    return _decoded(distinct, comparisons), counts.astype(np.float64)


def _em(patterns: list[np.ndarray], counts: np.ndarray, u: list[np.ndarray],
        m: list[np.ndarray], comparisons: tuple[Comparison, ...], skip: set[int],
        prior: float) -> tuple[list[np.ndarray], float]:
    """EM for m and the prior, u fixed, over the level combinations weighted by their
    counts (`_patterns`); comparisons in `skip` are left out."""
    active = [i for i in range(len(comparisons)) if i not in skip]
    log_u = sum(np.log(u[i][patterns[i]]) for i in active)
    total = counts.sum()
    m = [x.copy() for x in m]
    for _ in range(EM_ITERATIONS):
        log_m = sum(np.log(m[i][patterns[i]]) for i in active)
        logit = np.log(prior / (1 - prior)) + log_m - log_u
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        weights = counts * p
        new_prior = float(np.clip(weights.sum() / total, 1e-6, 1 - 1e-6))
        for i in active:
            m[i] = _level_freq(patterns[i], len(comparisons[i].levels), weights)
        converged = abs(new_prior - prior) < 1e-7
        prior = new_prior
        if converged:
            break
    return m, prior


def estimate_m(levels: pd.DataFrame, u: list[np.ndarray],
               comparisons: tuple[Comparison, ...] = COMPARISONS) -> tuple[list[np.ndarray], float]:
    """m by EM in training sessions, then the prior of the candidate set."""
    matrix = [levels[c.name].to_numpy().astype(np.intp) for c in comparisons]
    return estimate_m_from_patterns(pattern_keys(matrix, comparisons) if len(levels) else
                                    merge_patterns([]), u, comparisons)


def estimate_m_from_patterns(patterns: tuple[np.ndarray, np.ndarray], u: list[np.ndarray],
                             comparisons: tuple[Comparison, ...] = COMPARISONS
                             ) -> tuple[list[np.ndarray], float]:
    """`estimate_m` from the pairs' combinations of levels (`pattern_keys`)."""
    keys, counts = patterns
    initial = [_initial_m(c) for c in comparisons]
    if not counts.sum():
        return initial, 0.1
    columns, weights = _decoded(keys, comparisons), counts.astype(np.float64)
    estimates: list[list[np.ndarray]] = [[] for _ in comparisons]
    for k, codes in training_sessions(comparisons):
        chosen = np.isin(columns[k], codes)
        if weights[chosen].sum() < 10:
            continue
        m, _ = _em([col[chosen] for col in columns], weights[chosen], u, initial,
                   comparisons, {k}, 0.3)
        for i in range(len(comparisons)):
            if i != k:
                estimates[i].append(m[i])
    m = [_mean_weight(e) if e else initial[i] for i, e in enumerate(estimates)]
    return m, _fit_prior(columns, weights, u, m, comparisons)


def _mean_weight(estimates: list[np.ndarray]) -> np.ndarray:
    """Combine the sessions' m by averaging log m: the match weights (log2 m/u) are
    what the sessions estimate, so it is their weights that are averaged."""
    m = np.exp(np.mean(np.log(estimates), axis=0))
    return m / m.sum()


def _fit_prior(patterns: list[np.ndarray], counts: np.ndarray, u: list[np.ndarray],
               m: list[np.ndarray], comparisons: tuple[Comparison, ...],
               iterations: int = 50) -> float:
    """The share of matches among candidates, with m and u held fixed."""
    log_ratio = sum(np.log(m[i][patterns[i]]) - np.log(u[i][patterns[i]])
                    for i in range(len(comparisons)))
    total = counts.sum()
    prior = 0.1
    for _ in range(iterations):
        logit = np.log(prior / (1 - prior)) + log_ratio
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        prior = float(np.clip((counts * p).sum() / total, 1e-6, 1 - 1e-6))
    return prior


def term_frequencies(records: pd.DataFrame, comparisons: tuple[Comparison, ...] = COMPARISONS
                     ) -> dict[str, pd.Series]:
    """How common each surname / given name is among the records."""
    tf = {}
    for comp in comparisons:
        if comp.tf_column and comp.tf_column in records:
            values = records[comp.tf_column].replace("", np.nan).dropna()
            tf[comp.tf_column] = values.value_counts(normalize=True)
    return tf


def fit(records: pd.DataFrame, studies: pd.DataFrame,
        levels: pd.DataFrame | tuple[np.ndarray, np.ndarray], seed: int = 0,
        comparisons: tuple[Comparison, ...] = COMPARISONS) -> Model:
    """Estimate u, m and the prior from the data alone (see the module's docstring):
    from the candidate pairs' levels, or their combinations (`pattern_keys`)."""
    u = estimate_u(records, studies, comparisons, seed)
    m, prior = estimate_m(levels, u, comparisons) if isinstance(levels, pd.DataFrame) \
        else estimate_m_from_patterns(levels, u, comparisons)
    return Model(comparisons, m, u, prior, term_frequencies(records, comparisons))


def score(model: Model, levels: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Match probability and per-comparison weights for every pair."""
    weights = model.weights()
    columns: dict[str, np.ndarray] = {}
    total = np.full(len(levels), np.log2(model.prior / (1 - model.prior)))
    record_rows = positions(levels.index, 0, records.index) if len(levels) else \
        np.zeros(0, dtype=np.int64)
    for comp, w in zip(model.comparisons, weights, strict=True):
        col = levels[comp.name].to_numpy().astype(np.intp)
        contribution = w[col].copy()
        if comp.tf_column in model.tf and any(level.tf for level in comp.levels):
            contribution = _tf_adjust(comp, col, contribution, model, records, record_rows)
        columns[f"w_{comp.name}"] = contribution
        columns[comp.name] = levels[comp.name].to_numpy(dtype=np.int8)   # (a level is 0-5)
        total += contribution
    columns["weight"] = total
    columns["score"] = 1.0 / (1.0 + np.power(2.0, -np.clip(total, -200, 200)))
    # one frame at once: added column by column it is 18 blocks, and every later
    # copy would merge them again
    return pd.DataFrame(columns, index=levels.index)


def _tf_adjust(comp: Comparison, col: np.ndarray, contribution: np.ndarray, model: Model,
               records: pd.DataFrame, record_rows: np.ndarray) -> np.ndarray:
    """Agreement on a common value (Иванов) is weaker evidence than on a rare one.

    The level's average u is replaced by the value's own frequency, so the
    weight is log2(m / frequency(value)).
    """
    contribution = contribution.copy()
    freq = model.tf[comp.tf_column]
    floor = 1.0 / max(len(records), 1)
    # each record's value's frequency, looked up once per record
    record_freq = freq.reindex(records[comp.tf_column].fillna("").to_numpy()) \
        .fillna(floor).to_numpy()
    for index in [i for i, level in enumerate(comp.levels) if level.tf]:
        mask = col == index
        if not mask.any():
            continue
        f = np.maximum(record_freq[record_rows[mask]], floor)
        m_level = model.m[model.comparisons.index(comp)][index]
        contribution[mask] = np.log2(m_level / f)
    return contribution


def harmonise_groups(scored: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Studies with the same PatientID and surname are one person's: a record gets
    the same (best) score for all of them."""
    keys = studies["case_key"].where(studies["case_key"] != "", None)
    surnames = studies["surname_canon"].where(studies["surname_canon"] != "", None)
    group = (keys + "|" + surnames).dropna()
    if group.empty or len(scored) == 0:
        return scored
    study_group = group.reindex(studies.index).to_numpy()[
        positions(scored.index, 1, studies.index)]
    rows = np.flatnonzero(pd.notna(study_group))      # positions: labels cost seconds
    if not rows.size:
        return scored
    frame = pd.DataFrame({"record": scored.index.codes[0][rows],    # one code per record
                          "group": study_group[rows],
                          "score": scored["score"].to_numpy()[rows],
                          "weight": scored["weight"].to_numpy()[rows]})
    best = frame.groupby(["record", "group"], sort=False)[["score", "weight"]].transform("max")
    scored = scored.copy()
    for column in ("score", "weight"):
        values = scored[column].to_numpy().copy()
        values[rows] = best[column].to_numpy()
        scored[column] = values
    return scored
