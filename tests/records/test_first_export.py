"""A team's own export, whose headers nobody here has seen, is read with no config:
the record ID column is found by its name or, failing that, by its values."""

from __future__ import annotations

import pytest

from linkage.config import load_settings
from linkage.errors import ExportError
from linkage.records.read import read_export


def write(tmp_path, lines: list[str]):
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def notes(export) -> list[str]:
    return [p.problem for p in export.problems]


@pytest.mark.parametrize("header", ["ID", "№", "№ п/п", "№ записи", "Рег. номер", "Рег.номер",
                                    "Регистрационный номер", "Номер карты", "Код",
                                    "Код пациента", "Идентификатор", "ИДЕНТИФИКАТОР"])
def test_record_id_found_by_any_usual_header(tmp_path, header) -> None:
    export = read_export(write(tmp_path, [
        f"{header};ФИО;Дата рождения", "7;Иванов Иван;01.01.1960", "7a;Петров Пётр;02.02.1970"]))
    assert export.columns["record_id"] == header
    assert [r["record_id"] for r in export.records] == ["7", "7a"]


def test_made_up_id_header_not_first_is_found_by_its_values(tmp_path) -> None:
    export = read_export(write(tmp_path, [
        "ФИО пациента;Пол;Карточка СТМЗ-3;Дата рождения;Отделение",
        "Иванов Иван Иванович;муж;10455;01.01.1960;ТО-2",
        "Петрова Анна Сергеевна;жен;10456;02.02.1970;ТО-2",
        "Сидоров Олег;муж;10490;03.03.1980;ТО-1"]))
    assert export.columns["record_id"] == "Карточка СТМЗ-3"
    assert [r["record_id"] for r in export.records] == ["10455", "10456", "10490"]
    assert any("column «Карточка СТМЗ-3» is used" in n for n in notes(export))


def test_by_content_a_numbered_header_is_preferred_to_the_first_unique_column(tmp_path) -> None:
    export = read_export(write(tmp_path, [
        "Шифр;ФИО;Номер в базе;Дата рождения",      # both unique; «номер» decides
        "A1;Иванов Иван;501;01.01.1960", "A2;Петров Пётр;502;02.02.1970"]))
    assert export.columns["record_id"] == "Номер в базе"


def test_two_id_columns_one_is_chosen_and_the_note_says_which(tmp_path) -> None:
    export = read_export(write(tmp_path, [
        "№;Рег. номер;ФИО;Дата рождения", "1;R-77;Иванов Иван;01.01.1960",
        "2;R-78;Петров Пётр;02.02.1970"]))
    assert export.columns["record_id"] == "№"
    assert any("two columns could be the record ID: «№», «Рег. номер»; using «№»" in n
               for n in notes(export))


def test_no_usable_id_column_is_one_clear_error(tmp_path) -> None:
    path = write(tmp_path, ["ФИО;Дата рождения;Пол", "Иванов Иван;01.01.1960;муж",
                            "Петров Пётр;01.01.1960;муж", "Сидоров Олег;;муж"])
    with pytest.raises(ExportError, match="no record ID column found.*set \\[export.columns\\] "
                                          "record_id; columns seen: ФИО, Дата рождения, Пол"):
        read_export(path)


def test_defaults_pin_no_header_and_only_a_named_missing_header_is_noted(tmp_path) -> None:
    assert load_settings(None).columns == {}
    path = write(tmp_path, ["Рег. номер;ФИО;Пол;Д.р.", "1;Иванов Иван;муж;01.01.1960"])
    assert not notes(read_export(path))
    export = read_export(path, columns={"birth_date": "Дата рождения"})
    assert notes(export) == ["column «Дата рождения» set for birth_date is not in the export: "
                             "used «Д.р.» instead"]
