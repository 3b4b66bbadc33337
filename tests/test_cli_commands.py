"""The smaller commands: scan, records check, links (pseudonymised), synth, evaluate."""

import csv
from pathlib import Path

from tests.conftest import run_cli


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_scan_writes_inventory_and_problems(dataset, tmp_path) -> None:
    result = run_cli("scan", "--images", str(dataset.images), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "studies:" in result.stdout
    studies = rows(tmp_path / "studies.csv")
    assert len(studies) == dataset.studies
    assert {"series", "instances", "copies", "first_location", "bytes"} <= set(studies[0])
    assert any(s["name_decoding"].endswith("(repaired)") for s in studies)
    again = run_cli("scan", "--images", str(dataset.images), "--out", str(tmp_path))
    assert "read this time: 0 files" in again.stdout


def test_records_check_reports_columns(dataset) -> None:
    result = run_cli("records", "check", str(dataset.export))
    assert result.returncode == 0, result.stderr
    assert "encoding: cp1251" in result.stdout
    assert "full_name" in result.stdout and "«ФИО»" in result.stdout


def test_links_pseudonymised_with_a_key(dataset, tmp_path) -> None:
    out = tmp_path / "out"
    assert run_cli("run", "--images", str(dataset.images), "--export", str(dataset.export),
                   "--out", str(out)).returncode == 0
    plain = rows(out / "links.csv")
    key = tmp_path / "key.bin"
    key.write_bytes(b"a secret of the team, 32 bytes!!")
    shared_dir = tmp_path / "shared"
    result = run_cli("links", "--state", str(out / "linkage_state.sqlite"),
                     "--pseudonymise", str(key), "--out", str(shared_dir))
    assert result.returncode == 0, result.stderr
    shared = rows(shared_dir / "links.csv")
    assert len(shared) == len(plain) > 0
    assert not (shared_dir / "study_files.csv").exists()         # paths carry names
    # the same links and intervals; calendar dates shifted (tests/review/test_release.py)
    assert sorted((r["how"], r["days_from_surgery"], r["modality"], r["phase"])
                  for r in shared) == \
        sorted((r["how"], r["days_from_surgery"], r["modality"], r["phase"]) for r in plain)
    from linkage.reports.release import Release

    release = Release(key.read_bytes())
    moved = {(release.record(r["record_id"]), release.study(r["study_instance_uid"])):
             r["study_date"] for r in plain}
    assert all(r["study_date"] != moved[(r["record_id"], r["study_instance_uid"])]
               for r in shared if r["study_date"])
    # No identifying value of the export, no ID, no path in any shared file.
    from linkage.records.read import read_export

    export = read_export(dataset.export)
    secrets = {r["record_id"] for r in plain} | {r["study_instance_uid"] for r in plain}
    secrets |= {r["folder"] for r in plain if r["folder"]}
    for record in export.records:
        secrets |= {v for k, v in record.items() if v and k in (
            "full_name", "surname", "birth_date", "case_number")}
    for name in ("links.csv", "cohort.csv", "image_occurrence.csv"):
        text = (shared_dir / name).read_text(encoding="utf-8-sig")
        cells = {c for line in text.splitlines() for c in line.split(",")}
        assert not secrets & cells, (name, sorted(secrets & cells)[:5])
        for surname in {r["surname"] for r in export.records if len(r["surname"]) > 3}:
            assert surname not in text, (name, surname)
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    refused = run_cli("links", "--state", str(out / "linkage_state.sqlite"),
                      "--pseudonymise", str(short), "--out", str(shared_dir))
    assert refused.returncode == 2 and "at least 16 bytes" in refused.stderr


def test_synth_and_evaluate(tmp_path) -> None:
    made = run_cli("synth", "--out", str(tmp_path / "s"), "--persons", "30", "--seed", "2",
                   "--encoding", "utf-8-sig", "--delimiter", ",", "--style", "split")
    assert made.returncode == 0, made.stderr
    result = run_cli("evaluate", "--truth", str(tmp_path / "s" / "truth"))
    assert result.returncode == 0, result.stderr
    for words in ("pair completeness", "auto precision", "recall auto+review", "review load",
                  "by class: recall (auto+review)", "charset:", "reg:",
                  "control sample check: 100 repeats", "the 95% interval held"):
        assert words in result.stdout


def test_locked_output_is_one_clear_line(dataset, tmp_path) -> None:
    """On Windows, Excel holds review.xlsx open; replacing it must not lose anything
    or end in a traceback. A folder in its place stands for the locked file here."""
    out = tmp_path / "out"
    (out / "review.xlsx").mkdir(parents=True)
    result = run_cli("run", "--images", str(dataset.images), "--export", str(dataset.export),
                     "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "review.xlsx" in result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".review.xlsx.")]  # no leftovers


def test_the_console_exit_delivers_every_line_a_command_printed(tmp_path, capsys) -> None:
    """The console script skips the interpreter's teardown (`os._exit`, cli.console):
    a long output into a pipe still arrives whole, the same as `main` prints it."""
    from linkage.cli import main

    export = tmp_path / "export.csv"
    lines = ["ID;ФИО;Дата рождения"] + [f"{n};Иванов Иван {n};31.02.1970" for n in range(3000)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["records", "check", str(export), "--show", "100000"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == printed
    assert len(printed.splitlines()) > 3000


def test_links_works_from_a_state_kept_elsewhere_alone(dataset, tmp_path) -> None:
    """A state file kept apart from the outputs (`run --state`): `links --state` needs
    nothing else, not the run's matches.csv, not even its export."""
    out, state = tmp_path / "out", tmp_path / "elsewhere" / "state.sqlite"
    state.parent.mkdir()
    export = tmp_path / "export.csv"
    export.write_bytes(dataset.export.read_bytes())
    assert run_cli("run", "--images", str(dataset.images), "--export", str(export),
                   "--out", str(out), "--state", str(state)).returncode == 0
    (out / "matches.csv").unlink()
    export.unlink()
    again = tmp_path / "again"
    done = run_cli("links", "--state", str(state), "--out", str(again))
    assert done.returncode == 0, done.stderr
    for name in ("links.csv", "cohort.csv", "image_occurrence.csv"):
        assert rows(again / name) == rows(out / name), name
    refused = run_cli("links", "--state", str(tmp_path / "none.sqlite"), "--out", str(again))
    assert refused.returncode == 2 and "run `linkage run` first" in refused.stderr


def test_links_after_an_answer_gives_the_links_the_next_run_gives(dataset, tmp_path) -> None:
    """One owner of status: an answer «нет» about one of a study's automatic links to a
    person with several admissions is an answer about that person and that patient of
    the images, so it spreads to the study's other records of the person. `linkage
    links` right after the answer says what the next run says, not only the pair."""
    from collections import Counter

    from linkage.store import Decision, Store

    out, again = tmp_path / "out", tmp_path / "again"
    run = ("run", "--images", str(dataset.images), "--export", str(dataset.export),
           "--out", str(out))
    assert run_cli(*run).returncode == 0
    auto = [r for r in rows(out / "matches.csv") if r["status"] == "auto"]
    per_study = Counter(r["study_instance_uid"] for r in auto)
    study = min(uid for uid, n in per_study.items() if n >= 2)
    record = min(r["record_id"] for r in auto if r["study_instance_uid"] == study)
    with Store(out / "linkage_state.sqlite") as store:
        store.add_decisions([Decision(record, study, "no", source_file="a review sheet")])
    done = run_cli("links", "--out", str(again), "--state", str(out / "linkage_state.sqlite"))
    assert done.returncode == 0, done.stderr
    assert run_cli(*run).returncode == 0
    assert rows(again / "links.csv") == rows(out / "links.csv")
    assert rows(again / "cohort.csv") == rows(out / "cohort.csv")
    assert not [r for r in rows(again / "links.csv") if r["study_instance_uid"] == study]
