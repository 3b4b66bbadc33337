"""Every name a St. Petersburg hospital sees, in every form the three sources write it:
a table of over 200 folder, DICOM and export forms (both scripts, both orders), each
with the surname, given name, patronymic and sex it must give."""

from __future__ import annotations

import iuliia
import pytest

from linkage.names.parse import parse_dicom_name, parse_folder_name, parse_full_name

PEOPLE = [  # surname, given name, patronymic, sex
    ("Иванов", "Сергей", "Петрович", "M"),
    ("Юсупова", "Камила", "Ильдаровна", "F"),
    ("Кадырова", "Зульфия", "Ринатовна", "F"),
    ("Оганесян", "Ашот", "Гургенович", "M"),
    ("Алимова", "Нодира", "Рустамовна", "F"),
    ("Хайруллина", "Гульнара", "Маратовна", "F"),
    ("Абдуллаев", "Тимур", "Ильдарович", "M"),
    ("Шамилев", "Рустам", "Ахмедович", "M"),
    ("Волкова-Миллер", "Яна", "Игоревна", "F"),
    ("Сидорова", "Ольга", "Викторовна", "F"),
    ("Кузнецов", "Дмитрий", "Александрович", "M"),
    ("Щукина", "Юлия", "Ерофеевна", "F"),
    ("Ахметов", "Ильдар", "Рашитович", "M"),
]
KOREAN = [("Пак", "Ен Хо"), ("Ли", "Мин Су"), ("Цой", "Ен Сук")]


def latin(word: str) -> str:
    return iuliia.ICAO_DOC_9303.translate(word)


def _forms():
    for s, g, p, sex in PEOPLE:
        s_l, g_l, p_l = latin(s), latin(g), latin(p)
        # a surname alone tells the sex only by a Russian ending (Оганесян does not)
        by_surname = "" if s.endswith(("ян", "ер")) else sex
        yield "export", f"{s} {g} {p}", (s, g, p, sex)
        yield "export", f"{s.upper()} {g.upper()} {p.upper()}", (s, g, p, sex)
        yield "export", f"{g} {p} {s}", (s, g, p, sex)
        yield "export", f"{s} {g[0]}.{p[0]}.", (s, "", "", by_surname)
        yield "export", f"{s} {g}", (s, g, "", sex)
        yield "dicom", f"{s_l.upper()}^{g_l.upper()}^{p_l.upper()}", (s_l, g_l, p_l, sex)
        yield "dicom", f"{s}^{g}^{p}", (s, g, p, sex)
        yield "dicom", f"{s_l} {g_l} {p_l}", (s_l, g_l, p_l, sex)
        yield "dicom", f"{g_l}^{p_l}^{s_l}", (s_l, g_l, p_l, sex)
        yield "dicom", f"{s_l}^{g_l}", (s_l, g_l, "", sex)
        yield "folder", f"{s} {g}", (s, g, "", sex)
        yield "folder", f"{g} {s}", (s, g, "", sex)
        yield "folder", f"{s_l} {g_l}", (s_l, g_l, "", sex)
        yield "folder", f"{g_l} {s_l} MRI", (s_l, g_l, "", sex)
        yield "folder", f"КТ 2019 {s} {g}", (s, g, "", sex)
        # «МРТ ПОП Юсупова»: Юсупова's, or Юсупов's in the genitive: the sex is open
        alone = "" if s.endswith(("ова", "ина")) else by_surname
        yield "folder", f"МРТ ПОП {s}", (s, "", "", alone)
        yield "folder", f"{s} {g[0]}{p[0]} МРТ", (s, "", "", by_surname)
    for s, g in KOREAN:
        s_l, g_l = latin(s), latin(g)
        yield "export", f"{s} {g}", (s, g, "", "")
        yield "folder", f"{s} {g}", (s, g, "", "")
        # in capitals, a syllable of two letters is no pair of initials («ЦОЙ ЕН СУК»)
        yield "export", f"{s.upper()} {g.upper()}", (s, g, "", "")
        yield "dicom", f"{s.upper()}^{g.upper()}^", (s, g, "", "")
        yield "dicom", f"{s.upper()} {g.upper()}", (s, g, "", "")
        yield "dicom", f"{s_l.upper()}^{g_l.upper()}^", (s_l, g_l, "", "")
    yield "export", "ИВАНОВ ИИ", ("Иванов", "", "", "M")      # last, after the surname: initials
    for modality in ("ct", "mr", "cr", "dx", "us", "xa", "rf", "mg", "nm", "pt"):
        yield "folder", f"Petrov_{modality}_2019", ("Petrov", "", "", "M")   # no given «Dx»
    # a patronymic in the middle of three words follows the given name, whatever the
    # surname (one no dictionary knows, or one with a patronymic's ending)
    yield "dicom", "DANIIL NIKOLAEVICH BEPAZAN", ("Bepazan", "Daniil", "Nikolaevich", "M")
    yield "dicom", "Ярослав^Олегович^Влынан", ("Влынан", "Ярослав", "Олегович", "M")
    yield "export", "Иван Петрович Бабич", ("Бабич", "Иван", "Петрович", "M")
    yield "export", "Бабич Иван Петрович", ("Бабич", "Иван", "Петрович", "M")
    yield "dicom", "IVANOV^II", ("Ivanov", "", "", "M")
    yield "folder", "Снимки Сидоровой", ("Сидорова", "", "", "F")
    # a surname no dictionary knows, whose nominative it reads with and without ё
    yield "folder", "Снимки Кругевой", ("Кругева", "", "", "F")
    yield "folder", "МРТ Хёлевой", ("Хелева", "", "", "F")
    yield "folder", "Снимки Кузнецова", ("Кузнецова", "", "", "")    # or Кузнецов's: no sex
    yield "folder", "Абдуллаева МРТ", ("Абдуллаева", "", "", "F")


