"""Pausing Python's cyclic garbage collector while a step builds many objects.

A scan, or the report made from it, builds hundreds of thousands of small objects
(instances, rows, strings) that all stay alive and hold no cycles. Each time enough
of them were allocated the collector walks every one again, finding nothing (a
good part of revision.xlsx's folder-by-folder pass). Reference counting
still frees what is dropped; only the cycle search waits until the step ends.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the `with` block, and back as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def paused_call(function: Callable[..., T], *args) -> T:
    """`function(*args)` with the collector paused: what the second process is given
    (the export's reading, the patient names' parsing, each building many objects)."""
    with collector_paused():
        return function(*args)
