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

    The root's own files come first, then each of its folders whole, in the order of
    their names: runs of folders (`walk_parts`) can be walked by other processes and
    the listing is the same (`walk_top`).

    Only a folder reached through a link can close a loop, so only links are
    resolved (`realpath`): one that leads back into a folder already on the way
    down, or to a target already walked in the same top folder, is reported and not
    followed.
    """
    files, parts = _top(root, problems, with_stat)
    yield from files
    for rel_dir, abs_dir in parts:
        yield from _below(rel_dir, abs_dir, problems, with_stat)


def walk_top(root: str, problems: list[WalkProblem]) -> tuple[list[FileEntry],
                                                              list[tuple[str, str]]]:
    """The root's own files, and its folders (relpath, path) in walk order: `walk` is
    these files, then `walk_parts` of the folders."""
    return _top(root, problems, True)


def walk_parts(parts: list[tuple[str, str]]) -> tuple[list[FileEntry], list[WalkProblem]]:
    """Every file below these of the root's folders, in turn, and the problems met (a
    function of its own: another process may run it)."""
    files: list[FileEntry] = []
    problems: list[WalkProblem] = []
    for rel_dir, abs_dir in parts:
        files.extend(_below(rel_dir, abs_dir, problems, True))
    return files, problems


def _top(root: str, problems: list[WalkProblem], with_stat: bool
         ) -> tuple[list[FileEntry], list[tuple[str, str]]]:
    files: list[FileEntry] = []
    subdirs: list[tuple[str, str]] = []
    _list_folder("", root, problems, with_stat, set(), files, subdirs)
    return files, sorted(subdirs)


def _below(rel_dir: str, abs_dir: str, problems: list[WalkProblem], with_stat: bool
           ) -> Iterator[FileEntry]:
    seen_targets: set[str] = set()
    stack = [(rel_dir, abs_dir)]
    while stack:
        files: list[FileEntry] = []
        subdirs: list[tuple[str, str]] = []
        _list_folder(*stack.pop(), problems, with_stat, seen_targets, files, subdirs)
        yield from files
        stack.extend(sorted(subdirs, reverse=True))


def _list_folder(rel_dir: str, abs_dir: str, problems: list[WalkProblem], with_stat: bool,
                 seen_targets: set[str], files: list[FileEntry],
                 subdirs: list[tuple[str, str]]) -> None:
    """One folder's files (in the order listed) and folders (links to loops left out)."""
    try:
        entries = list(os.scandir(abs_dir))
    except OSError as exc:
        problems.append(WalkProblem(rel_dir or ".", f"cannot list folder: {exc.strerror}"))
        return
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
                files.append((rel, None, None))
                continue
            st = entry.stat()
        except OSError as exc:
            problems.append(WalkProblem(rel, f"cannot read: {exc.strerror}"))
            continue
        files.append((rel, st.st_size, st.st_mtime_ns))


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
