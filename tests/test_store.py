"""The state file: a scan cache written by an older version is dropped, never the
clinicians' decisions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from linkage.images.scan import scan
from linkage.store import Store
from linkage.synth.dicom_writer import InstanceSpec, instance_bytes

# The layout of version 1 (November 2026): instances in a table of their own.
_VERSION_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE files (root TEXT NOT NULL, relpath TEXT NOT NULL, size INTEGER,
    mtime_ns INTEGER, kind TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (root, relpath));
CREATE TABLE instances (root TEXT NOT NULL, relpath TEXT NOT NULL, location TEXT);
CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL, study_instance_uid TEXT NOT NULL, decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '', record_fingerprint TEXT NOT NULL DEFAULT '',
    study_fingerprint TEXT NOT NULL DEFAULT '', decided_at TEXT NOT NULL,
    source_file TEXT NOT NULL, source_sheet TEXT NOT NULL DEFAULT '', source_row INTEGER);
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT,
    finished_at TEXT, images TEXT, export TEXT, summary TEXT);
INSERT INTO meta VALUES ('schema_version', '1');
"""


def _folder_with_one_image(tmp_path: Path) -> Path:
    root = tmp_path / "Снимки"
    root.mkdir()
    (root / "1.dcm").write_bytes(instance_bytes(InstanceSpec(
        patient_name=b"IVANOV^IVAN", charset="", patient_id="7", birth_date="19600101",
        sex="M", study_uid="1.2.3", series_uid="1.2.3.1", sop_uid="1.2.3.1.1",
        study_date="20240101", modality="MR", study_description="MRI", series_description="T2",
        body_part="LSPINE", institution="")))
    return root


def test_old_state_keeps_decisions_and_rereads_the_images(tmp_path: Path) -> None:
    root = _folder_with_one_image(tmp_path)
    state = tmp_path / "state.sqlite"
    db = sqlite3.connect(state)
    db.executescript(_VERSION_1)
    db.execute("INSERT INTO files VALUES (?, '1.dcm', ?, ?, 'dicom', '')",
               (str(root.resolve()), (root / "1.dcm").stat().st_size,
                (root / "1.dcm").stat().st_mtime_ns))
    db.execute("INSERT INTO decisions (record_id, study_instance_uid, decision, decided_at, "
               "source_file) VALUES ('r1', '1.2.3', 'yes', '2026-11-20', 'review.xlsx')")
    db.commit()
    db.close()

    with Store(state) as store:
        assert store.current_decisions()[("r1", "1.2.3")].decision == "yes"
        result = scan(root, store, workers=1, progress=False)
        assert result.parsed == 1                 # the old cache was not trusted
        assert [i.patient_name for i in result.instances] == ["IVANOV^IVAN"]
    with Store(state) as store:                   # and the new one is kept
        assert scan(root, store, workers=1, progress=False).parsed == 0
        assert len(store.decision_history("r1", "1.2.3")) == 1


def test_a_reader_sees_what_was_stored_and_changes_nothing(tmp_path: Path) -> None:
    """The job's second process reads the scan's listing and instances through a
    read-only connection while the job holds its own."""
    root = _folder_with_one_image(tmp_path)
    (root / "notes.txt").write_text("not an image")
    state = tmp_path / "state.sqlite"
    with Store(state) as store:
        result = scan(root, store, workers=1, progress=False)
        before = state.read_bytes()
        with Store.reader(state) as reader:
            assert sorted(p for p, _, _ in reader.file_listing(result.root)) == \
                ["1.dcm", "notes.txt"]
            rows = reader.cached_instance_rows(result.root)
            assert [r[0] for per_file in rows for r in per_file] == \
                [i.as_row()[0] for i in result.instances]
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                reader.db.execute("DELETE FROM files")
        assert state.read_bytes() == before
    # and when the run holds no connection at that moment (WAL files gone)
    with Store.reader(state) as reader:
        assert len(reader.file_listing(result.root)) == 2


