"""One comparable spelling for a Russian name in any script or transliteration.

Every scheme writes the same sounds differently (Щ: shch, sch, shh, šč, ŝ, chtch),
so we do not try to guess the scheme. Instead both sides go through the same
reduction: Cyrillic is first spelled in a plain Latin, then *every* Latin string
(including that one) is rewritten so that the letter groups the schemes disagree
on collapse to one token. Because the Cyrillic side passes through the same
Latin rules, the rules only need to be consistent, not linguistically right.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "i", "ї": "i", "є": "e", "ґ": "g",
}

# Latin letters with diacritics used by the scholarly and GOST schemes, spelled out
# before accents are stripped (plain stripping would turn š into s and lose "sh").
_DIACRITICS = {
    "š": "sh", "č": "ch", "ž": "zh", "ŝ": "shch", "ĉ": "ch", "ẑ": "zh", "û": "iu",
    "â": "ia", "ë": "e", "ē": "e", "è": "e", "é": "e", "ĭ": "i", "ı": "i", "ǵ": "g",
    "ü": "iu", "ä": "ia", "ö": "e", "ß": "ss", "ё": "e", "ŭ": "u", "ǒ": "e",
}

# Ordered rewrites over lowercase ASCII. Upper-case letters are placeholders for
# one Russian sound, so later rules cannot re-read them.
_REWRITES: list[tuple[str, str]] = [
    (r"chtch|shch|sch|shh|sz|tsh|sc(?=[aeiouy])", "W"),  # щ (and ш below): merged on purpose
    (r"tsch|tsj|tch|ch|cz", "C"),           # ч (Dutch tsj too)
    (r"sh", "W"),                           # ш
    (r"zh|zs", "J"),                        # ж
    (r"kh", "H"),                           # х
    (r"^x", "H"),                           # х as GOST 7.34 writes it, at word start
    (r"x", "ks"),                           # Alexandr, Maxim
    (r"h", "H"),                            # informal Mihail
    (r"ts|tz|tc|c", "Q"),                   # ц
    (r"gue", "ge"),                         # French Evguenii
    (r"ou", "u"),                           # French Iouliia
    (r"yo|jo|io", "e"),                     # ё written out (Artyom, Artjom, Artiom)
    (r"yu|ju|iu", "U"),                     # ю
    (r"ya|ja|ia", "A"),                     # я
    (r"ye|je", "e"),                        # Yevgeniy, Yerofeyevna
    (r"i(?=[AU])", ""),                     # ия / Yuliya vs Yulia
    (r"[yj]", "i"),                         # й, ы
    (r"w", "v"),                            # German w
    (r"q", "k"),
    (r"(?<=[oe])ff?$", "v"),                # Smirnoff, Ivanof
]
_REWRITE_RES = [(re.compile(p), r) for p, r in _REWRITES]
_FINAL = str.maketrans({"W": "w", "C": "x", "J": "j", "H": "h", "Q": "c", "U": "y", "A": "q"})
_NON_LETTER = re.compile(r"[^a-z]+")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_DOUBLE = re.compile(r"(.)\1+")


def has_cyrillic(text: str) -> bool:
    """True when the text holds at least one Cyrillic letter."""
    return bool(_CYRILLIC.search(text or ""))


# Latin letters that look like Cyrillic ones, typed by mistake inside a Cyrillic word
# («Ивaнов» with a Latin a, «Cергей» with a Latin C): read as the Cyrillic letter.
_LOOKALIKES = str.maketrans("aeopcxyAEOPCXYBHKMT", "аеорсхуАЕОРСХУВНКМТ")
_LATIN = re.compile(r"[A-Za-z]")


def fold_lookalikes(word: str) -> str:
    """A Cyrillic word with Latin look-alike letters in it, written all in Cyrillic
    (a Latin word, or one with letters that look like nothing Cyrillic, is kept)."""
    if not word or not _LATIN.search(word) or not _CYRILLIC.search(word):
        return word
    return _all_cyrillic(word)


def _all_cyrillic(word: str) -> str:
    """The word with its look-alikes in Cyrillic, or as it is if another Latin letter
    remains."""
    folded = word.translate(_LOOKALIKES)
    return word if _LATIN.search(folded) else folded


def fold_lookalike_initials(word: str) -> str:
    """Initials typed with Latin look-alikes beside a Cyrillic name («Диротова H. В.»:
    a Latin H), in Cyrillic; anything else as it is."""
    letters = word.replace(".", "")
    if not 1 <= len(letters) <= 2 or not _LATIN.search(letters):
        return word
    return _all_cyrillic(word)


def _cyr_to_plain_latin(text: str) -> str:
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)


def _strip_accents(text: str) -> str:
    text = text.replace("tš", "ch")         # Finnish and Estonian ч, not ц + ш
    text = "".join(_DIACRITICS.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=500_000)
def canonical_token(word: str) -> str:
    """Canonical form of one name word (surname, given name or patronymic).

    Щукина, SHCHUKINA, Schukina, Ščukina, Shhukina and Chtchoukina all give "wukina".
    """
    if not word:
        return ""
    text = fold_lookalikes(word).lower()
    text = _cyr_to_plain_latin(text)
    text = _strip_accents(text)
    text = _NON_LETTER.sub("", text)
    for pattern, replacement in _REWRITE_RES:
        text = pattern.sub(replacement, text)
    text = _DOUBLE.sub(r"\1", text)
    return text.translate(_FINAL)


@lru_cache(maxsize=200_000)
def blocking_key(word: str) -> str:
    """Coarse key of a surname for blocking: high recall, not a similarity.

    The gendered ending is dropped (Иванов and Иванова share a block) and vowels
    after the first letter are removed, so one wrong vowel does not split a block.
    """
    token = canonical_token(word)
    if len(token) > 5 and token.endswith(("skq", "ckq")):      # -ская -> -ский
        token = token[:-1] + "i"
    elif len(token) > 4 and token.endswith(("ova", "eva", "ina")):
        token = token[:-1]
    if not token:
        return ""
    return (token[0] + re.sub(r"[aeiouyq]", "", token[1:]))[:6]
