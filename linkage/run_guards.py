"""Guards on what the user did not mean: an images folder or an export far smaller than
the ones the state knows, judged by their content (studies, records), not by their path.
A disk mounted at another letter, or an export saved with its header only, would
otherwise empty matches.csv, links.csv and cohort.csv with exit code 0. A leaf: it
knows the state file and nothing of the stages."""

from __future__ import annotations

import os
import time
from pathlib import Path

from linkage.errors import FolderShrunk
from linkage.store import Store

# Refused: nothing at all, or fewer than half of last time with at least this many lost.
SHRINK_SHARE, SHRINK_MIN = 0.5, 10
_LAST = "last run counts"


def check_counts(store: Store, images: Path, export: Path, studies: int, records: int,
                 allow_shrink: bool) -> None:
    """Raise FolderShrunk (one line, `--allow-shrink` to go on) before anything is
    linked or replaced."""
    if allow_shrink:
        return
    last_studies, last_records = _last(store)
    for what, path, now, last, ask in (
            ("studies in the images folder", images, studies, last_studies,
             "is it the right folder, is the disk connected?"),
            ("records in the export", export, records, last_records,
             "is it the right file, was it saved whole?")):
        if now == 0 or (last - now >= SHRINK_MIN and now < SHRINK_SHARE * last):
            before = f" (the last run had {last})" if last else ""
            raise FolderShrunk(f"{now} {what} {path}{before}: {ask} Nothing was changed (run "
                               "again with --allow-shrink if this is really so)")


def remember_counts(store: Store, studies: int, records: int) -> None:
    store.set_meta(_LAST, f"{studies} {records}")


def _last(store: Store) -> tuple[int, int]:
    value = store.get_meta(_LAST) or "0 0"
    studies, records = (int(v) for v in value.split())
    return studies, records


def pause_for_tests(point: str) -> None:
    """A test that acts at a given moment of a run in another process (a clinician who
    saves the sheet while the run works) sets LINKAGE_TEST_PAUSE to a folder: the run
    writes `paused` there, naming the point, and waits for a file `go` (at most two
    minutes). Unset, this does nothing."""
    folder = os.environ.get("LINKAGE_TEST_PAUSE")
    if not folder:
        return
    Path(folder, "paused").write_text(point, encoding="utf-8")
    deadline = time.monotonic() + 120
    while not Path(folder, "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
