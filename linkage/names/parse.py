"""Split a person's name into surname / given name / patronymic, whatever its form.

Three sources write names differently: DICOM PatientName (`SURNAME^GIVEN^MIDDLE`,
or everything in the family component, initials, swapped order), the registry's
ФИО column, and folder names ("Иванов ИИ МРТ ПОП", "ivanov_kt_2019"). All of them
end up as a `ParsedName`, so the linker compares like with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from linkage.names.canon import (
    canonical_token,
    fold_lookalike_initials,
    fold_lookalikes,
    has_cyrillic,
)
from linkage.names.memo import SeededCache
from linkage.names.morph import known_given_name, nominative, role
from linkage.text import repair_misread, russian_plausibility


@dataclass(frozen=True)
class ParsedName:
    """A name split into parts; empty strings where a part is unknown."""

    surname: str = ""
    given: str = ""
    patronymic: str = ""
    given_initial: str = ""
    patronymic_initial: str = ""
    sex: str = ""  # "M", "F" or ""
    # Another reading of the surname where the form is ambiguous: a folder «Снимки
    # Кузнецова» is Кузнецова's, or Кузнецов's in the genitive (then surname_also).
    surname_also: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.surname or self.given or self.given_initial)

    def display(self) -> str:
        parts = [self.surname, self.given or _dot(self.given_initial),
                 self.patronymic or _dot(self.patronymic_initial)]
        return " ".join(p for p in parts if p)


def _dot(initial: str) -> str:
    return f"{initial}." if initial else ""


@lru_cache(maxsize=1)
def given_names() -> dict[str, str]:
    """Canonical given name -> sex ("M"/"F"), from data/given_names.txt."""
    text = resources.files("linkage.data").joinpath("given_names.txt").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sex = line.split()
        table.setdefault(canonical_token(name), sex.upper())
    return table


# Endings over canonical tokens, so that both scripts are recognised at once
# (Ивановна and IVANOVNA both end in "ovna"; Петрович and PETROVICH in "ovix").
_PATRONYMIC_F = ("ovna", "evna", "ixna", "inixna")
_PATRONYMIC_M = ("ovix", "evix", "ix")
_SURNAME_F = ("ova", "eva", "ina", "skq", "ckq", "aq")
_SURNAME_M = ("ov", "ev", "in", "ski", "cki", "oi")


def _sex_by_ending(word: str, female: tuple[str, ...], male: tuple[str, ...]) -> str:
    token = canonical_token(word)
    if len(token) < 4:                     # Ильич (ilix) is the shortest
        return ""
    return "F" if token.endswith(female) else "M" if token.endswith(male) else ""


def patronymic_sex(word: str) -> str:
    """"M"/"F" when the word has a patronymic ending, else ""."""
    return _sex_by_ending(word, _PATRONYMIC_F, _PATRONYMIC_M)


def surname_sex(word: str) -> str:
    """Sex suggested by a Russian surname ending (Иванова F, Иванов M; a double surname
    by its first part, Волкова-Миллер F), else ""."""
    return _sex_by_ending(word.split("-")[0], _SURNAME_F, _SURNAME_M)


@lru_cache(maxsize=100_000)
def given_name_sex(word: str) -> str:
    """"M"/"F" when the word is a given name: the hand list first (overrides), then the
    morphological dictionary (names.morph), in either script."""
    listed = given_names().get(canonical_token(word), "")
    if listed or len(word) <= 2 or surname_sex(word) \
            or word.lower().endswith(_SURNAME_ONLY + _NEVER_GIVEN):
        return listed           # Иванов, Петрова, Ткаченко, Бабич: no given name ends so
    return role(word).given


@lru_cache(maxsize=100_000)
def _looks_like_surname(word: str) -> bool:
    """A surname's ending or the dictionary's word for it (Ким Ен Сук is not swapped:
    Ен is no surname, though Ким is also a given name)."""
    return bool(surname_sex(word) or word.lower().endswith(_SURNAME_ONLY)
                or role(word).surname)


# Endings only surnames have (no given name ends so), in both scripts.
_SURNAME_ONLY = ("енко", "ук", "юк", "ян", "ых", "их", "дзе", "швили", "enko", "uk", "yan",
                 "ian", "ykh", "ikh", "dze", "shvili")
# Endings of surnames and patronymics, never of a given name (Бабич, Петрович).
_NEVER_GIVEN = ("ич", "ich", "ych")


def _given_first(first: str, second: str, surname_first: float) -> bool:
    """Whether «first second» reads better as GIVEN SURNAME than as SURNAME GIVEN."""
    as_written = _fits_surname(first) + _fits_given(second) + surname_first
    swapped = _fits_given(first) + _fits_surname(second)
    return swapped > as_written


@lru_cache(maxsize=100_000)
def _fits_given(word: str) -> float:
    """Evidence that a word is a given name: 2 for one the hand list or the dictionary
    knows, less for a guess by ending, against for a surname's or patronymic's ending."""
    if _known_given(word):
        return 1.0 if is_patronymic(word) else 2.0    # Валентин, Мартин end like surnames
    against = 1.0 if is_patronymic(word) or \
        word.lower().endswith(_SURNAME_ONLY + _NEVER_GIVEN) else _surname_ending(word)
    return (0.5 if given_name_sex(word) else 0.0) - against


@lru_cache(maxsize=100_000)
def _fits_surname(word: str) -> float:
    """Evidence that a word is a surname: its ending or the dictionary; against it, a
    given name the dictionary knows (not a surname that is also a given name: Роман)."""
    if is_patronymic(word):
        return -1.0
    if _known_given(word):        # an ending alone does not make Валентин a surname
        return 1.0 if role(word).surname else -1.5
    if word.lower().endswith(_SURNAME_ONLY):
        return 1.5
    ending = _surname_ending(word)
    return ending if ending else 1.5 if role(word).surname else 0.0


def _surname_ending(word: str) -> float:
    """-ов, -ев, -ский are surnames' endings; -ин also ends given names (Джамаладин)."""
    if not surname_sex(word):
        return 0.0
    return 0.5 if canonical_token(word.split("-")[0]).endswith(("in", "ina")) else 1.5


