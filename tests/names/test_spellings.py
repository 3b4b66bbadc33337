"""Names as the world writes them (docs/architecture.md, "Reading a name"): 71 Russian
people in seven Latin conventions, each written in five orders and forms (355
spellings), read by the DICOM name reader; a part is read right when it is the
expected Cyrillic part by the name comparison's own measure."""

from __future__ import annotations

from collections import defaultdict

import pytest

from linkage.link.comparisons import SIMILAR
from linkage.names.conventions import translated_given
from linkage.names.parse import parse_dicom_name, parse_folder_name
from linkage.names.similarity import name_similarity
from tests.names.spellings import rows

FORMS = {
    "caret": lambda g, p, s: f"{s.upper()}^{g.upper()}^{p.upper()}",
    "as written": lambda g, p, s: f"{g} {p} {s}",
    "given surname": lambda g, p, s: f"{g} {s}",
    "capitals, surname first": lambda g, p, s: f"{s.upper()} {g.upper()} {p.upper()}",
    "capitals, as written": lambda g, p, s: f"{g.upper()} {p.upper()} {s.upper()}",
}


def _right(parsed, surname: str, given: str, patronymic: str | None) -> bool:
    def same(read: str, expected: str) -> bool:
        return name_similarity(read, expected) >= SIMILAR

    return same(parsed.surname, surname) and same(translated_given(parsed.given), given) and \
        (patronymic is None or same(parsed.patronymic, patronymic))


def _read_right() -> dict[tuple[str, str], list[bool]]:
    results: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for convention, (given, patronymic, surname), (c_surname, c_given, c_patr) in rows():
        for form, write in FORMS.items():
            parsed = parse_dicom_name(write(given, patronymic, surname))
            expected_patronymic = None if form == "given surname" else c_patr
            results[(convention, form)].append(
                _right(parsed, c_surname, c_given, expected_patronymic))
    return results


def test_the_table_is_large_enough() -> None:
    assert len(rows()) * len(FORMS) >= 300


def test_every_convention_and_order_is_read_right() -> None:
    results = _read_right()
    rates = {key: sum(v) / len(v) for key, v in results.items()}
    overall = sum(sum(v) for v in results.values()) / sum(len(v) for v in results.values())
    low = {f"{c} / {f}": round(r, 2) for (c, f), r in rates.items() if r < 0.9}
    assert overall >= 0.97, (overall, low)
    assert not low, low


@pytest.mark.parametrize(("folder", "surname", "given"), [
    ("Puškov Aleksei MRT", "Пушков", "Алексей"),
    ("Nikołaj Charitonow", "Харитонов", "Николай"),
    ("Kárpov KT 2019", "Карпов", ""),
    ("Nečaev Б.Т.", "Нечаев", ""),
    ("Џ®Ї®ў €ў\xa0\xad", "Попов", "Иван"),          # CP866 unpacked as Windows-1251
    ("Å«»«ó êóá¡", "Попов", "Иван"),                 # CP866 unpacked as CP437
])
def test_folder_names_in_any_letters_and_code_page(folder, surname, given) -> None:
    parsed = parse_folder_name(folder)
    assert parsed is not None
    assert name_similarity(parsed.surname, surname) >= SIMILAR
    if given:
        assert name_similarity(parsed.given, given) >= SIMILAR
