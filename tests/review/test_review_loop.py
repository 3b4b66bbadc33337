"""The clinician's loop with real files: review.xlsx written, edited with openpyxl as a
person would in Excel, imported into a real SQLite state, and the next run."""

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.review.importer import ImportRefused, import_review
from linkage.review.labels import DECISION_HEADER
from linkage.run.job import run_job
from linkage.store import Decision, Store
from tests.conftest import libreoffice_pdf, run_cli

REVIEW_SHEET = "На проверку"


@pytest.fixture()
def first_run(dataset, tmp_path):
    out = tmp_path / "out"
    result = run_job(dataset.images, dataset.export, out, load_settings(None), progress=False)
    assert (result.linked.pairs["status"] == "review").sum() >= 4
    return out, result


def columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def decide(path: Path, answers: list[str]) -> list[tuple[str, str, str]]:
    """Fill the first len(answers) review rows; return (record_id, study_uid, answer)."""
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    col = columns(ws)
    decided = []
    for row, answer in zip(range(2, ws.max_row + 1), answers, strict=False):
        ws.cell(row=row, column=col[DECISION_HEADER]).value = answer
        decided.append((ws.cell(row=row, column=col["record_id"]).value,
                        ws.cell(row=row, column=col["study_instance_uid"]).value, answer))
    wb.save(path)
    return decided


def test_round_trip_after_sorting_deleting_rows_and_adding_a_column(first_run) -> None:
    out, _ = first_run
    path = out / "review.xlsx"
    decided = decide(path, ["да", "нет", "не знаю", "Да "])
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    # A person adds a column in front, deletes an undecided row and sorts the rest.
    ws.insert_cols(1)
    ws.cell(row=1, column=1).value = "Мои заметки"
    ws.cell(row=2, column=1).value = "посмотреть ещё раз"
    if ws.max_row > 6:
        ws.delete_rows(6)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    rows.sort(key=lambda r: str(r[5]), reverse=True)
    for i, values in enumerate(rows, start=2):
        for j, value in enumerate(values, start=1):
            ws.cell(row=i, column=j).value = value
    wb.save(path)
    with Store(out / "linkage_state.sqlite") as store:
        report = import_review(path, store)
        current = store.current_decisions()
    expected = {"да": "yes", "нет": "no", "не знаю": "unsure", "Да ": "yes"}
    assert report.read == len(decided)
    assert {(r, s): d.decision for (r, s), d in current.items()} == \
        {(r, s): expected[a] for r, s, a in decided}
    assert all(d.source_file == "review.xlsx" and d.source_row for d in current.values())


def test_invalid_cells_refuse_the_whole_file(first_run) -> None:
    out, _ = first_run
    path = out / "review.xlsx"
    decide(path, ["да", "может быть", "нет", "yes?"])
    state = out / "linkage_state.sqlite"
    with Store(state) as store, pytest.raises(ImportRefused) as refused:
        import_review(path, store)
    assert len(refused.value.problems) == 2
    assert "row 3: «может быть»" in str(refused.value)
    assert f"sheet «{REVIEW_SHEET}»" in str(refused.value)
    with Store(state) as store:
        assert store.current_decisions() == {}
        assert store.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_reimport_is_idempotent_and_later_decisions_supersede(first_run) -> None:
    out, _ = first_run
    path = out / "review.xlsx"
    (record, study, _), = decide(path, ["да"])
    with Store(out / "linkage_state.sqlite") as store:
        assert import_review(path, store).added == 1
        assert import_review(path, store).added == 0            # same file again: no change
        second = out / "review_v2.xlsx"
        shutil.copy(path, second)
        decide(second, ["нет"])
        assert import_review(second, store).added == 1
        history = store.decision_history(record, study)
        assert [d.decision for d in history] == ["yes", "no"]
        assert store.current_decisions()[(record, study)].decision == "no"
        assert [d.source_file for d in history] == ["review.xlsx", "review_v2.xlsx"]


def test_next_run_asks_nothing_already_decided(dataset, first_run) -> None:
    out, _ = first_run
    decided = decide(out / "review.xlsx", ["да", "нет", "да"])
    imported = run_cli("review", "import", str(out / "review.xlsx"))
    assert imported.returncode == 0, imported.stderr
    again = run_job(dataset.images, dataset.export, out, load_settings(None), progress=False)
    pairs = again.linked.pairs.set_index(["record_id", "study_instance_uid"])
    for record, study, answer in decided:
        status = pairs.loc[(record, study), "status"]
        assert status == ("confirmed" if answer == "да" else "rejected")
    wb = load_workbook(out / "review.xlsx")
    ws = wb[REVIEW_SHEET]
    col = columns(ws)
    asked = {(ws.cell(row=r, column=col["record_id"]).value,
              ws.cell(row=r, column=col["study_instance_uid"]).value)
             for r in range(2, ws.max_row + 1)}
    assert not asked & {(r, s) for r, s, _ in decided}
    links = (out / "links.csv").read_text(encoding="utf-8-sig")
    for record, study, answer in decided:
        assert (f"{record},{study},confirmed" in links) == (answer == "да")


def test_stale_decision_is_asked_again(dataset, first_run, tmp_path) -> None:
    out, result = first_run
    pairs = result.linked.pairs
    record, study = pairs.loc[pairs["status"] == "review",
                              ["record_id", "study_instance_uid"]].iloc[0]
    with Store(out / "linkage_state.sqlite") as store:
        store.add_decisions([Decision(record, study, "yes", record_fingerprint="old-record",
                                      study_fingerprint="", source_file="test")])
    again = run_job(dataset.images, dataset.export, out, load_settings(None), progress=False)
    row = again.linked.pairs.set_index(["record_id", "study_instance_uid"]).loc[(record, study)]
    assert row["status"] == "review"
    assert "данные изменились" in row["attention"]