@lru_cache(maxsize=100_000)
def _known_given(word: str) -> bool:
    return bool(given_names().get(canonical_token(word))) or known_given_name(word)


@lru_cache(maxsize=100_000)
def is_patronymic(word: str) -> str:
    """"M"/"F" when the word is a patronymic, by its ending or by the dictionary (asked
    only of a word that ends as a patronymic may in some convention: the dictionary's
    guess for an unknown word is its dearest call)."""
    found = patronymic_sex(word)
    if found or not word.lower().endswith(_PATRONYMIC_TAILS):
        return found
    return role(word).patronymic


# How a patronymic ends in any script or convention (-ич, -на; -ich, -itsj, -itš, -icz, -na)
_PATRONYMIC_TAILS = ("ич", "на", "ch", "sj", "cz", "č", "š", "ič", "na", "ч")


def _clean_word(word: str) -> str:
    return fold_lookalikes(word.strip(" .,;:'\"()[]{}_-"))


def _is_initials(word: str) -> bool:
    """`И.`, `I`, `ИИ`, `I.I.`: one or two letters standing for given name + patronymic."""
    letters = re.sub(r"[.\s]", "", word)
    return 1 <= len(letters) <= 2 and letters.isalpha() and (len(letters) == 1 or "." in word
                                                            or letters.isupper())


def _is_syllable(word: str, index: int, count: int, full_before: int) -> bool:
    """Two capitals without dots read as initials only right after the surname and
    last («ИВАНОВ ИИ»); elsewhere they are a word of a name typed in capitals: the
    syllables of a Korean given name («ЦОЙ ЕН СУК», «ЦОЙ МИН СУ», «KIM^EN SUK»)."""
    letters = re.sub(r"[.\s]", "", word)
    if len(letters) != 2 or "." in word:
        return False
    return index != count - 1 or full_before != 1


def _tidy(word: str) -> str:
    """Title-case a name word, keeping hyphenated parts (Римский-Корсаков) and the
    words of a two-word given name (Ен Хо)."""
    return " ".join("-".join(p[:1].upper() + p[1:].lower() for p in part.split("-"))
                    for part in word.split(" "))


# How strongly the order SURNAME GIVEN is assumed before the words' own evidence: a
# registry ФИО is written so by convention; a DICOM name or a folder less surely
# (foreign software writes «Given Surname»).
REGISTRY_ORDER, FREE_ORDER = 3.0, 1.0


