"""How alike two name words are, across scripts, and which scheme explains a spelling.

The fast path compares canonical forms (see canon.py) with rapidfuzz over whole
arrays. Where that is not a perfect match and one side is Cyrillic and the other
Latin, the Latin spelling is also compared with the Cyrillic word as each real
transliteration scheme writes it (the 28 of `iuliia` plus informal habits), so an
odd scheme the canonical rules miss still scores as what it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import iuliia
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from linkage.names.canon import canonical_token, has_cyrillic

# Canonical forms differing only by a feminine ending are different first names
# (Александр / Александра) and related-but-different surnames (Иванов / Иванова).
# Comparisons recognise such a pair by this exact score, so it must be a value no
# similarity of two names reaches (a ratio of strings under 100 letters: 0.5 is
# Макарова / Бавегова's, which was read as «the other gender» and linked).
GENDER_PAIR_SCORE = 0.49999

_INFORMAL = {
    # How people type names without a scheme: English-ish habits.
    "informal": {"ж": "zh", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
                 "ю": "yu", "я": "ya", "й": "y", "ы": "y", "ь": "", "ъ": "", "ё": "e",
                 "э": "e", "е": "e"},
    "german": {"ж": "sch", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch",
               "ю": "ju", "я": "ja", "й": "j", "ы": "y", "ь": "", "ъ": "", "ё": "jo",
               "в": "w", "з": "s", "э": "e", "е": "e"},
}
_BASE = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "з": "z", "и": "i",
         "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
         "т": "t", "у": "u", "ф": "f"}


@lru_cache(maxsize=200_000)
def _plain(text: str) -> str:
    """Lowercase ASCII letters only: how a Latin spelling is compared with a scheme."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1)
def _schemes() -> list[tuple[str, object]]:
    """The iuliia schemes, by their constant names (ICAO_DOC_9303, MVD_782, ...)."""
    names = [n for n in iuliia.__all__ if n.isupper() and hasattr(getattr(iuliia, n), "translate")]
    names.sort(key=lambda n: _PREFERRED.index(n) if n in _PREFERRED else len(_PREFERRED))
    return [(name, getattr(iuliia, name)) for name in names]


# When several schemes spell a word the same, name the one most likely behind it:
# passports (ICAO 9303 since 2013, MVD before), then the common standards.
_PREFERRED = ["ICAO_DOC_9303", "MVD_782", "MVD_310", "BGN_PCGN", "GOST_52535", "GOST_7034",
              "GOST_779_ALT", "ISO_9_1968", "GOST_779", "SCIENTIFIC", "WIKIPEDIA"]


class _Scheme:
    """One iuliia scheme, ready to spell many words in plain Latin (as `_plain` would
    leave the scheme's own spelling; its letters are made plain once, here). A word
    without any letter the scheme spells by its neighbours, and without a mapped
    ending, is one C-level `str.translate` (16 of the 28 schemes have no such letter
    at all); the others run iuliia's own algorithm."""

    def __init__(self, schema) -> None:
        if getattr(schema, "_schema", None) is None:
            schema.translate("а")                 # iuliia loads a schema on first use
        raw = getattr(schema, "_schema", schema)
        self.letter_map = {k: _plain(v) for k, v in raw.map.items()}
        self.prev_map = {k: _plain(v) for k, v in raw.prev_map.items()}
        self.next_map = {k: _plain(v) for k, v in raw.next_map.items()}
        self.ending_map = {k: _plain(v) for k, v in raw.ending_map.items()}
        self.table = {ord(k): v for k, v in self.letter_map.items() if len(k) == 1}
        self.contextual = frozenset({k[-1] for k in raw.prev_map}
                                    | {k[0] for k in raw.next_map if k})

    def plain(self, word: str) -> str:
        """`_plain` of the scheme's spelling of `word` (lowercase letters)."""
        if (len(word) <= 2 or word[-2:] not in self.ending_map) and \
                self.contextual.isdisjoint(word):
            spelled = word.translate(self.table)
        else:
            spelled = self._translate(word)
        # a letter the scheme does not map passes as it is, to be made plain
        return spelled if spelled.isascii() and spelled.isalpha() else _plain(spelled)

    def _translate(self, word: str) -> str:
        """iuliia's own algorithm for one word (the stem letter by letter with the
        previous and next letter in view, a mapped ending whole), without its
        generators: the linker spells every distinct name in every scheme."""
        prev_map, next_map, letter_map = self.prev_map, self.next_map, self.letter_map
        stem, ending = (word[:-2], word[-2:]) if len(word) > 2 else (word, "")
        mapped_ending = self.ending_map.get(ending) if ending else None
        letters = stem if mapped_ending is not None else word
        out = []
        for i, curr in enumerate(letters):
            prev = letters[i - 1] if i else ""
            nxt = word[i + 1] if i + 1 < len(word) else ""
            letter = prev_map.get(prev + curr)
            if letter is None:
                letter = next_map.get(curr + nxt)
                if letter is None:
                    letter = letter_map.get(curr, curr)
            out.append(letter)
        if mapped_ending is not None:
            out.append(mapped_ending)
        return "".join(out)


