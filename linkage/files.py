"""Files written whole or not at all (a temporary beside the target, then a rename),
with the user's normal permissions, and the leftovers of a killed run removed. A leaf:
every stage that writes a file uses it."""

from __future__ import annotations

import csv
import os
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


def remove_leftovers(folder: Path, names: Iterable[str]) -> int:
    """Delete the temporaries a killed run left beside its outputs (`.review.xlsx.*`)."""
    removed = 0
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
