"""Text helpers that both the image side and the registry side need: how Russian a
string looks, reading raw bytes in the most plausible Cyrillic encoding, repairing
mojibake, and dates as ISO text. A leaf: it imports no stage.
"""

from __future__ import annotations

import math
import re

# Undeclared bytes: what Russian software actually writes, most likely first.
REPAIR_CODECS = ("utf_8", "cp1251", "koi8_r", "cp866", "iso8859_5")
DECLARED_BONUS = 0.2

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
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+")


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


def best_reading(raw: bytes, declared: tuple[str, ...] = ()) -> tuple[str, str]:
    """The most plausible reading of non-ASCII bytes: valid UTF-8 at once; otherwise
    the declared codecs (with a small bonus) against every likely Cyrillic encoding.
    Returns (text, how), how being a codec, or "<codec> (repaired)" when the bytes
    were read in one that was not declared."""
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
        repaired, how = best_reading(raw)
        if how.endswith("(repaired)") and russian_plausibility(repaired) > \
                russian_plausibility(text) + 0.5:
            return repaired, f"{how[: -len(' (repaired)')]} read as {codec} (repaired)"
    return text, ""


# What a file name's bytes were wrongly read as: a zip's CP866 names unpacked by a tool
# that assumed CP1251 or CP437, or Windows-1251 read as Latin-1.
_MISREAD_AS = ("cp1251", "cp437", "latin_1", "cp1252")


def repair_misread(text: str) -> tuple[str, str]:
    """A name whose bytes were read in the wrong code page («Џ®Ї®ў €ў ­», «Å«»«ó
    êóá¡» for «Попов Иван»), read again in the most plausible one; (text, how), how ""
    when the text is left as it is (it reads no better any other way)."""
    if not text or text.isascii():
        return text, ""
    best, how, score = text, "", russian_plausibility(text) + 1.0
    for codec in _MISREAD_AS:
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        repaired, reading = best_reading(raw)
        plausible = russian_plausibility(repaired)
        if reading.endswith("(repaired)") and plausible > score:
            best, score = repaired, plausible
            how = f"{reading[: -len(' (repaired)')]} read as {codec} (repaired)"
    return best, how


def iso_date(text: str) -> str:
    """DICOM's YYYYMMDD as YYYY-MM-DD; anything else unchanged."""
    return f"{text[:4]}-{text[4:6]}-{text[6:]}" if len(text) == 8 and text.isdigit() else text