@lru_cache(maxsize=1)
def _informal_tables() -> dict[str, dict[int, str]]:
    return {name: {ord(k): v for k, v in (_BASE | table).items()}
            for name, table in _INFORMAL.items()}


@lru_cache(maxsize=1)
def _prepared() -> list[tuple[str, object, _Scheme]]:
    return [(name, schema, _Scheme(schema)) for name, schema in _schemes()]


@lru_cache(maxsize=200_000)
def scheme_spellings(cyrillic_word: str) -> dict[str, str]:
    """Plain Latin spelling -> the first scheme that writes the word so."""
    word = cyrillic_word.lower()
    spellings: dict[str, str] = {}
    for name, schema, prepared in _prepared():
        spelled = prepared.plain(word) if word.isalpha() else _plain(schema.translate(word))
        spellings.setdefault(spelled, name)
    for name, table in _informal_tables().items():
        informal = word.translate(table)
        spellings.setdefault(informal if informal.isascii() and informal.isalpha()
                             else _plain(informal), name)
    spellings.pop("", None)
    return spellings


def matched_scheme(latin: str, cyrillic: str) -> str:
    """Name of the scheme that spells `cyrillic` as `latin` (or the closest one)."""
    if not latin or not cyrillic or has_cyrillic(latin) or not has_cyrillic(cyrillic):
        return ""
    spellings = scheme_spellings(cyrillic)
    plain = _plain(latin)
    if plain in spellings:
        return spellings[plain]
    best = process.extractOne(plain, list(spellings), scorer=fuzz.ratio)
    return f"~{spellings[best[0]]}" if best else ""


