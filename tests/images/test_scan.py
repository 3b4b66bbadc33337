"""The scan finds every DICOM file by content, decodes names, collapses copies,
reports every bad file, and rescans an unchanged tree without parsing anything."""

import os
import shutil
import sys
import warnings
import zipfile
from pathlib import Path

import pydicom
import pytest
from pydicom.errors import InvalidDicomError

from linkage.images.parse_file import parse_batch, parse_file
from linkage.images.scan import BATCH, PARALLEL_FROM, ScanHooks, ScanResult, scan
from linkage.images.studies import group_studies, study_from_row, study_row
from linkage.images.summary import listing_digest
from linkage.images.walk import readable, walk, walk_parts, walk_top
from linkage.run.workers import in_order
from linkage.store import Store
from linkage.synth.dicom_writer import InstanceSpec, instance_bytes
from linkage.synth.tree import _cp866_info

PYDICOM_DATA = Path(pydicom.__file__).parent / "data"
KNOWN_NOT_DICOM = {"README.txt", "FileInfo.txt", "test1.json", "test_PN.json", "rtplan.dump",
                   "rtstruct.dump", "crayons.icc", "zipMR.gz", "README"}


def spec(name: bytes = b"IVANOV^IVAN", charset: str = "", study: str = "1.2.3.4",
         sop: str = "1.2.3.4.1.1", **kw) -> InstanceSpec:
    values = dict(patient_name=name, charset=charset, patient_id="12345",
                  birth_date="19650312", sex="M", study_uid=study, series_uid=study + ".1",
                  sop_uid=sop, study_date="20200101", modality="MR",
                  study_description="МРТ ПОП", series_description="T2 SAG 1",
                  body_part="LSPINE", institution="НИИ СП")
    values.update(kw)
    return InstanceSpec(**values)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "state.sqlite") as s:
        yield s


@pytest.fixture(scope="module")
def pydicom_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pydicom_data")
    for folder in ("test_files", "charset_files"):
        shutil.copytree(PYDICOM_DATA / folder, root / folder)
    return root


