"""Work that goes on in a second process while the job does something else.

The link stage uses one core; on the users' two- or four-core workstations the other
sits idle while revision.xlsx, a pure-Python openpyxl write of one row per folder,
could be written; and a large export is read there while the folder is scanned. Each
write is still whole or not at all (linkage.files), and the job waits for it, and
raises its error, before any other output is replaced.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor


class Background:
    """At most one extra process, started on the first `submit` (spawn: what Windows
    does). Tasks submitted until the next `wait` run one after another in that process:
    the patient names parsed for the main process are then already in the cache of the
    revision.xlsx that follows, and no process starts and imports its libraries again
    (0.7 s of CPU at 10,000 persons, during the scan, when both cores are busy).
    `wait` ends the process: the next task starts in a new one. Leaving the `with`
    block waits for every write; leaving it on an error (Ctrl-C, SIGTERM, a failed
    stage) ends the process at once instead. Either way no write outlives the lock on
    the output folder, and a write cut short leaves only a temporary file, which the
    next run removes (linkage.files)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []

    def submit(self, function: Callable, *args) -> Future:
        """Start `function(*args)` there; its Future gives the result (pickled back)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        future = self._pool.submit(function, *args)
        self._futures.append(future)
        return future

    def wait(self) -> None:
        """Block until every write is done; raise the first one's error. Then the
        process is ended and joined: a task's process could otherwise still be giving
        its memory back while the next task's starts (1.3 GB at the peak of a 10,000
        person run instead of 0.9)."""
        futures, self._futures = self._futures, []
        for future in futures:
            future.result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> Background:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if self._pool is None:
            return
        if exc_type is not None:
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
