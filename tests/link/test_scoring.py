"""EM over level combinations (link/scoring.py): the same m and prior as EM over every
pair, which is what it replaced; a combination's count stands for its pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.link.comparisons import COMPARISONS
from linkage.link.scoring import (
    EM_ITERATIONS,
    _initial_m,
    _level_freq,
    _patterns,
    estimate_m,
    training_sessions,
)


def _levels(n: int, seed: int) -> pd.DataFrame:
    """Candidate pairs' levels: a fifth of them matches (best levels likelier), the
    rest spread over every level."""
    rng = np.random.default_rng(seed)
    columns = {}
    for comparison in COMPARISONS:
        k = len(comparison.levels)
        match = rng.random(n) < 0.2
        columns[comparison.name] = np.where(match, rng.integers(max(k - 2, 0), k, n),
                                            rng.integers(0, k, n)).astype(np.int8)
    return pd.DataFrame(columns)


def _u(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [_level_freq(rng.integers(0, len(c.levels), 5000), len(c.levels)) for c in COMPARISONS]


def _em_per_pair(matrix, u, m, skip, prior):
    """The plain per-pair EM, as it was written before."""
    active = [i for i in range(len(COMPARISONS)) if i not in skip]
    log_u = sum(np.log(u[i][matrix[i]]) for i in active)
    m = [x.copy() for x in m]
    for _ in range(EM_ITERATIONS):
        log_m = sum(np.log(m[i][matrix[i]]) for i in active)
        p = 1.0 / (1.0 + np.exp(-np.clip(np.log(prior / (1 - prior)) + log_m - log_u, -60, 60)))
        new_prior = float(np.clip(p.mean(), 1e-6, 1 - 1e-6))
        for i in active:
            m[i] = _level_freq(matrix[i], len(COMPARISONS[i].levels), p)
        converged = abs(new_prior - prior) < 1e-7
        prior = new_prior
        if converged:
            break
    return m, prior


def _estimate_m_per_pair(levels, u):
    matrix = [levels[c.name].to_numpy().astype(np.intp) for c in COMPARISONS]
    initial = [_initial_m(c) for c in COMPARISONS]
    estimates = [[] for _ in COMPARISONS]
    for k, codes in training_sessions(COMPARISONS):
        chosen = np.isin(matrix[k], codes)
        m, _ = _em_per_pair([col[chosen] for col in matrix], u, initial, {k}, 0.3)
        for i in range(len(COMPARISONS)):
            if i != k:
                estimates[i].append(m[i])
    m = []
    for i, e in enumerate(estimates):
        mean = np.exp(np.mean(np.log(e), axis=0)) if e else initial[i]
        m.append(mean / mean.sum())
    log_ratio = sum(np.log(m[i][matrix[i]]) - np.log(u[i][matrix[i]])
                    for i in range(len(COMPARISONS)))
    prior = 0.1
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(np.log(prior / (1 - prior)) + log_ratio, -60, 60)))
        prior = float(np.clip(p.mean(), 1e-6, 1 - 1e-6))
    return m, prior


def test_em_over_combinations_gives_what_em_over_every_pair_gave() -> None:
    for seed in (1, 2, 3):
        levels, u = _levels(20_000, seed), _u(seed)
        m, prior = estimate_m(levels, u)
        m_ref, prior_ref = _estimate_m_per_pair(levels, u)
        assert abs(prior - prior_ref) <= 1e-9 * prior_ref
        for got, want in zip(m, m_ref, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-9)


def test_each_combination_is_counted_once_with_its_pairs() -> None:
    levels = _levels(5_000, 4)
    matrix = [levels[c.name].to_numpy().astype(np.intp) for c in COMPARISONS]
    patterns, counts = _patterns(matrix, COMPARISONS)
    rows = pd.DataFrame(np.stack(matrix, axis=1)).value_counts()
    assert len(counts) == len(rows) and counts.sum() == 5_000
    for row, count in zip(np.stack(patterns, axis=1), counts, strict=True):
        assert rows[tuple(int(v) for v in row)] == count
