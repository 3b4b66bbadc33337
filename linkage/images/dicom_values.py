"""DICOM value forms read as the rest of the tool wants them."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

# Dates that writers put where they knew none.
PLACEHOLDER_DATES = ("00000000", "19000101", "18991230", "19700101")


@lru_cache(maxsize=100_000)
def parse_dicom_date(text: str) -> str:
    """DICOM DA (YYYYMMDD, sometimes with dots) as ISO, or "" for placeholders and
    impossible dates. Cached: a study's date and its patient's birth date repeat."""
    digits = _NOT_DIGIT.sub("", text or "")
    if len(digits) != 8 or digits in PLACEHOLDER_DATES:
        return ""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
    except ValueError:
        return ""


_NOT_DIGIT = re.compile(r"\D")