def _gendered_pair(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(long_) == len(short) + 1 and long_.startswith(short) and long_[-1] in "aq"


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two name words in any scripts; 1 for spelling variants."""
    return float(similarity_many([a], [b])[0])


# Below this canonical similarity no transliteration scheme makes two words the same
# name (the canonical rules already collapse what schemes disagree on), so the
# scheme-aware pass is spared.
REFINE_FROM = 0.5


def similarity_many(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Element-wise similarity of two equally long sequences of name words.

    Canonical forms are computed once per distinct string and compared with
    rapidfuzz in one vectorised call; the scheme-aware pass runs only on the
    distinct Cyrillic/Latin pairs that are plausible but not already perfect,
    grouped by Cyrillic word so that rapidfuzz compares each group at once.
    """
    n = len(left)
    if n != len(right):
        raise ValueError("left and right must have the same length")
    left_canon = _canon_array(left)
    right_canon = _canon_array(right)
    scores = process.cpdist(left_canon, right_canon, scorer=Indel.normalized_similarity,
                            workers=1).astype(np.float64)
    empty = (left_canon == "") | (right_canon == "")
    scores[empty] = 0.0
    todo = np.flatnonzero((scores < 1.0) & (scores >= REFINE_FROM) & ~empty)
    if todo.size:
        keys = list(zip(np.asarray(left, dtype=object)[todo].tolist(),
                        np.asarray(right, dtype=object)[todo].tolist(), strict=True))
        refined = _refine_many(set(keys))
        scores[todo] = np.maximum(scores[todo], [refined[key] for key in keys])
    lengths = np.fromiter(map(len, left_canon), dtype=np.int64, count=n) - \
        np.fromiter(map(len, right_canon), dtype=np.int64, count=n)
    gendered = np.flatnonzero((scores < 1.0) & ~empty & (np.abs(lengths) == 1))
    if gendered.size:
        mask = list(map(_gendered_pair, left_canon[gendered].tolist(),
                        right_canon[gendered].tolist()))
        scores[gendered[np.array(mask, dtype=bool)]] = GENDER_PAIR_SCORE
    return scores


TYPO_MIN_LENGTH = 5      # one edit in a shorter word (Юлия / Юрий) is another name


# One slip in a 5-letter word leaves at least this canonical similarity: the canonical
# rules can turn a swapped pair into two edits (Тмиур: tmyur / timur, Иогрь: iogr / igor).
TYPO_FROM = 0.5


def one_typo_many(left: Sequence[str], right: Sequence[str],
                  similarity: np.ndarray | None = None) -> np.ndarray:
    """Element-wise: are the two words one typing slip apart (a neighbouring key
    «Сергнй», a doubled «Аннна», a dropped or swapped letter), in either script?

    A slip is one edit (optimal string alignment) between the words as typed: both
    Cyrillic, compared in Cyrillic; Cyrillic against Latin, the Latin against every
    scheme's spelling of the Cyrillic word; and always on the canonical forms. Only
    for words of TYPO_MIN_LENGTH letters or more, and never when the difference is
    the last letter: Александр / Александра, Евгений / Евгения are two names.
    `similarity` (of similarity_many, if known) spares the work on pairs far apart.
    """
    left_canon, right_canon = _canon_array(left), _canon_array(right)
    if similarity is None:
        similarity = process.cpdist(left_canon, right_canon,
                                    scorer=Indel.normalized_similarity, workers=1)
    todo = np.flatnonzero((similarity >= TYPO_FROM) & (similarity < 1.0)
                          & (left_canon != right_canon) & (left_canon != "")
                          & (right_canon != ""))
    out = np.zeros(len(left_canon), dtype=bool)
    # Each form a pair can be compared in is one row (owner, a, b); their edit distances
    # are computed in one rapidfuzz call, and only a distance of 1 is looked at closer.
    owners: list[int] = []
    firsts: list[str] = []
    seconds: list[str] = []
    for i in todo.tolist():
        for a, b in _slip_forms(left[i], right[i], left_canon[i], right_canon[i]):
            owners.append(i)
            firsts.append(a)
            seconds.append(b)
    if owners:
        distance = process.cpdist(firsts, seconds, scorer=OSA.distance, score_cutoff=1,
                                  workers=1)
        for k in np.flatnonzero(distance == 1).tolist():
            if not out[owners[k]] and _slip_shape(firsts[k], seconds[k]):
                out[owners[k]] = True
    return out


@lru_cache(maxsize=200_000)
def one_slip(a: str, b: str) -> bool:
    """Are two name words one typing slip apart (see one_typo_many)?"""
    a_canon, b_canon = canonical_token(a), canonical_token(b)
    return bool(a_canon and b_canon and a_canon != b_canon) and \
        _one_slip(a, b, a_canon, b_canon)


def _one_slip(a: str, b: str, a_canon: str, b_canon: str) -> bool:
    return any(OSA.distance(x, y) == 1 and _slip_shape(x, y)
               for x, y in _slip_forms(a, b, a_canon, b_canon))


def _slip_forms(a: str, b: str, a_canon: str, b_canon: str) -> list[tuple[str, str]]:
    """The forms in which a slip is looked for: canonical; both Cyrillic as typed; a
    Latin word against every scheme's spelling of the Cyrillic one."""
    forms = [(a_canon, b_canon)]
    a_cyr, b_cyr = has_cyrillic(a), has_cyrillic(b)
    if a_cyr and b_cyr:
        forms.append((a.lower().replace("ё", "е"), b.lower().replace("ё", "е")))
    elif a_cyr != b_cyr:
        latin, cyrillic = (b, a) if a_cyr else (a, b)
        plain = _plain(latin)
        forms += [(plain, spelling) for spelling in scheme_spellings(cyrillic)]
    return forms


def _slip_shape(a: str, b: str) -> bool:
    """Two words one edit apart make a slip when long enough, and not when the edit is
    the last letter (Александр / Александра)."""
    return max(len(a), len(b)) >= TYPO_MIN_LENGTH and a[:-1] != b[:-1] and \
        a[:-1] != b and b[:-1] != a


def _refine_many(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Scheme-aware similarity of distinct (a, b) pairs; 0 where it does not apply."""
    out: dict[tuple[str, str], float] = {}
    by_cyrillic: dict[str, list[tuple[tuple[str, str], str]]] = {}
    cyrillic_words = {w: has_cyrillic(w) for pair in pairs for w in pair}
    for a, b in pairs:
        a_cyr, b_cyr = cyrillic_words[a], cyrillic_words[b]
        if a_cyr == b_cyr:
            out[(a, b)] = 0.0
            continue
        latin, cyrillic = (b, a) if a_cyr else (a, b)
        by_cyrillic.setdefault(cyrillic, []).append(((a, b), _plain(latin)))
    for cyrillic, items in by_cyrillic.items():
        spellings = list(scheme_spellings(cyrillic))
        if not spellings:
            continue
        matrix = process.cdist([plain for _, plain in items], spellings,
                               scorer=Indel.normalized_similarity, workers=1)
        for (key, _), best in zip(items, matrix.max(axis=1), strict=True):
            out[key] = float(best)
    return out


def _canon_array(words: Sequence[str]) -> np.ndarray:
    distinct = {w: canonical_token(w or "") for w in set(words)}
    return np.array(list(map(distinct.__getitem__, words)), dtype=object)
