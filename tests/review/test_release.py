"""A research release (`linkage links --pseudonymise KEY`): dates shifted per record,
free text and names dropped, a codebook that frictionless validates, and report.html
rendered by a real headless browser (docs/architecture.md, "A research release")."""

import csv
import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import frictionless
import pytest

from linkage.config import load_settings
from linkage.link.identity import records_frame
from linkage.link.persons import person_key
from linkage.records.read import read_export
from linkage.reports.release import Release, as_date
from linkage.run.job import run_job
from linkage.synth import generate
from tests.conftest import run_cli

KEY = b"a secret of the team, 32 bytes!!"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A registry-style export (doctor, scores, notes) linked with its images."""
    base = tmp_path_factory.mktemp("release")
    data = generate(base / "data", persons=70, seed=17, style="registry")
    out = base / "out"
    result = run_job(data.images, data.export, out, load_settings(), progress=False)
    key = base / "key.bin"
    key.write_bytes(KEY)
    return data, out, result, key


def _release(run, tmp_path: Path, *extra: str, key: Path | None = None) -> Path:
    _, out, _, default_key = run
    target = tmp_path / "release"
    done = run_cli("links", "--out", str(target), "--state", str(out / "linkage_state.sqlite"),
                   "--pseudonymise", str(key or default_key), *extra)
    assert done.returncode == 0, done.stderr
    return target


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(a) - date.fromisoformat(b)).days


def test_every_date_of_a_record_moves_by_its_own_offset(run, tmp_path) -> None:
    data, out, result, _ = run
    release = _release(run, tmp_path)
    plain = Release(KEY)
    records = {r["record_id"]: r for r in read_export(data.export).records}
    back = {plain.record(r): r for r in records}
    studies = {plain.study(s.study_instance_uid): s for s in result.studies}
    shifts: dict[str, set[int]] = {}
    for row in _rows(release / "cohort.csv"):
        record = records[back[row["record_id"]]]
        for column in ("admission_date", "surgery_date"):
            if record[column]:
                assert row[column] != record[column]
                shifts.setdefault(row["record_id"], set()).add(_days(row[column],
                                                                      record[column]))
    plain_links = {(plain.record(r["record_id"]), plain.study(r["study_instance_uid"])): r
                   for r in _rows(out / "links.csv")}
    released = _rows(release / "links.csv")
    assert len(released) == len(plain_links) > 20
    for row in released:
        real = plain_links[(row["record_id"], row["study_instance_uid"])]
        # intervals exact, the calendar date not
        assert row["days_from_surgery"] == real["days_from_surgery"]
        assert row["days_from_admission"] == real["days_from_admission"]
        if real["study_date"]:
            assert row["study_date"] != real["study_date"]
            assert row["study_date"] != as_date(studies[row["study_instance_uid"]].study_date)
            shifts.setdefault(row["record_id"], set()).add(_days(row["study_date"],
                                                                  real["study_date"]))
    for row in _rows(release / "image_occurrence.csv"):
        real = studies[row["image_study_uid"]]
        if real.study_date:
            shifts.setdefault(row["person_id"], set()).add(
                _days(row["image_occurrence_date"], as_date(real.study_date)))
    # one offset per record, in every file; never 0, within the range
    assert all(len(s) == 1 for s in shifts.values())
    offsets = {record: next(iter(s)) for record, s in shifts.items()}
    assert all(0 < abs(o) <= 180 for o in offsets.values())
    # the same for every record of one person (repeat admissions), another per person
    persons = person_key(records_frame(read_export(data.export).records))
    by_person: dict[str, set[int]] = {}
    for record, person in persons.items():
        if plain.record(record) in offsets:
            by_person.setdefault(person, set()).add(offsets[plain.record(record)])
    assert all(len(s) == 1 for s in by_person.values())
    assert sum(len([r for r in persons.index if persons[r] == p and plain.record(r)
                    in offsets]) > 1 for p in by_person) >= 3
    assert len({next(iter(s)) for s in by_person.values()}) > len(by_person) / 2


def test_no_raw_date_name_or_path_leaves(run, tmp_path) -> None:
    data, out, result, key = run
    release = _release(run, tmp_path)
    text = "\n".join(p.read_text(encoding="utf-8-sig") for p in release.iterdir()
                     if p.suffix in (".csv", ".txt", ".json"))
    export = read_export(data.export)
    cells = {cell.strip() for cell in re.split(r"[,\n]", text)}
    # no name, case number, birth date or ID of the export is a value of the release
    for record in export.records:
        for column in ("full_name", "case_number", "birth_date", "record_id"):
            value = str(record.get(column) or "")
            if value:
                assert value not in cells, value
        assert str(record.get("full_name") or "-") not in text
    assert not any(re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", line) for line in text.splitlines())
    for study in result.studies:                 # a folder is named after the patient
        for folder in (study.folder, study.name_folder):
            if folder:
                assert folder not in cells, folder
    assert not (release / "study_files.csv").exists()
    notes = (release / "release.txt").read_text(encoding="utf-8")
    assert KEY.decode() not in text and str(key) not in notes and "KEYFILE" in notes


def test_free_text_and_names_are_dropped_unless_kept(run, tmp_path) -> None:
    release = _release(run, tmp_path)
    headers = list(_rows(release / "cohort.csv")[0])
    assert {"ODI", "VAS", "Пол"} <= set(headers)            # numbers, coded values
    assert not {"Примечание", "Врач", "Отделение"} & set(headers)
    notes = (release / "release.txt").read_text(encoding="utf-8")
    assert re.search(r"Примечание: dropped", notes) and re.search(r"Врач: dropped", notes)
    config = tmp_path / "keep.toml"
    config.write_text('[release]\nkeep_columns = ["Отделение"]\n', encoding="utf-8")
    kept = _release(run, tmp_path / "kept", "--config", str(config))
    assert "Отделение" in _rows(kept / "cohort.csv")[0]
    assert "Отделение: kept: listed" in (kept / "release.txt").read_text(encoding="utf-8")


def test_the_key_is_needed_to_reproduce_it(run, tmp_path) -> None:
    first = _release(run, tmp_path / "a")
    again = _release(run, tmp_path / "b")
    other_key = tmp_path / "other.bin"
    other_key.write_bytes(b"another team's secret, 32 bytes!")
    other = _release(run, tmp_path / "c", key=other_key)
    for name in ("links.csv", "cohort.csv", "image_occurrence.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes()
        assert (first / name).read_bytes() != (other / name).read_bytes()
    # the report too, charts and all: no date, no random id in the drawing
    assert (first / "report.html").read_bytes() == (again / "report.html").read_bytes()
    dates = [r["study_date"] for r in _rows(first / "links.csv")]
    other_dates = [r["study_date"] for r in _rows(other / "links.csv")]
    assert sorted(dates) != sorted(other_dates)


def test_relative_dates_leave_no_calendar_date(run, tmp_path) -> None:
    release = _release(run, tmp_path, "--dates", "relative")
    for path in release.glob("*.csv"):
        assert not re.search(r"\d{4}-\d{2}-\d{2}", path.read_text(encoding="utf-8-sig")), path
    rows = _rows(release / "links.csv")
    assert all(r["study_date"] == r["days_from_surgery"] for r in rows
               if r["days_from_surgery"])
    assert frictionless.validate(str(release / "datapackage.json")).valid


def test_relative_dates_need_a_release(run, tmp_path) -> None:
    _, out, _, _ = run
    done = run_cli("links", "--out", str(tmp_path / "x"), "--state",
                   str(out / "linkage_state.sqlite"), "--dates", "relative")
    assert done.returncode == 2 and "--pseudonymise" in done.stderr


@pytest.mark.parametrize("which", ["run", "release"])
def test_the_codebook_validates_and_describes_every_column(run, tmp_path, which) -> None:
    folder = run[1] if which == "run" else _release(run, tmp_path)
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    # as the statistician runs it: `frictionless validate DIR/datapackage.json`
    done = subprocess.run([sys.executable, "-m", "frictionless", "validate",
                           str(folder / "datapackage.json")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        header = list(_rows(folder / resource["path"])[0])
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert all(f["title"] and f["description"] for f in fields)
    types = {f["name"]: f["type"] for r in package["resources"] for f in r["schema"]["fields"]}
    assert types["days_from_surgery"] == "integer" and types["study_date"] == "date"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    assert found, "Chromium is needed to open report.html (Debian: apt install chromium)"
    return found


CHECK = """<script>
window.addEventListener('load', () => {
  const out = [...document.querySelectorAll('section.chart')].map(section => {
    const svg = section.querySelector('svg');
    if (!svg) return 'none';
    const box = svg.getBoundingClientRect();
    const drawn = svg.querySelectorAll('path, use, text, rect, line').length;
    return `${Math.round(box.width)}x${Math.round(box.height)}:${drawn}`;
  });
  const pre = document.createElement('pre');
  pre.id = 'rendered';
  pre.textContent = out.join(';');
  document.body.appendChild(pre);
});
</script>"""


@pytest.mark.parametrize("which", ["run", "release"])
def test_report_renders_every_chart_in_a_real_browser(run, tmp_path, which) -> None:
    folder = run[1] if which == "run" else _release(run, tmp_path)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"https?:", page)      # nothing from the network
    assert "<script" not in page
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    rendered = re.search(r'<pre id="rendered">([^<]*)</pre>', dom)
    assert rendered, dom[-500:]
    charts = rendered.group(1).split(";")
    assert len(charts) == 5                   # coverage, modality, swimmers, folder, quality
    for chart in charts:
        size, drawn = chart.split(":")
        width, height = (int(v) for v in size.split("x"))
        assert width > 300 and height > 100 and int(drawn) > 20, chart
    if which == "release":
        assert "обезличенный выпуск" in page
