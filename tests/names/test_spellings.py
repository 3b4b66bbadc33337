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


def test_one_person_per_convention_is_found_end_to_end(tmp_path) -> None:
    """Real DICOM files (pydicom) named in each convention, «Given Patronymic Surname»
    as a foreign clinic writes it, with the birth date; a real export in Windows-1251;
    the job: every one of them is linked (automatically or asked), none to another."""
    from linkage.config import load_settings
    from linkage.run.job import run_job
    from linkage.synth.dicom_writer import InstanceSpec, instance_bytes

    firsts: dict[str, tuple[list[str], list[str]]] = {}
    for convention, latin, cyrillic in rows():
        firsts.setdefault(convention, (latin, cyrillic))
    images = tmp_path / "Снимки"
    lines = ["ID;ФИО;Дата рождения;Дата поступления"]
    for n, (convention, (latin, cyrillic)) in enumerate(sorted(firsts.items()), start=1):
        birth = f"19{50 + n}0{n % 9 + 1}1{n % 9}"
        folder = images / f"{latin[-1]} {convention}"
        folder.mkdir(parents=True)
        for i in range(2):
            (folder / f"IM{i}.dcm").write_bytes(instance_bytes(InstanceSpec(
                patient_name=" ".join(latin).encode("utf-8"), charset="ISO_IR 192",
                patient_id=f"X{n}", birth_date=birth, sex="", study_uid=f"1.2.9.{n}",
                series_uid=f"1.2.9.{n}.1", sop_uid=f"1.2.9.{n}.1.{i}", study_date="20240110",
                modality="MR", study_description="MRI", series_description="T2",
                body_part="", institution="", instance_number=i + 1)))
        lines.append(f"{n};{' '.join(cyrillic)};{birth[6:]}.{birth[4:6]}.{birth[:4]};"
                     "12.01.2024")
    import random

    from linkage.synth.people import PeopleFactory

    factory = PeopleFactory(random.Random(4))
    for n in range(100, 160):     # people the model learns from, written the usual way
        p = factory.person()
        folder = images / f"{p.surname} {n}"
        folder.mkdir(parents=True)
        (folder / "IM0.dcm").write_bytes(instance_bytes(InstanceSpec(
            patient_name=f"{p.surname}^{p.given}^{p.patronymic}".encode(), charset="ISO_IR 192",
            patient_id=f"X{n}", birth_date=p.birth_date.strftime("%Y%m%d"), sex=p.sex,
            study_uid=f"1.2.8.{n}", series_uid=f"1.2.8.{n}.1", sop_uid=f"1.2.8.{n}.1.1",
            study_date="20240110", modality="MR", study_description="MRI",
            series_description="T2", body_part="", institution="", instance_number=1)))
        lines.append(f"{n};{p.surname} {p.given} {p.patronymic};"
                     f"{p.birth_date.strftime('%d.%m.%Y')};12.01.2024")
    export = tmp_path / "export.csv"
    export.write_bytes("\r\n".join(lines).encode("cp1251"))
    result = run_job(images, export, tmp_path / "out", load_settings(), progress=False)
    shown = result.linked.pairs[result.linked.pairs["status"] != ""]
    found = {(r, s) for r, s in zip(shown["record_id"], shown["study_instance_uid"],
                                    strict=True) if s.startswith("1.2.9.")}
    expected = {(str(n), f"1.2.9.{n}") for n in range(1, len(firsts) + 1)}
    assert found == expected, sorted(found ^ expected)


@pytest.mark.parametrize(("pn", "patronymic"), [
    ("Gontsjar^Nikolay^Nikolaevitsj", "Nikolaevitsj"),
    ("Schukow^Alexander^Dmitrijewitsch", "Dmitrijewitsch"),
    ("Qwerty^Ivan^Zyxwvut", "Zyxwvut"),       # no convention reads it: kept by position
    ("KIM^MIN^SU", ""),                       # a given name of two words, no patronymic
])
def test_the_middle_component_is_the_patronymic(pn, patronymic) -> None:
    assert parse_dicom_name(pn).patronymic == patronymic