def parse_words(words: list[str], surname_first: float = FREE_ORDER) -> ParsedName:
    """Assign free-order name words to parts by evidence: for each word how much it is
    a given name (the hand list, the dictionary in any Latin convention), a surname
    (its ending, the dictionary) or a patronymic; the order with the most evidence
    wins, the usual Russian order SURNAME GIVEN PATRONYMIC having `surname_first`
    in its favour."""
    leading_initials = bool(words) and "." in words[0] and _is_initials(words[0]) \
        and len(words) > 1
    words = [_clean_word(w) for w in words]
    words = [w for w in words if w]
    if not words:
        return ParsedName()
    if has_cyrillic(words[0]):          # «Диротова H. В.»: the H is a Cyrillic Н
        words = [words[0], *(fold_lookalike_initials(w) for w in words[1:])]
    initials: list[str] = []
    full: list[str] = []
    for i, word in enumerate(words):
        if (i > 0 or leading_initials) and _is_initials(word) \
                and not _is_syllable(word, i, len(words), len(full)):
            initials.extend(ch for ch in re.sub(r"[.\s]", "", word))
        else:
            full.append(word)
    patronymic = ""
    # of two words, one a given name, the other is the surname however it ends
    # (Dmitri Chostakovitch, Шостакович Дмитрий)
    two_with_given = len(full) == 2 and any(_known_given(w) and not is_patronymic(w)
                                            for w in full)
    for word in full[1:] if not two_with_given else ():
        if is_patronymic(word):
            patronymic = word
            break
    rest = [w for w in full if w is not patronymic]
    surname, given = "", ""
    patronymic_second = len(full) == 3 and full[1] is patronymic
    if len(rest) >= 2 and (patronymic_second or _given_first(rest[0], rest[1], surname_first)):
        # swapped: ИВАН [ИВАНОВИЧ] ИВАНОВ; a patronymic in the middle of three words
        # always follows the given name (DANIIL NIKOLAEVICH BEPAZAN)
        given, surname = rest[0], rest[1]
    elif rest:
        surname = rest[0]
        given = rest[1] if len(rest) > 1 else ""
    if not patronymic and len(rest) == 3 and all(len(w) <= 5 for w in rest[1:]) \
            and not any(role(w).surname for w in rest[1:]):
        given = f"{rest[1]} {rest[2]}"              # Пак Ен Хо: a given name of two words
    given_initial = given[:1] if given else (initials[0] if initials else "")
    patronymic_initial = (patronymic[:1] if patronymic
                          else (initials[1] if len(initials) > 1 else
                                (initials[0] if given and initials else "")))
    sex = (is_patronymic(patronymic) if patronymic else "") or given_name_sex(given) \
        or surname_sex(surname)
    return ParsedName(
        surname=_tidy(surname), given=_tidy(given), patronymic=_tidy(patronymic),
        given_initial=given_initial.upper(), patronymic_initial=patronymic_initial.upper(),
        sex=sex,
    )


@lru_cache(maxsize=200_000)
def parse_full_name(text: str, surname_first: float = FREE_ORDER) -> ParsedName:
    """Parse a registry ФИО (`surname_first=REGISTRY_ORDER`) or any free-text name
    (extra spaces, case, commas, dots). Cached: repeat admissions and every instance
    of a study repeat the same name."""
    text = (text or "").replace(",", " ").replace("^", " ")
    text = re.sub(r"(?<=\.)(?=\w)", " ", text)          # "И.И.Иванов" -> "И. И. Иванов"
    words = text.split()
    # "ИВАНОВ И.И." keeps the dots attached to the initials: split "И.И." into two.
    expanded: list[str] = []
    for word in words:
        if re.fullmatch(r"(\w\.){2,3}", word):
            expanded.extend(p + "." for p in word.split(".") if p)
        else:
            expanded.append(word)
    return parse_words(expanded, surname_first)


_ANONYMOUS = re.compile(
    r"^(anonym\w*|anon|аноним\w*|unknown|неизвестн\w*|no ?name|noname|patient|пациент|"
    r"test|тест|x+|\?+|-+|\*+|\d+)$", re.IGNORECASE)


def is_anonymous(text: str) -> bool:
    """"ANONYMOUS", "Аноним", "^", "UNKNOWN", "12345": no name to compare."""
    words = re.sub(r"[\^=,.]+", " ", text or "").split()
    return not words or all(_ANONYMOUS.match(w) for w in words)


