"""Records grouped into persons (docs/architecture.md, "Persons"): only on what tells
two people apart. Repeat admissions with one birth date are one person; namesakes born
apart (even one digit, one year or a day/month swap apart) are two; a record with only
initials, or without a birth date, stays alone."""

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
    # an initial and a birth date are what twins share: such a record stays alone
    ([("Иванов Сергей Петрович", "1960-01-02"), ("ИВАНОВ С.П.", "1960-01-02")], "AB"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей", "1960-01-02")], "AA"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Ивнов Сергей Петрович", "1960-01-02")],
     "AA"),                                              # a slip in the surname
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей Петрович", "1975-06-07")],
     "AB"),                                              # namesakes born apart
    # as likely two people as one typo: never merged
    ([("Кузнецов Сергей Викторович", "1972-05-14"),
      ("Кузнецов Сергей Викторович", "1972-05-15")], "AB"),
    ([("Морозова Татьяна Ивановна", "1968-02-03"), ("Морозова Татьяна Ивановна", "1966-02-03")],
     "AB"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей", "1960-02-01")], "AB"),
    # a record without a birth date has only its name: it stays alone
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванов Сергей Петрович", "")], "AB"),
    # twins with one initial: the initial-only record joins neither
    ([("Соловьёв Александр Егорович", "1982-11-20"), ("Соловьёв Алексей Егорович", "1982-11-20"),
      ("Соловьёв А.Е.", "1982-11-20")], "ABC"),
    # twins of close given names are two people, not one name with a slip
    ([("Соколова Алёна Игоревна", "1990-04-04"), ("Соколова Елена Игоревна", "1990-04-04")],
     "AB"),
    ([("Иванов Сергей Петрович", "1960-01-02"), ("Иванова Анна Петровна", "1960-01-02")],
     "AB"),                                              # twins, another given name
]


@pytest.mark.parametrize(("rows", "groups"), CASES)
def test_records_are_grouped_into_persons(rows, groups: str) -> None:
    keys = person_key(_records(rows)).tolist()
    assert [keys.index(k) for k in keys] == [groups.index(g) for g in groups]
