"""Scan the images root: walk, reuse the cache for unchanged files, parse the rest
in parallel, and report every file that is not a readable image.

The cache key is (path, size, mtime) as in Orthanc's folder indexer; results are
saved about every half second, each time in one transaction, so an interrupted scan
keeps what it finished and the next one resumes from there.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from linkage.errors import FolderShrunk
from linkage.images import summary
from linkage.images.instance import Instance, instances_from_rows
from linkage.images.parse_file import (
    BROKEN,
    DICOM,
    EMPTY,
    FILE_KINDS,
    NO_UID,
    UNREADABLE,
    ZIP,
    CacheRow,
    parse_batch,
)
from linkage.images.studies import (
    Study,
    group_studies,
    name_folder,
    study_from_row,
    study_row,
)
from linkage.images.walk import FileEntry, WalkProblem, readable, walk, walk_parts, walk_top
from linkage.progress import Bar

BATCH = 256                  # files per batch parsed in this process
# Files per batch sent to a worker. Each round trip needs this process's GIL, which
# the job's linker thread holds for long stretches during a first scan: with smaller
# batches the workers sat idle while it ran.
POOL_BATCH = 1024
PARALLEL_FROM = 400          # below this many files to parse, a pool costs more than it saves
PARALLEL_WALK_FROM = 100_000   # below this many files last time, one process walks faster
WALK_RUN = 500               # top folders walked by one worker at a time
SAVE_EVERY_SECONDS = 0.5
# A folder that lost more than this share of its files since the last scan (and at least
# SHRINK_MIN_FILES of them) is refused: a disconnected drive looks exactly like that.
SHRINK_SHARE, SHRINK_MIN_FILES = 0.5, 20


class FileCache(Protocol):
    """What a scan reads and writes of the per-file cache (the state file's,
    `store.Store`): the scan takes it from its caller and opens nothing itself."""

    def has_files(self, root: str) -> bool: ...
    def file_stamps(self, root: str) -> dict[str, tuple[int, int]]: ...
    def cached_kinds(self, root: str) -> Counter: ...
    def cached_reasons(self, root: str) -> list[tuple[str, str, str]]: ...
    def cached_instance_rows(self, root: str) -> list[list[list]]: ...
    def scan_summary(self, root: str, digest: str) -> bytes | None: ...
    def save_scan_summary(self, root: str, digest: str, result: bytes) -> None: ...
    def save_files(self, root: str, rows: list[CacheRow]) -> None: ...
    def forget_files(self, root: str, relpaths: Iterable[str]) -> None: ...


# How batches are parsed by several processes: (function, each batch's arguments,
# processes) -> the results in the order of the batches. The job gives
# `run.workers.in_order`; without one, a scan parses in its own process.
ParallelMap = Callable[[Callable, Iterable[tuple], int], Iterator]


@dataclass(frozen=True)
class Problem:
    location: str
    kind: str
    reason: str


@dataclass(frozen=True)
class ScanHooks:
    """What the caller of a scan does while it goes on."""

    # called after each parsed batch; what it raises stops the scan (what was saved
    # stays saved): the job stops at once when the export, read meanwhile, is refused
    after_batch: Callable[[], None] | None = None
    # called with the result (its studies not grouped yet) once every file's result
    # is in the state file: revision.xlsx can be started from there. Not called when
    # the listing is the last scan's (its stored result is used).
    files_saved: Callable[[ScanResult], None] | None = None


@dataclass
class ScanResult:
    root: str
    instances: list[Instance] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    parsed: int = 0            # files parsed this time (not taken from the cache)
    seconds: float = 0.0
    studies: list[Study] = field(default_factory=list)
    # the listing is the last scan's: its stored result was used (without the instances
    # when the caller asked for the studies only: `instances` is then empty)
    unchanged: bool = False
    digest: str = ""           # of the listing (every path, size, mtime)


def scan(root: str | Path, store: FileCache, workers: int | None = None,
         progress: bool | None = None, allow_shrink: bool = False,
         hooks: ScanHooks | None = None, parallel: ParallelMap | None = None,
         instances: bool = True) -> ScanResult:
    """Scan `root` (read-only) and return instances, problems and counts; `parallel`
    parses the batches in `workers` processes (one process without it). With
    `instances` False the caller needs only the studies: an unchanged tree then gives
    no instances (the counts still count them).

    Raise FolderShrunk, before the cache is touched, when the folder is empty or lost
    most of its files since the last scan, unless `allow_shrink`."""
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise FileNotFoundError(f"images folder not found: {root}")
    root_key = str(root_path)
    started = time.perf_counter()
    workers = (workers or os.cpu_count() or 1) if parallel is not None else 1
    show = sys.stderr.isatty() if progress is None else progress
    walk_problems: list[WalkProblem] = []
    pass_ = _Pass(store, workers, show, walk_problems, hooks or ScanHooks(), parallel,
                  instances)
    if store.has_files(root_key):
        result = _rescan(root_key, pass_, allow_shrink)
    else:
        result = _first_scan(root_key, pass_)
    for problem in walk_problems:
        result.counts[UNREADABLE] += 1
        result.problems.append(Problem(readable(problem.relpath), UNREADABLE, problem.reason))
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class _Pass:
    """What one scan works with, passed down as one."""

    store: FileCache
    workers: int
    show: bool
    walk_problems: list[WalkProblem]
    hooks: ScanHooks
    parallel: ParallelMap | None
    instances: bool = True       # (False: an unchanged tree's studies only)


def _first_scan(root: str, pass_: _Pass) -> ScanResult:
    """Workers start at once and parse batches while the walk goes on, and the result
    is built from what the batches brought back, not read from the cache.

    On Linux and macOS the walk does not stat: workers take size and mtime from the
    open file. On Windows the listing brings them for free, and a rescan compares
    with exactly what its own listing will say.
    """
    todo = walk(root, pass_.walk_problems, with_stat=os.name == "nt")
    parsed = _parse_all(root, todo, pass_)
    problems = [p for relpath, kind, reason in sorted(parsed.reported)
                for p in _file_problems(relpath, kind, reason)]
    return _finish(root, parsed.files, parsed.instances, parsed.chunks, problems,
                   parsed.kinds, pass_, parsed.digest.hexdigest())


def _rescan(root: str, pass_: _Pass, allow_shrink: bool) -> ScanResult:
    """Parse only new or changed files (by size and mtime) and forget deleted ones.

    When the listing is exactly the one of the last scan, that scan's stored
    result is the answer; otherwise the result is read back from the per-file cache.
    """
    store = pass_.store
    listing = _listing(root, pass_)
    digest = summary.listing_digest(listing)
    blob = store.scan_summary(root, digest)
    stored = summary.unpack(blob, pass_.instances) if blob is not None else None
    if stored is not None:
        instances, problems, counts, study_rows = stored
        studies = [study_from_row(r) for r in study_rows] if study_rows is not None \
            else group_studies(instances)
        return ScanResult(root, instances, [Problem(*p) for p in problems], Counter(counts),
                          studies=studies, unchanged=True, digest=digest)
    stamps = store.file_stamps(root)
    lost = len(stamps) - len(listing)
    if not allow_shrink and stamps and (not listing or (
            lost >= SHRINK_MIN_FILES and lost > SHRINK_SHARE * len(stamps))):
        raise FolderShrunk(
            f"the images folder {readable(root)} held {len(stamps)} files last time and now "
            f"{len(listing)}; is the disk connected? Nothing was changed (if the files were "
            "really removed, run again with --allow-shrink)")
    changed = [entry for entry in listing if stamps.get(entry[0]) != entry[1:]]
    # Usually few files changed, and a pool costs more than it saves.
    parallel = pass_.workers > 1 and len(changed) >= PARALLEL_FROM
    parsed = _parse_all(root, changed, pass_ if parallel else
                        _Pass(store, 1, pass_.show, [], pass_.hooks, None), total=len(changed))
    gone = stamps.keys() - {entry[0] for entry in listing}
    if gone:
        store.forget_files(root, gone)
    problems = [p for relpath, kind, reason in store.cached_reasons(root)
                for p in _file_problems(relpath, kind, reason)]
    instances = instances_from_rows(store.cached_instance_rows(root))
    return _finish(root, parsed.files, instances, [summary.pack_instances(instances)],
                   problems, store.cached_kinds(root), pass_, digest)


def _finish(root: str, parsed: int, instances: list[Instance], chunks: list[bytes],
            problems: list[Problem], counts: Counter, pass_: _Pass, digest: str
            ) -> ScanResult:
    """The result of the files' part of a scan (walk problems are added after), also
    stored as the summary of this listing for the next rescan."""
    result = ScanResult(root, instances, problems, Counter(counts), parsed, digest=digest)
    result.counts["instances"] = len(instances)
    result.counts["in_zip"] = sum(1 for i in instances if "::" in i.location)
    result.counts["files"] = sum(n for kind, n in counts.items() if kind in FILE_KINDS)
    if pass_.hooks.files_saved is not None:
        pass_.hooks.files_saved(result)
    result.studies = group_studies(instances)
    problem_rows = [(p.location, p.kind, p.reason) for p in problems]
    pass_.store.save_scan_summary(root, digest, summary.pack(
        chunks, problem_rows, dict(result.counts), [study_row(s) for s in result.studies]))
    return result


def _listing(root: str, pass_: _Pass) -> list[FileEntry]:
    """The tree's listing (as `walk` gives it). A large tree's folders are walked by the
    workers: listing folders and reading file sizes waits on the system, and an
    unchanged rerun is little more than this walk."""
    if pass_.parallel is None or pass_.workers < 2 or \
            sum(pass_.store.cached_kinds(root).values()) < PARALLEL_WALK_FROM:
        return list(walk(root, pass_.walk_problems))
    listing, parts = walk_top(root, pass_.walk_problems)
    runs = [(parts[start:start + WALK_RUN],) for start in range(0, len(parts), WALK_RUN)]
    with contextlib.closing(pass_.parallel(walk_parts, runs, pass_.workers)) as results:
        for entries, problems in results:
            listing.extend(entries)
            pass_.walk_problems.extend(problems)
    return listing


def _file_problems(relpath: str, kind: str, reason: str) -> list[Problem]:
    """What the report lists for one file (nothing for a plain image or non-image)."""
    relpath = readable(relpath)
    if kind in (BROKEN, UNREADABLE, EMPTY, NO_UID):
        return [Problem(relpath, kind, reason)]
    if kind == ZIP and reason:
        problems = []
        for part in reason.split("; "):
            member, _, member_reason = part.partition(": ")
            problems.append(Problem(f"{relpath}::{member}", BROKEN, member_reason))
        return problems
    if kind == DICOM and reason:
        return [Problem(relpath, "truncated", reason)]
    return []


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Parsed:
    """What the parsed batches of one scan brought back, gathered as they come (while
    the workers go on with the next ones). The cache rows themselves are not kept:
    they are in the state file."""

    files: int = 0
    kinds: Counter = field(default_factory=Counter)
    reported: list[tuple[str, str, str]] = field(default_factory=list)  # with a reason
    chunks: list[bytes] = field(default_factory=list)         # for the summary
    instances: list[Instance] = field(default_factory=list)
    digest: summary.ListingDigest = field(default_factory=summary.ListingDigest)

    def add(self, rows: list[CacheRow], chunk: bytes) -> None:
        self.files += len(rows)
        self.kinds.update(row[3] for row in rows)
        self.reported.extend((row[0], row[3], row[4]) for row in rows if row[4])
        self.chunks.append(chunk)
        instances = summary.unpack_instances(chunk)
        self.instances.extend(instances)
        self.digest.add(row[:3] for row in rows)
        # The folders named after a person, parsed here while the workers read the next
        # batches rather than all at once when grouping, after the last (a wait for
        # the job otherwise); grouping finds them cached.
        for instance in instances:
            name_folder(instance.location)


def _parse_all(root: str, todo, pass_: _Pass, total: int | None = None) -> _Parsed:
    """Parse in batches and save what is parsed about every half second, each save
    one transaction: an interrupted scan keeps all but the last moments of work, and
    the state file is not committed (and checkpointed) for every batch."""
    store, workers, after_batch = pass_.store, pass_.workers, pass_.hooks.after_batch
    meter = Bar(pass_.show, "  reading headers", total, unit=" files")
    if total is None:       # a first scan: the total is known once the walk ends
        todo = _counted(todo, meter)
    parsed = _Parsed()
    unsaved: list[CacheRow] = []
    last_save = time.perf_counter()

    def take(batch: tuple[list[CacheRow], bytes]) -> None:
        rows, chunk = batch
        parsed.add(rows, chunk)
        unsaved.extend(rows)
        meter.advance(len(rows))
        if time.perf_counter() - last_save >= SAVE_EVERY_SECONDS:
            flush()
        if after_batch is not None:
            after_batch()

    def flush() -> None:
        nonlocal last_save
        if unsaved:
            store.save_files(root, unsaved)
            unsaved.clear()
        last_save = time.perf_counter()

    try:
        if workers <= 1:
            for batch in _batches(todo, BATCH):
                take(parse_batch(root, batch))
        else:
            batches = ((root, batch) for batch in _batches(todo, _pool_batch(total, workers)))
            with contextlib.closing(pass_.parallel(parse_batch, batches, workers)) as results:
                for result in results:
                    take(result)
    except BaseException:
        # stopped (Ctrl-C, a refused export): what was parsed is kept all the same
        with contextlib.suppress(Exception):      # (unless the state file is what failed)
            flush()
        raise
    flush()
    meter.close()
    return parsed


def _pool_batch(total: int | None, workers: int) -> int:
    """POOL_BATCH, or less when a known total would leave a worker without a batch."""
    if total is None:
        return POOL_BATCH
    return max(BATCH, min(POOL_BATCH, -(-total // (2 * workers))))


def _counted(items, meter: Bar):
    """The items, and the bar's total set to their number once the last was given."""
    n = 0
    for item in items:
        n += 1
        yield item
    meter.set_total(n)
