"""The state file's write-ahead log copied into it while the job links, not when the
scan's connection closes.

SQLite in WAL mode appends each transaction to `<state>-wal`; the last connection to
close copies the log into the state file and waits for the disk (a checkpoint). After
a large scan the log holds tens of megabytes, and that close held the job up while
the disk wrote, before it could link. A connection held open for the whole job makes
no other close the last one; a thread asks SQLite to copy the log once the scan is
done and the export kept (SQLite waits on the disk without holding the interpreter),
and the job's last close copies only what came after.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path


class StateCheckpoint:
    """Open for the whole job; `start` copies the log meanwhile. Only an optimisation:
    if the state file cannot be opened here, SQLite checkpoints as it always does."""

    def __init__(self, state: Path):
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None
        try:
            self._db = sqlite3.connect(state, isolation_level=None, timeout=5.0,
                                       check_same_thread=False)
            # a read makes this connection one that uses the log (WAL mode holds it)
            self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            self.close()

    def start(self) -> None:
        """Copy the log into the state file in a thread, beside the job's own work."""
        if self._db is not None and self._thread is None:
            self._thread = threading.Thread(target=self._checkpoint, name="state checkpoint")
            self._thread.start()

    def _checkpoint(self) -> None:
        with contextlib.suppress(sqlite3.Error):      # PASSIVE: never waits for a writer
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> StateCheckpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
