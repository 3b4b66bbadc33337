"""revision.xlsx on a synthetic «Снимки»: every duplicate folder, zip kept beside its
unpacked copy and folder holding another patient that linkage.synth planted is found,
and the byte totals add up to the size of the tree. LibreOffice opens it."""

from __future__ import annotations

import csv
import shutil

import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.images.instance import Instance
from linkage.reports.revision import revise, unit
from linkage.run.inventory import scan_only
from tests.conftest import libreoffice_pdf


@pytest.fixture(scope="module")
def revised(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("revision") / "out"
    scanned, _ = scan_only(dataset.images, out, out / "s.sqlite", load_settings(),
                           progress=False)
    ws = load_workbook(out / "revision.xlsx")["Папки"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=2, values_only=True)}
    with (dataset.truth / "studies.csv").open(encoding="utf-8") as handle:
        truth = {r["study_instance_uid"]: set(r["categories"].split(";"))
                 for r in csv.DictReader(handle)}
    units: dict[str, set[str]] = {}
    for i in scanned.instances:
        units.setdefault(i.study_instance_uid, set()).add(unit(i.location))
    return out, rows, truth, units


def test_byte_totals_add_up_to_the_tree(revised, dataset) -> None:
    _, rows, _, _ = revised
    size = sum(p.stat().st_size for p in dataset.images.rglob("*") if p.is_file())
    assert sum(r["Байт"] for r in rows.values()) == size
    assert all(r["Байт копий (есть в другой папке)"] <= r["Байт"] for r in rows.values())


def test_every_planted_duplicate_folder_is_found(revised) -> None:
    _, rows, truth, units = revised
    planted = [uid for uid, cats in truth.items() if "duplicate" in cats]
    assert planted
    for uid in planted:
        copies = [rows[u] for u in units[uid] if rows[u]["Копии также в"]]
        assert len(copies) >= 2, uid          # the study and its copy both show it


@pytest.mark.parametrize(("planted_as", "column"), [
    ("container:cloud_with_zip", "Архивы, распакованные рядом"),      # zip kept beside
    ("shared_folder", "Не тот человек? (фамилии в снимках)"),           # another patient
])
def test_every_planted_zip_and_misfiled_folder_is_found(revised, planted_as, column) -> None:
    _, rows, truth, units = revised
    planted = [uid for uid, cats in truth.items() if planted_as in cats]
    assert planted
    for uid in planted:
        assert any(rows[u][column] for u in units[uid]), uid


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_revision_opens_in_libreoffice(revised, tmp_path) -> None:
    out, _, _, _ = revised
    assert libreoffice_pdf(out / "revision.xlsx", tmp_path).stat().st_size > 1000


@pytest.mark.parametrize(("relpath", "folder"), [
    ("Иванов 2019/CD/IM1", "Иванов 2019"),
    ("Амбулаторные снимки/Петров/IM1", "Амбулаторные снимки/Петров"),
    ("СТАЦИОНАРНЫЕ СНИМКИ/Сидоров/a.zip::x/IM1", "СТАЦИОНАРНЫЕ СНИМКИ/Сидоров"),
    ("Амбулаторные снимки/readme.txt", "Амбулаторные снимки"),   # a file of the old folder
    ("cloud.zip::Petrov/IM1", "(корень папки)"),                   # a zip at the top
    ("notes.txt", "(корень папки)"),
])
def test_each_path_is_revised_under_its_top_folder(relpath, folder) -> None:
    assert unit(relpath) == folder


def _image(location: str, sop: str, size: int = 100) -> Instance:
    return Instance(location=location, sop_instance_uid=sop, study_instance_uid="st",
                    patient_name="Ivanov^Ivan", file_size=size)


def test_copies_and_unpacked_zips_are_counted_per_folder() -> None:
    """One image held in two folders; a zip whose images are all unpacked elsewhere,
    and one with an image found nowhere else."""
    files = [("A/IM1", 100, "dicom"), ("B/IM1", 100, "dicom"), ("B/all.zip", 300, "zip"),
             ("C/part.zip", 500, "zip"), ("C/IM9", 100, "dicom"), ("C/setup.exe", 7, "non_dicom")]
    instances = [_image("A/IM1", "1"), _image("B/IM1", "1"), _image("B/all.zip::IM1", "1"),
                 _image("C/part.zip::IM1", "1"), _image("C/part.zip::IM2", "2"),
                 _image("C/IM9", "9")]
    rows = {r.folder: r for r in revise(files, instances)}
    assert (rows["A"].copy_bytes, rows["A"].copies_in, rows["A"].pure_copy) == (100, {"B", "C"},
                                                                                True)
    assert (rows["B"].images, rows["B"].copy_bytes) == (2, 100)    # the zip's own bytes apart
    assert (rows["B"].zips_unpacked, rows["B"].zip_bytes_unpacked) == (["all.zip"], 300)
    assert rows["C"].zips_unpacked == [] and rows["C"].own_images == 2
    assert (rows["C"].non_image_bytes, rows["C"].bytes) == (7, 607)
