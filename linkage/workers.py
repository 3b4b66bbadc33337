"""What every worker process does first: leave Ctrl-C to the job (which stops it; a
worker's own KeyboardInterrupt only printed tracebacks), and end itself when the job
is gone (a `kill -9` or a crash of the job left workers holding memory for minutes).
A leaf, given to every process pool as its initializer."""

from __future__ import annotations

import os
import signal
import threading
import time

from linkage.lock import alive

PARENT_CHECK_SECONDS = 1.0


def worker_started(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(parent_pid,), daemon=True,
                     name="parent watch").start()


def _end_with(parent_pid: int) -> None:
    while alive(parent_pid):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
