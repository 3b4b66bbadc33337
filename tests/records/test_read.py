"""Any STMZ 3 export as it comes: encodings, delimiters, header styles, bad values."""

import codecs
from pathlib import Path

import pytest

from linkage.records.read import ExportError, read_export
from linkage.records.values import normalise_case_number, parse_date, parse_sex

ROWS = [
    ["ID", "ФИО", "Дата рождения", "Пол", "№ истории болезни", "Дата поступления",
     "Дата операции"],
    ["101", "Щукина Юлия Ерофеевна", "12.03.1965", "ж", "12345/2019", "03.02.2019", ""],
    ["102", "ИВАНОВ ИВАН ИВАНОВИЧ", "1970-05-01", "М", "№ 7 701", "43831", "2020-01-03"],
    ["103", "Пётр Петрович Петров", "", "", "", "", ""],
]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ";",
          bom: bool = False, title: str | None = None) -> Path:
    lines = []
    if title:
        lines.append(title)
    for row in rows:
        cells = [f'"{c}"' if (delimiter in c or "\n" in c) else c for c in row]
        lines.append(delimiter.join(cells))
    data = "\r\n".join(lines).encode(encoding, "replace")   # KOI8-R has no «№»
    if bom:
        data = codecs.BOM_UTF8 + data
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251", "utf-16", "koi8_r"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    export = read_export(write(tmp_path / "e.csv", ROWS, encoding, delimiter))
    assert export.delimiter == delimiter
    first = export.records[0]
    assert (first["surname"], first["given_name"], first["patronymic"]) == \
        ("Щукина", "Юлия", "Ерофеевна")
    assert first["birth_date"] == "1965-03-12"
    assert first["sex"] == "F"


def test_bom_title_line_and_quoted_line_break(tmp_path: Path) -> None:
    rows = [ROWS[0], ["201", "Сидорова\nАнна Петровна", "01.02.1980", "Ж", "5", "", ""], *ROWS[1:]]
    export = read_export(write(tmp_path / "e.csv", rows, bom=True,
                               title="Выгрузка СТМЗ 3 от 01.11.2026"))
    assert export.encoding == "utf-8-sig"
    assert export.header_row == 2
    assert export.records[0]["full_name"] == "Сидорова Анна Петровна"
    assert export.records[0]["row"] == "3"
    assert [r["record_id"] for r in export.records] == ["201", "101", "102", "103"]


def test_values_excel_serial_case_numbers_and_inferred_sex(tmp_path: Path) -> None:
    export = read_export(write(tmp_path / "e.csv", ROWS))
    ivanov, petrov = export.records[1], export.records[2]
    assert ivanov["admission_date"] == "2020-01-01"           # Excel serial 43831
    assert ivanov["surgery_date"] == "2020-01-03"
    assert ivanov["case_key"] == "7701"
    assert export.records[0]["case_key"] == "12345"            # year suffix dropped
    assert (petrov["surname"], petrov["given_name"]) == ("Петров", "Пётр")   # swapped order
    assert (petrov["sex"], petrov["sex_source"]) == ("M", "inferred from name")
    assert export.persons == 3


def test_three_name_columns_and_other_header_words(tmp_path: Path) -> None:
    rows = [["№ записи", "Фамилия", "Имя", "Отчество", "Д.р.", "Пол", "№ И/Б",
             "Дата госпитализации"],
            ["1", "Хасьянов", "Артём", "Рустамович", "05.06.77", "муж", "1", "01.01.2020"]]
    export = read_export(write(tmp_path / "e.csv", rows, "cp1251"))
    record = export.records[0]
    assert (record["surname"], record["given_name"], record["patronymic"]) == \
        ("Хасьянов", "Артём", "Рустамович")
    assert record["birth_date"] == "1977-06-05"
    assert export.columns["case_number"] == "№ И/Б"
    assert export.columns["admission_date"] == "Дата госпитализации"


def test_problems_name_row_column_and_value(tmp_path: Path) -> None:
    rows = [ROWS[0],
            ["1", "Иванов Иван", "31.02.1970", "X", "", "01.13.2020", ""],
            ["2", "", "01.01.1980", "М", "", "", ""],
            ["3", "Петров Пётр", "01.01.2999", "м", "", "", ""]]
    export = read_export(write(tmp_path / "e.csv", rows))
    found = {(p.row, p.column, p.value, p.problem) for p in export.problems}
    assert (2, "Дата рождения", "31.02.1970", "not a date") in found
    assert (2, "Пол", "X", "unknown sex value") in found
    assert (2, "Дата поступления", "01.13.2020", "not a date") in found
    assert (3, "ФИО", "", "no usable name") in found
    assert (4, "Дата рождения", "01.01.2999", "date in the future") in found
    assert len(export.records) == 3                     # every row is kept
    assert export.unusable_rows == [3]


def test_duplicate_record_ids_are_an_error_naming_the_rows(tmp_path: Path) -> None:
    rows = [ROWS[0], ROWS[1], ROWS[2], ["101", "Другой Человек", "", "", "", "", ""]]
    with pytest.raises(ExportError, match=r"duplicate record IDs: ID 101 in rows 2, 4"):
        read_export(write(tmp_path / "e.csv", rows))


