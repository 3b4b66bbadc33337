"""Files written whole or not at all (a temporary beside the target, then a rename),
with the user's normal permissions, and the leftovers of a killed run removed. A leaf:
every stage that writes a file uses it."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from linkage.errors import OutputLocked


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; it replaces `path` only on success. The
    file gets the user's normal permissions (mkstemp's are owner-only), so the rest of
    the team can read outputs on a shared folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputLocked(f"cannot replace {path} ({exc.strerror}): is it open in "
                               "Excel? Close it and run again (nothing else was lost)") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


STAGING_PREFIX = ".staged."


@contextmanager
def staged(folder: Path):
    """A hidden folder inside `folder` where files are written first; `commit` moves
    them beside it, each by one rename, and leaving the block removes whatever was not
    committed (a failed or interrupted run replaces nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    try:
        yield _Staging(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Staging:
    def __init__(self, path: Path, target: Path) -> None:
        self.path, self.target = path, target

    def commit(self) -> list[Path]:
        moved = []
        for staged_file in sorted(self.path.iterdir()):
            if staged_file.name.startswith("."):      # a write's own temporary
                continue
            destination = self.target / staged_file.name
            move_into_place(staged_file, destination)
            moved.append(destination)
        return moved


def move_into_place(source: Path, destination: Path) -> None:
    """One rename; an output that cannot be replaced is one line, not a traceback."""
    try:
        os.replace(source, destination)
    except OSError as exc:
        raise OutputLocked(f"cannot replace {destination} ({exc.strerror}): is it "
                           "open in Excel? Close it and run again") from None


def remove_leftovers(folder: Path, names: Iterable[str]) -> int:
    """Delete the temporaries a killed run left beside its outputs (`.review.xlsx.*`,
    a `.staged.*` folder)."""
    removed = 0
    for leftover in folder.glob(f"{STAGING_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
    for name in names:
        for leftover in folder.glob(f".{name}.*"):
            try:
                leftover.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UTF-8 with BOM, so that Excel on a Russian Windows opens Cyrillic correctly."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
