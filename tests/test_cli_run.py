"""`linkage run` end to end, as a subprocess, against the contract in docs/architecture.md."""

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from linkage.link.evaluate import Truth
from tests.conftest import run_cli, tree_digest


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run_output(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    before = tree_digest(dataset.images)
    result = run_cli("run", "--images", str(dataset.images), "--export", str(dataset.export),
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result, before


def test_summary_is_printed(run_output) -> None:
    _, result, _ = run_output
    for words in ("files seen", "DICOM instances", "studies", "records", "auto", "review",
                  "review.xlsx"):
        assert words in result.stdout


def test_outputs_follow_the_contract(run_output, dataset) -> None:
    out, _, _ = run_output
    matches = read_csv(out / "matches.csv")
    assert {"record_id", "study_instance_uid", "score", "status"} <= set(matches[0])
    assert {m["status"] for m in matches} <= {"auto", "review", "confirmed", "rejected"}
    assert all(0.0 <= float(m["score"]) <= 1.0 for m in matches)
    studies = read_csv(out / "studies.csv")
    assert {"study_instance_uid", "patient_name", "name_decoding", "patient_id", "birth_date",
            "sex", "study_date", "modalities", "folder"} <= set(studies[0])
    truth = Truth.read(dataset.truth)
    assert {s["study_instance_uid"] for s in studies} == set(truth.study_person)
    links = {(r["record_id"], r["study_instance_uid"]) for r in read_csv(out / "links.csv")}
    auto = {(m["record_id"], m["study_instance_uid"]) for m in matches if m["status"] == "auto"}
    assert auto and auto <= links
    sheet = load_workbook(out / "review.xlsx")["На проверку"]
    headers = [c.value for c in sheet[1]]
    assert {"record_id", "study_instance_uid", "Решение"} <= set(headers)
    for key in ("record_id", "study_instance_uid"):   # the key columns are hidden
        letter = get_column_letter(headers.index(key) + 1)
        assert sheet.column_dimensions[letter].hidden


def test_most_true_pairs_are_found(run_output, dataset) -> None:
    out, _, _ = run_output
    truth = Truth.read(dataset.truth)
    found = {(m["record_id"], m["study_instance_uid"]) for m in read_csv(out / "matches.csv")
             if m["status"] in ("auto", "review")}
    true = truth.true_pairs()
    assert len(found & true) / len(true) >= 0.9
    auto = {(m["record_id"], m["study_instance_uid"]) for m in read_csv(out / "matches.csv")
            if m["status"] == "auto"}
    assert len(auto & true) / len(auto) >= 0.98


def test_image_tree_is_unchanged(run_output, dataset) -> None:
    _, _, before = run_output
    assert tree_digest(dataset.images) == before


def test_problems_are_listed_not_dropped(run_output, dataset) -> None:
    out, _, _ = run_output
    problems = read_csv(out / "scan_problems.csv")
    broken = (dataset.truth / "broken.txt").read_text(encoding="utf-8")
    assert broken in {p["location"] for p in problems}
    assert (out / "export_problems.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--images", "{tmp}/nope", "--export", "{export}"], "images folder not found"),
    (["--images", "{images}", "--export", "{tmp}/nope.csv"], "export file not found"),
    (["--images", "{images}", "--export", "{noname}"], "no name column"),
    (["--images", "{images}", "--export", "{export}", "--out", "{images}/out"],
     "inside the images folder"),
    (["--images", "{images}", "--export", "{export}", "--config", "{badconfig}"],
     "unknown key"),
])
def test_bad_arguments_exit_non_zero_with_one_line(dataset, tmp_path, args, message) -> None:
    noname = tmp_path / "noname.csv"
    noname.write_text("ID;Дата рождения\n1;01.01.1980\n", encoding="utf-8")
    badconfig = tmp_path / "bad.toml"
    badconfig.write_text("[thresholds]\nautomatic = 0.5\n", encoding="utf-8")
    values = {"tmp": tmp_path, "export": dataset.export, "images": dataset.images,
              "noname": noname, "badconfig": badconfig}
    argv = [a.format(**values) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    result = run_cli("run", *argv)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_help_does_not_import_pandas() -> None:
    import subprocess
    import sys

    code = ("import sys; from linkage.cli import build_parser; build_parser(); "
            "print('pandas' in sys.modules, 'sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False False"
    assert run_cli("--help").returncode == 0
