"""The synthetic «Снимки» is real, messy at stated rates, and its truth is consistent."""

import csv
import zipfile
from collections import Counter
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet

from linkage.link.evaluate import Truth
from linkage.records.read import read_export
from linkage.synth import generate
from linkage.synth.people import RATES as PEOPLE_RATES


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Enough persons for rates to show."""
    return generate(tmp_path_factory.mktemp("synth_big") / "data", persons=600, seed=5)


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", persons=15, seed=3)
    b = generate(tmp_path / "b", persons=15, seed=3)
    files_a = sorted(p.relative_to(a.images).as_posix() for p in a.images.rglob("*"))
    files_b = sorted(p.relative_to(b.images).as_posix() for p in b.images.rglob("*"))
    assert files_a == files_b
    assert a.export.read_bytes() == b.export.read_bytes()
    assert (a.truth / "studies.csv").read_text() == (b.truth / "studies.csv").read_text()


def test_dicom_files_read_back_with_pydicom(dataset) -> None:
    broken = (dataset.truth / "broken.txt").read_text(encoding="utf-8")
    files = [p for p in dataset.images.rglob("*") if p.is_file()
             and p.suffix.lower() not in (".zip", ".exe", ".dll", ".inf", ".chm", ".pdf",
                                          ".jpg", ".txt", ".db", ".dat")
             and p.name != "DICOMDIR" and p.relative_to(dataset.images).as_posix() != broken]
    for path in files:
        ds = pydicom.dcmread(path, force=path.read_bytes()[128:132] != b"DICM")
        assert ds.StudyInstanceUID and ds.SOPInstanceUID and ds.PatientName is not None
        assert (ds.Rows, ds.Columns, len(ds.PixelData)) == (4, 4, 32)   # tiny, real pixels
    assert len(files) > 100


def test_dicomdir_loads_and_points_at_files(dataset) -> None:
    dicomdirs = list(dataset.images.rglob("DICOMDIR"))
    assert dicomdirs
    for dicomdir in dicomdirs:
        ds = pydicom.dcmread(dicomdir)
        images = [r for r in ds.DirectoryRecordSequence if r.DirectoryRecordType == "IMAGE"]
        assert images
        existing = {p.relative_to(dicomdir.parent).as_posix().lower()
                    for p in dicomdir.parent.rglob("*") if p.is_file()}
        for record in images:
            # CD copies change the case of names, so the reference is matched without it.
            assert "/".join(record.ReferencedFileID).lower() in existing
    fileset = FileSet(pydicom.dcmread(next(d for d in dicomdirs
                                           if (d.parent / "PT000000").exists())))
    assert len(fileset) >= 1


def test_zips_open_with_cp866_names(dataset) -> None:
    archives = list(dataset.images.rglob("*.zip"))
    assert archives
    cyrillic: list[str] = []
    for archive in archives:
        with zipfile.ZipFile(archive, metadata_encoding="cp866") as zf:
            assert zf.testzip() is None
            names = zf.namelist()
            assert all(not (info.flag_bits & 0x800) for info in zf.infolist())
            cyrillic.extend(n for n in names if any("А" <= ch <= "я" for ch in n))
    assert cyrillic        # CP866 names read back as Cyrillic, not as cp437 garbage


def test_export_parses_and_truth_is_consistent(dataset) -> None:
    export = read_export(dataset.export)
    truth = Truth.read(dataset.truth)
    ids = {r["record_id"] for r in export.records}
    assert ids == set(truth.record_person)
    people = {row["person_id"] for row in csv.DictReader(
        (dataset.truth / "people.csv").open(encoding="utf-8"))}
    assert set(truth.record_person.values()) <= people
    assert set(truth.study_person.values()) <= people
    assert export.encoding == "cp1251" and export.delimiter == ";"


def test_people_categories_occur_at_stated_rates(big) -> None:
    tags = Counter()
    with (big.truth / "people.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        tags.update(filter(None, row["tags"].split(";")))
    n = len(rows)
    for tag in ("images_only", "record_only", "repeat_admissions"):
        assert tags[tag] / n == pytest.approx(PEOPLE_RATES[tag], abs=0.04), tag
    for tag in ("namesake", "same_birth_date", "maiden_name", "twins", "mother_son"):
        assert tags[tag] >= 2, tag


def test_study_categories_occur(big) -> None:
    cats = Counter()
    with (big.truth / "studies.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        cats.update(row["categories"].split(";"))
    n = len(rows)
    expected_rates = {"container:cd": 0.33, "container:radiant": 0.30, "container:zip_only": 0.10,
                      "latin": 0.48, "folder_only": 0.07, "in_house": 0.30,
                      "birth:missing": 0.07}
    for cat, rate in expected_rates.items():
        assert cats[cat] / n == pytest.approx(rate, abs=0.06), cat
    for cat in ("charset:iso_ir_144", "charset:iso_ir_192", "charset:cp1251_undeclared",
                "charset:koi8r_undeclared", "charset:utf8_undeclared", "form:initials",
                "form:swapped", "form:family_only", "birth:placeholder", "birth:swapped",
                "duplicate", "shared_folder", "no_preamble", "only_in_zip", "maiden_name",
                "folder:none", "date:unrelated", "scheme:ICAO_DOC_9303", "scheme:MVD_310",
                "scheme:BGN_PCGN", "scheme:informal"):
        assert cats[cat] > 0, cat
    # The folder names: about a third Cyrillic, two thirds transliterated (docs/architecture.md).
    cyrillic, latin = cats["folder:cyrillic"], cats["folder:latin"]
    assert cyrillic / (cyrillic + latin) == pytest.approx(1 / 3, abs=0.08)


def test_junk_and_viewer_files_are_there(dataset) -> None:
    names = {p.name for p in dataset.images.rglob("*")}
    assert {"Viewer.exe", "autorun.inf", "DICOMDIR"} <= names
    assert any(p.stat().st_size == 0 for p in dataset.images.rglob("*") if p.is_file()) or \
        names & {"Thumbs.db", "заключение.pdf", "снимок.jpg"}
