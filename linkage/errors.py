"""Every "bad input" the tool can meet, as one hierarchy with no imports of its own.

The CLI prints any `LinkageError` as one line on stderr and exits with code 2; a
stage raises the subclass that names what went wrong. Being a leaf, this module
can be imported from anywhere without pulling a stage (or pandas) along.
"""

from __future__ import annotations


class LinkageError(Exception):
    """Bad input or a state the tool must not go on from: one clear line, exit 2."""


class ConfigError(LinkageError, ValueError):
    """The config file cannot be used; the message names the file and the key."""


class JobError(LinkageError, ValueError):
    """Bad arguments to a command: a missing folder, an output inside the images..."""


class ExportError(LinkageError, ValueError):
    """The export cannot be used at all; the message names the file and the reason."""


class OutputLocked(LinkageError, OSError):
    """An output file cannot be replaced, usually because it is open in Excel."""


class OutputBusy(LinkageError):
    """Another `linkage` process is working on the same output folder or state file."""


class StateError(LinkageError):
    """The state file cannot be used: not ours, newer, corrupt, locked or read-only."""


class FolderShrunk(LinkageError):
    """The images folder lost most of what it held at the last scan (a disk not
    connected?): refused so that the cache and the decisions' context are kept."""


class ImportRefused(LinkageError, ValueError):
    """A review sheet was not imported; `problems` lists every bad cell."""

    def __init__(self, path, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: not imported, nothing was changed. Fix these cells:\n"
                         f"  {shown}{more}")
