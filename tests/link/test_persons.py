"""Records grouped into persons (docs/architecture.md, "Persons"): repeat admissions
spelt differently are one person, namesakes born apart are two, and a record without
a birth date joins the one person its name fits, or none."""

from __future__ import annotations

import pytest

from linkage.link.identity import records_frame
from linkage.link.persons import person_key
from linkage.names.parse import parse_full_name


def _records(rows: list[tuple[str, str]]):
    records = []
    for i, (name, birth) in enumerate(rows, start=1):
        parsed = parse_full_name(name)
        records.append({"record_id": str(i), "surname": parsed.surname,
                        "given_name": parsed.given, "patronymic": parsed.patronymic,
                        "given_initial": parsed.given_initial,
                        "patronymic_initial": parsed.patronymic_initial, "birth_date": birth,
                        "sex": "", "case_key": "", "case_number": "", "admission_date": "",
                        "surgery_date": "", "full_name": name, "row": str(i)})
    return records_frame(records)


CASES = [  # rows, groups (record numbers of one person share a letter)
    ([("Иванов Сергей Петрович", "1960-01-02"), ("ИВАНОВ С.П.", "1960-01-02")], "AA"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей", "1960-02-01")], "AA"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей Петрович", "1975-06-07")],
     "AB"),                                              # namesakes born apart
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей Петрович", "")], "AA"),
    # a birth-less record with a slip in the surname still finds its one person
    ([("Емельянов Пётр Ильич", "1950-03-04"), ("Емельяков Пётр Ильич", "")], "AA"),
    # two persons the birth-less record could be: it stays alone
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей Петрович", "1975-06-07"),
      ("Иванов Сергей Петрович", "")], "ABC"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванова Анна Петровна", "1960-01-02")],
     "AB"),                                              # twins, another given name
]


@pytest.mark.parametrize(("rows", "groups"), CASES)
def test_records_are_grouped_into_persons(rows, groups: str) -> None:
    keys = person_key(_records(rows)).tolist()
    assert [keys.index(k) for k in keys] == [groups.index(g) for g in groups]
