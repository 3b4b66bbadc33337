"""Find every file under the images root, never writing or following a loop.

Directory symlinks are followed once (a CD copy may be linked in), guarded by the
set of real directories already seen. Folders we may not read are reported, not
fatal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class FileEntry:
    relpath: str        # with "/" separators, relative to the root
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class WalkProblem:
    relpath: str
    reason: str


def walk(root: str, problems: list[WalkProblem]) -> Iterator[FileEntry]:
    """Yield every regular file below `root`; append unreadable places to `problems`."""
    seen: set[tuple[int, int]] = set()
    stack = [("", root)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            info = os.stat(abs_dir)
        except OSError as exc:
            problems.append(WalkProblem(rel_dir or ".", f"cannot open folder: {exc.strerror}"))
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen and info.st_ino:
            problems.append(WalkProblem(rel_dir, "folder link loop, not followed again"))
            continue
        seen.add(key)
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
                    subdirs.append((rel, entry.path))
                    continue
                if not entry.is_file():
                    continue
                st = entry.stat()
            except OSError as exc:
                problems.append(WalkProblem(rel, f"cannot read: {exc.strerror}"))
                continue
            yield FileEntry(rel, st.st_size, st.st_mtime_ns)
        stack.extend(sorted(subdirs, reverse=True))
