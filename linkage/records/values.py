"""Cell values of an export: dates, sex, case numbers, as the registry and Excel write them.

Each parser returns (value, problem): the normalised value ("" when unusable) and
a short Russian-free reason when the cell held something that could not be used.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y.%m.%d",
                 "%Y%m%d", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
EARLIEST = date(1900, 1, 1)


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2}")
_SERIAL = re.compile(r"\d{4,5}(\.\d+)?")


def parse_date(text: str, latest: date | None = None,
               century_known: bool = True) -> tuple[str, str]:
    """A date as ISO "YYYY-MM-DD". Accepts dd.mm.yyyy, dd.mm.yy, yyyy-mm-dd, Excel
    serial numbers, with or without a time; flags impossible and future dates. A
    number read as an Excel serial is kept and flagged (it may be anything); a
    two-digit year is not used where the century cannot be told (`century_known`
    False: a birth date «15.3.20» is 1920 as likely as 2020; «1.2.35» is 1935)."""
    text = (text or "").strip()
    value, problem = _parse_date(text, latest or date.today())
    if value and not century_known and _TWO_DIGIT_YEAR.fullmatch(text) \
            and value >= "2000":      # 19yy would fit as well: no way to tell
        return "", "two-digit year: the century is unknown, not used"
    if value and _SERIAL.fullmatch(text) and not re.fullmatch(r"\d{8}", text):
        return value, f"a number, read as an Excel date {value}: check it"
    return value, problem


@lru_cache(maxsize=200_000)
def _parse_date(text: str, latest: date) -> tuple[str, str]:
    """Cached: admission dates and birth dates repeat across an export."""
    if not text:
        return "", ""
    parsed: date | None = None
    common = _DMY.fullmatch(text) or _YMD.fullmatch(text)
    if common:
        numbers = [int(g) for g in common.groups()]
        day, month, year = numbers if common.re is _DMY else numbers[::-1]
        try:
            return _checked(date(year, month, day), latest)
        except ValueError:
            return "", "not a date"
    if _SERIAL.fullmatch(text) and not re.fullmatch(r"\d{8}", text):
        serial = float(text)
        if 1 <= serial < 80000:
            parsed = _EXCEL_EPOCH + timedelta(days=int(serial))
    if parsed is None:
        cleaned = re.sub(r"\s+", " ", text.replace("г.", "").replace("г", "")).strip()
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(cleaned, fmt).date()
                break
            except ValueError:
                continue
    if parsed is None:
        return "", "not a date"
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2}", text) and parsed > latest:
        parsed = parsed.replace(year=parsed.year - 100)    # 01.02.35 is 1935, not 2035
    return _checked(parsed, latest)


def _checked(parsed: date, latest: date) -> tuple[str, str]:
    if parsed < EARLIEST:
        return "", "date before 1900"
    if parsed > latest:
        return "", "date in the future"
    return parsed.isoformat(), ""


_SEX = {
    "м": "M", "муж": "M", "мужской": "M", "мужчина": "M", "m": "M", "male": "M", "1": "M",
    "ж": "F", "жен": "F", "женский": "F", "женщина": "F", "f": "F", "female": "F", "2": "F",
    "w": "F",
}


def parse_sex(text: str) -> tuple[str, str]:
    """"M" / "F" from М/Ж, муж/жен, M/F, 1/2."""
    key = (text or "").strip().lower().rstrip(".")
    if not key:
        return "", ""
    if key in _SEX:
        return _SEX[key], ""
    return "", "unknown sex value"


@lru_cache(maxsize=200_000)
def normalise_case_number(text: str) -> str:
    """Case-history numbers compared by their digits: "12345/2019", "№ 12 345",
    "12345-19" and "12345" all become "12345" (the year suffix is dropped)."""
    text = (text or "").strip()
    if not text:
        return ""
    text = re.sub(r"^[№#N]\s*", "", text, flags=re.IGNORECASE)
    main = re.split(r"[/\\-]", text)[0]
    digits = re.sub(r"\D", "", main)
    return digits.lstrip("0") or ""
