"""What a spreadsheet cell accepts."""

from __future__ import annotations

import re

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_text(value):
    """A value a spreadsheet accepts: control characters (a \\x02 in an export cell, a
    \\x01 in a DICOM name) are shown as escapes instead of making the file unwritable."""
    if isinstance(value, str) and _ILLEGAL.search(value):
        return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value
