"""Find every file under the images root, never writing or following a loop.

Directory symlinks are followed once (a CD copy may be linked in), guarded by the
set of real directories already seen. Folders we may not read are reported, not
fatal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from linkage.images.charset import decode_text

# (relpath with "/" separators relative to the root, size, mtime_ns): a plain tuple, not
# a named one. A walk makes one per file, and the scan pickles them to its workers in
# batches: a named tuple pickles as a class call, ten times slower both ways.
FileEntry = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class WalkProblem:
    relpath: str
    reason: str


def walk(root: str, problems: list[WalkProblem], with_stat: bool = True
         ) -> Iterator[FileEntry]:
    """Yield every regular file below `root`; append unreadable places to `problems`.

    `with_stat=False` leaves size and mtime as None, for a first scan whose workers
    take them from the open file (one system call per file fewer here).

    Only a folder reached through a link can close a loop, so only links are
    resolved (`realpath`): one that leads back into a folder already on the way
    down, or to a target already walked, is reported and not followed.
    """
    seen_targets: set[str] = set()
    stack = [("", root)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            entries = list(os.scandir(abs_dir))
        except OSError as exc:
            problems.append(WalkProblem(rel_dir or ".", f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir():
                    if entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if _is_within(os.path.realpath(abs_dir), target) or \
                                target in seen_targets:
                            problems.append(WalkProblem(rel, "folder link loop, not followed"))
                            continue
                        seen_targets.add(target)
                    subdirs.append((rel, entry.path))
                    continue
                if not entry.is_file():
                    continue
                if not with_stat:
                    yield (rel, None, None)
                    continue
                st = entry.stat()
            except OSError as exc:
                problems.append(WalkProblem(rel, f"cannot read: {exc.strerror}"))
                continue
            yield (rel, st.st_size, st.st_mtime_ns)
        stack.extend(sorted(subdirs, reverse=True))


def readable(relpath: str) -> str:
    """The path as people should read it. On Linux a name written in Windows-1251 or
    CP866 bytes (a CD or zip copied from Windows) arrives with undecodable bytes
    kept as surrogates: such a name cannot be written to a CSV, a spreadsheet or
    SQLite, so its bytes are read the way a Russian Windows wrote them. The file
    itself is still opened by its real name."""
    if relpath.isascii():
        return relpath
    try:
        relpath.encode("utf-8")
        return relpath
    except UnicodeEncodeError:
        pass
    try:
        raw = relpath.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:      # Windows: a lone UTF-16 surrogate, no bytes behind it
        return relpath.encode("utf-8", "backslashreplace").decode("utf-8")
    return "/".join(decode_text(part)[0] for part in raw.split(b"/"))


def _is_within(path: str, ancestor: str) -> bool:
    """Is `path` the folder `ancestor` or inside it?"""
    return path == ancestor or path.startswith(ancestor.rstrip(os.sep) + os.sep)