def _pydicom_says_dicom(path: Path) -> bool:
    """pydicom without force: the oracle for "this is a DICOM file"."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # pydicom's own notes on odd test files
            pydicom.dcmread(path, stop_before_pixels=True)
        return True
    except (InvalidDicomError, Exception):  # noqa: BLE001
        return False


def _pydicom_forced_finds_uids(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        return any(k in ds for k in ("SOPInstanceUID", "StudyInstanceUID", "SOPClassUID",
                                      "PatientName"))
    except Exception:  # noqa: BLE001
        return False


def _is_dicomdir(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    meta = getattr(ds, "file_meta", None)
    return meta is not None and \
        meta.get("MediaStorageSOPClassUID", "") == "1.2.840.10008.1.3.10"


def test_pydicom_test_files_scan_without_exception(pydicom_tree: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        result = scan(pydicom_tree, store, workers=1, progress=False)
    files = {p.relative_to(pydicom_tree).as_posix() for p in pydicom_tree.rglob("*")
             if p.is_file()}
    assert result.counts["files"] == len(files)
    recognised = result.counts["dicom"] + result.counts["dicomdir"] + \
        result.counts["dicom_no_uid"]
    # Every file pydicom reads without force= is recognised by content...
    oracle = {f for f in files if _pydicom_says_dicom(pydicom_tree / f)}
    with Store(tmp_path / "s.sqlite") as store:
        kinds = store.cached_files(str(pydicom_tree.resolve()))
    missed = {f for f in oracle if kinds[f].kind not in ("dicom", "dicomdir", "dicom_no_uid")}
    assert not missed
    # ... and the files we know are not DICOM are not.
    not_dicom = {f for f in files if Path(f).name in KNOWN_NOT_DICOM}
    assert len(not_dicom) >= 8
    assert all(kinds[f].kind == "non_dicom" for f in not_dicom)
    # Beyond pydicom's own verdict, we recognise only files that pydicom, forced, reads
    # as a dataset with DICOM identifiers (headers without the "DICM" preamble): the
    # oracle decides, not a count pinned to one pydicom release.
    found = {f for f, c in kinds.items() if c.kind in ("dicom", "dicomdir", "dicom_no_uid")}
    assert len(found) == recognised
    assert all(_pydicom_forced_finds_uids(pydicom_tree / f) for f in found - oracle)
    dicomdirs = {f for f, c in kinds.items() if c.kind == "dicomdir"}
    assert dicomdirs == {f for f in oracle if _is_dicomdir(pydicom_tree / f)}


def test_chr_russ_decodes_to_cyrillic(pydicom_tree: Path, store: Store) -> None:
    result = scan(pydicom_tree, store, workers=1, progress=False)
    russ = next(i for i in result.instances if i.location.endswith("chrRuss.dcm"))
    assert russ.patient_name == "Люкceмбypг"
    assert russ.name_decoding == "iso8859_5"


def test_truncated_pydicom_file_is_reported(pydicom_tree: Path, store: Store) -> None:
    result = scan(pydicom_tree, store, workers=1, progress=False)
    problems = {p.location: p for p in result.problems}
    assert problems["test_files/MR_truncated.dcm"].kind == "truncated"


@pytest.mark.parametrize("declared", ["", "ISO_IR 100", "ISO_IR 144", "ISO_IR 192"])
@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "cp866", "utf_8"])
def test_written_names_decode_in_every_encoding(tmp_path: Path, encoding: str,
                                                declared: str) -> None:
    name = "Щукина^Юлия^Ерофеевна"
    (tmp_path / "a.dcm").write_bytes(instance_bytes(spec(name.encode(encoding), declared)))
    result = parse_file(str(tmp_path), "a.dcm", (tmp_path / "a.dcm").stat().st_size, 0)
    assert result.kind == "dicom"
    assert result.instances[0].patient_name == name
    assert result.instances[0].study_description == "МРТ ПОП"


def test_file_kinds(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "Снимки"
    (root / "Иванов").mkdir(parents=True)
    (root / "Иванов" / "IM000001").write_bytes(instance_bytes(spec(preamble=False)))
    (root / "Иванов" / "implicit").write_bytes(
        instance_bytes(spec(sop="1.2.3.4.1.2", preamble=False, implicit=True)))
    full = instance_bytes(spec(sop="1.2.3.4.1.3"))
    (root / "Иванов" / "cut.dcm").write_bytes(full[:200])
    (root / "Иванов" / "empty.dcm").write_bytes(b"")
    (root / "Иванов" / "viewer.dcm").write_bytes(b"MZ\x90\x00" + bytes(300))   # an exe, renamed
    (root / "Иванов" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    (root / "Иванов" / "IMG.JPG").write_bytes(instance_bytes(spec(sop="1.2.3.4.1.4")))
    result = scan(root, store, workers=1, progress=False)
    with_kind = {loc: k.kind for loc, k in store.cached_files(str(root.resolve())).items()}
    assert with_kind["Иванов/IM000001"] == "dicom"            # no preamble
    assert with_kind["Иванов/implicit"] == "dicom"            # no preamble, implicit VR
    assert with_kind["Иванов/cut.dcm"] == "broken"
    assert with_kind["Иванов/empty.dcm"] == "empty"
    assert with_kind["Иванов/viewer.dcm"] == "non_dicom"
    assert with_kind["Иванов/Thumbs.db"] == "non_dicom"
    assert with_kind["Иванов/IMG.JPG"] == "dicom"             # sniffed, whatever its name
    reasons = {p.location: p.reason for p in result.problems}
    assert "truncated" in reasons["Иванов/cut.dcm"]
    assert reasons["Иванов/empty.dcm"] == "zero-byte file"


def test_zip_with_cp866_names_is_read_in_place(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "Снимки"
    root.mkdir()
    with zipfile.ZipFile(root / "Петров.zip", "w") as zf:
        zf.writestr(_cp866_info("Петров МРТ/Серия 1/00001"),
                    instance_bytes(spec(name="Петров^Пётр".encode("cp1251"))))
        zf.writestr(_cp866_info("Петров МРТ/заключение.txt"), "текст".encode("cp1251"))
    assert zipfile.ZipFile(root / "Петров.zip").infolist()[0].flag_bits & 0x800 == 0
    result = scan(root, store, workers=1, progress=False)
    assert [i.location for i in result.instances] == ["Петров.zip::Петров МРТ/Серия 1/00001"]
    assert result.instances[0].patient_name == "Петров^Пётр"
    assert result.counts["in_zip"] == 1
    assert sorted(os.listdir(root)) == ["Петров.zip"]          # nothing extracted


def test_same_study_in_two_folders_is_one_study(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "Снимки"
    for folder in ("Ivanov MRT", "Иванов (копия)"):
        (root / folder).mkdir(parents=True)
        for k in (1, 2):
            (root / folder / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    studies = group_studies(scan(root, store, workers=1, progress=False).instances)
    assert len(studies) == 1
    study = studies[0]
    assert (study.instances, study.copies) == (2, 4)
    assert {loc.split("/")[0] for loc in study.locations} == {"Ivanov MRT", "Иванов (копия)"}
    assert study.name_folder in ("Ivanov MRT", "Иванов (копия)")

    # kept in the stored result as plain data, and read back the same (images.summary)
    again = study_from_row(study_row(study))
    assert again == study and again.folder_name == study.folder_name
    assert study.folder_name is not None and study.folder_name.surname in ("Ivanov", "Иванов")

def test_rescan_parses_nothing_and_follows_changes(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "Снимки"
    root.mkdir()
    for k in range(5):
        (root / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    assert scan(root, store, workers=1, progress=False).parsed == 5
    again = scan(root, store, workers=1, progress=False)
    assert again.parsed == 0
    assert again.counts["instances"] == 5
    (root / "0.dcm").unlink()
    (root / "1.dcm").write_bytes(instance_bytes(spec(name=b"PETROV^P", sop="1.2.3.4.1.1")))
    os.utime(root / "1.dcm", ns=(1, 1))
    changed = scan(root, store, workers=1, progress=False)
    assert changed.parsed == 1
    assert changed.counts["instances"] == 4
    assert any(i.patient_name == "PETROV^P" for i in changed.instances)


def test_parallel_scan_with_spawn_gives_the_same_result(tmp_path: Path) -> None:
    root = tmp_path / "Снимки"
    root.mkdir()
    for k in range(450):
        (root / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    with Store(tmp_path / "a.sqlite") as a, Store(tmp_path / "b.sqlite") as b:
        serial = scan(root, a, workers=1, progress=False)
        parallel = scan(root, b, workers=2, progress=False, parallel=in_order)
    assert sorted(i.sop_instance_uid for i in serial.instances) == \
        sorted(i.sop_instance_uid for i in parallel.instances)
    assert len(parallel.instances) == 450


class _Stop(Exception):
    pass


def test_a_hook_raising_after_a_batch_stops_the_scan_keeping_what_was_saved(
        tmp_path: Path) -> None:
    """The job reads the export meanwhile: a refused export stops the scan at the next
    batch instead of at its end, and the next scan resumes from what was saved."""
    root = tmp_path / "Снимки"
    root.mkdir()
    for k in range(3 * BATCH):
        (root / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    batches = []

    def after_batch() -> None:
        batches.append(1)
        raise _Stop

    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(_Stop):
            scan(root, store, workers=1, progress=False,
                 hooks=ScanHooks(after_batch=after_batch))
        assert batches == [1]
        resumed = scan(root, store, workers=1, progress=False)
    assert resumed.counts["instances"] == 3 * BATCH
    assert resumed.parsed < 3 * BATCH


@pytest.mark.parametrize("workers", [1, 2])
def test_files_saved_is_called_once_every_file_is_in_the_state_file(
        tmp_path: Path, workers: int) -> None:
    """revision.xlsx starts from there, read from the state file by another process."""
    root = tmp_path / "Снимки"
    (root / "a").mkdir(parents=True)
    n = PARALLEL_FROM + 10
    for k in range(n):
        (root / "a" / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    (root / "a" / "notes.txt").write_text("not an image")
    seen = []

    def files_saved(result: ScanResult) -> None:
        with Store.reader(tmp_path / "s.sqlite") as reader:
            seen.append((result.root, result.counts["files"], len(result.instances),
                         len(reader.file_listing(result.root)), len(result.studies)))

    with Store(tmp_path / "s.sqlite") as store:
        result = scan(root, store, workers=workers, progress=False,
                      hooks=ScanHooks(files_saved=files_saved), parallel=in_order)
        assert seen == [(result.root, n + 1, n, n + 1, 0)]    # studies: grouped after
        assert len(result.studies) == 1
        scan(root, store, workers=workers, progress=False,
             hooks=ScanHooks(files_saved=files_saved), parallel=in_order)
    assert len(seen) == 1       # an unchanged tree: the stored result, nothing to start


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_loop_is_not_followed_forever(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "Снимки"
    (root / "a").mkdir(parents=True)
    (root / "a" / "1.dcm").write_bytes(instance_bytes(spec()))
    os.symlink(root, root / "a" / "loop")
    result = scan(root, store, workers=1, progress=False)
    assert result.counts["instances"] == 1
    assert any("loop" in p.reason for p in result.problems)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_the_top_folders_walked_apart_give_the_walk(tmp_path: Path) -> None:
    """The root's files, then each of its folders whole: walked by other processes, in
    runs, the listing and its problems are the single walk's."""
    from linkage.synth import generate

    root = generate(tmp_path / "synth", persons=12, seed=3).images
    (root / "loose.dcm").write_bytes(instance_bytes(spec()))
    first_folder = sorted(p for p in root.iterdir() if p.is_dir())[0]
    os.symlink(root, first_folder / "loop")
    problems: list = []
    whole = list(walk(str(root), problems))
    top_problems: list = []
    listing, parts = walk_top(str(root), top_problems)
    apart_problems = list(top_problems)
    for entries, found in in_order(walk_parts, [(parts[:3],), (parts[3:],)], 2):
        listing.extend(entries)
        apart_problems.extend(found)
    assert len(parts) > 3 and listing == whole and apart_problems == problems
    assert any("loop" in p.reason for p in problems)


