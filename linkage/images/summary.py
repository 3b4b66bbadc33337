"""The last scan's whole result, kept for the next rescan of an unchanged tree.

A rescan that finds every file with the size and mtime it had last time has nothing
to parse, but rebuilding the result file by file from the cache would still cost
more than the walk itself. So each scan also stores its result as one blob, keyed
by a digest of the listing; when the next walk gives the same digest, the blob is
the answer.

Instances travel in chunks: a pickle of plain tuples of strings, equal strings
stored once, made by the worker that parsed the batch (so the packing runs in
parallel) and loading three to four times faster than the same rows in JSON. They
are read with an unpickler that refuses every class and function, so a tampered
state file cannot make it run code; anything unreadable only means a slower rescan
(from the per-file cache).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Iterable
from dataclasses import fields
from sys import intern

from linkage.images.instance import Instance

# How many leading fields of a row are text (interned so that equal ones are stored once).
_LEADING_TEXT = next(i for i, f in enumerate(fields(Instance)) if f.type != "str")


class ListingDigest:
    """A fingerprint of the tree, fed file by file in walk order: path, size, mtime.
    (The same folder lists the same way twice; if not, a rescan is only slower.)"""

    def __init__(self) -> None:
        self._hash = hashlib.blake2b(digest_size=16)

    def add(self, entries: Iterable[tuple[str, int | None, int | None]]) -> None:
        text = "".join(f"{relpath}\t{size}\t{mtime}\n" for relpath, size, mtime in entries)
        self._hash.update(text.encode("utf-8", "surrogatepass"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def listing_digest(entries: Iterable[tuple[str, int | None, int | None]]) -> str:
    digest = ListingDigest()
    digest.add(entries)
    return digest.hexdigest()


def pack_instances(instances: list[Instance]) -> bytes:
    """One chunk of instances."""
    n = _LEADING_TEXT
    rows = [(*map(intern, row[:n]), *row[n:]) for row in map(Instance.as_row, instances)]
    return pickle.dumps(rows, protocol=4)


def unpack_instances(chunk: bytes) -> list[Instance]:
    return [Instance(*row) for row in _PlainData(io.BytesIO(chunk)).load()]


def pack(chunks: list[bytes], problems: list[tuple[str, str, str]],
         counts: dict[str, int], studies: list[tuple] | None = None) -> bytes:
    """The scan's result; `studies` as images.studies.study_row gives them, so that a
    rescan of an unchanged tree does not group hundreds of thousands of instances again."""
    return pickle.dumps((chunks, problems, counts, studies), protocol=4)


def unpack(blob: bytes, instances: bool = True
           ) -> tuple[list[Instance], list[tuple[str, str, str]], dict,
                      list[tuple] | None] | None:
    """(instances, problems, counts, study rows or None), or None for a blob that is
    not ours. A result stored before studies were kept gives None for them. With
    `instances` False and the study rows kept, no instance is rebuilt (an empty list):
    hundreds of thousands of them are most of the time a rescan takes after its walk."""
    try:
        loaded = _PlainData(io.BytesIO(blob)).load()
        chunks, problems, counts = loaded[:3]
        studies = loaded[3] if len(loaded) > 3 else None
        if not instances and studies is not None:
            return [], problems, counts, studies
        return ([i for chunk in chunks for i in unpack_instances(chunk)], problems, counts,
                studies)
    except Exception:  # noqa: BLE001 - a damaged summary only means a slower rescan
        return None


def unpack_studies(blob: bytes) -> list[tuple] | None:
    """Only the study rows of a stored result (what `linkage links` needs)."""
    try:
        loaded = _PlainData(io.BytesIO(blob)).load()
        return loaded[3] if len(loaded) > 3 else None
    except Exception:  # noqa: BLE001
        return None


class _PlainData(pickle.Unpickler):
    """Builds lists, tuples, dicts, bytes, strings and numbers only."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")
