"""Work that goes on in a second process while the job does something else.

The link stage uses one core; on the users' two- or four-core workstations the other
sits idle while revision.xlsx, a pure-Python write of one row per folder,
could be written; and a large export is read there while the folder is scanned. Each
write is still whole or not at all (linkage.files), and the job waits for it, and
raises its error, before any other output is replaced.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from linkage.run.workers import worker_started


def _new_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker_started, initargs=(os.getpid(),))


class Background:
    """At most one extra process at a time, started on the first `submit` (spawn: what
    Windows does). Tasks run one after another in that process: the patient names
    parsed for the main process are then already in the cache of the revision.xlsx
    that follows, and no process starts and imports its libraries again (during the
    scan, when both cores are busy).

    `then_new_process` ends that process once its tasks are done, so that it gives its
    memory back (the research tables written where revision.xlsx was raised the run's
    peak), and prepares the next one
    meanwhile. Leaving the `with` block waits for every write; leaving it on an error
    (Ctrl-C, SIGTERM, a failed stage) ends the process at once instead. Either way no
    write outlives the lock on the output folder, and a write cut short leaves only a
    temporary file, which the next run removes (linkage.files)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []
        self._switching: threading.Thread | None = None
        self._ending: ProcessPoolExecutor | None = None     # the process being ended
        self._warm_up: Future | None = None
        self._closing = False
        self._lock = threading.Lock()

    def submit(self, function: Callable, *args) -> Future:
        """Start `function(*args)` there; its Future gives the result (pickled back)."""
        self._switched()
        with self._lock:
            if self._pool is None:
                self._pool = _new_pool()
            future = self._pool.submit(function, *args)
            self._futures.append(future)
        return future

    def then_new_process(self, warm_up: Callable[[], None] | None = None) -> None:
        """Tasks submitted from now on run in a new process, started as soon as the
        tasks submitted so far are done and their process has ended; `warm_up` (the
        next task's imports, say) runs there first, so that the next task starts at
        once. Nothing is waited for here: a thread does the switch."""
        self._switched()
        with self._lock:
            old = self._ending = self._pool
            if old is None:
                return
            self._pool = None
            pending = list(self._futures)

        def switch() -> None:
            for future in pending:
                future.exception()          # raised where the job waits, not here
            old.shutdown(wait=True)
            with self._lock:
                self._ending = None
                if warm_up is not None and not self._closing:
                    self._pool = _new_pool()
                    self._warm_up = self._pool.submit(warm_up)
                    self._futures.append(self._warm_up)

        self._switching = threading.Thread(target=switch, name="next background process")
        self._switching.start()

    def _switched(self) -> None:
        """A task is only submitted once the process before has ended."""
        if self._switching is not None:
            self._switching.join()
            self._switching = None

    def wait(self) -> None:
        """Block until every task submitted so far is done; raise the first one's
        error. A warm-up is not waited for (the next task follows it anyway)."""
        self._switched()
        futures, self._futures = self._futures, []
        for future in futures:
            if future is not self._warm_up:
                future.result()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        """On an error, every process is ended at once; otherwise each task is waited
        for, but a process that would only warm up for a task that never came is
        ended."""
        if exc_type is not None:
            with self._lock:
                self._closing = True
                for pool in (self._ending, self._pool):
                    _terminate(pool)
        self._switched()
        if self._pool is None:
            return
        if exc_type is not None or all(f.done() or f is self._warm_up for f in self._futures):
            _terminate(self._pool)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def _terminate(pool: ProcessPoolExecutor | None) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
