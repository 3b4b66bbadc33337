"""Names in every form the three sources write them."""

import pytest

from linkage.names.parse import (
    is_anonymous,
    parse_dicom_name,
    parse_folder_name,
    parse_full_name,
    patronymic_sex,
    surname_sex,
)


def parts(p):
    return (p.surname, p.given, p.patronymic, p.given_initial, p.patronymic_initial, p.sex)


@pytest.mark.parametrize(("pn", "expected"), [
    ("SHCHUKINA^IULIIA^EROFEEVNA", ("Shchukina", "Iuliia", "Erofeevna", "I", "E", "F")),
    ("ИВАНОВ^ИВАН ИВАНОВИЧ", ("Иванов", "Иван", "Иванович", "И", "И", "M")),
    ("Иванов Иван Иванович", ("Иванов", "Иван", "Иванович", "И", "И", "M")),  # all in family
    ("IVANOV I.I.", ("Ivanov", "", "", "I", "I", "M")),
    ("Ivanov^I.I.", ("Ivanov", "", "", "I", "I", "M")),
    ("Иванова^М.П.", ("Иванова", "", "", "М", "П", "F")),
    ("IVAN^IVANOVICH^IVANOV", ("Ivanov", "Ivan", "Ivanovich", "I", "I", "M")),   # swapped
    ("Мария Петровна Сидорова", ("Сидорова", "Мария", "Петровна", "М", "П", "F")),
    ("Petrov^Ivan^^", ("Petrov", "Ivan", "", "I", "", "M")),                       # trailing ^
    ("Petrova, Anna", ("Petrova", "Anna", "", "A", "", "F")),                      # comma
    ("KUZNETSOVA^TATIANA^ILINICHNA", ("Kuznetsova", "Tatiana", "Ilinichna", "T", "I", "F")),
    ("VASILEV^PETR^ILICH", ("Vasilev", "Petr", "Ilich", "P", "I", "M")),
    ("Smirnov", ("Smirnov", "", "", "", "", "M")),
])
def test_dicom_person_names(pn: str, expected: tuple) -> None:
    assert parts(parse_dicom_name(pn)) == expected


@pytest.mark.parametrize("pn", ["", "^", "ANONYMOUS", "Аноним", "UNKNOWN", "12345", "^^^"])
def test_anonymised_names_are_empty(pn: str) -> None:
    assert is_anonymous(pn)
    assert parse_dicom_name(pn).is_empty


@pytest.mark.parametrize(("fio", "expected"), [
    ("Щукина  Юлия  Ерофеевна", ("Щукина", "Юлия", "Ерофеевна", "Ю", "Е", "F")),
    ("  иванова  мария петровна ", ("Иванова", "Мария", "Петровна", "М", "П", "F")),
    ("ПЕТРОВ ПЁТР ПЕТРОВИЧ", ("Петров", "Пётр", "Петрович", "П", "П", "M")),
    ("Римский-Корсаков Николай Андреевич",
     ("Римский-Корсаков", "Николай", "Андреевич", "Н", "А", "M")),
    ("Салтыкова-Щедрина Анна", ("Салтыкова-Щедрина", "Анна", "", "А", "", "F")),
    ("И.И.Иванов", ("Иванов", "", "", "И", "И", "M")),
    ("Иванов И.И.", ("Иванов", "", "", "И", "И", "M")),
    ("Козлова Ольга Ильинична", ("Козлова", "Ольга", "Ильинична", "О", "И", "F")),
    ("Цой Виктор Робертович", ("Цой", "Виктор", "Робертович", "В", "Р", "M")),
])
def test_registry_full_names(fio: str, expected: tuple) -> None:
    assert parts(parse_full_name(fio)) == expected


@pytest.mark.parametrize(("folder", "surname", "initials"), [
    ("Иванов ИИ МРТ ПОП", "Иванов", ("И", "И")),
    ("ivanov_kt_2019", "Ivanov", ("", "")),
    ("Petrov 05.03.2020", "Petrov", ("", "")),
    ("Сидорова (копия)", "Сидорова", ("", "")),
    ("shukina_mrt", "Shukina", ("", "")),
    ("Smirnova A.V. MRT", "Smirnova", ("A", "V")),
    ("Кузнецов Д.В.", "Кузнецов", ("Д", "В")),
    ("Novikov Ivan", "Novikov", ("I", "")),
    ("Kovaleva КТ ПОП", "Kovaleva", ("", "")),
])
def test_folder_names_give_the_surname(folder: str, surname: str, initials: tuple) -> None:
    parsed = parse_folder_name(folder)
    assert parsed is not None
    assert parsed.surname == surname
    assert (parsed.given_initial, parsed.patronymic_initial) == initials


@pytest.mark.parametrize("folder", [
    "DICOM", "Новая папка", "Новая папка (2)", "New folder", "Амбулаторные снимки",
    "Стационарные снимки", "PA000000", "ST000001", "CD", "Диск", "disk1", "1.2.840.113619",
    "2019", "Исследование", "download", "T2 SAG 1_1", "Аксиальные 1_1", "STIR 1_1",
])
def test_folders_that_are_not_names(folder: str) -> None:
    assert parse_folder_name(folder) is None


@pytest.mark.parametrize(("word", "sex"), [
    ("Ивановна", "F"), ("IVANOVNA", "F"), ("Ильинична", "F"), ("ILINICHNA", "F"),
    ("Иванович", "M"), ("Ivanovich", "M"), ("Sergeyevich", "M"), ("Ильич", "M"),
    ("Иван", ""), ("Анна", ""),
])
def test_patronymic_endings_in_both_scripts(word: str, sex: str) -> None:
    assert patronymic_sex(word) == sex


@pytest.mark.parametrize(("word", "sex"), [
    ("Иванова", "F"), ("Вишневская", "F"), ("Ivanova", "F"), ("Иванов", "M"),
    ("Вишневский", "M"), ("Petrov", "M"), ("Цой", ""),
])
def test_sex_from_surname_endings(word: str, sex: str) -> None:
    assert surname_sex(word) == sex


def test_names_parsed_in_another_process_are_taken_as_they_are(tmp_path) -> None:
    """The job's second process parses the scan's patient names (parse_dicom_names)
    while the main one groups the studies; the main process seeds its cache with them
    and then finds each name parsed, the same as it would have parsed it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from linkage.names.parse import parse_dicom_name, parse_dicom_names

    names = ["IVANOV^IVAN^IVANOVICH", "Петрова^Анна", "KIM^EN SUK", "", "SIDOROVA A.V."]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        parsed = pool.submit(parse_dicom_names, names).result()
    parse_dicom_name.cache_clear()
    assert parsed == {name: parse_dicom_name(name) for name in names}
    parse_dicom_name.cache_clear()
    parse_dicom_name.seed(parsed)
    assert all(parse_dicom_name(name) is parsed[name] for name in names)
    parse_dicom_name.cache_clear()
