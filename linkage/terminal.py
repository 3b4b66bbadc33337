"""The terminal a command writes to: streams that may be missing (pythonw, a scheduled
task), a console code page that cannot show every path, a pipe that `head` closes, and
SIGTERM ending a command as Ctrl-C does. A leaf: the CLI sets it up before a command."""

from __future__ import annotations

import sys


def safe_console() -> None:
    """Never fail on printing: a path with a character outside the console's code page
    (cp866, cp1251 when redirected) is shown escaped instead of ending the job."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass


def terminate_like_interrupt() -> None:
    """SIGTERM (a service stop, `kill`) ends the job as Ctrl-C does: workers stopped,
    the state consistent (and on Windows, closing the console sends SIGBREAK)."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            try:
                signal.signal(getattr(signal, name), stop)
            except (ValueError, OSError):      # not the main thread
                pass


class _WatchedStdout:
    """sys.stdout, noting a broken pipe on writing to it: only that is `| head` closing
    early (any other BrokenPipeError is a failure and must not exit 0)."""

    def __init__(self) -> None:
        self.stream, self.broken = None, False

    def install(self) -> None:
        if sys.stdout is None or isinstance(sys.stdout, _Proxy):
            return
        self.stream = sys.stdout
        sys.stdout = _Proxy(self)


class _Proxy:
    def __init__(self, watch: _WatchedStdout) -> None:
        self._watch = watch

    def write(self, text: str) -> int:
        return self._guard(self._watch.stream.write, text)

    def flush(self) -> None:
        self._guard(self._watch.stream.flush)

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            self._watch.broken = True
            raise

    def __getattr__(self, name: str):
        return getattr(self._watch.stream, name)


STDOUT = _WatchedStdout()


def console_streams() -> None:
    """pythonw or a scheduled task may start us with no stdout or stderr (None): what
    would be printed goes nowhere instead of ending a finished run in a traceback."""
    import os

    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def quiet_broken_pipe() -> None:
    """Output piped into `head`: stop quietly (Python would complain at exit)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
