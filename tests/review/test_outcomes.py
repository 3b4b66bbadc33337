"""What the links are for: each linked study's place in its record's timeline (days,
phase), the part of the spine it shows, the cohort table and the study files."""

from __future__ import annotations

import csv

import pytest

from linkage.config import Windows, load_settings
from linkage.images.scan import scan
from linkage.link.evaluate import Truth
from linkage.reports.timeline import days_between, phase, region
from linkage.run.job import run_job
from linkage.store import Store

W = Windows(pre_operative_days=180, stay_days=21, early_post_operative_days=30)


@pytest.mark.parametrize(("study", "admission", "surgery", "expected"), [
    ("2024-01-01", "2024-03-01", "2024-03-03", "pre-operative"),     # 62 days before surgery
    ("2023-01-01", "2024-03-01", "2024-03-03", "earlier"),           # over 180 days before
    ("2024-03-02", "2024-03-01", "2024-03-03", "stay"),              # admitted, not operated
    ("2024-03-20", "2024-03-01", "2024-03-03", "early post-operative"),
    ("2025-03-01", "2024-03-01", "2024-03-03", "follow-up"),
    ("2024-02-20", "2024-03-01", "", "pre-operative"),               # no surgery date
    ("2024-03-10", "2024-03-01", "", "stay"),
    ("2024-06-01", "2024-03-01", "", "follow-up"),
    ("", "2024-03-01", "2024-03-03", ""),                            # no study date
])
def test_phase_of_a_study(study, admission, surgery, expected) -> None:
    assert phase(study, admission, surgery, W) == expected


def test_days_are_study_minus_anchor_negative_before() -> None:
    assert days_between("2024-03-01", "2024-03-03") == -2
    assert days_between("2024-03-05", "2024-03-03") == 2
    assert days_between("2024-03-05", "") is None


@pytest.mark.parametrize(("description", "body", "expected"), [
    ("МРТ ШОП", "", "cervical"), ("КТ ГОП", "", "thoracic"), ("МСКТ ПОП", "", "lumbar"),
    ("МРТ ПКОП", "", "lumbar"), ("МРТ пояснично-крестцового отдела", "", "lumbar"),
    ("КТ шейного отдела позвоночника", "", "cervical"), ("MRI C-spine", "", "cervical"),
    ("L-SPINE", "", "lumbar"), ("", "LSPINE", "lumbar"), ("", "CSPINE", "cervical"),
    ("", "TSPINE", "thoracic"), ("CT thoracic spine", "", "thoracic"),
    ("Рентгенография крестца и копчика", "", "sacral"), ("", "SSPINE", "sacral"),
    ("МРТ всего позвоночника", "", "whole spine"), ("Whole spine", "", "whole spine"),
    ("MRI brain", "HEAD", "other"), ("", "", "unknown"), ("МРТ", "", "unknown"),
])
def test_region_in_russian_and_english(description, body, expected) -> None:
    assert region(description, body) == expected


@pytest.fixture(scope="module")
def ran(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("outcomes") / "out"
    return run_job(dataset.images, dataset.export, out, load_settings(), progress=False)


def _read(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_links_carry_the_timeline_columns(ran) -> None:
    links = _read(ran.out / "links.csv")
    assert links
    assert {"days_from_admission", "days_from_surgery", "phase", "region", "modality",
            "folder", "images"} <= set(links[0])
    assert "locations" not in links[0]
    assert {r["phase"] for r in links} <= {"pre-operative", "stay", "early post-operative",
                                           "follow-up", "earlier", ""}
    assert any(r["phase"] for r in links) and any(r["region"] != "unknown" for r in links)


def test_every_image_appears_exactly_once_in_study_files(ran, dataset, tmp_path) -> None:
    files = _read(ran.out / "study_files.csv")
    locations = [r["location"] for r in files]
    assert len(locations) == len(set(locations))
    with Store(tmp_path / "own_scan.sqlite") as store:      # a scan of its own
        instances = scan(dataset.images, store, workers=1, progress=False).instances
    assert instances and set(locations) == {i.location for i in instances}


def test_cohort_has_one_row_per_record_and_counts_the_true_links(ran, dataset) -> None:
    from linkage.run.play import answer_sheet
    from tests.conftest import run_cli

    answer_sheet(ran.out / "review.xlsx", Truth.read(dataset.truth))   # the clinician
    assert run_cli("review", "import", str(ran.out / "review.xlsx")).returncode == 0
    assert run_cli("links", "--out", str(ran.out)).returncode == 0
    cohort = _read(ran.out / "cohort.csv")
    assert [r["record_id"] for r in cohort] == [r["record_id"] for r in ran.export.records]
    assert "Диагноз" in cohort[0] and "ФИО" not in cohort[0] and "Дата рождения" not in \
        cohort[0]
    truth = Truth.read(dataset.truth)
    scanned = {s.study_instance_uid for s in ran.studies}
    true_counts: dict[str, int] = {}
    for record, _study in truth.true_pairs(scanned):
        true_counts[record] = true_counts.get(record, 0) + 1
    exact = sum(int(r["linked_studies"]) == true_counts.get(r["record_id"], 0) for r in cohort)
    assert exact / len(cohort) >= 0.98
    image_occurrence = _read(ran.out / "image_occurrence.csv")
    assert len(image_occurrence) == sum(int(r["linked_studies"]) for r in cohort)
