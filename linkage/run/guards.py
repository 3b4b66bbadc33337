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


def check_studies(store: Store, images: Path, studies: int, allow_shrink: bool) -> None:
    """Raise FolderShrunk (one line, `--allow-shrink` to go on) before the scan's own
    outputs are written."""
    _check(store, 0, f"studies in the images folder {images}", studies, allow_shrink,
           "is it the right folder, is the disk connected?")


def check_records(store: Store, export: Path, records: int, allow_shrink: bool) -> None:
    """The same for the export, before anything is linked or replaced."""
    _check(store, 1, f"records in the export {export}", records, allow_shrink,
           "is it the right file, was it saved whole?")


def _check(store: Store, which: int, what: str, now: int, allow_shrink: bool,
           ask: str) -> None:
    if allow_shrink:
        return
    last = _last(store)[which]
    if now == 0 or (last - now >= SHRINK_MIN and now < SHRINK_SHARE * last):
        before = f" (the last run had {last})" if last else ""
        raise FolderShrunk(f"{now} {what}{before}: {ask} Nothing was changed (run again "
                           "with --allow-shrink if this is really so)")


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
