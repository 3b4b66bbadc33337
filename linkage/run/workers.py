"""What every worker process does first: leave Ctrl-C to the job (which stops it; a
worker's own KeyboardInterrupt only printed tracebacks), and end itself when the job
is gone (a `kill -9` or a crash of the job left workers holding memory for minutes).
`in_order` is the pool a scan parses with."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from linkage.run.lock import alive

PARENT_CHECK_SECONDS = 1.0


def worker_started(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(parent_pid,), daemon=True,
                     name="parent watch").start()


def _end_with(parent_pid: int) -> None:
    while alive(parent_pid):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def in_order(function: Callable, arguments: Iterable[tuple], workers: int) -> Iterator:
    """`function(*args)` for each of `arguments` in `workers` spawned processes, at most
    4 per worker ahead, yielded in the order given (a scan's listing digest is fed in
    walk order). Spawn: what Windows does, and safe beside SQLite connections and
    threads. Closed early (Ctrl-C, a refused export), it ends the workers at once."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=worker_started, initargs=(os.getpid(),)) as pool:
        pending: deque = deque()
        finished = False
        try:
            for args in arguments:
                pending.append(pool.submit(function, *args))
                while pending and (len(pending) > 4 * workers or pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
            finished = True
        finally:
            if not finished:
                _stop_workers(pool)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C or SIGTERM: end the workers now instead of letting them finish every
    queued batch (or outlive us, holding gigabytes). What was saved stays saved.
    The processes are taken first: `shutdown` forgets them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