def test_the_outputs_of_a_kept_result_are_kept_apart_from_it(tmp_path: Path) -> None:
    """Stamping the outputs does not rewrite the result (35 MB at 10,000 persons); a new
    result forgets the outputs written from the last one; a state file that kept them
    in the result's row (before memo_outputs) keeps them."""
    state = tmp_path / "state.sqlite"
    with Store(state) as store:
        assert store.memo() is None
        store.save_memo("inputs A", b"result A")
        assert store.memo() == ("inputs A", {})
        store.update_memo_outputs("inputs A", {"review.xlsx": [1, 2]})
        store.update_memo_outputs("inputs B", {"review.xlsx": [3, 4]})    # not A's: ignored
        assert store.memo() == ("inputs A", {"review.xlsx": [1, 2]})
        assert store.memo_result("inputs A") == b"result A"
        store.save_memo("inputs C", b"result C")
        assert store.memo() == ("inputs C", {})
        assert store.memo_result("inputs A") is None
    with sqlite3.connect(state) as db:      # as a version before memo_outputs left it
        db.execute("DROP TABLE memo_outputs")
        db.execute("UPDATE memo SET outputs = '{\"links.csv\": [5, 6]}'")
    with Store(state) as store:
        assert store.memo() == ("inputs C", {"links.csv": [5, 6]})


def test_a_new_state_file_has_large_pages_and_an_old_one_keeps_its_own(tmp_path) -> None:
    """A link result is one value of tens of MB: 64 KiB pages store it in a third of the
    time. A state file written before keeps its pages and everything in it."""
    with Store(tmp_path / "new.sqlite") as store:
        store.save_memo("inputs", b"\x01" * 3_000_000)
    with sqlite3.connect(tmp_path / "new.sqlite") as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 65536
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(_VERSION_1)
        db.execute("INSERT INTO decisions (record_id, study_instance_uid, decision, "
                   "decided_at, source_file) VALUES ('r1', '1.2.3', 'no', '2026-11-20', "
                   "'review.xlsx')")
    db.close()
    with Store(old) as store:
        store.save_memo("inputs", b"\x02" * 3_000_000)
        assert store.memo_result("inputs") == b"\x02" * 3_000_000
        assert store.current_decisions()[("r1", "1.2.3")].decision == "no"
    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 4096
    db.close()


def test_the_jobs_held_connection_defers_the_copy_of_the_log_to_its_thread(tmp_path) -> None:
    """While the job holds the state file open, closing another connection leaves the
    write-ahead log for the thread to copy (no wait for the disk there); once the job
    closes it, the log is gone and everything is in the state file itself."""
    from linkage.run.checkpoint import StateCheckpoint

    state = tmp_path / "state.sqlite"
    log = tmp_path / "state.sqlite-wal"
    with Store(state):
        pass
    with StateCheckpoint(state) as checkpoint:
        with Store(state) as store:
            store.save_memo("inputs", b"\x03" * 5_000_000)
        assert log.stat().st_size > 5_000_000        # not copied at that close
        checkpoint.start()
        checkpoint.start()                            # once is enough; twice is harmless
    assert not log.exists()
    db = sqlite3.connect(f"{state.as_uri()}?mode=ro", uri=True)
    assert db.execute("SELECT result FROM memo").fetchone()[0] == b"\x03" * 5_000_000
    db.close()
    with StateCheckpoint(tmp_path) as unusable:      # a folder: only the speed-up is lost
        unusable.start()


def test_a_link_result_larger_than_a_part_is_stored_in_parts(tmp_path, monkeypatch) -> None:
    """SQLite refuses one value past a gigabyte (a 50,000-person run's result crashed
    there): a large result is kept in parts and read back whole."""
    import os

    import linkage.store as store_module

    monkeypatch.setattr(store_module, "MEMO_PART", 1000)
    blob = os.urandom(5500)
    with Store(tmp_path / "s.sqlite") as store:
        store.save_memo("inputs", blob)
        assert store.db.execute("SELECT count(*) FROM memo_parts").fetchone()[0] == 6
    with Store(tmp_path / "s.sqlite") as store:
        assert store.memo_result("inputs") == blob
        assert store.memo_result("other inputs") is None
        store.save_memo("small", b"abc")                 # the parts of the last one go
        assert store.memo_result("small") == b"abc"
        assert store.db.execute("SELECT count(*) FROM memo_parts").fetchone()[0] == 0
