"""A synthetic STMZ 3 export: one row per admission, written as the registry or
Excel would (encoding, delimiter, header style), with typos, ё/е, case and
missing values."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from linkage.synth.noise import registry_birth, registry_name
from linkage.synth.people import Person

HEADER_STYLES = {
    "fio": ["ID", "ФИО", "Дата рождения", "Пол", "№ истории болезни", "Дата поступления",
            "Дата операции", "Диагноз"],
    "split": ["№ записи", "Фамилия", "Имя", "Отчество", "Д.р.", "Пол", "№ И/Б",
              "Дата госпитализации", "Дата операции"],
    # As a registry's own export may look: a registration number first (a header no
    # synonym list needs to know), outcome scores, notes.
    "registry": ["Рег. № карты СТМЗ", "ФИО пациента", "Пол", "Дата рождения", "№ ИБ",
                 "Поступил", "Дата операции", "Отделение", "Диагноз", "Врач", "ODI", "VAS",
                 "EQ-5D", "Примечание"],
}
# Typos, initials, missing or wrong birth dates: linkage.synth.noise (the classes).
RATES = {"yo_e": 0.3, "upper": 0.1, "sex_missing": 0.1,
         "iso_date": 0.05, "excel_serial": 0.05, "case_year_suffix": 0.4, "no_surgery": 0.3}


@dataclass
class Admission:
    record_id: str
    person: Person
    case_number: str
    admission: date
    surgery: date | None


def admissions(people: list[Person], rng: random.Random) -> list[Admission]:
    """One admission per record; repeat admissions have 2-3 records of one person."""
    out = []
    ids = rng.sample(range(10_000, 10_000 + 20 * max(len(people), 10)),
                     sum(p.admissions for p in people))
    it = iter(ids)
    for person in people:
        for k in range(person.admissions):
            day = date(2018, 1, 15) + timedelta(days=rng.randrange(0, 365 * 8))
            surgery = None if rng.random() < RATES["no_surgery"] else \
                day + timedelta(days=rng.randrange(0, 6))
            out.append(Admission(str(next(it)), person, person.case_numbers[k], day, surgery))
    return out


def _date_cell(value: date | None, rng: random.Random) -> str:
    if value is None:
        return ""
    r = rng.random()
    if r < RATES["iso_date"]:
        return value.isoformat()
    if r < RATES["iso_date"] + RATES["excel_serial"]:
        return str((value - date(1899, 12, 30)).days)
    return value.strftime("%d.%m.%Y")


def write_export(path: Path, rows: list[Admission], rng: random.Random, encoding: str = "cp1251",
                 delimiter: str = ";", style: str = "fio", title: bool = True,
                 early: tuple[Path, date] | None = None) -> dict[str, set[str]]:
    """Write the CSV; `rows` only for people with a record. Returns each record's
    noise classes (its truth flags). With `early` = (path, date), also write the export
    as it was on that date: the records admitted before it, spelt exactly the same."""
    categories: dict[str, set[str]] = {}
    early_out = io.StringIO(newline="")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow(["Выгрузка СТМЗ 3: a workshop t3, id 77"])
    writer.writerow(HEADER_STYLES[style])
    early_out.write(out.getvalue())
    for adm in rows:
        row_start = out.tell()
        p = adm.person
        surname, given, patronymic, cats = registry_name(p.surname, p.given, p.patronymic, rng)
        if p.admissions > 1:
            cats.add("reg:repeat_admission")
        if rng.random() < RATES["yo_e"]:
            surname, given, patronymic = (s.replace("ё", "е").replace("Ё", "Е")
                                          for s in (surname, given, patronymic))
        if rng.random() < RATES["upper"]:
            surname, given, patronymic = surname.upper(), given.upper(), patronymic.upper()
        birth_value, birth_cats = registry_birth(p.birth_date, rng)
        birth = _date_cell(birth_value, rng)
        categories[adm.record_id] = cats | birth_cats
        sex = "" if rng.random() < RATES["sex_missing"] else rng.choice(
            ({"M": "М", "F": "Ж"}[p.sex], {"M": "муж", "F": "жен"}[p.sex]))
        case = adm.case_number + (f"/{adm.admission.year}"
                                  if rng.random() < RATES["case_year_suffix"] else "")
        admitted, operated = _date_cell(adm.admission, rng), _date_cell(adm.surgery, rng)
        fio = " ".join(filter(None, (surname, given, patronymic)))
        if style == "fio":
            full = fio if rng.random() > 0.05 else f"  {fio.replace(' ', '  ', 1)} "
            writer.writerow([adm.record_id, full, birth, sex, case, admitted, operated,
                             rng.choice(("Перелом L1", "Грыжа диска L4-L5", "Стеноз\nпозвоночного"
                                         " канала", ""))])
        elif style == "registry":
            writer.writerow([adm.record_id, fio, sex,
                             birth, case, admitted, operated, rng.choice(("ТО-2", "ТО-1", "НХО")),
                             rng.choice(("Перелом L1", "Грыжа диска L4-L5", "")),
                             rng.choice(("ЗЮА", "САС", "ДВД")), str(rng.randrange(0, 60)),
                             str(rng.randrange(0, 11)), f"0.{rng.randrange(100, 999)}",
                             rng.choice(("", "", "повторно", "контроль через 3 мес."))])
        else:
            writer.writerow([adm.record_id, surname, given, patronymic, birth, sex, case,
                             admitted, operated])
        if early and adm.admission < early[1]:
            early_out.write(out.getvalue()[row_start:])
    data = out.getvalue()
    path.write_bytes(data.encode(encoding, "replace"))
    if early:
        early[0].write_bytes(early_out.getvalue().encode(encoding, "replace"))
    return categories