@SeededCache
def parse_dicom_name(text: str) -> ParsedName:
    """Parse one DICOM PN component group: FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX.

    Many writers put the whole name into the family component, or the given name
    and patronymic both into the given component; both are handled as free text.
    """
    text = (text or "").strip().strip("^")
    if is_anonymous(text):
        return ParsedName()
    if "^" not in text:
        return parse_full_name(text)
    parts = [p.strip() for p in text.split("^")]
    family, given, middle = (parts + ["", "", ""])[:3]
    if not given and not middle:
        return parse_full_name(family)
    if middle:
        words = [family, *given.split(), *middle.split()]
    else:
        words = [family, *given.replace(".", ". ").split()]
    parsed = parse_words(words)
    # A PN with a family component is ordered by definition: trust it over the
    # dictionary unless the given component is itself a surname-looking word.
    if parsed.surname and _tidy(_clean_word(family)) != parsed.surname \
            and not given_name_sex(family):
        parsed = replace(parsed, surname=_tidy(_clean_word(family)))
    middle_word = _clean_word(middle)
    if middle_word and not parsed.patronymic and " " not in middle_word \
            and not _is_initials(middle) \
            and _tidy(middle_word) not in (parsed.surname, *parsed.given.split()):
        # the middle component is the patronymic by position, even in a spelling no
        # convention reads (Gontsjar^Nikolay^Nikolaevitsj kept its patronymic)
        parsed = replace(parsed, patronymic=_tidy(middle_word),
                         patronymic_initial=middle_word[:1].upper())
    given_words = given.split()
    if not middle and len(given_words) == 2 and not parsed.patronymic \
            and "." not in given and len(given_words[1]) >= 2 \
            and not given_name_sex(given_words[0]) and not _is_initials(given_words[0]):
        # PAK^EN HO: two words in the given component and no patronymic among them
        # are one given name of two words
        parsed = replace(parsed, given=_tidy(given.strip()), patronymic_initial="")
    return parsed


def parse_dicom_names(texts: list[str]) -> dict[str, ParsedName]:
    """`parse_dicom_name` of each: what the job's second process runs while the main
    one groups the studies (the main process then `seed`s its cache with them)."""
    return {text: parse_dicom_name(text) for text in texts}


_NOT_NAMES = re.compile(
    r"^(dicom|dicomdir|новая папка|new folder|амбулаторные снимки|стационарные снимки|"
    r"снимки|images?|cd|dvd|disk|диск|viewer|radiant|export|экспорт|data|files?|"
    r"series|study|studies|backup|копия|copy|tmp|temp|разное|прочее|misc|download|"
    r"исследование|исследования|серия|help|program|programs|"
    r"(pa|pt|st|se|im|cd|dvd|disk|диск)[\d_ ]*|s\d+|\d+)"
    r"( \(\d+\))?$",
    re.IGNORECASE,
)
_STOP_WORDS = {
    "мрт", "кт", "мскт", "рг", "рентген", "рентгенография", "шоп", "гоп", "поп", "пкоп",
    "копия", "копии", "диск", "снимки", "снимок", "позвоночник", "позвоночника", "от",
    "ct", "kt", "mrt", "mri", "mr", "rg", "xray", "rtg", "copy", "disk", "cd", "dvd",
    "snimki", "shop", "gop", "pop", "dicom", "new", "folder", "новая", "папка", "и",
    "fotos", "scan", "scans", "images", "image", "dcm", "export", "zip", "rar",
    "ambulatorno", "statsionar", "амбулаторно", "стационар", "до", "после", "операции",
    "op", "postop", "preop", "контроль", "kontrol", "control", "исследование", "серия",
    "series", "study", "download", "sagittal", "axial", "coronal", "аксиальные", "сагиттальные",
    "stir", "sag", "ax", "cor", "flair", "localizer", "scout", "ap", "lat", "help",
    # DICOM modality codes, as export tools put them into folder names (petrov_dx_2019)
    "cr", "dx", "dr", "rf", "xa", "us", "mg", "nm", "pt", "px", "ot", "sr", "xr",
}
# Series folders of viewer exports: "T2 SAG 1_1", "Аксиальные 1_1", "STIR 1_1".
_SERIES_FOLDER = re.compile(r"^(t1|t2|pd|dwi|stir|серия|series)\b|\d_\d+$", re.IGNORECASE)