FORMS = list(_forms())
PARSERS = {"export": parse_full_name, "dicom": parse_dicom_name, "folder": parse_folder_name}


def test_the_table_is_large() -> None:
    assert len(FORMS) >= 200


@pytest.mark.parametrize(("source", "text", "expected"), FORMS,
                         ids=[f"{s}:{t}" for s, t, _ in FORMS])
def test_name_form(source: str, text: str, expected: tuple[str, str, str, str]) -> None:
    parsed = PARSERS[source](text)
    assert parsed is not None
    got = (parsed.surname.lower(), parsed.given.lower(), parsed.patronymic.lower())
    assert got == tuple(e.lower() for e in expected[:3])
    if expected[3]:
        assert parsed.sex == expected[3]


@pytest.mark.parametrize(("folder", "written", "also"), [
    ("Снимки Кузнецова", "Кузнецова", "Кузнецов"),     # Кузнецова, or Кузнецов's
    ("МРТ Петрова", "Петрова", "Петров"),
    ("КТ 2019 Бородина", "Бородина", "Бородин"),
    ("Снимки Сидоровой", "Сидорова", ""),              # only a woman's: one reading
    ("Петрова МРТ", "Петрова", ""),                    # name first: the nominative
    ("Снимки Петрова Ивана", "Петрова", ""),           # with a given name: not alone
])
def test_ambiguous_genitive_keeps_both_readings(folder: str, written: str, also: str) -> None:
    parsed = parse_folder_name(folder)
    assert parsed is not None
    assert (parsed.surname, parsed.surname_also) == (written, also)


@pytest.mark.parametrize(("text", "initials"), [
    ("Диpотова H. В.", ("Н", "В")),        # a Latin p inside, a Latin H for Н
    ("Иванов A. B.", ("А", "В")),
    ("IVANOV A. B.", ("A", "B")),           # a Latin name keeps its Latin initials
])
def test_latin_lookalike_initials_beside_a_cyrillic_name(text: str, initials) -> None:
    parsed = parse_full_name(text)
    assert (parsed.given_initial, parsed.patronymic_initial) == initials
