"""The last scan's whole result, kept for the next rescan of an unchanged tree.

A rescan that finds every file with the size and mtime it had last time has nothing
to parse, but rebuilding the result file by file from the cache would still cost
more than the walk itself. So each scan also stores its result as one JSON
document, keyed by a digest of the listing; when the next walk gives the same
digest, that document is the answer.
"""

from __future__ import annotations

import hashlib
import json

from linkage.images.instance import Instance, instances_from_rows

# (relpath, size, mtime_ns) of every file, in walk order.
Listing = list[tuple[str, int | None, int | None]]


def listing_digest(listing: Listing) -> str:
    """A fingerprint of the tree: every file's path, size and mtime, in walk order
    (the same folder lists the same way twice; if not, a rescan is only slower)."""
    text = "\n".join(f"{relpath}\t{size}\t{mtime}" for relpath, size, mtime in listing)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def pack(instances_document: str, problems: list[tuple[str, str, str]],
         counts: dict[str, int]) -> str:
    """One JSON document. The instances come already as JSON (a list of per-file
    lists, as the cache keeps them) and are not encoded again."""
    return (f'{{"problems":{json.dumps(problems, ensure_ascii=False)},'
            f'"counts":{json.dumps(counts)},"instances":{instances_document}}}')


def unpack(document: str) -> tuple[list[Instance], list[tuple[str, str, str]], dict] | None:
    """(instances, problems, counts), or None for a document that is not ours."""
    try:
        data = json.loads(document)
        return (instances_from_rows(data["instances"]),
                [tuple(p) for p in data["problems"]], data["counts"])
    except (ValueError, KeyError, TypeError):
        return None
