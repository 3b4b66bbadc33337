"""Decode DICOM text from its raw bytes, repairing undeclared or wrong character sets.

Russian CDs often write Windows-1251 (sometimes KOI8-R, CP866 or UTF-8) bytes with
no SpecificCharacterSet, or with a wrong one. pydicom then shows `Èâàíîâ`, and once
text is decoded under a wrong set the original bytes may be gone. So we decode
from the raw bytes: the declared set first, and when it is absent or gives text no
Russian name would contain, every likely Cyrillic encoding, keeping the most
plausible Russian. The label of the decoding used is kept for the review sheet.

The plausibility measure and the repair itself live in linkage.text, shared with
the export reader (`fix_mojibake` for text already decoded elsewhere).
"""

from __future__ import annotations

from functools import lru_cache

from linkage.text import best_reading, fix_mojibake, russian_plausibility  # noqa: F401

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
    return best_reading(raw, declared)


