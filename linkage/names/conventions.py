"""Latin conventions beyond the Russian standards, as data: how German, Dutch, Polish,
French, Czech and Finnish/Estonian writers (and English habits) spell a Russian name,
and how such a spelling is read back into Cyrillic.

Each convention is a table per letter (`write`), a few rules for a letter by its
neighbours (`write_rules`, applied to the Cyrillic word first: German «je» for е after
a vowel), and the way back (`read`), longest Latin group first. Letters with
diacritics stay in the tables (š, č, ž, ł, ě): they are folded only after the
convention that uses them has been tried. `schemes.spell_all` spells every registry
name in each convention beside iuliia's 28 schemes; `morph.cyrillic_readings` reads a
Latin word back through each of them, so the dictionary can say what it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Convention:
    write: dict[str, str]
    read: tuple[tuple[str, str], ...]
    write_rules: tuple[tuple[str, str], ...] = field(default=())


_BASE = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "з": "z", "и": "i",
         "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
         "т": "t", "у": "u", "ф": "f", "ь": "", "ъ": "", "э": "e", "ы": "y"}
_BASE_READ = (("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
              ("z", "з"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
              ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
              ("f", "ф"), ("y", "ы"), ("h", "х"), ("c", "ц"), ("x", "кс"), ("q", "к"),
              ("w", "в"))
# е written «je» where it is iotated: at the start, after a vowel or a soft sign
_IOTATED_E = r"(?:(?<=[аеёиоуыэюяьъ])|^)е"

CONVENTIONS: dict[str, Convention] = {
    "informal": Convention(
        write=_BASE | {"ж": "zh", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
                       "ю": "yu", "я": "ya", "й": "y", "ё": "e"},
        read=(("shch", "щ"), ("sch", "щ"), ("tch", "ч"), ("zh", "ж"), ("kh", "х"),
              ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("iu", "ю"), ("ya", "я"),
              ("ia", "я"), ("yo", "ё"), ("ye", "е"), ("iya", "ия"), ("iye", "ие"),
              ("iy", "ий"), ("yi", "ый"), ("j", "й"), *_BASE_READ)),
    "german": Convention(
        write=_BASE | {"ж": "sch", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
                       "щ": "schtsch", "ю": "ju", "я": "ja", "й": "j", "ё": "jo", "в": "w",
                       "з": "s", "с": "s"},
        write_rules=((_IOTATED_E, "je"), (r"ий$", "i"), (r"кс", "x"),
                     (r"(?<=[аеиоуыэюя])с(?=[аеиоуыэюя])", "ss")),
        read=(("schtsch", "щ"), ("tsch", "ч"), ("sch", "ш"), ("ch", "х"), ("ij", "ий"),
              ("ja", "я"), ("ju", "ю"), ("jo", "ё"), ("je", "е"), ("ss", "с"), ("tz", "ц"),
              ("z", "ц"), ("w", "в"), ("j", "й"), *_BASE_READ)),
    "dutch": Convention(
        write=_BASE | {"ж": "zj", "х": "ch", "ц": "ts", "ч": "tsj", "ш": "sj", "щ": "sjtsj",
                       "ю": "joe", "я": "ja", "й": "j", "ё": "jo", "у": "oe"},
        write_rules=((_IOTATED_E, "je"),),
        read=(("sjtsj", "щ"), ("tsj", "ч"), ("sj", "ш"), ("zj", "ж"), ("ch", "х"),
              ("joe", "ю"), ("oe", "у"), ("ja", "я"), ("jo", "ё"), ("je", "е"), ("ij", "ий"),
              ("ts", "ц"), ("j", "й"), *_BASE_READ)),
    "polish": Convention(
        write=_BASE | {"ж": "ż", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz",
                       "ю": "ju", "я": "ja", "й": "j", "ё": "io", "в": "w", "л": "ł",
                       "е": "ie"},
        write_rules=((r"^е", "je"), (r"(?<=[аеёиоуыэюя])е", "je"), (r"ий$", "ij")),
        read=(("szcz", "щ"), ("cz", "ч"), ("sz", "ш"), ("rz", "ж"), ("ż", "ж"), ("ch", "х"),
              ("ie", "е"), ("io", "ё"), ("ja", "я"), ("ju", "ю"), ("jo", "ё"), ("je", "е"),
              ("ij", "ий"), ("ł", "л"), ("w", "в"), ("j", "й"), *_BASE_READ)),
    "french": Convention(
        write=_BASE | {"ж": "j", "х": "kh", "ц": "ts", "ч": "tch", "ш": "ch", "щ": "chtch",
                       "ю": "iou", "я": "ia", "й": "ï", "ё": "io", "у": "ou"},
        write_rules=((r"ий$", "i"), (r"(?<=[аеиоуыэюя])с(?=[аеиоуыэюя])", "ss")),
        read=(("chtch", "щ"), ("tch", "ч"), ("ch", "ш"), ("kh", "х"), ("iou", "ю"),
              ("ou", "у"), ("ia", "я"), ("io", "ё"), ("ss", "с"), ("ï", "й"), ("ts", "ц"),
              ("j", "ж"), *_BASE_READ)),
    "czech": Convention(
        write=_BASE | {"ж": "ž", "х": "ch", "ц": "c", "ч": "č", "ш": "š", "щ": "šč",
                       "ю": "ju", "я": "ja", "й": "j", "ё": "jo"},
        write_rules=((_IOTATED_E, "je"),),
        read=(("šč", "щ"), ("č", "ч"), ("š", "ш"), ("ž", "ж"), ("ch", "х"), ("ě", "е"),
              ("ja", "я"), ("ju", "ю"), ("jo", "ё"), ("je", "е"), ("ij", "ий"), ("j", "й"),
              ("ý", "ый"), *_BASE_READ)),
    "finnish": Convention(
        write=_BASE | {"ж": "ž", "х": "h", "ц": "ts", "ч": "tš", "ш": "š", "щ": "štš",
                       "ю": "ju", "я": "ja", "й": "i", "ё": "jo", "ы": "õ"},
        write_rules=((r"(?<=[аеёиоуыэюя])е", "je"), (r"ь(?=[аеёиоуэюя])", "j")),
        read=(("štš", "щ"), ("tš", "ч"), ("š", "ш"), ("ž", "ж"), ("ja", "я"), ("ju", "ю"),
              ("jo", "ё"), ("je", "е"), ("õ", "ы"), ("ts", "ц"), ("j", "й"), *_BASE_READ)),
}

# Given names as other languages translate them, read as the Russian name.
TRANSLATED_GIVEN = {
    "joseph": "иосиф", "josef": "иосиф", "józef": "иосиф", "nicholas": "николай",
    "nikolaus": "николай", "nicolas": "николай", "mikołaj": "николай", "stanislaus":
    "станислав", "stanisław": "станислав", "peter": "пётр", "pierre": "пётр", "piotr":
    "пётр", "paul": "павел", "paweł": "павел", "michael": "михаил", "michał": "михаил",
    "alexander": "александр", "aleksander": "александр", "alexandre": "александр",
    "andrew": "андрей", "andreas": "андрей", "andrzej": "андрей", "george": "георгий",
    "jerzy": "георгий", "james": "яков", "jacob": "яков",
    "jakob": "яков", "john": "иван", "johann": "иван", "jan": "иван", "jean": "иван",
    "catherine": "екатерина", "katharina": "екатерина", "mary": "мария", "marie": "мария",
    "maria": "мария", "helen": "елена", "helena": "елена", "hélène": "елена",
    "elizabeth": "елизавета", "elisabeth": "елизавета", "sophia": "софья", "sophie":
    "софья", "zofia": "софья", "anne": "анна", "anna": "анна", "tatiana": "татьяна",
    "natalie": "наталья", "eugene": "евгений", "eugen": "евгений", "gregory": "григорий",
    "leo": "лев", "leon": "лев", "lew": "лев", "lev": "лев", "theodore": "фёдор",
    "fyodor": "фёдор", "vladimir": "владимир", "włodzimierz": "владимир",
    "matthew": "матвей", "mark": "марк", "simon": "семён", "stephen": "степан",
    "stefan": "степан", "basil": "василий",
}


def translated_given(word: str) -> str:
    """A given name as another language translates it, as the Russian name (Eugene ->
    Евгений, Nicholas -> Николай); any other word as it is."""
    russian = TRANSLATED_GIVEN.get((word or "").lower())
    return russian.capitalize() if russian else word


@lru_cache(maxsize=64)
def _reader(name: str) -> tuple[re.Pattern, dict[str, str]]:
    read = CONVENTIONS[name].read
    ordered = sorted(read, key=lambda pair: -len(pair[0]))
    return re.compile("|".join(re.escape(latin) for latin, _ in ordered)), dict(read)


def read_back(latin: str) -> list[str]:
    """The Cyrillic words a Latin spelling is in each convention (distinct, in the
    conventions' order; a translated given name first)."""
    word = latin.lower()
    word = re.sub(r"[^\w]", "", word)
    if not word:
        return []
    out = [TRANSLATED_GIVEN[word]] if word in TRANSLATED_GIVEN else []
    informal = _reader("informal")
    for name in CONVENTIONS:
        pattern, table = _reader(name)
        read = pattern.sub(lambda m, table=table: table[m.group()], word)
        if not _cyrillic(read):       # letters this convention does not use: folded last
            read = informal[0].sub(lambda m: informal[1][m.group()], _fold_latin(read))
        out.append(read)
    return [w for w in dict.fromkeys(out) if w and _cyrillic(w)]


def _cyrillic(word: str) -> bool:
    return all("а" <= c <= "я" or c == "ё" for c in word)


_FOLD = {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i", "æ": "ae", "œ": "oe"}


def _fold_latin(text: str) -> str:
    """Latin letters with diacritics as their base letters (Cyrillic ones as they are:
    й and ё would lose their marks)."""
    out = []
    for c in text:
        if "а" <= c <= "я" or c == "ё" or c.isascii():
            out.append(c)
        else:
            out.append(_FOLD.get(c) or unicodedata.normalize("NFKD", c)[:1])
    return "".join(out)


def spell(word: str, name: str) -> str:
    """A lowercase Cyrillic word as convention `name` writes it."""
    convention = CONVENTIONS[name]
    marked = word
    for pattern, latin in convention.write_rules:
        marked = re.sub(pattern, "\0" + latin + "\0", marked)
    parts = marked.split("\0")
    # odd parts were written by a rule; even ones letter by letter
    return "".join(part if i % 2 else "".join(convention.write.get(c, c) for c in part)
                   for i, part in enumerate(parts))
