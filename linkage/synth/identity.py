"""How one study writes its patient: script, scheme, form, encoding, dates.

Each choice is drawn at a stated rate and recorded as a category of the study,
so `linkage evaluate` can break recall down by what made a study hard.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import iuliia

from linkage.synth.hard import HARD_IMAGE
from linkage.synth.noise import IMAGE as IMAGE_NOISE
from linkage.synth.noise import typo
from linkage.synth.people import Person

# Cyrillic encodings: (category, declared SpecificCharacterSet, codec for the bytes)
CYRILLIC_ENCODINGS = (
    ("iso_ir_144", "ISO_IR 144", "iso8859_5", 0.30),
    ("iso_ir_192", "ISO_IR 192", "utf_8", 0.30),
    ("cp1251_undeclared", "", "cp1251", 0.20),
    ("cp1251_as_latin1", "ISO_IR 100", "cp1251", 0.07),
    ("koi8r_undeclared", "", "koi8_r", 0.06),
    ("utf8_undeclared", "", "utf_8", 0.07),
)
SCHEMES = (
    ("ICAO_DOC_9303", 0.25), ("MVD_310", 0.12), ("MVD_782", 0.08), ("BGN_PCGN", 0.10),
    ("GOST_52535", 0.06), ("GOST_7034", 0.05), ("ISO_9_1968", 0.03), ("GOST_779_ALT", 0.04),
    ("SCIENTIFIC", 0.02), ("WIKIPEDIA", 0.05), ("YANDEX_MAPS", 0.03), ("TELEGRAM", 0.03),
    ("MVD_310_FR", 0.02), ("UZ", 0.02), ("informal", 0.10),
)
_INFORMAL = {"ж": "zh", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sch", "ю": "yu",
             "я": "ya", "й": "y", "ы": "i", "ь": "", "ъ": "", "ё": "e", "э": "e", "е": "e"}
SCRIPT_RATES = {"cyrillic": 0.45, "latin": 0.48, "anonymous": 0.07}
NAME_FORMS = (("full", 0.55), ("family_only", 0.15), ("initials", 0.12), ("swapped", 0.06),
              ("surname_given", 0.12))
BIRTH_FORMS = (("exact", 0.84), ("missing", 0.07), ("placeholder", 0.03), ("swapped", 0.06))


def pick(rng: random.Random, table) -> str:
    """One value of a (value, weight) table."""
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights)[0]


def transliterate(text: str, scheme: str) -> str:
    if scheme == "informal":
        return _informal_base(text)
    return getattr(iuliia, scheme).translate(text)


def _informal_base(text: str) -> str:
    plain = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k",
             "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
             "у": "u", "ф": "f"}
    out = []
    for c in text:
        low = c.lower()
        rep = plain.get(low) or _INFORMAL.get(low)
        if rep is None:
            out.append(c)
        else:
            out.append(rep.capitalize() if c.isupper() else rep)
    return "".join(out)


@dataclass
class DicomIdentity:
    name_bytes: bytes
    charset: str
    birth_date: str
    sex: str
    patient_id: str
    categories: set[str] = field(default_factory=set)


def dicom_identity(person: Person, case_number: str, rng: random.Random) -> DicomIdentity:
    """The PatientName bytes, charset, birth date, sex and PatientID a study carries."""
    cats: set[str] = set()
    surname = person.image_surname
    if surname != person.surname:
        cats.add("maiden_name")
    script = pick(rng, tuple(SCRIPT_RATES.items()))
    form = pick(rng, NAME_FORMS)
    hard = any(tag.startswith("hard:") for tag in person.tags)
    if hard and rng.random() < HARD_IMAGE["no_patronymic"]:
        form = "surname_given"
    if rng.random() < IMAGE_NOISE["typo_image_surname"]:
        surname, kind = typo(surname, rng)
        if kind:
            cats.add("img:typo_surname")
    parts = [surname, person.given, person.patronymic]
    if script == "latin":
        scheme = pick(rng, SCHEMES)
        parts = [transliterate(p, scheme) for p in parts]
        cats.update({"latin", f"scheme:{scheme}"})
    if rng.random() < 0.6:
        parts = [p.upper() for p in parts]
    text = _format_name(parts, form, rng)
    if script == "anonymous":
        text = rng.choice(("", "ANONYMOUS", "^", "Аноним"))
        cats.add("folder_only")
        form = "anonymous"
    cats.add(f"form:{form}")
    charset, codec = "", "ascii"
    if script in ("cyrillic", "anonymous") and any(ord(c) > 127 for c in text):
        enc = pick(rng, tuple((c[0], c[3]) for c in CYRILLIC_ENCODINGS))
        _, charset, codec, _ = next(c for c in CYRILLIC_ENCODINGS if c[0] == enc)
        cats.add(f"charset:{enc}")
    elif script == "latin" and any(ord(c) > 127 for c in text):
        charset, codec = "ISO_IR 192", "utf_8"
        cats.add("charset:latin_utf8")
    name_bytes = text.encode(codec, "replace")
    birth_form = pick(rng, BIRTH_FORMS)
    if hard and rng.random() < HARD_IMAGE["birth_missing"]:
        birth_form = "missing"
    birth = person.birth_date
    if birth_form == "swapped" and birth.day <= 12 and birth.day != birth.month:
        birth = date(birth.year, birth.day, birth.month)
    elif birth_form == "swapped":
        birth_form = "exact"
    birth_text = {"missing": "", "placeholder": rng.choice(("19000101", "00000000"))}.get(
        birth_form, birth.strftime("%Y%m%d"))
    cats.add(f"birth:{birth_form}")
    sex = person.sex if rng.random() < 0.85 else rng.choice(("", "O"))
    if not sex or sex == "O":
        cats.add("sex_missing")
    in_house = rng.random() < 0.3
    patient_id = case_number if in_house else rng.choice((
        str(rng.randrange(10**5, 10**7)), f"PID{rng.randrange(10**6)}", ""))
    if in_house:
        cats.add("in_house")
    return DicomIdentity(name_bytes, charset, birth_text, sex, patient_id, cats)


def _format_name(parts: list[str], form: str, rng: random.Random) -> str:
    surname, given, patronymic = parts
    if form == "full":
        return f"{surname}^{given}^{patronymic}"
    if form == "family_only":
        return f"{surname} {given} {patronymic}"
    if form == "initials":
        return rng.choice((f"{surname} {given[:1]}.{patronymic[:1]}.",
                           f"{surname}^{given[:1]}.{patronymic[:1]}."))
    if form == "swapped":
        return rng.choice((f"{given}^{patronymic}^{surname}", f"{given} {patronymic} {surname}"))
    return f"{surname}^{given}"


def folder_name(person: Person, modality: str, study_date: date, rng: random.Random
                ) -> tuple[str, set[str]]:
    """How a surgeon names the folder: surname first (Cyrillic a third of the time,
    transliterated otherwise), then anything; sometimes not a name at all."""
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(("Новая папка", "Новая папка (2)", "New folder", "DICOM")), \
            {"folder:none"}
    surname = person.image_surname if rng.random() < 0.5 else person.surname
    if rng.random() < 0.34:
        base, cat = surname, "folder:cyrillic"
    else:
        scheme = pick(rng, SCHEMES)
        base = transliterate(surname, scheme)
        cat = "folder:latin"
        if rng.random() < 0.4:
            base = base.lower()
    if cat == "folder:cyrillic" and rng.random() < FOLDER_PATTERNS["other_order"]:
        return _spoken_folder(surname, person, modality, study_date, rng)
    tail = rng.choice((
        "", f" {person.given[:1]}{person.patronymic[:1]}",
        f" {person.given[:1]}.{person.patronymic[:1]}.",
        f" {'МРТ' if modality == 'MR' else 'КТ'} ПОП", f"_{modality.lower()}_{study_date.year}",
        f" {study_date.strftime('%d.%m.%Y')}", " (копия)", f" {person.given}"))
    return base + tail, {cat}


# Folders named as people talk (a share of the Cyrillic ones): the name after the
# modality and year, given name first, or the surname in the genitive («Снимки Сидоровой»).
FOLDER_PATTERNS = {"other_order": 0.3}


def _spoken_folder(surname: str, person: Person, modality: str, study_date: date,
                   rng: random.Random) -> tuple[str, set[str]]:
    kind = rng.choice(("name_not_first", "given_first", "genitive"))
    word = "МРТ" if modality == "MR" else "КТ"
    if kind == "genitive" and surname.endswith(("ов", "ев", "ин", "ова", "ева", "ина")):
        genitive = surname + ("а" if not surname.endswith("а") else "")
        genitive = genitive[:-1] + "ой" if surname.endswith("а") else genitive
        return f"Снимки {genitive}", {"folder:cyrillic", "folder:genitive"}
    if kind == "given_first":
        return f"{person.given} {surname} {word}", {"folder:cyrillic", "folder:given_first"}
    return f"{word} {study_date.year} {surname} {person.given}", \
        {"folder:cyrillic", "folder:name_not_first"}
