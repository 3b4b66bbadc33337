"""What a run may take from the last one instead of doing again: its digests (the
export, the settings, the answers, linkage's own code), the kept link result (the
memo) and the outputs written from it (docs/architecture.md, "Nothing changed,
nothing to do")."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.config import Settings
from linkage.images.studies import Study
from linkage.store import Store

if TYPE_CHECKING:
    from linkage.link.pipeline import LinkResult
    from linkage.review.stamp import SheetStamp

SHEET_STAMP = ".stamp"    # in the memo's outputs: the stamp of the review.xlsx written


def inputs_digest(export_digest: str, out: Path, settings: Settings,
                  last_decision: int) -> str:
    """Everything a link result depends on but the images: the export (its bytes, how
    it is read, the code reading it), the answers (their last id), the settings, the
    output folder and linkage's own code. The tree's listing digest is added after
    the scan (`with_tree`)."""
    return digest(export_digest, str(out.resolve()), repr(settings), str(last_decision))


def with_tree(unchanged_but_tree: str, root: str, listing: str) -> str:
    """The memo's key: the inputs and the scanned tree ("" when the tree has no
    listing digest, which is never reused)."""
    return f"{unchanged_but_tree}/{digest(root)}/{listing}" if listing else ""


def export_digest(export_path: Path, settings: Settings) -> str:
    return digest(file_digest(export_path), settings.encoding, settings.delimiter,
                  repr(sorted(settings.columns.items())), code_digest())


def digest(*parts: str) -> str:
    result = hashlib.sha256()
    for part in parts:
        result.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return result.hexdigest()


def file_digest(path: Path) -> str:
    """The file's SHA-256; for a file that cannot be read, something no digest equals
    (reading the export then says what is wrong with it)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return f"unreadable {time.time_ns()}"


def code_digest() -> str:
    """linkage's own files (name, size, mtime): another version never reuses a result.
    Its data (the given names, the default settings) are resource packages that an
    editable install keeps outside the package's folder: they are digested too."""
    from importlib import resources

    result = hashlib.sha256()
    for package in ("linkage", "linkage.data", "linkage.configs"):
        root = Path(str(resources.files(package)))
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".txt", ".toml") and path.is_file():
                stat = path.stat()
                result.update(f"{package}/{path.relative_to(root)}:{stat.st_size}:"
                              f"{stat.st_mtime_ns}\n".encode("utf-8", "surrogatepass"))
    return result.hexdigest()


def kept_result(store: Store, inputs: str) -> LinkResult | None:
    """The last run's link result, if its inputs had this digest."""
    blob = store.memo_result(inputs) if inputs else None
    if blob is None:
        return None
    from linkage.link.memo import unpack

    return unpack(blob)


def keep_result(state: Path, inputs: str, linked: LinkResult) -> None:
    """The link result in the state file, for the next run on the same inputs."""
    from linkage.link.memo import pack

    blob = pack(linked)
    with Store(state) as store:
        store.save_memo(inputs or "-", blob)


def last_result_if_current(store: Store) -> LinkResult | None:
    """The result the last run wrote its outputs from, if no answer came in since
    (what `linkage links` reuses; otherwise it links again, as the next run would)."""
    memo = store.memo()
    if memo is None or SHEET_STAMP not in memo[1]:
        return None
    if memo[1][SHEET_STAMP][2] != store.last_decision_id():
        return None
    return kept_result(store, memo[0])


def stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def as_written(path: Path, written: dict[str, list]) -> bool:
    """The file is the one the last run wrote (same size and modification time)."""
    return path.name in written and path.is_file() and stamp(path) == written[path.name]


def output_stamps(outputs: list[Path], sheet_stamp: SheetStamp) -> dict[str, list]:
    """What the memo remembers of the outputs written: each file's size and mtime, and
    the review sheet's stamp."""
    stamps: dict[str, list] = {p.name: stamp(p) for p in outputs if p.is_file()}
    stamps[SHEET_STAMP] = [sheet_stamp.sheet_id, sheet_stamp.written_at,
                           sheet_stamp.decisions_seen, sheet_stamp.state_id,
                           sheet_stamp.state_path]
    return stamps


def stored_studies(state: Path, root: str, digest: str) -> list[Study] | None:
    """The studies the scan of this listing stored with its result (images.summary),
    read by another process; None if the state file holds no such result."""
    from linkage.images.studies import study_from_row
    from linkage.images.summary import unpack_studies

    with Store.reader(state) as store:
        blob = store.scan_summary(root, digest)
    rows = unpack_studies(blob) if blob is not None else None
    return None if rows is None else [study_from_row(row) for row in rows]
