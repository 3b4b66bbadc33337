"""Scan the images root: walk, reuse the cache for unchanged files, parse the rest
in parallel, and report every file that is not a readable image.

The cache key is (path, size, mtime) as in Orthanc's folder indexer; results are
saved in batches, each in one transaction, so an interrupted scan keeps what it
finished and the next one resumes from there.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from linkage.images.instance import Instance
from linkage.images.parse_file import (
    BROKEN,
    DICOM,
    EMPTY,
    NO_UID,
    UNREADABLE,
    ZIP,
    FileResult,
    parse_batch,
)
from linkage.images.walk import WalkProblem, walk
from linkage.store import Store

BATCH = 256
PARALLEL_FROM = 400          # below this many files to parse, a pool costs more than it saves


@dataclass(frozen=True)
class Problem:
    location: str
    kind: str
    reason: str


@dataclass
class ScanResult:
    root: str
    instances: list[Instance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    parsed: int = 0            # files parsed this time (not taken from the cache)
    seconds: float = 0.0


def scan(root: str | Path, store: Store, workers: int | None = None,
         progress: bool | None = None) -> ScanResult:
    """Scan `root` (read-only) and return instances, problems and counts."""
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise FileNotFoundError(f"images folder not found: {root}")
    root_key = str(root_path)
    started = time.perf_counter()
    walk_problems: list[WalkProblem] = []
    entries = list(walk(root_key, walk_problems))
    cached = store.cached_files(root_key)
    present = {e.relpath for e in entries}
    todo = [(e.relpath, e.size, e.mtime_ns) for e in entries
            if (c := cached.get(e.relpath)) is None or (c.size, c.mtime_ns) != (e.size, e.mtime_ns)]
    gone = [p for p in cached if p not in present]
    if gone:
        store.forget_files(root_key, gone)
    show = sys.stderr.isatty() if progress is None else progress
    _parse_all(root_key, todo, store, workers, show)
    result = ScanResult(root=root_key, parsed=len(todo))
    _collect(store, root_key, walk_problems, result)
    result.seconds = time.perf_counter() - started
    return result


def _parse_all(root: str, todo: list[tuple[str, int, int]], store: Store,
               workers: int | None, show: bool) -> None:
    if not todo:
        return
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]
    meter = _Progress(len(todo), show)
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(todo) < PARALLEL_FROM:
        for batch in batches:
            _save(store, root, parse_batch(root, batch), meter)
    else:
        # spawn: what Windows does, and safe beside SQLite connections and threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for results in pool.map(parse_batch, [root] * len(batches), batches):
                _save(store, root, results, meter)
    meter.done()


def _save(store: Store, root: str, results: list[FileResult], meter: _Progress) -> None:
    store.save_files(root, [r.as_cache_row() for r in results])
    meter.advance(len(results))


def _collect(store: Store, root: str, walk_problems: list[WalkProblem],
             result: ScanResult) -> None:
    """Build the result from the cache, which now describes the whole tree."""
    files = store.cached_files(root)
    result.instances = store.cached_instances(root)
    for relpath, cached in sorted(files.items()):
        result.counts[cached.kind] += 1
        if cached.kind in (BROKEN, UNREADABLE, EMPTY, NO_UID):
            result.problems.append(Problem(relpath, cached.kind, cached.reason))
        elif cached.kind == ZIP and cached.reason:
            for part in cached.reason.split("; "):
                member, _, reason = part.partition(": ")
                result.problems.append(Problem(f"{relpath}::{member}", BROKEN, reason))
        elif cached.kind == DICOM and cached.reason:
            result.problems.append(Problem(relpath, "truncated", cached.reason))
    for problem in walk_problems:
        result.counts[UNREADABLE] += 1
        result.problems.append(Problem(problem.relpath, UNREADABLE, problem.reason))
    result.counts["instances"] = len(result.instances)
    result.counts["in_zip"] = sum(1 for i in result.instances if "::" in i.location)
    result.counts["files"] = len(files)


class _Progress:
    """files/s on a terminal; silent otherwise (logs and CI stay clean)."""

    def __init__(self, total: int, show: bool):
        self.total, self.show, self.done_count = total, show, 0
        self.started = time.perf_counter()
        self.last = 0.0

    def advance(self, n: int) -> None:
        self.done_count += n
        now = time.perf_counter()
        if self.show and (now - self.last > 0.2 or self.done_count == self.total):
            self.last = now
            rate = self.done_count / max(now - self.started, 1e-9)
            sys.stderr.write(f"\r  reading headers: {self.done_count}/{self.total} files, "
                             f"{rate:,.0f} files/s ")
            sys.stderr.flush()

    def done(self) -> None:
        if self.show:
            sys.stderr.write("\n")
