"""What a word is as a part of a Russian name: a given name, a surname or a patronymic,
with its sex and its nominative form, from the OpenCorpora dictionary (pymorphy3).

The dictionary knows the names a St. Petersburg hospital sees (Tatar, Bashkir,
Caucasian, Central Asian ones among them: Камила, Зульфия, Ашот, Рустам), tags surnames
(Юсупова, Оганесян, Миллер) and patronymics (Ильдарович), brings declined forms back
to the nominative (Сидоровой -> Сидорова) and predicts unknown words by their endings.
A Latin word is looked up through its Cyrillic readings. `data/given_names.txt` stays
as overrides (a word listed there is a given name whatever the dictionary says).
Results are cached per distinct word, and the dictionary is loaded on first use only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from linkage.names.canon import canonical_token, has_cyrillic
from linkage.names.conventions import read_back


@dataclass(frozen=True)
class Role:
    given: str = ""             # "M" / "F" when the word is a given name, else ""
    surname: str = ""           # "M" / "F" / "?" when the word is a surname, else ""
    patronymic: str = ""        # "M" / "F" when the word is a patronymic, else ""


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


_SEX = {"masc": "M", "femn": "F"}
def cyrillic_readings(latin: str) -> list[str]:
    """Cyrillic spellings a Latin name may stand for, in every Latin convention
    (Zulfiya -> зулфия, Aleksandrovitsj -> александрович, Siergiej -> сергей)."""
    readings = []
    for first in read_back(latin):      # each Latin convention (names.conventions)
        readings.append(first)
        if first.endswith("ы"):
            readings.append(first[:-1] + "й")        # Sergey -> сергей
        if "ия" in first:
            readings.append(first.replace("ия", "ья"))  # Darya / Daria
        soft = re.sub(r"л(?=[бвгджзклмнпрстфхцчшщ]|$)", "ль", first)
        if soft != first:
            readings.append(soft)                    # Olga -> ольга, Gulnara -> гульнара
        sign = re.sub(r"(?<=[бвгдзклмнпрстфхцчшщ])й(?=[аеёиоуэюя])", "ь", first)
        if sign != first:
            readings.append(sign)                    # Iljitš -> ильич, Joerjevitsj -> юрьевич
        single = re.sub(r"([бвгджзклмнпрстфхцчшщ])\1", r"\1", first)
        if single != first:
            readings.append(single)                  # Issajevitš -> исаевич
    return list(dict.fromkeys(readings))


GUESSED_READINGS = 3


@lru_cache(maxsize=200_000)
def role(word: str) -> Role:
    """The word's role in a name; an empty Role when it is none of them."""
    word = word.strip(" .-").lower().replace("ё", "е") if word else ""
    if len(word) < 2:
        return Role()
    if not has_cyrillic(word):
        readings = cyrillic_readings(word)
        known = _analyzer().word_is_known
        # a reading the dictionary knows first (Siergiej: сергей, not a guess for
        # «сиергией»), then the analyser's guesses by ending
        # (guesses only for the first readings: each costs the analyser a search)
        for reading in [r for r in readings if known(r)] + readings[:GUESSED_READINGS]:
            found = _cyrillic_role(reading)
            if found.given or found.surname or found.patronymic:
                return found
        return Role()
    return _cyrillic_role(word)


def _cyrillic_role(word: str) -> Role:
    given: dict[str, float] = {}
    surname: dict[str, float] = {}
    patronymic: dict[str, float] = {}
    given_as_written = ""
    for parse in _analyzer().parse(word):
        tag = parse.tag
        sex = _SEX.get(tag.gender or "", "?")
        if "Name" in tag and tag.number != "plur":    # Сергеев is not «of the Sergeys»
            given[sex] = given.get(sex, 0.0) + parse.score
            if tag.case == "nomn" and sex != "?" and not given_as_written:
                given_as_written = sex    # Камила: a woman's name, though also «of Камил»
        elif "Surn" in tag:
            surname[sex] = surname.get(sex, 0.0) + parse.score
        elif "Patr" in tag:
            patronymic[sex] = patronymic.get(sex, 0.0) + parse.score
    total = sum(given.values()), sum(surname.values()), sum(patronymic.values())
    best = max(total)
    if best < 0.5:
        return Role()             # mostly not a name at all (a noun, a guess)
    if total[0] == best:
        known = {k: v for k, v in given.items() if k in ("M", "F")}
        return Role(given=given_as_written or (max(known, key=known.get) if known else ""))
    if total[2] == best:
        return Role(patronymic=max(patronymic, key=patronymic.get))
    return Role(surname=max(surname, key=surname.get))


@lru_cache(maxsize=50_000)
def nominative(word: str) -> tuple[str, ...]:
    """A declined Cyrillic surname's readings in the nominative («Сидоровой» ->
    сидорова); empty when some reading already is a nominative («Петрова»)."""
    word = word.lower().replace("ё", "е")
    readings = []
    for parse in _analyzer().parse(word):
        if "Surn" not in parse.tag:
            continue
        if parse.tag.case == "nomn":
            return ()
        form = parse.inflect({"nomn"})
        if form is not None:
            readings.append(form.word.replace("ё", "е"))   # кругёва is кругева
    return tuple(dict.fromkeys(readings))


@lru_cache(maxsize=50_000)
def two_given_names(a: str, b: str) -> bool:
    """Two different given names, not one name with a slip: their canonical forms
    differ and the dictionary knows each as a given name (Алёна / Елена, Мария /
    Марина, Евгений / Евгения; but Сергнй is no name: a slip of Сергей)."""
    if not a or not b or canonical_token(a) == canonical_token(b):
        return False
    return known_given_name(a) and known_given_name(b)


@lru_cache(maxsize=100_000)
def known_given_name(word: str) -> bool:
    """A given name in the dictionary itself, not one the analyser guesses for an
    unknown word from its ending (a typo like Екатерима)."""
    word = word.strip(" .-").lower().replace("ё", "е")
    readings = [word] if has_cyrillic(word) else cyrillic_readings(word)
    analyzer = _analyzer()
    return any(analyzer.word_is_known(r) and role(r).given for r in readings)
