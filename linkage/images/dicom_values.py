"""DICOM value forms read as the rest of the tool wants them."""

from __future__ import annotations

import re
from datetime import datetime

# Dates that writers put where they knew none.
PLACEHOLDER_DATES = ("00000000", "19000101", "18991230", "19700101")


def parse_dicom_date(text: str) -> str:
    """DICOM DA (YYYYMMDD, sometimes with dots) as ISO, or "" for placeholders."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) != 8 or digits in PLACEHOLDER_DATES:
        return ""
    try:
        return datetime.strptime(digits, "%Y%m%d").date().isoformat()
    except ValueError:
        return ""
