"""revision.xlsx on a synthetic «Снимки»: every duplicate folder, zip kept beside its
unpacked copy and folder holding another patient that linkage.synth planted is found,
and the byte totals add up to the size of the tree. LibreOffice opens it."""

from __future__ import annotations

import csv
import shutil

import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.inventory import scan_only
from linkage.review.revision import unit
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
