"""How alike two name words are, across scripts, and which scheme explains a spelling.

The fast path compares canonical forms (see canon.py) with rapidfuzz over whole
arrays. Where that is not a perfect match and one side is Cyrillic and the other
Latin, the Latin spelling is also compared with the Cyrillic word as each real
transliteration scheme writes it (the 28 of `iuliia` plus informal habits), so an
odd scheme the canonical rules miss still scores as what it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from linkage.names.canon import canonical_token, has_cyrillic
from linkage.names.conventions import read_back
from linkage.names.schemes import (  # noqa: F401 - matched_scheme: part of this API
    matched_scheme,
    plain_latin,
    scheme_spellings,
    spell_all,
)

# Canonical forms differing only by a feminine ending are different first names
# (Александр / Александра) and related-but-different surnames (Иванов / Иванова).
# Comparisons recognise such a pair by this exact score, so it must be a value no
# similarity of two names reaches (a ratio of strings under 100 letters: 0.5 is
# Макарова / Бавегова's, which was read as «the other gender» and linked).
GENDER_PAIR_SCORE = 0.49999

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


def similarity_many(left: Sequence[str], right: Sequence[str],
                    canon: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Element-wise similarity of two equally long sequences of name words.

    Canonical forms are computed once per distinct string and compared with
    rapidfuzz in one vectorised call; the scheme-aware pass runs only on the
    distinct Cyrillic/Latin pairs that are plausible but not already perfect,
    grouped by Cyrillic word so that rapidfuzz compares each group at once. `canon`:
    the canonical forms of both sides, if the caller has them.
    """
    n = len(left)
    if n != len(right):
        raise ValueError("left and right must have the same length")
    left_canon, right_canon = canon or (_canon_array(left), _canon_array(right))
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
                  similarity: np.ndarray | None = None,
                  canon: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Element-wise: are the two words one typing slip apart (a neighbouring key
    «Сергнй», a doubled «Аннна», a dropped or swapped letter), in either script?

    A slip is one edit (optimal string alignment) between the words as typed: both
    Cyrillic, compared in Cyrillic; Cyrillic against Latin, the Latin against every
    scheme's spelling of the Cyrillic word; and always on the canonical forms. Only
    for words of TYPO_MIN_LENGTH letters or more, and never when the difference is
    the last letter: Александр / Александра, Евгений / Евгения are two names.
    `similarity` (of similarity_many, if known) spares the work on pairs far apart;
    `canon` as for similarity_many.
    """
    left_canon, right_canon = canon or (_canon_array(left), _canon_array(right))
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
        plain = plain_latin(latin)
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
        by_cyrillic.setdefault(cyrillic, []).append(((a, b), plain_latin(latin)))
    spell_all(by_cyrillic)
    for cyrillic, items in by_cyrillic.items():
        spellings = list(scheme_spellings(cyrillic))
        if not spellings:
            continue
        matrix = process.cdist([plain for _, plain in items], spellings,
                               scorer=Indel.normalized_similarity, workers=1)
        read_as = canonical_token(cyrillic)
        for (key, _), best in zip(items, matrix.max(axis=1), strict=True):
            latin = key[1] if key[0] == cyrillic else key[0]
            # read back in a foreign convention (Piotrowna: петровна, as Polish adapts
            # Пётр), the Latin word is this very name
            out[key] = 1.0 if read_as in _read_back_canon(latin) else float(best)
    return out


@lru_cache(maxsize=100_000)
def _read_back_canon(latin: str) -> frozenset[str]:
    return frozenset(canonical_token(w) for w in read_back(latin))


def _canon_array(words: Sequence[str]) -> np.ndarray:
    distinct = {w: canonical_token(w or "") for w in set(words)}
    return np.array(list(map(distinct.__getitem__, words)), dtype=object)
