"""Every real way of writing a Cyrillic name in Latin letters: the 28 schemes of
`iuliia` (ICAO 9303, MVD, BGN/PCGN, GOST, ISO 9...) plus informal habits and foreign
conventions (names.conventions), and which scheme explains a given spelling.

The linker spells every distinct Cyrillic name of a run in every scheme, so the
spellings are made in batches (`spell_all`): a scheme in which no letter depends on
its neighbours spells all the words in one C-level `str.translate` of their joined
text; the others spell letter by letter only around such letters. Spellings are
compared as plain Latin (lowercase a-z), so each scheme's letters are made plain once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import iuliia
from rapidfuzz import fuzz, process

from linkage.names.canon import has_cyrillic
from linkage.names.conventions import CONVENTIONS, spell


@lru_cache(maxsize=200_000)
def plain_latin(text: str) -> str:
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
    """One iuliia scheme, ready to spell many words in plain Latin (what `plain_latin`
    leaves of the scheme's own spelling). `contextual`: the letters it spells by their
    neighbours (none in 16 of the 28 schemes)."""

    def __init__(self, schema) -> None:
        if getattr(schema, "_schema", None) is None:
            schema.translate("а")                 # iuliia loads a schema on first use
        raw = getattr(schema, "_schema", schema)
        self.letter_map = {k: plain_latin(v) for k, v in raw.map.items()}
        self.prev_map = {k: plain_latin(v) for k, v in raw.prev_map.items()}
        self.next_map = {k: plain_latin(v) for k, v in raw.next_map.items()}
        self.ending_map = {k: plain_latin(v) for k, v in raw.ending_map.items()}
        self.table = {ord(k): v for k, v in self.letter_map.items() if len(k) == 1}
        self.contextual = frozenset({k[-1] for k in raw.prev_map}
                                    | {k[0] for k in raw.next_map if k})
        self._contextual_re = re.compile(
            "[" + re.escape("".join(sorted(self.contextual))) + "]") if self.contextual else None
        self._trigger_re = _triggers(raw.prev_map, raw.next_map)

    def spell_many(self, words: list[str]) -> list[str]:
        """Plain spellings of lowercase alphabetic words."""
        if self._trigger_re is None and not self.ending_map:
            return self._by_table(words)
        # a word in which no neighbour rule fires and no ending is mapped is spelt by
        # the table alone: those are translated together, the others one by one
        needs = [self._needs_context(word) for word in words]
        by_table = iter(self._by_table([w for w, n in zip(words, needs, strict=True) if not n]))
        return [self.spell(w) if n else next(by_table) for w, n in zip(words, needs, strict=True)]

    def _by_table(self, words: list[str]) -> list[str]:
        """Words spelt letter by letter from the table, all in one `translate`."""
        if not words:
            return []
        return _plain_each("\n".join(words).translate(self.table).split("\n"))

    def _needs_context(self, word: str) -> bool:
        return (len(word) > 2 and word[-2:] in self.ending_map) or \
            (self._trigger_re is not None and self._trigger_re.search(word) is not None)

    def spell(self, word: str) -> str:
        """The plain spelling of one lowercase alphabetic word."""
        spelled = self._translate(word) if self._needs_context(word) else \
            word.translate(self.table)
        return spelled if spelled.isascii() and spelled.isalpha() else plain_latin(spelled)

    def _translate(self, word: str) -> str:
        """iuliia's own algorithm (the stem letter by letter with the previous and next
        letter in view, a mapped ending whole), where a letter outside `contextual`
        is its table entry: so the runs between such letters are one `translate`."""
        stem, ending = (word[:-2], word[-2:]) if len(word) > 2 else (word, "")
        mapped_ending = self.ending_map.get(ending) if ending else None
        letters = stem if mapped_ending is not None else word
        out = []
        done = 0
        for found in self._contextual_re.finditer(letters) if self._contextual_re else ():
            i = found.start()
            out.append(letters[done:i].translate(self.table))
            curr = letters[i]
            letter = self.prev_map.get((letters[i - 1] if i else "") + curr)
            if letter is None:
                letter = self.next_map.get(curr + (word[i + 1] if i + 1 < len(word) else ""))
                if letter is None:
                    letter = self.letter_map.get(curr, curr)
            out.append(letter)
            done = i + 1
        out.append(letters[done:].translate(self.table))
        if mapped_ending is not None:
            out.append(mapped_ending)
        return "".join(out)


def _triggers(prev_map: dict, next_map: dict) -> re.Pattern | None:
    """A pattern found in a lowercase word exactly where one of the scheme's neighbour
    rules could apply (a previous letter, or the word's start; a next letter, or its
    end): elsewhere each letter is its table entry."""
    parts = []
    for key in (k for k in prev_map if k == k.lower()):
        parts.append(re.escape(key) if len(key) == 2 else "^" + re.escape(key))
    for key in (k for k in next_map if k and k == k.lower()):
        parts.append(re.escape(key) if len(key) == 2 else re.escape(key) + "$")
    return re.compile("|".join(sorted(parts))) if parts else None


_PLAIN_TEXT = re.compile(r"[a-z\n]*")


def _plain_each(spelled: list[str]) -> list[str]:
    """The spellings, each made plain (a letter a scheme does not map passes as it is)."""
    joined = "\n".join(spelled)
    if joined.isascii() and _PLAIN_TEXT.fullmatch(joined):
        return spelled
    return [s if s.isascii() and s.isalpha() else plain_latin(s) for s in spelled]


@lru_cache(maxsize=1)
def _prepared() -> list[tuple[str, object, _Scheme]]:
    return [(name, schema, _Scheme(schema)) for name, schema in _schemes()]


_SPELLINGS: dict[str, dict[str, str]] = {}
_KEPT = 200_000           # words; the cache starts over beyond (a run has tens of thousands)


def scheme_spellings(cyrillic_word: str) -> dict[str, str]:
    """Plain Latin spelling -> the first scheme that writes the word so."""
    found = _SPELLINGS.get(cyrillic_word)
    if found is None:
        spell_all([cyrillic_word])
        found = _SPELLINGS[cyrillic_word]
    return found


def spell_all(cyrillic_words) -> None:
    """Spell many words in every scheme at once (see the module's docstring); what
    `scheme_spellings` then answers from memory."""
    todo = [w for w in dict.fromkeys(cyrillic_words) if w not in _SPELLINGS]
    if not todo:
        return
    if len(_SPELLINGS) + len(todo) > _KEPT:
        _SPELLINGS.clear()
    lower = [w.lower() for w in todo]
    alpha = [i for i, w in enumerate(lower) if w.isalpha()]
    other = [i for i, w in enumerate(lower) if not w.isalpha()]
    alpha_words = [lower[i] for i in alpha]
    columns: list[tuple[str, list[str]]] = []
    for name, schema, prepared in _prepared():
        column = [""] * len(todo)
        for i, spelled in zip(alpha, prepared.spell_many(alpha_words), strict=True):
            column[i] = spelled
        for i in other:                          # hyphens, spaces: iuliia itself
            column[i] = plain_latin(schema.translate(lower[i]))
        columns.append((name, column))
    for name in CONVENTIONS:             # German, Dutch, Polish... (names.conventions)
        columns.append((name, _plain_each([spell(w, name) for w in lower])))
    for k, word in enumerate(todo):
        spellings: dict[str, str] = {}
        for name, column in columns:
            spellings.setdefault(column[k], name)
        spellings.pop("", None)
        _SPELLINGS[word] = spellings


def clear_cache() -> None:
    """Forget every spelling (benchmarks time the first spelling of words)."""
    _SPELLINGS.clear()
    plain_latin.cache_clear()


def matched_scheme(latin: str, cyrillic: str) -> str:
    """Name of the scheme that spells `cyrillic` as `latin` (or the closest one)."""
    if not latin or not cyrillic or has_cyrillic(latin) or not has_cyrillic(cyrillic):
        return ""
    spellings = scheme_spellings(cyrillic)
    plain = plain_latin(latin)
    if plain in spellings:
        return spellings[plain]
    best = process.extractOne(plain, list(spellings), scorer=fuzz.ratio)
    return f"~{spellings[best[0]]}" if best else ""