# Endings of a surname in an oblique case («Сидоровой», «Петрову», «Иванова» aside):
# only these are looked up (a nominative needs no dictionary).
_DECLINED_ENDINGS = ("ой", "ого", "ому", "ым", "ом", "ую", "ему", "ою")


def _nominative(word: str) -> str:
    """A declined surname in the nominative («Сидоровой» -> «Сидорова»); a word that
    may already be one («Петрова») is kept as written."""
    declined = has_cyrillic(word) and word.lower().endswith(_DECLINED_ENDINGS)
    readings = nominative(word) if declined else ()
    if len(readings) != 1:
        return word
    reading = readings[0]
    return reading.upper() if word.isupper() else _tidy(reading)


# Anything but ASCII and Russian Cyrillic: where a folder name may be misread bytes
_NEITHER_SCRIPT = re.compile(r"[^\x00-\x7fА-Яа-яЁё]")
# A word of a folder name: any Unicode letters (Puškov, Nikołaj, Kárpov, Kareļins), with
# an apostrophe inside or hyphenated parts, and an initial's dot.
_LETTER = r"[^\W\d_]"
_FOLDER_WORD = re.compile(rf"(?:{_LETTER}|['’])+(?:-{_LETTER}+)*(?:\.(?={_LETTER}\.))?\.?")


@SeededCache
def parse_folder_name(name: str) -> ParsedName | None:
    """Surname (and maybe initials or given name) from a folder name, or None when
    the folder is not named after a person ("DICOM", "Новая папка (2)", a UID).

    Folders usually start with the surname; what follows is anything: initials,
    modality, body region, dates, "(копия)". The name may also stand after such words
    («КТ 2019 Абдуллаев Тимур», «Снимки Сидоровой»), in a declined form (brought back
    to the nominative), given name first («Камила Юсупова»), or as a double surname
    («Волкова-Миллер Яна»).
    """
    name = (name or "").strip()
    if _NEITHER_SCRIPT.search(name):
        name = repair_misread(name)[0]               # «Џ®Ї®ў €ў ­» is «Попов Иван»
    if not name or _NOT_NAMES.match(name) or re.fullmatch(r"[\d.\s_()-]+", name):
        return None
    if re.match(r"^(новая папка|new folder)", name, re.IGNORECASE) or _SERIES_FOLDER.search(name):
        return None
    tokens = _FOLDER_WORD.findall(name)
    words: list[str] = []
    after_word = False
    for token in tokens:
        bare = token.strip(".'’")
        if bare.lower() in _STOP_WORDS or not bare:
            if words:
                break          # what follows a modality word is not part of the name
            after_word = True  # «КТ 2019 Абдуллаев Тимур»: the name comes after
            continue
        words.append(token)
        if len(words) == 3:
            break
    if not words:
        return None
    surname = words[0].strip(".")
    if len(surname) < 2 or _is_initials(surname) and len(surname) < 3:
        return None
    if len(words) == 1 or not given_name_sex(surname):
        surname = _nominative(surname)
    if len(words) > 1 and re.fullmatch(r"[A-ZА-ЯЁ]{2,3}", words[1]) \
            and not given_name_sex(words[1]):
        words = [surname, *list(words[1][:2])]          # "Иванов ИИ" -> initials
    parsed = parse_words([surname, *[w if len(w.strip(".")) > 1 else w.strip(".") + "."
                                     for w in words[1:]]])
    if parsed.surname and _NEITHER_SCRIPT.search(parsed.surname) and \
            russian_plausibility(parsed.surname) < 0:
        return None                      # not a name in any script (symbols, mojibake)
    if after_word and len(words) == 1 and words[0].strip(".").lower() == parsed.surname.lower():
        also = _genitive_reading(parsed.surname)
        if also:
            parsed = replace(parsed, surname_also=also, sex="")
    return parsed


# Feminine surnames that are also a masculine one in the genitive (Петрова: Петров's).
_AMBIGUOUS_ENDINGS = ("ова", "ева", "ёва", "ина", "ына")


def _genitive_reading(surname: str) -> str:
    """«Снимки Кузнецова»: Кузнецова, or Кузнецов in the genitive. The masculine
    reading, kept beside the written one; "" when the form is not ambiguous."""
    if has_cyrillic(surname) and surname.lower().endswith(_AMBIGUOUS_ENDINGS) \
            and len(surname) > 4 and "-" not in surname:
        return surname[:-1]
    return ""
