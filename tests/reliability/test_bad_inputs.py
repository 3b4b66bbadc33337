"""Bad exports, bad images, bad paths: each one is either read with the problem listed,
or refused with one line; never a traceback, never a half-written output."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from linkage.records.read import read_export
from linkage.store import Decision, Store
from linkage.synth.dicom_writer import InstanceSpec, instance_bytes
from tests.conftest import run_cli, tree_digest
from tests.reliability.conftest import PEOPLE, one_line_error, run_args, state_dump, write_export


def test_an_unbalanced_quote_does_not_swallow_the_rows_after_it(tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\r\n".join([
        "ID;ФИО;Дата рождения;Пол",
        "1;Иванов Иван Иванович;01.01.1960;муж",
        '2;"Петров Пётр Петрович;02.02.1970;муж',
        "3;Сидоров Сергей Сергеевич;03.03.1980;муж",
        '4;"Смирнова Анна\r\nСергеевна";04.04.1990;жен',       # a real quoted line break
        "5;Кузнецов Олег Ильич;05.05.1965;муж",
        "6;Попова Ольга Игоревна;06.06.1975;жен", ""]).encode("cp1251"))
    export = read_export(path)
    by_id = {r["record_id"]: r for r in export.records}
    assert sorted(by_id) == ["1", "2", "3", "4", "5", "6"]
    assert by_id["2"]["surname"] == "Петров" and by_id["2"]["birth_date"] == "1970-02-02"
    assert by_id["3"]["birth_date"] == "1980-03-03"
    assert by_id["4"]["patronymic"] == "Сергеевна"
    quote_problems = [p for p in export.problems if "quote" in p.problem]
    assert [p.row for p in quote_problems] == [3]         # the spreadsheet's row of record 2


def test_half_of_a_large_export_malformed_keeps_every_good_row(tmp_path) -> None:
    lines = ["ID;ФИО;Дата рождения;Пол"]
    for i in range(1, 2001):
        quote = '"' if i % 2 else ""
        lines.append(f"{i};{quote}Фамилия{i} Имя Отчество;01.01.1960;муж")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    export = read_export(path)
    assert len(export.records) == 2000
    assert sum("quote" in p.problem for p in export.problems) == 1000


def test_a_cell_over_the_csv_size_limit_is_a_problem_not_a_crash(tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("ID;ФИО;Примечание\n1;Иванов Иван;\"" + "x" * 200_000 + "\"\n"
                    "2;Петров Пётр;ок\n", encoding="utf-8")
    export = read_export(path)
    assert [r["record_id"] for r in export.records] == ["1", "2"]
    assert any(p.row == 2 and "cannot be read as CSV" in p.problem for p in export.problems)


def test_control_characters_in_export_and_dicom_do_not_block_the_run(mini) -> None:
    write_export(mini["export"], [(*PEOPLE[0][:1], "Иванов\x02 Иван Иванович", *PEOPLE[0][2:]),
                                  *PEOPLE[1:]])
    odd = mini["images"] / "Odd"
    odd.mkdir()
    (odd / "1.dcm").write_bytes(instance_bytes(InstanceSpec(
        patient_name=b"ODD\x01^NAME", charset="", patient_id="9", birth_date="19500101",
        sex="M", study_uid="1.2.826.0.9", series_uid="1.2.826.0.9.1", sop_uid="1.2.826.0.9.1.1",
        study_date="20240101", modality="CT", study_description="CT", series_description="S",
        body_part="", institution="")))
    result = run_cli(*run_args(mini))
    assert result.returncode == 0, result.stderr
    wb = load_workbook(mini["out"] / "review.xlsx")          # the sheet was written
    values = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "ODD\\x01^NAME" in values
    with (mini["out"] / "export_problems.csv").open(encoding="utf-8-sig") as handle:
        problems = list(csv.DictReader(handle))
    assert any(p["row"] == "2" and p["problem"] == "control character removed" and
               "\\x02" in p["value"] for p in problems)


def test_an_empty_images_folder_is_refused_and_the_cache_kept(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    with Store(mini["state"]) as store:
        store.add_decisions([Decision("1", "1.2.826.0.1.1", "yes", source_file="t")])
    dump = state_dump(mini["state"])
    shutil.rmtree(mini["images"])
    mini["images"].mkdir()                                # an unmounted share looks like this
    error = one_line_error(run_cli(*run_args(mini)))
    assert "held 24 files last time and now 0; is the disk connected?" in error
    assert state_dump(mini["state"]) == dump

    allowed = run_cli(*run_args(mini, "--allow-shrink"))  # zero pairs is a normal case
    assert allowed.returncode == 0, allowed.stderr
    with Store(mini["state"]) as store:
        assert store.current_decisions()[("1", "1.2.826.0.1.1")].decision == "yes"


def test_a_header_only_export_is_refused_unless_allowed(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    matches = (mini["out"] / "matches.csv").read_bytes()
    write_export(mini["export"], [])                    # saved with its header only
    error = one_line_error(run_cli(*run_args(mini)))
    assert "0 records in the export" in error and "(the last run had 4)" in error
    assert "--allow-shrink" in error
    assert (mini["out"] / "matches.csv").read_bytes() == matches   # nothing emptied
    result = run_cli(*run_args(mini, "--allow-shrink"))
    assert result.returncode == 0, result.stderr
    assert "records: 0" in result.stdout


def test_a_state_pointed_at_an_empty_folder_elsewhere_is_refused(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    matches = (mini["out"] / "matches.csv").read_bytes()
    elsewhere = mini["tmp"] / "E_drive"          # the disk mounted at another letter
    elsewhere.mkdir()
    args = run_args(mini)
    args[args.index("--images") + 1] = str(elsewhere)
    before = {p.name: p.read_bytes() for p in mini["out"].iterdir()
              if p.is_file() and not p.name.startswith(("linkage_state", "."))}
    error = one_line_error(run_cli(*args))
    assert "0 studies in the images folder" in error and "(the last run had 4)" in error
    assert (mini["out"] / "matches.csv").read_bytes() == matches
    after = {p.name: p.read_bytes() for p in mini["out"].iterdir()
             if p.is_file() and not p.name.startswith(("linkage_state", "."))}
    assert after == before              # studies.csv and revision.xlsx too


def test_a_review_file_that_is_not_a_workbook_is_one_line(mini) -> None:
    mini["out"].mkdir()
    state_run = run_cli(*run_args(mini))
    assert state_run.returncode == 0
    for name, content in (("empty.xlsx", b""), ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600),
                          ("cut.xlsx", (mini["out"] / "review.xlsx").read_bytes()[:3000])):
        path = mini["out"] / name
        path.write_bytes(content)
        error = one_line_error(run_cli("review", "import", str(path)))
        assert "cannot open as .xlsx" in error


@pytest.mark.parametrize("kind", ["foreign", "newer", "random", "folder"])
def test_a_state_file_that_cannot_be_used_is_one_line_and_untouched(mini, kind) -> None:
    state = mini["tmp"] / "state.sqlite"
    if kind == "foreign":
        import sqlite3
        db = sqlite3.connect(state)
        db.execute("CREATE TABLE patients (id INTEGER, name TEXT)")
        db.commit()
        db.close()
    elif kind == "newer":
        assert run_cli(*run_args(mini, "--state", str(state))).returncode == 0
        import sqlite3
        db = sqlite3.connect(state)
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.commit()
        db.close()
    elif kind == "random":
        state.write_bytes(os.urandom(4096))
    else:
        state.mkdir()
    before = state_dump(state) if kind in ("foreign", "newer") else \
        (state.read_bytes() if state.is_file() else None)
    error = one_line_error(run_cli(*run_args(mini, "--state", str(state))))
    assert {"foreign": "another program", "newer": "newer version", "random": "damaged",
            "folder": "is a folder"}[kind] in error
    after = state_dump(state) if kind in ("foreign", "newer") else \
        (state.read_bytes() if state.is_file() else None)
    assert after == before


def test_a_second_run_on_the_same_output_is_refused_while_the_first_lives(mini) -> None:
    mini["out"].mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket
        (mini["out"] / ".linkage.run.lock").write_text(
            f"{holder.pid}\t{socket.gethostname()}\t2026-11-30T10:00:00", encoding="utf-8")
        error = one_line_error(run_cli(*run_args(mini)))
        assert f"another linkage (PID {holder.pid}" in error
        assert not (mini["out"] / "matches.csv").exists()
    finally:
        holder.kill()
        holder.wait()
    result = run_cli(*run_args(mini))              # the holder is gone: a stale lock
    assert result.returncode == 0, result.stderr
    assert not (mini["out"] / ".linkage.run.lock").exists()


def test_leftovers_of_a_killed_run_are_removed_and_outputs_readable_by_the_team(mini) -> None:
    mini["out"].mkdir()
    (mini["out"] / ".review.xlsx.k1ll3d").write_bytes(b"half a workbook")
    (mini["out"] / ".links.csv.k1ll3d").write_bytes(b"half")
    (mini["out"] / ".staged.k1ll3d").mkdir()            # research tables not yet moved
    (mini["out"] / ".staged.k1ll3d" / "links.csv").write_bytes(b"half")
    (mini["out"] / "notes.txt").write_text("mine", encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert run_cli(*run_args(mini)).returncode == 0
    finally:
        os.umask(old)
    names = {p.name for p in mini["out"].iterdir()}
    assert ".review.xlsx.k1ll3d" not in names and ".links.csv.k1ll3d" not in names
    assert ".staged.k1ll3d" not in names
    assert "notes.txt" in names
    if os.name == "posix":
        assert (mini["out"] / "review.xlsx").stat().st_mode & 0o777 == 0o644
        assert (mini["out"] / "matches.csv").stat().st_mode & 0o777 == 0o644


def test_printing_a_path_outside_the_console_code_page_does_not_fail(mini) -> None:
    images = mini["tmp"] / "Снимки ✓ ǅ"
    shutil.copytree(mini["images"], images)
    before = tree_digest(images)
    env = {**os.environ, "PYTHONIOENCODING": "cp866"}
    result = subprocess.run([sys.executable, "-m", "linkage", "scan", "--images", str(images),
                             "--out", str(mini["tmp"] / "вывод ✓")], capture_output=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr.decode("cp866", "replace")
    assert "вывод \\u2713".encode("cp866") in result.stdout   # shown escaped, not a crash
    assert tree_digest(images) == before


def test_a_zip_inside_a_zip_is_reported(mini) -> None:
    import io
    import zipfile

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("IM1.dcm", (mini["images"] / next(iter(sorted(
            p.name for p in mini["images"].iterdir()))) / "IM0.dcm").read_bytes())
    with zipfile.ZipFile(mini["images"] / "cloud.zip", "w") as z:
        z.writestr("inner/series.zip", inner.getvalue())
    assert run_cli(*run_args(mini)).returncode == 0
    with (mini["out"] / "scan_problems.csv").open(encoding="utf-8-sig") as handle:
        problems = list(csv.DictReader(handle))
    assert any(p["location"] == "cloud.zip::inner/series.zip" and "zip inside" in p["reason"]
               for p in problems)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_huge_file_for_the_fallback_reader_is_read_in_bounded_memory(tmp_path) -> None:
    import io

    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian

    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.4", "1.2.3.4"
    ds.PatientName, ds.StudyInstanceUID = "BIG^ENDIAN", "1.2.3"
    ds.add_new(0x00291010, "OB", b"\0" * (120 * 1024 * 1024))   # 120 MB before the pixels
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    images = tmp_path / "Снимки"
    images.mkdir()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    (images / "big.dcm").write_bytes(buffer.getvalue())
    del buffer, ds
    # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
    code = ("import re\nfrom linkage.images.parse_file import parse_file\n"
            f"r = parse_file({str(images)!r}, 'big.dcm')\n"
            "print(r.kind, [i.patient_name for i in r.instances])\n"
            "status = open('/proc/self/status').read()\n"
            "print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) // 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    kind_line, peak_mb = done.stdout.splitlines()
    assert kind_line.startswith(("dicom", "broken")), done.stderr
    assert int(peak_mb) < 110, f"peak {peak_mb} MB for a 120 MB file"


def test_output_piped_into_head_ends_quietly(dataset) -> None:
    done = subprocess.run(
        f'"{sys.executable}" -m linkage records check "{dataset.export}" --show 1000 | head -1',
        shell=True, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.stdout.startswith("encoding:")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_an_output_folder_name_too_long_is_one_line(mini) -> None:
    error = one_line_error(run_cli("run", "--images", str(mini["images"]), "--export",
                                   str(mini["export"]), "--out", str(mini["tmp"] / ("x" * 300))))
    assert "too long" in error.lower()


def test_a_state_file_locked_by_another_program_is_one_line(mini) -> None:
    import sqlite3

    assert run_cli(*run_args(mini)).returncode == 0
    holder = sqlite3.connect(mini["state"], isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        error = one_line_error(run_cli(*run_args(mini)))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "in use by another program" in error


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_while_writing_outputs_is_one_line_and_keeps_the_old_outputs(mini) -> None:
    import resource

    assert run_cli(*run_args(mini)).returncode == 0
    before = (mini["out"] / "review.xlsx").read_bytes()

    def small_files() -> None:       # every file this run writes may hold 8 KB at most
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    done = subprocess.run([sys.executable, "-m", "linkage", *run_args(mini)],
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          preexec_fn=small_files)
    one_line_error(done)
    assert (mini["out"] / "review.xlsx").read_bytes() == before
    assert not [p for p in mini["out"].iterdir() if p.name.startswith(".review.xlsx.")]


@pytest.mark.skipif(sys.platform != "linux", reason="a Linux file system keeps any bytes")
def test_folder_and_file_names_that_are_not_utf8_work_end_to_end(mini) -> None:
    """Names written by old Windows tools in Windows-1251 bytes: images folder, export,
    output folder; the run, a second run (reusing) and `links` all work."""
    base = os.fsencode(mini["tmp"])
    images = os.fsdecode(base + b"/\xd1\xed\xe8\xec\xea\xe8")        # «Снимки» in cp1251
    export = os.fsdecode(base + b"/\xe2\xfb\xe3\xf0\xf3\xe7\xea\xe0.csv")
    out = os.fsdecode(base + b"/\xd0\xe5\xe7\xf3\xeb\xfc\xf2\xe0\xf2")
    shutil.copytree(mini["images"], images)
    shutil.copy(mini["export"], export)
    args = ["run", "--images", images, "--export", export, "--out", out]
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "linkage", *args], capture_output=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
    links = subprocess.run([sys.executable, "-m", "linkage", "links", "--out",
                            str(mini["tmp"] / "links"), "--state",
                            os.path.join(out, "linkage_state.sqlite")],
                           capture_output=True, timeout=300)
    assert links.returncode == 0, links.stderr
    assert (mini["tmp"] / "links" / "links.csv").is_file()


def test_exports_that_are_not_a_csv_say_what_they_are(mini) -> None:
    text = mini["export"].read_bytes().decode("cp1251")
    no_bom = mini["tmp"] / "utf16.csv"
    no_bom.write_bytes(text.encode("utf-16-le"))              # Excel's «Unicode text», no BOM
    assert len(read_export(no_bom).records) == 4
    workbook = mini["tmp"] / "export.xlsx"
    from openpyxl import Workbook

    Workbook().save(workbook)
    noise = mini["tmp"] / "noise.csv"
    noise.write_bytes(bytes(range(256)) * 40)
    for path, said in ((workbook, "an Excel workbook (.xlsx)"), (noise, "not a text file")):
        error = one_line_error(run_cli("records", "check", str(path)))
        assert said in error and "\x00" not in error and "\x01" not in error


def test_a_password_protected_sheet_and_an_out_that_is_a_file_are_named(mini) -> None:
    assert run_cli(*run_args(mini)).returncode == 0
    sheet = mini["out"] / "review.xlsx"
    sheet.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))   # an encrypted OOXML
    error = one_line_error(run_cli("review", "import", str(sheet)))
    assert "password-protected" in error
    a_file = mini["tmp"] / "not_a_folder"
    a_file.write_text("x")
    error = one_line_error(run_cli(*run_args(dict(mini, out=a_file))))
    assert f"--out {a_file} is a file" in error
