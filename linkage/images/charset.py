"""Decode DICOM text from its raw bytes, repairing undeclared or wrong character sets.

Russian CDs often write Windows-1251 (sometimes KOI8-R, CP866 or UTF-8) bytes with
no SpecificCharacterSet, or with a wrong one. pydicom then shows `Èâàíîâ`, and once
text is decoded under a wrong set the original bytes may be gone. So we decode
from the raw bytes: the declared set first, and when it is absent or gives text no
Russian name would contain, every likely Cyrillic encoding, keeping the most
plausible Russian. The label of the decoding used is kept for the review sheet.

This is the only module that repairs mojibake; `fix_mojibake` serves text that
was already decoded elsewhere (CSV cells, folder names).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# DICOM defined terms -> Python codecs (single-byte and UTF-8 ones that matter here;
# anything else is decoded by pydicom's own table).
_DICOM_CODECS = {
    "": "ascii", "ISO_IR 6": "ascii", "ISO 2022 IR 6": "ascii",
    "ISO_IR 100": "latin_1", "ISO 2022 IR 100": "latin_1",
    "ISO_IR 101": "iso8859_2", "ISO_IR 109": "iso8859_3", "ISO_IR 110": "iso8859_4",
    "ISO_IR 144": "iso8859_5", "ISO 2022 IR 144": "iso8859_5",
    "ISO_IR 127": "iso8859_6", "ISO_IR 126": "iso8859_7", "ISO_IR 138": "iso8859_8",
    "ISO_IR 148": "iso8859_9", "ISO_IR 192": "utf_8", "GB18030": "gb18030", "GBK": "gbk",
    "ISO_IR 13": "shift_jis", "ISO_IR 166": "tis_620",
}
# Declared sets that Russian software misuses (and so may be wrong).
_RUSSIAN_OR_LATIN = {"ascii", "latin_1", "iso8859_5", "utf_8", "cp1251", "koi8_r", "cp866"}
# Undeclared bytes: what Russian software actually writes, most likely first.
REPAIR_CODECS = ("utf_8", "cp1251", "koi8_r", "cp866", "iso8859_5")

# Relative frequency (per mille) of Russian letters in running text.
_RU_FREQ = {
    "о": 109.7, "е": 84.5, "а": 80.1, "и": 73.5, "н": 67.0, "т": 62.6, "с": 54.7,
    "р": 47.3, "в": 45.4, "л": 44.0, "к": 34.9, "м": 32.1, "д": 29.8, "п": 28.1,
    "у": 26.2, "я": 20.1, "ы": 19.0, "ь": 17.4, "г": 17.0, "з": 16.5, "б": 15.9,
    "ч": 14.4, "й": 12.1, "х": 9.7, "ж": 9.4, "ш": 7.3, "ю": 6.4, "ц": 4.8, "щ": 3.6,
    "э": 3.2, "ф": 2.6, "ъ": 0.4, "ё": 1.0,
}
_LOG_FREQ = {ch: math.log(f / 1000) for ch, f in _RU_FREQ.items()}
_ALLOWED = re.compile(r"[A-Za-zА-Яа-яЁё0-9\s^=.,\-'()/_:*]")
DECLARED_BONUS = 0.2
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+")


def dicom_codecs(specific_character_set: str | list[str] | None) -> list[str]:
    """Python codecs for a SpecificCharacterSet value (multi-valued allowed)."""
    if specific_character_set is None:
        return []
    if isinstance(specific_character_set, str):
        terms = specific_character_set.split("\\")
    else:
        terms = list(specific_character_set)
    codecs = []
    for term in terms:
        term = term.strip().upper().replace("ISO-IR", "ISO_IR")
        codec = _DICOM_CODECS.get(term)
        if codec is None:
            from pydicom.charset import python_encoding  # rare sets only

            codec = python_encoding.get(term)
        if codec and codec not in codecs:
            codecs.append(codec)
    return codecs


def russian_plausibility(text: str) -> float:
    """Higher for text that looks like a name in Russian or in a Latin script.

    Mojibake is made of accented Latin letters no Russian name has (`Èâàíîâ`),
    symbols (`▒`, `ђ`), words that switch case in the middle (KOI8-R read as
    Windows-1251 turns `Иванов` into `иБЮМНБ`) or script (`Jйrфme`), and rare letters.
    """
    if not text:
        return 0.0
    score = 0.0
    for ch in text:
        low = ch.lower()
        if low in _LOG_FREQ:
            score += 1.0 + _LOG_FREQ[low] / 4
        elif "a" <= low <= "z":
            score += 0.5
        elif "\u00c0" <= ch <= "\u024f" and ch not in "\u00d7\u00f7":
            score -= 1.5                      # accented Latin: rare in names, common in mojibake
        elif not _ALLOWED.match(ch):
            score -= 6.0
    for word in _WORD.findall(text):
        if word.isupper() or word.istitle():
            score += 1.0                      # names are written Иванов or ИВАНОВ
        elif not word.islower():
            score -= 1.5 * len(word)
        if word[0].lower() in "ьъы":
            score -= 3.0                      # no Russian word starts so
        cyr = sum(1 for c in word if c.lower() in _LOG_FREQ)
        score -= 3.0 * min(cyr, len(word) - cyr)  # scripts mixed inside one word
    return score / max(len(text), 1)


def decode_text(raw: bytes, declared: list[str] | tuple[str, ...] | None = None
                ) -> tuple[str, str]:
    """Decode raw bytes of a text element; return (text, how).

    `how` is the declared term's codec when it was trusted, or e.g.
    "cp1251 (repaired)" when the bytes were re-read in another encoding.
    """
    return _decode_cached(bytes(raw).rstrip(b"\x00 "), tuple(declared or ()))


@lru_cache(maxsize=65536)
def _decode_cached(raw: bytes, declared: tuple[str, ...]) -> tuple[str, str]:
    """Cached: a study's instances repeat the same names and descriptions."""
    if not raw:
        return "", "empty"
    if all(b < 0x80 for b in raw) and b"\x1b" not in raw:
        return raw.decode("ascii"), "ascii"
    foreign = [c for c in declared if c not in _RUSSIAN_OR_LATIN]
    if foreign or b"\x1b" in raw:
        # A CD that declares Greek, Hebrew, Japanese... is not a Russian CD in
        # disguise: trust the declaration and let pydicom handle ISO 2022 escapes.
        from pydicom.charset import decode_bytes

        try:
            return decode_bytes(raw, declared or ["iso8859"], {0x5E, 0x3D}), declared[0]
        except Exception:  # noqa: BLE001 - any decoding failure falls through to repair
            pass
    utf8 = _try_decode(raw, "utf_8")
    if utf8 is not None:
        # Valid multi-byte UTF-8 is practically never an accident (Windows-1251 or
        # KOI8-R Cyrillic is not valid UTF-8): no need to weigh other readings.
        return utf8, "utf_8" if "utf_8" in declared else "utf_8 (repaired)"
    candidates: list[tuple[float, str, str]] = []
    for codec in declared:
        text = _try_decode(raw, codec)
        if text is not None:
            # The declaration wins unless another reading is clearly more Russian.
            candidates.append((russian_plausibility(text) + DECLARED_BONUS, text, codec))
    for codec in REPAIR_CODECS:
        if codec in declared:
            continue
        text = _try_decode(raw, codec)
        if text is not None:
            bonus = 0.5 if codec == "utf_8" else 0.0   # valid multi-byte UTF-8 is rarely chance
            candidates.append((russian_plausibility(text) + bonus, text, f"{codec} (repaired)"))
    if not candidates:
        return raw.decode("latin_1"), "latin_1 (undecodable)"
    best = max(candidates, key=lambda c: c[0])
    return best[1], best[2]


def _try_decode(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def fix_mojibake(text: str) -> tuple[str, str]:
    """Repair text already decoded as Latin-1 / Windows-1252 (`Èâàíîâ` -> `Иванов`,
    `Ð˜Ð²Ð°Ð½Ð¾Ð²` -> `Иванов`). Returns (text, how); unchanged text gives how="".
    """
    if not text or text.isascii() or re.search(r"[А-Яа-яЁё]", text):
        return text, ""
    for codec in ("latin_1", "cp1252"):
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        repaired, how = decode_text(raw, [])
        if how.endswith("(repaired)") and russian_plausibility(repaired) > \
                russian_plausibility(text) + 0.5:
            return repaired, f"{how[: -len(' (repaired)')]} read as {codec} (repaired)"
    return text, ""
