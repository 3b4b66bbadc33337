"""One person, every spelling: real transliterations must score as the same name,
near misses (Петров/Петраков) as different ones, at the thresholds the linker uses."""

import iuliia
import numpy as np
import pytest

from linkage.link.comparisons import SIMILAR
from linkage.names.canon import blocking_key, canonical_token
from linkage.names.similarity import matched_scheme, name_similarity, similarity_many

NAMES = [
    "Щукина", "Юлия", "Ерофеевна", "Хасьянов", "Артём", "Евгений", "Иванов", "Смирнова",
    "Кузнецов", "Попова", "Васильев", "Петров", "Соколова", "Михайлов", "Фёдоров", "Морозова",
    "Волков", "Алексеев", "Лебедева", "Семёнов", "Егоров", "Павлова", "Козлов", "Степанов",
    "Никитина", "Соловьёв", "Воробьёва", "Жуков", "Цветков", "Щербаков", "Чернышёв", "Ильина",
    "Юсупов", "Ярцев", "Шамсутдинов", "Эйхе", "Ксения", "Наталья", "Дмитрий", "Сергеевич",
    "Александровна", "Ильинична", "Вячеслав", "Григорьевна", "Пётр", "Юрьевич", "Матвей",
    "Татьяна", "Анастасия", "Владимирович",
]
SCHEMES = [n for n in iuliia.__all__ if n.isupper() and hasattr(getattr(iuliia, n), "translate")]

# Informal habits people type without any scheme (and passports' older forms).
INFORMAL = [
    ("Щукина", "Schukina"), ("Щукина", "Shukina"), ("Щукина", "Chtchoukina"),
    ("Щукина", "Shhukina"), ("Юлия", "Yulia"), ("Юлия", "Julia"), ("Юлия", "Iouliia"),
    ("Хасьянов", "Xasyanov"), ("Хасьянов", "Hasyanov"), ("Хасьянов", "Khasianov"),
    ("Артём", "Artyom"), ("Артём", "Artjom"), ("Артём", "Artiom"), ("Артём", "Artem"),
    ("Евгений", "Yevgeniy"), ("Евгений", "Evgeny"), ("Евгений", "Evgenij"),
    ("Евгений", "Evguenii"), ("Алексеев", "Alexeev"), ("Алексеев", "Alekseyev"),
    ("Фёдоров", "Fyodorov"), ("Фёдоров", "Fiodorov"), ("Фёдоров", "Fedorov"),
    ("Соловьёв", "Solovyov"), ("Соловьёв", "Solovev"), ("Жуков", "Joukov"),
    ("Смирнова", "SMIRNOVA"), ("Иванов", "IVANOV"), ("Иванов", "Ivanoff"),
    ("Кузнецов", "Kuznetsov"), ("Кузнецов", "Kuznecov"), ("Кузнецов", "Kouznetsov"),
    ("Васильев", "Vasilyev"), ("Васильев", "Vasil'ev"), ("Васильев", "Wassiljew"),
    ("Цветков", "Tsvetkov"), ("Цветков", "Cvetkov"), ("Ильина", "Ilyina"),
    ("Наталья", "Natalia"), ("Наталья", "Natalya"), ("Ксения", "Kseniya"),
    ("Пётр", "Petr"), ("Пётр", "Pyotr"), ("Сергеевич", "Sergeyevich"),
    ("Иванов", "Иванов"), ("Семёнов", "Семенов"), ("ЩУКИНА", "щукина"),
]
NEGATIVES = [
    ("Петров", "Петраков"), ("Юлия", "Юрий"), ("Александр", "Александра"),
    ("Иванов", "Ивашов"), ("Евгений", "Евгения"), ("Валентин", "Валентина"),
    ("Иванов", "Иванова"), ("Петров", "Petrakov"), ("Юлия", "Yurii"), ("Смирнов", "Семёнов"),
    ("Кузнецов", "Кузьмин"), ("Сидоров", "Федоров"), ("Мария", "Марина"), ("Анна", "Алла"),
    ("Олег", "Ольга"), ("Попов", "Поляков"), ("Козлов", "Котов"), ("Павлов", "Панов"),
    ("Ильин", "Ильина"), ("Щукин", "Shchukina"), ("Зайцев", "Зуев"), ("Белов", "Белоусов"),
]


def _scheme_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for scheme in SCHEMES:
        for name in NAMES:
            latin = getattr(iuliia, scheme).translate(name)
            pairs.append((scheme, name, latin))
            pairs.append((scheme, name, latin.upper()))
    return pairs


SCHEME_PAIRS = _scheme_pairs()


def test_the_table_is_large() -> None:
    assert len(SCHEME_PAIRS) + len(INFORMAL) >= 300
    assert len(SCHEMES) == 28


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_scheme_scores_as_the_same_name(scheme: str) -> None:
    pairs = [(name, latin) for s, name, latin in SCHEME_PAIRS if s == scheme]
    scores = similarity_many([p[0] for p in pairs], [p[1] for p in pairs])
    failed = [(a, b, round(s, 3)) for (a, b), s in zip(pairs, scores, strict=True)
              if s < SIMILAR]
    assert not failed


