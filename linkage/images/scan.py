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
from collections import Counter, deque
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
    CacheRow,
    parse_batch,
)
from linkage.images.walk import WalkProblem, walk
from linkage.store import CachedFile, Store

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
    workers = workers or os.cpu_count() or 1
    show = sys.stderr.isatty() if progress is None else progress
    cached = store.cached_files(root_key)
    walk_problems: list[WalkProblem] = []
    seen: set[str] = set()
    changed = _changed_files(walk(root_key, walk_problems), cached, seen)
    if cached:
        # A rescan: usually few files changed, and a pool costs more than it saves.
        changed = list(changed)
        parallel = workers > 1 and len(changed) >= PARALLEL_FROM
    else:
        # A first scan: workers start now and parse batches while the walk goes on.
        parallel = workers > 1
    fresh = not cached
    rows = _parse_all(root_key, changed, store, workers if parallel else 1, show, fresh)
    gone = [p for p in cached if p not in seen]
    if gone:
        store.forget_files(root_key, gone)
    result = ScanResult(root=root_key, parsed=len(rows))
    if fresh:
        # Everything was just read: build the result from memory, not from the cache.
        files = {r[0]: CachedFile(r[1], r[2], r[3], r[4]) for r in rows}
        result.instances = [_instance(row) for r in rows for row in r[5]]
    else:
        if rows:
            cached = store.cached_files(root_key)
        for relpath in gone:
            cached.pop(relpath, None)
        files = cached
        result.instances = store.cached_instances(root_key)
    _collect(files, walk_problems, result)
    result.seconds = time.perf_counter() - started
    return result


def _changed_files(entries, cached: dict, seen: set[str]):
    """New or changed files (by size and mtime), noting every path seen."""
    for e in entries:
        seen.add(e.relpath)
        c = cached.get(e.relpath)
        if c is None or c.size != e.size or c.mtime_ns != e.mtime_ns:
            yield e.relpath, e.size, e.mtime_ns


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _instance(row: tuple) -> Instance:
    return Instance(*row)


def _parse_all(root: str, todo, store: Store, workers: int, show: bool, fresh: bool
               ) -> list[CacheRow]:
    """Parse and save in batches (one transaction each); return the rows saved."""
    meter = _Progress(show)
    saved: list[CacheRow] = []

    def save(rows: list[CacheRow]) -> None:
        store.save_files(root, rows, fresh=fresh)
        saved.extend(rows)
        meter.advance(len(rows))

    if workers <= 1:
        for batch in _batches(todo, BATCH):
            save(parse_batch(root, batch))
    else:
        # spawn: what Windows does, and safe beside SQLite connections and threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque = deque()
            for batch in _batches(todo, BATCH):
                pending.append(pool.submit(parse_batch, root, batch))
                while pending and (len(pending) > 4 * workers or pending[0].done()):
                    save(pending.popleft().result())
            while pending:
                save(pending.popleft().result())
    meter.done()
    return saved


def _collect(files: dict, walk_problems: list[WalkProblem], result: ScanResult) -> None:
    """Counts and problems of the whole tree, from what each file turned out to be."""
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

    def __init__(self, show: bool):
        self.show, self.count = show, 0
        self.started = time.perf_counter()
        self.last = 0.0

    def advance(self, n: int) -> None:
        self.count += n
        now = time.perf_counter()
        if self.show and now - self.last > 0.2:
            self.last = now
            rate = self.count / max(now - self.started, 1e-9)
            sys.stderr.write(f"\r  reading headers: {self.count} files, {rate:,.0f} files/s ")
            sys.stderr.flush()

    def done(self) -> None:
        if self.show and self.count:
            sys.stderr.write(f"\r  reading headers: {self.count} files, done.{' ' * 20}\n")
