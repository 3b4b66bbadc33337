"""The review sheet is the clinician's file (docs/architecture.md, "An answer is never
lost"): a run never replaces a sheet that is open or was saved while it worked, `run`
and `review import` apply the same rules to old copies, withdrawn answers and sheets of
another state, a forgotten --state does not divert the answers, and no input is ever
overwritten by an output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from linkage.cli import main
from linkage.store import Store
from tests.conftest import run_cli
from tests.reliability.conftest import one_line_error, run_args
from tests.reliability.test_answers_never_lost import SHEET, answer, asked


def stored(state) -> dict[tuple[str, str], str]:
    with Store(state) as store:
        return {k: d.decision for k, d in store.current_decisions().items()}


def rows_of(sheet) -> dict[tuple[str, str], int]:
    from openpyxl import load_workbook

    ws = load_workbook(sheet)[SHEET]
    col = {c.value: c.column for c in ws[1] if c.value}
    return {(ws.cell(row=r, column=col["record_id"]).value,
             ws.cell(row=r, column=col["study_instance_uid"]).value): r
            for r in range(2, ws.max_row + 1)}


def test_a_sheet_saved_while_the_run_works_is_kept_and_its_answers_taken(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    filled = mini["tmp"] / "filled.xlsx"
    shutil.copy(sheet, filled)
    keys = answer(filled, {2: "да", 3: "нет"})
    hook = mini["tmp"] / "hook"
    hook.mkdir()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LINKAGE_TEST_PAUSE": str(hook)}
    job = subprocess.Popen([sys.executable, "-m", "linkage", *run_args(mini)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           encoding="utf-8")
    deadline = time.monotonic() + 120
    while not (hook / "paused").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (hook / "paused").exists(), job.communicate()
    # the clinician presses Save in Excel: the file is replaced while the run waits
    shutil.copy(filled, mini["out"] / ".save.tmp")
    os.replace(mini["out"] / ".save.tmp", sheet)
    (hook / "go").touch()
    stdout, stderr = job.communicate(timeout=300)
    assert job.returncode == 0, stderr
    assert stored(mini["state"]) == {keys[0]: "yes", keys[1]: "no"}
    assert sheet.read_bytes() == filled.read_bytes()         # the clinician's file stays
    (dated,) = mini["out"].glob("review-*.xlsx")
    assert "saved while the run worked" in stdout and dated.name in stdout
    # the dated sheet was made before those answers were taken; the next run knows them
    assert "run again" in stdout
    again = run_cli(*run_args(mini))
    assert again.returncode == 0, again.stderr
    assert not asked(sheet) & set(keys) and stored(mini["state"]) == {keys[0]: "yes",
                                                                       keys[1]: "no"}


@pytest.mark.parametrize("lock", ["~$review.xlsx", ".~lock.review.xlsx#"])
def test_a_sheet_open_in_excel_or_libreoffice_is_not_replaced(mini, lock) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    before = sheet.read_bytes()
    (mini["out"] / lock).write_bytes(b"owner")            # what the editor leaves beside it
    mini["export"].write_bytes(mini["export"].read_bytes() + b"\r\n")   # a new export
    result = run_cli(*run_args(mini))
    assert result.returncode == 0, result.stderr
    assert sheet.read_bytes() == before
    (dated,) = mini["out"].glob("review-*.xlsx")
    assert f"review.xlsx is open ({lock} beside it)" in result.stdout
    assert dated.name in result.stdout
    # answers given in the new, dated sheet are taken by the next run like any other
    (key,) = answer(dated, {2: "нет"})
    (mini["out"] / lock).unlink()
    again = run_cli(*run_args(mini))
    assert again.returncode == 0, again.stderr
    assert stored(mini["state"])[key] == "no"
    assert f"answers taken from {dated.name}: 1" in again.stdout


def test_in_run_an_old_copy_does_not_override_the_answers_of_a_newer_sheet(mini) -> None:
    """Sheet A answered «не знаю» and imported; the run writes B; an old copy of A is
    answered «да» and imported late; B is answered «нет»: B is the newer sheet, its
    answers win, in `run` as in `review import`."""
    out = mini["out"]
    assert run_cli(*run_args(mini)).returncode == 0
    old_copy = mini["tmp"] / "A_old.xlsx"
    shutil.copy(out / "review.xlsx", old_copy)
    pairs = rows_of(out / "review.xlsx")
    answer(out / "review.xlsx", dict.fromkeys(pairs.values(), "не знаю"))
    assert run_cli("review", "import", str(out / "review.xlsx")).returncode == 0
    assert run_cli(*run_args(mini)).returncode == 0                       # sheet B
    answer(old_copy, dict.fromkeys(rows_of(old_copy).values(), "да"))
    assert run_cli("review", "import", str(old_copy), "--state",
                   str(mini["state"])).returncode == 0
    b_rows = rows_of(out / "review.xlsx")
    answer(out / "review.xlsx", dict.fromkeys(b_rows.values(), "нет"))
    result = run_cli(*run_args(mini))
    assert result.returncode == 0, result.stderr
    assert "not taken" not in result.stdout
    decisions = stored(mini["state"])
    assert b_rows and all(decisions[key] == "no" for key in b_rows)
    matches = (out / "matches.csv").read_text(encoding="utf-8-sig")
    assert ",confirmed," not in matches


def test_a_sheet_answered_otherwise_than_a_later_one_stops_the_run_unless_forced(mini) -> None:
    out = mini["out"]
    assert run_cli(*run_args(mini)).returncode == 0
    old = mini["tmp"] / "old.xlsx"
    shutil.copy(out / "review.xlsx", old)
    assert run_cli(*run_args(mini)).returncode == 0            # a later sheet
    (key,) = answer(out / "review.xlsx", {2: "да"})
    assert run_cli("review", "import", str(out / "review.xlsx")).returncode == 0
    row = rows_of(old)[key]
    answer(old, {row: "нет"})
    shutil.copy(old, out / "review.xlsx")                     # the old one put back
    before = (out / "matches.csv").read_bytes()
    error = one_line_error(run_cli(*run_args(mini)))
    assert "otherwise than a later sheet" in error and "--force" in error
    assert (out / "matches.csv").read_bytes() == before and stored(mini["state"])[key] == "yes"
    forced = run_cli(*run_args(mini, "--force"))
    assert forced.returncode == 0, forced.stderr
    assert stored(mini["state"])[key] == "no"


def test_an_answer_cleared_in_the_sheet_is_withdrawn_and_asked_again(mini) -> None:
    out = mini["out"]
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = out / "review.xlsx"
    (key,) = answer(sheet, {2: "да"})
    assert run_cli("review", "import", str(sheet)).returncode == 0
    assert stored(mini["state"])[key] == "yes"
    answer(sheet, {2: None})                                 # the clinician clears the cell
    result = run_cli("review", "import", str(sheet))
    assert result.returncode == 0, result.stderr
    assert "answers withdrawn (cleared in the sheet; these pairs are asked again): 1" \
        in result.stdout
    assert stored(mini["state"])[key] == "unsure"
    again = run_cli(*run_args(mini))
    assert again.returncode == 0, again.stderr
    assert key in asked(sheet)


def test_a_sheet_of_another_state_is_refused_unless_forced(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    other = dict(mini, out=mini["tmp"] / "other_out")
    assert run_cli(*run_args(other)).returncode == 0
    foreign = other["out"] / "review.xlsx"
    answer(foreign, {2: "да"})
    error = one_line_error(run_cli("review", "import", str(foreign), "--state",
                                   str(mini["state"])))
    assert "written with another state file" in error and "--force" in error
    assert stored(mini["state"]) == {}
    forced = run_cli("review", "import", str(foreign), "--state", str(mini["state"]),
                     "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(stored(mini["state"])) == 1


def test_a_forgotten_state_option_uses_the_state_the_folder_used_last_time(mini) -> None:
    real = mini["tmp"] / "kept" / "state.sqlite"
    assert run_cli(*run_args(mini, "--state", str(real))).returncode == 0
    (key,) = answer(mini["out"] / "review.xlsx", {2: "нет"})
    result = run_cli(*run_args(mini))                          # --state forgotten
    assert result.returncode == 0, result.stderr
    assert f"state file: {real}" in result.stderr
    assert not (mini["out"] / "linkage_state.sqlite").exists()
    assert stored(real) == {key: "no"}
    # the pointer gone too: the outputs hold answers of a state file that is not there
    (mini["out"] / ".linkage-state").unlink()
    error = one_line_error(run_cli(*run_args(mini)))
    assert "holds answers given with it" in error and "--state" in error


def test_a_sheet_names_its_state_and_a_new_state_refuses_it(mini) -> None:
    real = mini["tmp"] / "kept" / "state.sqlite"
    assert run_cli(*run_args(mini, "--state", str(real))).returncode == 0
    (key,) = answer(mini["out"] / "review.xlsx", {2: "да"})
    (mini["out"] / ".linkage-state").unlink()                  # nothing remembers `real`
    error = one_line_error(run_cli(*run_args(mini)))
    assert "written with another state file" in error and str(real) in error
    assert stored(real) == {} and stored(mini["out"] / "linkage_state.sqlite") == {}
    right = run_cli(*run_args(mini, "--state", str(real)))
    assert right.returncode == 0, right.stderr
    assert stored(real) == {key: "yes"}


def test_a_lost_state_file_beside_answered_outputs_is_refused(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    answer(mini["out"] / "review.xlsx", {2: "да", 3: "нет"})
    assert run_cli(*run_args(mini)).returncode == 0           # answers now in matches.csv
    matches = (mini["out"] / "matches.csv").read_bytes()
    for lost in ("deleted", "emptied"):
        mini["state"].unlink(missing_ok=True)
        for extra in mini["out"].glob("linkage_state.sqlite-*"):
            extra.unlink()
        if lost == "emptied":
            mini["state"].write_bytes(b"")
        error = one_line_error(run_cli(*run_args(mini)))
        assert "holds answers given with it" in error and "--new-state" in error
        assert (mini["out"] / "matches.csv").read_bytes() == matches


@pytest.mark.parametrize("name", ["studies.csv", "matches.csv"])
def test_an_export_kept_under_an_outputs_name_is_never_overwritten(mini, name) -> None:
    mini["out"].mkdir()
    kept = mini["out"] / name
    shutil.copy(mini["export"], kept)
    error = one_line_error(run_cli(*run_args(dict(mini, export=kept))))
    assert f"{kept} is an input" in error
    assert kept.read_bytes() == mini["export"].read_bytes()


def test_links_into_the_images_folder_are_refused(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    before = sorted(p.name for p in mini["images"].rglob("*"))
    error = one_line_error(run_cli("links", "--out", str(mini["images"]), "--state",
                                   str(mini["state"])))
    assert "inside the images folder" in error
    assert sorted(p.name for p in mini["images"].rglob("*")) == before


def test_a_broken_pipe_inside_the_job_is_a_failure_not_success(mini, monkeypatch,
                                                               capsys) -> None:
    """Only `| head` closing stdout ends quietly with 0: a pipe to a worker process or the
    resource tracker that breaks is an error."""
    import linkage.run.job

    def broken(*args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(linkage.run.job.gc, "freeze", broken)
    code = main(run_args(mini))
    assert code == 2
    assert "a pipe to another process broke" in capsys.readouterr().err


def test_a_run_with_stdout_and_stderr_closed_succeeds(mini) -> None:
    args = " ".join(f"'{a}'" for a in run_args(mini))
    result = subprocess.run(["bash", "-c", f"'{sys.executable}' -m linkage {args} >&- 2>&-"],
                            capture_output=True, timeout=300)
    assert result.returncode == 0
    assert (mini["out"] / "matches.csv").is_file()