@pytest.mark.parametrize(("cyrillic", "latin"), INFORMAL)
def test_informal_variants_score_as_the_same_name(cyrillic: str, latin: str) -> None:
    assert name_similarity(cyrillic, latin) >= SIMILAR


@pytest.mark.parametrize(("a", "b"), NEGATIVES)
def test_near_misses_score_as_different_names(a: str, b: str) -> None:
    assert name_similarity(a, b) < SIMILAR


def test_listed_variants_collapse_to_one_canonical_form() -> None:
    groups = [
        ["Щукина", "SHCHUKINA", "Schukina", "Ščukina", "Shhukina", "Chtchoukina"],
        ["Юлия", "IULIIA", "YULIYA", "JULIJA", "Iuliia"],
        ["Хасьянов", "KHASIANOV", "Khas'yanov", "Xasyanov", "HASYANOV"],
        ["Артём", "ARTEM", "ARTYOM", "ARTJOM", "ARTIOM"],
        ["Евгений", "EVGENII", "YEVGENIY", "EVGENIJ", "EVGENY"],
    ]
    for group in groups:
        assert len({canonical_token(w) for w in group}) == 1, group


def test_blocking_key_joins_gendered_forms_and_scripts() -> None:
    assert blocking_key("Иванов") == blocking_key("Иванова") == blocking_key("IVANOVA")
    assert blocking_key("Вишневский") == blocking_key("Вишневская") == blocking_key("Vishnevskaya")
    assert blocking_key("Петров") != blocking_key("Сидоров")


def test_matched_scheme_names_the_scheme() -> None:
    assert matched_scheme("Shchukina", "Щукина") == "ICAO_DOC_9303"
    assert matched_scheme("Chtchoukina", "Щукина") == "MVD_310_FR"
    assert matched_scheme("Ščukina", "Щукина") == "ISO_9_1968"
    assert matched_scheme("Щукина", "Щукина") == ""


def test_similarity_many_is_elementwise_and_handles_empty() -> None:
    scores = similarity_many(["Иванов", "", "Петров"], ["IVANOV", "Ivanov", ""])
    assert scores.tolist() == [1.0, 0.0, 0.0]
    assert isinstance(scores, np.ndarray)
    with pytest.raises(ValueError):
        similarity_many(["a"], [])


@pytest.mark.parametrize(("a", "b"), [("Макарова", "Бавегова"), ("Макарова", "Bavegova"),
                                      ("Петров", "Сидоров"), ("Ким", "Пак")])
def test_two_surnames_scoring_one_half_are_not_the_other_gender(a: str, b: str) -> None:
    """The other-gender pair is recognised by its exact score: an ordinary similarity
    must never be taken for it (Макарова / Бавегова scored 0.5 and were linked)."""
    import pandas as pd

    from linkage.link.comparisons import Surname
    from linkage.names.similarity import GENDER_PAIR_SCORE

    assert similarity_many([a], [b])[0] != GENDER_PAIR_SCORE
    codes = Surname().compare([pd.Series([a])], [pd.Series([b]), pd.Series([""]),
                                                 pd.Series([""])])
    assert Surname().level(codes[0]).label == "different"
    codes = Surname().compare([pd.Series(["Иванов"])], [pd.Series(["Иванова"]),
                                                        pd.Series([""]), pd.Series([""])])
    assert Surname().level(codes[0]).label == "gendered"


def test_prepared_schemes_spell_every_word_as_iuliia_does() -> None:
    """The linker spells words through prepared schemes (plain Latin letters; a C-level
    table where no letter depends on its neighbours); every scheme must still spell
    every word exactly as iuliia does, made plain: names, given names from the
    dictionary, and endings the schemes map (-ий, -ый, -ин, -кс) or spell by neighbours
    (е after a vowel, ъ/ь before a vowel)."""
    from importlib import resources

    from linkage.names.schemes import _prepared, plain_latin

    text = resources.files("linkage.data").joinpath("given_names.txt").read_text("utf-8")
    given = [line.split()[0] for line in text.splitlines() if line and line[0] != "#"]
    words = {w.lower() for w in NAMES + given} | {
        "достоевский", "толстый", "пушкин", "алексин", "кекс", "ксения", "подъезд",
        "объём", "вьюн", "воробьёв", "ёлкин", "егор", "маяковский", "цыганов", "цех",
        "гаецкий", "майя", "зиновьев", "ый", "ий", "ё", "еее", "тцы"}
    assert len(words) > 150
    for name, schema, prepared in _prepared():
        for word in sorted(words):
            expected = plain_latin(schema.translate(word))
            assert prepared.spell(word) == expected, (name, word)
            # and the letter-by-letter path alone, on every word
            assert plain_latin(prepared._translate(word)) == expected, (name, word)
        batch = prepared.spell_many(sorted(words))
        assert batch == [plain_latin(schema.translate(w)) for w in sorted(words)], name
