"""One `linkage` at a time per output folder and per state file.

Two runs on the same folder would each write some of the outputs, leaving
`matches.csv` from one export and `review.xlsx` from the other. A lock file beside
what is written holds the PID of its owner; a lock whose process is gone (a
killed run) is stale and taken over.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from linkage.errors import OutputBusy


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":      # os.kill on Windows would terminate the process
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFO
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259                                        # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(lock: Path) -> tuple[int, str, str]:
    try:
        pid, host, since = (lock.read_text("utf-8").split("\t") + ["", "", ""])[:3]
        return int(pid), host, since.strip()
    except (OSError, ValueError):
        return 0, "", ""


@contextmanager
def lock_file(lock: Path, what: str) -> Iterator[None]:
    """Hold `lock` for the duration; raise OutputBusy if a live process holds it."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = f"{os.getpid()}\t{socket.gethostname()}\t{datetime.now(UTC).isoformat()[:19]}"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            pid, host, since = _owner(lock)
            if host == socket.gethostname() and not alive(pid) or pid == 0:
                lock.unlink(missing_ok=True)        # stale: its run was killed
                continue
            raise OutputBusy(f"another linkage (PID {pid} on {host or '?'}, since {since} UTC) "
                             f"is working on {what}; wait for it to finish (if none is "
                             f"running, delete {lock})") from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(me)
        break
    else:
        raise OutputBusy(f"cannot take the lock {lock}; delete it if no linkage is running")
    try:
        yield
    finally:
        if _owner(lock)[0] == os.getpid():
            lock.unlink(missing_ok=True)


@contextmanager
def exclusive(out: Path | None, state: Path) -> Iterator[None]:
    """Lock the output folder (if any) and the state file."""
    with ExitStack() as stack:
        if out is not None:
            stack.enter_context(lock_file(out / ".linkage.run.lock", f"the output folder {out}"))
        stack.enter_context(lock_file(state.with_name(state.name + ".lock"),
                                      f"the state file {state}"))
        yield