def test_confirming_one_study_for_two_people_is_reported(first_run) -> None:
    out, result = first_run
    records = result.export.records
    study = result.linked.pairs.loc[result.linked.pairs["status"] != "",
                                    "study_instance_uid"].iloc[0]
    first = records[0]
    second = next(r for r in records if r["surname"] != first["surname"])
    path = out / "review.xlsx"
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    col = columns(ws)
    for n, record in enumerate((first, second), start=ws.max_row + 1):
        ws.cell(row=n, column=col["record_id"]).value = record["record_id"]
        ws.cell(row=n, column=col["study_instance_uid"]).value = study
        ws.cell(row=n, column=col[DECISION_HEADER]).value = "да"
        ws.cell(row=n, column=col["ФИО (регистр)"]).value = record["full_name"]
        ws.cell(row=n, column=col["Д.р. (регистр)"]).value = record["birth_date"]
    wb.save(path)
    with Store(out / "linkage_state.sqlite") as store:
        report = import_review(path, store)
    assert any(study in w and "different people" in w for w in report.warnings)
    assert report.added == report.read        # reported, and still stored as decided


def test_confirming_one_study_for_two_admissions_of_one_person_is_not_reported(
        first_run) -> None:
    """Repeat admissions of one person, however the registry spelt them (initials on
    one, the full name on the other), are one person: the import groups the records
    as the linker does, not by the text of the name."""
    from collections import defaultdict

    from linkage.review.importer import registry_persons

    out, result = first_run
    with Store(out / "linkage_state.sqlite") as store:
        persons = registry_persons(store)
    by_person = defaultdict(list)
    for record, person in persons.items():
        by_person[person].append(record)
    names = {r["record_id"]: (r["full_name"], r["birth_date"]) for r in result.export.records}
    twice = next(sorted(records) for records in by_person.values() if len(records) > 1
                 and len({names[r] for r in records}) > 1)    # spelt differently too
    study = result.linked.pairs["study_instance_uid"].iloc[0]
    path = out / "review.xlsx"
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    col = columns(ws)
    for n, record in enumerate(twice[:2], start=ws.max_row + 1):
        ws.cell(row=n, column=col["record_id"]).value = record
        ws.cell(row=n, column=col["study_instance_uid"]).value = study
        ws.cell(row=n, column=col[DECISION_HEADER]).value = "да"
        ws.cell(row=n, column=col["ФИО (регистр)"]).value = names[record][0]
        ws.cell(row=n, column=col["Д.р. (регистр)"]).value = names[record][1]
    wb.save(path)
    with Store(out / "linkage_state.sqlite") as store:
        report = import_review(path, store)
    assert not [w for w in report.warnings if "different people" in w]


def test_crash_mid_import_leaves_the_state_as_before(tmp_path) -> None:
    def decisions():
        yield Decision("1", "1.2.3", "yes", source_file="x.xlsx")
        yield Decision("2", "1.2.3", "no", source_file="x.xlsx")
        raise KeyboardInterrupt          # the user presses Ctrl-C half-way

    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            store.add_decisions(decisions())
        assert store.current_decisions() == {}


def test_english_sheet_imports_too(dataset, tmp_path) -> None:
    config = tmp_path / "en.toml"
    config.write_text('[review]\nlang = "en"\n', encoding="utf-8")
    out = tmp_path / "out"
    run_job(dataset.images, dataset.export, out, load_settings(config), progress=False)
    wb = load_workbook(out / "review.xlsx")
    assert wb.sheetnames[0] == "To review"
    ws = wb["To review"]
    ws.cell(row=2, column=columns(ws)[DECISION_HEADER]).value = "yes"
    wb.save(out / "review.xlsx")
    with Store(out / "linkage_state.sqlite") as store:
        assert import_review(out / "review.xlsx", store).by_value == {"yes": 1}


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler-utils (pdftotext) is not installed")
def test_sheet_opens_in_libreoffice_with_words_and_links(first_run, dataset, tmp_path) -> None:
    """Printed by a real spreadsheet, «Вероятность» reads as a word and a rounded
    percentage, never ### (a column too narrow for its format); «Путь к копии» opens
    the folder that holds the study's file (a hyperlink, as a link typed in Excel is)."""
    import re
    import subprocess
    from urllib.parse import unquote, urlparse

    out, result = first_run
    pdf = libreoffice_pdf(out / "review.xlsx", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "###" not in text
    assert re.search(r"(почти наверняка|вероятно|сомнительно) \d{1,3}[.,]\d%", text)
    ws = load_workbook(out / "review.xlsx")[REVIEW_SHEET]
    col = columns(ws)
    cells = [ws.cell(row=r, column=col["Путь к копии"]) for r in range(2, ws.max_row + 1)]
    assert cells and all(c.hyperlink is not None for c in cells)
    for cell in cells:
        target, shown = cell.hyperlink.target, cell.value
        assert target.lower().startswith("file:///")
        folder = Path(unquote(urlparse(target).path))
        assert folder.is_dir() and dataset.images.resolve() in [folder, *folder.parents]
        assert (dataset.images / shown.partition("::")[0]).parent.resolve() == folder
    # and LibreOffice keeps them as links to those folders
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "html", "--outdir", str(tmp_path / "html"),
                           str(out / "review.xlsx")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "html" / "review.html").read_text(encoding="utf-8", errors="replace")
    hrefs = {unquote(h) for h in re.findall(r'href="((?i:file):///[^"]*)"', page)}
    assert {unquote(c.hyperlink.target) for c in cells} <= hrefs