def test_no_name_column_is_one_clear_error(tmp_path: Path) -> None:
    rows = [["ID", "Дата рождения", "Пол"], ["1", "01.01.1980", "М"]]
    with pytest.raises(ExportError) as error:
        read_export(write(tmp_path / "e.csv", rows))
    message = str(error.value)
    assert "no name column" in message and "e.csv" in message
    assert "Дата рождения" in message                   # the headers seen are listed


def test_configured_columns_win_and_missing_ones_are_noted(tmp_path: Path) -> None:
    rows = [["Код", "Пациент ФИО", "ДР"], ["7", "Иванов Иван", "01.01.1980"]]
    export = read_export(write(tmp_path / "e.csv", rows),
                         columns={"record_id": "Код", "full_name": "Пациент ФИО",
                                  "birth_date": "ДР", "sex": "Пол"})
    assert export.records[0]["record_id"] == "7"
    assert export.records[0]["birth_date"] == "1980-01-01"
    assert any("«Пол» set for sex is not in the export" in p.problem for p in export.problems)


def test_forced_encoding_and_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", ROWS, "cp1251")
    assert read_export(path, encoding="cp1251").encoding == "cp1251"
    with pytest.raises(ExportError, match="cannot decode"):
        read_export(path, encoding="utf-8")
    with pytest.raises(ExportError, match="cannot read"):
        read_export(tmp_path / "missing.csv")


@pytest.mark.parametrize(("text", "iso"), [
    ("12.03.1965", "1965-03-12"), ("12.03.65", "1965-03-12"), ("1965-03-12", "1965-03-12"),
    ("23813", "1965-03-12"), ("12.03.1965 10:15", "1965-03-12"), ("1965-03-12 00:00:00",
                                                                  "1965-03-12"),
    ("01.02.05", "2005-02-01"),
])
def test_date_forms(text: str, iso: str) -> None:
    assert parse_date(text)[0] == iso


def test_doubtful_dates_are_never_taken_silently(tmp_path: Path) -> None:
    """A number may be an Excel serial or anything else: kept and flagged. A birth date
    with a two-digit year that fits two centuries is not used (a wrong one would pass
    for a namesake's)."""
    assert parse_date("23813") == ("1965-03-12", "a number, read as an Excel date "
                                                 "1965-03-12: check it")
    rows = [ROWS[0], ["1", "Иванов Иван", "15.3.20", "м", "", "44000", ""],
            ["2", "Петров Пётр", "01.02.35", "м", "", "", ""]]
    export = read_export(write(tmp_path / "e.csv", rows))
    found = {(p.row, p.column, p.value, p.problem) for p in export.problems}
    assert (2, "Дата рождения", "15.3.20",
            "two-digit year: the century is unknown, not used") in found
    assert export.records[0]["birth_date"] == ""
    assert (2, "Дата поступления", "44000",
            "a number, read as an Excel date 2020-06-18: check it") in found
    assert export.records[0]["admission_date"] == "2020-06-18"
    assert export.records[1]["birth_date"] == "1935-02-01"      # 2035 cannot be


@pytest.mark.parametrize(("text", "sex"), [("М", "M"), ("ж", "F"), ("муж", "M"), ("жен.", "F"),
                                           ("F", "F"), ("1", "M"), ("2", "F"), ("", "")])
def test_sex_forms(text: str, sex: str) -> None:
    assert parse_sex(text)[0] == sex


@pytest.mark.parametrize(("text", "key"), [("12345/2019", "12345"), ("№ 12 345", "12345"),
                                           ("012345-19", "12345"), ("", "")])
def test_case_numbers(text: str, key: str) -> None:
    assert normalise_case_number(text) == key


def test_garbled_names_are_repaired_and_reported(tmp_path: Path) -> None:
    rows = [ROWS[0], ["1", "Èâàíîâ Èâàí Èâàíîâè÷", "01.01.1980", "М", "", "", ""]]
    export = read_export(write(tmp_path / "e.csv", rows, "utf-8"))
    record = export.records[0]
    assert (record["surname"], record["given_name"], record["patronymic"]) == \
        ("Иванов", "Иван", "Иванович")
    assert any("garbled text repaired" in p.problem and p.row == 2 for p in export.problems)


def test_without_names_the_ids_dates_and_other_columns_are_the_same(dataset) -> None:
    """`linkage links` reads the export without parsing names (it needs none)."""
    full = read_export(dataset.export)
    light = read_export(dataset.export, names=False)
    keep = ("record_id", "birth_date", "admission_date", "surgery_date", "case_key", "row")
    assert [{k: r[k] for k in keep} for r in light.records] == \
        [{k: r[k] for k in keep} for r in full.records]
    assert light.passthrough == full.passthrough
    assert all(not r["surname"] for r in light.records)
    assert not any("name" in p.problem for p in light.problems)


def test_an_export_survives_json_as_it_was_read(tmp_path: Path) -> None:
    """A rerun keeps the export as read (JSON in the state file), and the second
    process hands it back so: problems included."""
    from linkage.records.read import Export, read_export_kept

    rows = [*ROWS, ["104", "Сидоров Олег", "31.02.1970", "?", "", "", ""]]
    export = read_export(write(tmp_path / "e.csv", rows))
    assert export.problems
    assert Export.from_json(export.to_json()) == export
    as_read, kept = read_export_kept(tmp_path / "e.csv")
    assert as_read == export and Export.from_json(kept) == export
