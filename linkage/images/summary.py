"""The last scan's whole result, kept for the next rescan of an unchanged tree.

A rescan that finds every file with the size and mtime it had last time has nothing
to parse, but rebuilding the result file by file from the cache would still cost
more than the walk itself. So each scan also stores its result as one blob, keyed
by a digest of the listing; when the next walk gives the same digest, the blob is
the answer.

The blob is a pickle of plain tuples, lists and strings, equal strings stored once:
it loads three to four times faster than the same data in JSON, which is what
keeps a rescan near the cost of the walk. It is read with an unpickler that refuses
every class and function, so a tampered state file cannot make it run code, and
anything unreadable only means a slower rescan (from the per-file cache).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import fields
from sys import intern

from linkage.images.instance import Instance

# (relpath, size, mtime_ns) of every file, in walk order.
Listing = list[tuple[str, int | None, int | None]]
# How many leading fields of a row are text (interned so that equal ones are stored once).
_LEADING_TEXT = next(i for i, f in enumerate(fields(Instance)) if f.type != "str")


def listing_digest(listing: Listing) -> str:
    """A fingerprint of the tree: every file's path, size and mtime, in walk order
    (the same folder lists the same way twice; if not, a rescan is only slower)."""
    text = "\n".join(f"{relpath}\t{size}\t{mtime}" for relpath, size, mtime in listing)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def pack(instances: list[Instance], problems: list[tuple[str, str, str]],
         counts: dict[str, int]) -> bytes:
    n = _LEADING_TEXT
    rows = [(*map(intern, row[:n]), *row[n:]) for row in map(Instance.as_row, instances)]
    return pickle.dumps((rows, problems, counts), protocol=4)


def unpack(blob: bytes) -> tuple[list[Instance], list[tuple[str, str, str]], dict] | None:
    """(instances, problems, counts), or None for a blob that is not ours."""
    try:
        rows, problems, counts = _PlainData(io.BytesIO(blob)).load()
        return [Instance(*row) for row in rows], problems, counts
    except Exception:  # noqa: BLE001 - a damaged summary only means a slower rescan
        return None


class _PlainData(pickle.Unpickler):
    """Builds lists, tuples, dicts, strings and numbers only."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")