def test_a_large_trees_rescan_walked_by_the_workers_finds_it_unchanged(
        tmp_path: Path, monkeypatch) -> None:
    from linkage.images import scan as scanning
    from linkage.synth import generate

    root = generate(tmp_path / "synth", persons=12, seed=4).images
    with Store(tmp_path / "s.sqlite") as store:
        first = scan(root, store, workers=1, progress=False)
        monkeypatch.setattr(scanning, "PARALLEL_WALK_FROM", 1)     # every tree is large
        again = scan(root, store, workers=2, progress=False, parallel=in_order)
        (root / "new.txt").write_text("a note")
        changed = scan(root, store, workers=2, progress=False, parallel=in_order)
    assert again.unchanged and again.digest == first.digest
    assert sorted(again.instances, key=lambda i: i.location) == \
        sorted(first.instances, key=lambda i: i.location)
    assert not changed.unchanged and changed.counts["files"] == first.counts["files"] + 1


def test_missing_folder_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    with pytest.raises(FileNotFoundError, match="images folder not found"):
        scan(tmp_path / "nope", store)


def test_rescan_gives_what_the_first_scan_gave(tmp_path: Path) -> None:
    """The first scan builds its result from what it read, a rescan from the cache,
    and a scan interrupted half-way resumes: all three must agree on everything."""
    from linkage.synth import generate

    root = generate(tmp_path / "synth", persons=20, seed=5).images

    def summary(result) -> tuple:
        return (sorted(i.as_row() for i in result.instances), result.problems,
                dict(result.counts))

    with Store(tmp_path / "a.sqlite") as store:
        first = scan(root, store, workers=1, progress=False)
        # Sizes and times the workers took from open files match the walk's: the
        # stored result of this very listing is found.
        listing = list(walk(str(root.resolve()), []))
        assert store.scan_summary(str(root.resolve()), listing_digest(listing)) is not None
        again = scan(root, store, workers=1, progress=False)
        studies_only = scan(root, store, workers=1, progress=False, instances=False)
    assert again.parsed == 0 and first.parsed == first.counts["files"]
    assert summary(again) == summary(first)
    # asked for the studies only, an unchanged tree gives them and the counts, no instance
    assert studies_only.unchanged and studies_only.instances == []
    assert studies_only.studies == first.studies
    assert studies_only.counts == first.counts and studies_only.problems == first.problems
    assert {"zip", "dicomdir", "non_dicom", "empty"} <= set(first.counts)
    assert any(p.kind in ("broken", "truncated") for p in first.problems)   # the cut file
    with Store(tmp_path / "b.sqlite") as store:
        rows = _rows_of_every_file(root)
        store.save_files(str(root.resolve()), rows[: len(rows) // 2])   # as if stopped
        resumed = scan(root, store, workers=1, progress=False)
    assert resumed.parsed == len(rows) - len(rows) // 2
    assert summary(resumed) == summary(first)


def _rows_of_every_file(root: Path) -> list:
    entries = list(walk(str(root.resolve()), []))
    return parse_batch(str(root.resolve()), entries)[0]


def test_a_damaged_stored_result_only_makes_the_rescan_slower(tmp_path: Path,
                                                               store: Store) -> None:
    root = tmp_path / "Снимки"
    root.mkdir()
    for k in range(3):
        (root / f"{k}.dcm").write_bytes(instance_bytes(spec(sop=f"1.2.3.4.1.{k}")))
    first = scan(root, store, workers=1, progress=False)
    store.db.execute("UPDATE scans SET result = substr(result, 1, length(result) / 2)")
    again = scan(root, store, workers=1, progress=False)
    assert again.parsed == 0
    assert sorted(i.as_row() for i in again.instances) == \
        sorted(i.as_row() for i in first.instances)


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin",
                    reason="only Linux keeps file names that are not valid UTF-8")
def test_folder_named_in_windows_1251_bytes(tmp_path: Path) -> None:
    """A CD copied from Windows onto a Linux disk: the folder name is Windows-1251
    bytes. It is scanned, cached, reported and shown as Cyrillic, never a crash."""
    root = tmp_path / "Снимки"
    folder = os.fsencode(root) + b"/" + "Иванов МРТ".encode("cp1251")
    os.makedirs(folder)
    with open(folder + b"/1.dcm", "wb") as handle:
        handle.write(instance_bytes(spec()))
    open(folder + b"/empty.dcm", "wb").close()
    with Store(tmp_path / "s.sqlite") as store:
        first = scan(root, store, workers=1, progress=False)
        again = scan(root, store, workers=1, progress=False)
        store.db.execute("DELETE FROM scans")               # the slow way back, too
        from_cache = scan(root, store, workers=1, progress=False)
    assert [i.location for i in first.instances] == ["Иванов МРТ/1.dcm"]
    assert [p.location for p in first.problems] == ["Иванов МРТ/empty.dcm"]
    assert again.parsed == from_cache.parsed == 0
    for result in (again, from_cache):
        assert [i.location for i in result.instances] == ["Иванов МРТ/1.dcm"]
        assert [p.location for p in result.problems] == ["Иванов МРТ/empty.dcm"]
    assert group_studies(first.instances)[0].folder == "Иванов МРТ"


def test_readable_shows_names_that_are_not_valid_unicode() -> None:
    assert readable("Иванов/1.dcm") == "Иванов/1.dcm"
    linux = "Иванов".encode("cp1251").decode("utf-8", "surrogateescape") + "/1.dcm"
    assert readable(linux) == "Иванов/1.dcm"
    assert readable("x\ud800y") == "x\\ud800y"      # Windows: a lone UTF-16 surrogate


@pytest.mark.parametrize(("total", "workers"), [(None, 2), (400, 2), (5000, 2), (100_000, 4)])
def test_pool_batches_leave_no_worker_without_work(total, workers) -> None:
    """Large batches for a long scan (few round trips through this process), but a
    rescan of a few hundred changed files still gives each worker a batch."""
    from linkage.images.scan import POOL_BATCH, _pool_batch

    size = _pool_batch(total, workers)
    assert BATCH <= size <= POOL_BATCH
    if total is not None and total >= workers * BATCH:
        assert -(-total // size) >= workers
