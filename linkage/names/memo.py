"""A per-process cache that can also take results computed in another process.

The job's second process parses the patient names of the scan's images while the main
process groups the studies; the main process takes its results into its own cache
(`seed`) and finds every name parsed when it builds the studies' identity table. The
other way round, the folder names the main process parsed while grouping (`results`)
seed the second process's cache before it writes revision.xlsx.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import update_wrapper
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SeededCache(Generic[K, V]):
    """`functools.cache` for a one-argument pure function, plus `seed`."""

    def __init__(self, function: Callable[[K], V]):
        self._function = function
        self._results: dict[K, V] = {}
        update_wrapper(self, function)

    def __call__(self, key: K) -> V:
        try:
            return self._results[key]
        except KeyError:
            value = self._results[key] = self._function(key)
            return value

    def seed(self, results: Mapping[K, V]) -> None:
        """Results of this very function computed elsewhere (the same code and data)."""
        self._results.update(results)

    def results(self) -> dict[K, V]:
        """Every result this process holds (a copy: to hand to another process)."""
        return dict(self._results)

    def cache_clear(self) -> None:
        self._results.clear()
