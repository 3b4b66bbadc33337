"""A clinician's answers survive the next run and are never overwritten by an old sheet
(the two ways the tool used to lose them silently)."""

from __future__ import annotations

import shutil

from openpyxl import load_workbook

from linkage.review.labels import DECISION_HEADER
from linkage.store import Store
from tests.conftest import run_cli
from tests.reliability.conftest import one_line_error, run_args, state_dump

SHEET = "На проверку"


def answer(path, answers: dict[int, str]) -> list[tuple[str, str]]:
    """Write answers into rows (2-based) of the review sheet; return their keys."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    col = {c.value: c.column for c in ws[1] if c.value}
    keys = []
    for row, value in answers.items():
        ws.cell(row=row, column=col[DECISION_HEADER]).value = value
        keys.append((ws.cell(row=row, column=col["record_id"]).value,
                     ws.cell(row=row, column=col["study_instance_uid"]).value))
    wb.save(path)
    return keys


def set_cells(path, row: int, values: dict[str, str]) -> None:
    """Type values into one row of «На проверку», by column header, and save."""
    wb = load_workbook(path)
    ws = wb[SHEET]
    col = {c.value: c.column for c in ws[1] if c.value}
    for header, value in values.items():
        ws.cell(row=row, column=col[header]).value = value
    wb.save(path)


def asked(path) -> set[tuple[str, str]]:
    ws = load_workbook(path)[SHEET]
    col = {c.value: c.column for c in ws[1] if c.value}
    return {(ws.cell(row=r, column=col["record_id"]).value,
             ws.cell(row=r, column=col["study_instance_uid"]).value)
            for r in range(2, ws.max_row + 1)}


def test_filled_sheet_is_imported_before_the_next_run_replaces_it(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    keys = answer(sheet, {2: "да", 3: "нет"})
    again = run_cli(*run_args(mini))                     # no `review import` in between
    assert again.returncode == 0, again.stderr
    assert "answers taken from the previous review.xlsx before replacing it: 2" in again.stdout
    with Store(mini["state"]) as store:
        stored = {k: d.decision for k, d in store.current_decisions().items()}
    assert stored == {keys[0]: "yes", keys[1]: "no"}
    assert not asked(sheet) & set(keys)                  # and they are not asked again
    matches = (mini["out"] / "matches.csv").read_text(encoding="utf-8-sig")
    assert f"{keys[0][0]},{keys[0][1]}," in matches and ",confirmed," in matches


def test_a_sheet_with_a_bad_answer_stops_the_run_and_nothing_is_replaced(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    answer(sheet, {2: "да", 3: "наверное"})
    before = {p.name: p.read_bytes() for p in mini["out"].iterdir() if p.is_file()
              and not p.name.startswith("linkage_state")}
    dump = state_dump(mini["state"])
    error = one_line_error(run_cli(*run_args(mini)))
    assert "nothing was replaced" in error and "row 3: «наверное»" in error
    after = {p.name: p.read_bytes() for p in mini["out"].iterdir() if p.is_file()
             and not p.name.startswith("linkage_state")}
    assert after == before                               # the answers are still in the sheet
    assert state_dump(mini["state"]) == dump


def test_an_old_copy_of_a_sheet_does_not_override_a_newer_answer(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    old_copy = mini["tmp"] / "review_copy.xlsx"
    shutil.copy(sheet, old_copy)
    (key,) = answer(old_copy, {2: "да"})                 # answered in a copy, kept aside
    assert run_cli(*run_args(mini)).returncode == 0      # a new sheet; the copy is not in OUT
    new_rows = asked(sheet)
    assert key in new_rows
    ws = load_workbook(sheet)[SHEET]
    col = {c.value: c.column for c in ws[1] if c.value}
    row = next(r for r in range(2, ws.max_row + 1)
               if (ws.cell(row=r, column=col["record_id"]).value,
                   ws.cell(row=r, column=col["study_instance_uid"]).value) == key)
    answer(sheet, {row: "нет"})
    assert run_cli("review", "import", str(sheet)).returncode == 0

    late = run_cli("review", "import", str(old_copy), "--state", str(mini["state"]))
    assert late.returncode == 0, late.stderr
    assert "not taken" in late.stdout and f"record {key[0]} / study {key[1]}" in late.stdout
    with Store(mini["state"]) as store:
        assert store.current_decisions()[key].decision == "no"

    forced = run_cli("review", "import", str(old_copy), "--state", str(mini["state"]),
                     "--force")
    assert forced.returncode == 0, forced.stderr
    with Store(mini["state"]) as store:
        assert store.current_decisions()[key].decision == "yes"
        assert [d.decision for d in store.decision_history(*key)] == ["no", "yes"]


def test_a_decision_cell_with_a_formula_but_no_saved_value_is_refused(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    set_cells(sheet, 2, {DECISION_HEADER: '=IF(1=1,"да","нет")'})  # no cached value saved
    error = one_line_error(run_cli("review", "import", str(sheet)))
    assert "row 2: the decision is a formula without a saved value" in error


def test_answers_for_pairs_no_run_proposed_are_stored_with_a_warning(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    set_cells(sheet, 2, {"record_id": "no-such-record", DECISION_HEADER: "да"})
    result = run_cli("review", "import", str(sheet))
    assert result.returncode == 0, result.stderr
    assert "were not proposed by the last run" in result.stdout
