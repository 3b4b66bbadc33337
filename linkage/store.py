"""The tool's state in one SQLite file: scan cache, human decisions, run history, and
the last run's result and export for a rerun with nothing changed.

Decisions are the most valuable thing here: they are only ever appended (a later
decision supersedes an earlier one, the history stays), and every write happens
in a transaction, so a crash leaves the file as it was before the write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from linkage.errors import StateError

STATE_NAME = "linkage_state.sqlite"    # in the output folder unless --state says otherwise
SCHEMA_VERSION = 3   # 3: decisions.sheet_id (which sheet an answer came from)
APPLICATION_ID = 0x4C4E4B47   # "LNKG": marks a SQLite file as a linkage state file
# The scan cache (tables files and scans) is rebuilt when its layout or the header reader's
# output changes; bump this then. Decisions and runs are never dropped.
CACHE_VERSION = 2
PAGE_SIZE = 65536      # of a new state file (SQLite's largest): see Store.__init__
MEMO_PART = 256 * 1024 * 1024   # bytes: a stored link result in parts of at most this
# in the meta table: the export (its digest) and the tree (root, listing digest) the last
# run linked, for `linkage links` and the import's check of persons
LAST_INPUTS_KEY = "last inputs"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
    root TEXT NOT NULL, relpath TEXT NOT NULL, size INTEGER, mtime_ns INTEGER,
    kind TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    instances TEXT NOT NULL DEFAULT '',  -- JSON list of Instance.as_row(), '' if none
    PRIMARY KEY (root, relpath));
CREATE TABLE IF NOT EXISTS scans (   -- the last scan's result, valid for one exact listing
    root TEXT PRIMARY KEY, listing_digest TEXT NOT NULL, result BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL, study_instance_uid TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('yes', 'no', 'unsure')),
    comment TEXT NOT NULL DEFAULT '',
    record_fingerprint TEXT NOT NULL DEFAULT '', study_fingerprint TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL, source_file TEXT NOT NULL, source_sheet TEXT NOT NULL DEFAULT '',
    source_row INTEGER, sheet_id TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS decisions_by_pair ON decisions (record_id, study_instance_uid);
CREATE TABLE IF NOT EXISTS memo (  -- the last run's link result, for the same inputs
    id INTEGER PRIMARY KEY CHECK (id = 1), inputs TEXT NOT NULL, outputs TEXT NOT NULL,
    result BLOB NOT NULL);
-- the outputs written from it (memo.outputs is no longer used): a row of their own,
-- since updating any column of a row rewrites the whole row, its large result too
-- a link result larger than MEMO_PART is kept in parts (SQLite refuses one value past
-- a gigabyte); memo.result is then empty
CREATE TABLE IF NOT EXISTS memo_parts (part INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS memo_outputs (
    id INTEGER PRIMARY KEY CHECK (id = 1), inputs TEXT NOT NULL, outputs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exports (  -- the last export read, for the same bytes
    id INTEGER PRIMARY KEY CHECK (id = 1), digest TEXT NOT NULL, export TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sheets (  -- every review sheet a run handed out, in order
    seq INTEGER PRIMARY KEY AUTOINCREMENT, sheet_id TEXT NOT NULL UNIQUE, written_at TEXT,
    file TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS control_draws (  -- automatic links drawn for the control sample
    record_id TEXT NOT NULL, study_instance_uid TEXT NOT NULL, stratum TEXT NOT NULL,
    drawn_at TEXT NOT NULL, sheet_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (record_id, study_instance_uid));
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT, finished_at TEXT,
    images TEXT, export TEXT, summary TEXT, stages TEXT NOT NULL DEFAULT '');
"""


@dataclass(frozen=True)
class CachedFile:
    size: int
    mtime_ns: int
    kind: str
    reason: str


@dataclass(frozen=True)
class Decision:
    record_id: str
    study_instance_uid: str
    decision: str                # yes / no / unsure
    comment: str = ""
    record_fingerprint: str = ""
    study_fingerprint: str = ""
    decided_at: str = ""
    source_file: str = ""
    source_sheet: str = ""
    source_row: int | None = None
    sheet_id: str = ""           # the review sheet (as written by a run) it was answered in
    id: int | None = None        # order of storing: a later id is a later answer


_DECISION_COLUMNS = ("record_id, study_instance_uid, decision, comment, record_fingerprint,"
                     " study_fingerprint, decided_at, source_file, source_sheet, source_row,"
                     " sheet_id, id")


STATE_POINTER = ".linkage-state"    # in an output folder: the state file it was used with


def state_for(out: Path, given: str | Path | None) -> tuple[Path, str]:
    """The state file of a command on `out`: `given`, else the one `out` was used with
    last time (a forgotten --state must not start a new state beside the outputs and
    divert the answers there), else OUT/linkage_state.sqlite. Also a line saying which
    was taken when it was not the given or the default one."""
    if given:
        return Path(given), ""
    default = out / STATE_NAME
    try:
        remembered = Path((out / STATE_POINTER).read_text(encoding="utf-8",
                                                          errors="surrogateescape").strip())
    except (OSError, UnicodeError):
        return default, ""
    if not str(remembered) or remembered == default.resolve():
        return default, ""
    if not remembered.is_file():
        raise StateError(f"{out} was used with the state file {remembered} last time, and it "
                         "is not there: give --state (that file, or a new one to start afresh)")
    return remembered, f"state file: {remembered} (the one {out} was used with last time)"


def remember_state(out: Path, state: Path) -> None:
    """Written once a command on `out` has its state: see `state_for`."""
    pointer = out / STATE_POINTER
    text = str(state.resolve())
    try:
        if not pointer.is_file() or pointer.read_text(encoding="utf-8",
                                                      errors="surrogateescape") != text:
            pointer.write_text(text, encoding="utf-8", errors="surrogateescape")
    except OSError:
        pass


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key(name: str) -> str | bytes:
    """A file name as stored: itself, or its bytes when it is not valid Unicode."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name)


def _name(stored: str | bytes) -> str:
    return os.fsdecode(stored) if isinstance(stored, bytes) else stored


def readable(text: str) -> str:
    """Text that can be stored and shown: a path's bytes that are not UTF-8 (a folder
    named in Windows-1251 on a Linux disk) as \\xNN escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Store:
    """A connection to the state file; creates the schema on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise StateError(f"the state file {self.path} is a folder; give a file name")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        except (OSError, sqlite3.Error) as exc:
            long = len(os.fsencode(self.path.resolve())) > 500
            why = " (the path is too long for SQLite: choose a shorter --state)" if long else ""
            raise StateError(f"cannot open the state file {self.path}: {exc}{why}") from None
        try:
            self._check_ownership()
            # A new file only (an existing one keeps its pages): the link result is one
            # large value, which large pages store much faster than 4 KiB ones, and
            # the scan's cache rows too
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._drop_old_cache()
            self.db.executescript(_SCHEMA)
            self._upgrade()
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            # names this state file in the sheets it writes: a sheet of another state is
            # not imported unnoticed (a forgotten --state)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('state_id', ?)",
                            (uuid.uuid4().hex,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('cache_version', ?)",
                            (str(CACHE_VERSION),))
        except StateError:
            self.db.close()
            raise
        except sqlite3.Error as exc:
            self.db.close()
            raise StateError(_state_problem(self.path, exc)) from None

    def _check_ownership(self) -> None:
        """Before any write: refuse a SQLite file of another program, and one written by
        a newer version of linkage (its tables may mean something this one does not know)."""
        app_id = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables and "meta" not in tables):
            raise StateError(f"{self.path} is a SQLite file of another program, not a linkage "
                             "state file; give another --state")
        if "meta" in tables:
            row = self.db.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None and app_id == 0:
                raise StateError(f"{self.path} is not a linkage state file (its meta table is "
                                 "another program's); give another --state")
            if row is not None and row[0].isdigit() and int(row[0]) > SCHEMA_VERSION:
                raise StateError(f"{self.path} was written by a newer version of linkage "
                                 f"(state schema {row[0]}, this one knows {SCHEMA_VERSION}); "
                                 "update linkage")

    def _upgrade(self) -> None:
        """Columns added since a state file was made (its rows are kept as they are)."""
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(decisions)")}
        if "sheet_id" not in columns:
            self.db.execute("ALTER TABLE decisions ADD COLUMN sheet_id TEXT NOT NULL DEFAULT ''")
        if "stages" not in {r[1] for r in self.db.execute("PRAGMA table_info(runs)")}:
            self.db.execute("ALTER TABLE runs ADD COLUMN stages TEXT NOT NULL DEFAULT ''")
        # outputs kept beside the result, by a version before memo_outputs
        self.db.execute("INSERT OR IGNORE INTO memo_outputs SELECT id, inputs, outputs "
                        "FROM memo WHERE id = 1 AND outputs != '{}'")

    def _drop_old_cache(self) -> None:
        """A scan cache written by an older version is dropped (the next scan reads
        the headers again); decisions and runs stay."""
        has_meta = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if not has_meta:
            return
        row = self.db.execute("SELECT value FROM meta WHERE key = 'cache_version'").fetchone()
        if row is None or row[0] != str(CACHE_VERSION):
            self.db.executescript("DROP TABLE IF EXISTS instances; DROP TABLE IF EXISTS files; "
                                  "DROP TABLE IF EXISTS scans;")

    @classmethod
    def reader(cls, path: str | Path) -> Store:
        """A read-only connection, for another process reading what this run has just
        stored (beside the run's own connection): nothing is created or changed."""
        store = cls.__new__(cls)
        store.path = Path(path)
        try:
            store.db = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True,
                                       isolation_level=None, timeout=5.0)
        except sqlite3.Error as exc:
            raise StateError(f"cannot read the state file {store.path}: {exc}") from None
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: commit on success, roll back on any exception (Ctrl-C too)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- scan cache -------------------------------------------------------------
    # File names are keys. A name that is not valid Unicode (Windows-1251 bytes on a
    # Linux disk, kept by Python as surrogates) is stored as its bytes: see _key.
    def cached_files(self, root: str) -> dict[str, CachedFile]:
        rows = self.db.execute(
            "SELECT relpath, size, mtime_ns, kind, reason FROM files WHERE root = ?",
            (_key(root),))
        return {_name(r[0]): CachedFile(r[1], r[2], r[3], r[4]) for r in rows}

    def has_files(self, root: str) -> bool:
        """Was this folder scanned before (even partly)?"""
        return self.db.execute("SELECT 1 FROM files WHERE root = ? LIMIT 1",
                               (_key(root),)).fetchone() is not None

    def file_stamps(self, root: str) -> dict[str, tuple[int, int]]:
        """(size, mtime_ns) of every cached file: all a rescan compares."""
        rows = self.db.execute("SELECT relpath, size, mtime_ns FROM files WHERE root = ?",
                               (_key(root),))
        return {_name(r[0]): (r[1], r[2]) for r in rows}

    def cached_kinds(self, root: str) -> Counter:
        """How many cached files of each kind."""
        rows = self.db.execute("SELECT kind, count(*) FROM files WHERE root = ? GROUP BY kind",
                               (_key(root),))
        return Counter(dict(rows.fetchall()))

    def file_listing(self, root: str) -> list[tuple[str, int, str]]:
        """(relpath, size, kind) of every file of the last scan (the revision report)."""
        rows = self.db.execute("SELECT relpath, size, kind FROM files WHERE root = ?",
                               (_key(root),))
        return [(_name(r[0]), r[1] or 0, r[2]) for r in rows]

    def cached_reasons(self, root: str) -> list[tuple[str, str, str]]:
        """(relpath, kind, reason) of every cached file with something to report."""
        rows = self.db.execute(
            "SELECT relpath, kind, reason FROM files WHERE root = ? AND reason != '' "
            "ORDER BY relpath", (_key(root),))
        return [(_name(r[0]), r[1], r[2]) for r in rows]

    def cached_instance_rows(self, root: str) -> list[list[list]]:
        """Every cached instance as plain rows (per file, a list of rows), from one JSON
        document joined by SQLite; images.instance.instances_from_rows makes them
        Instances (the store knows no image types)."""
        (document,) = self.db.execute(
            "SELECT '[' || coalesce(group_concat(instances, ','), '') || ']' FROM files "
            "WHERE root = ? AND instances != ''", (_key(root),)).fetchone()
        return json.loads(document)

    def scan_summary(self, root: str, digest: str) -> bytes | None:
        """The stored result of the last scan, if its listing had this digest
        (see linkage.images.summary)."""
        row = self.db.execute(
            "SELECT result FROM scans WHERE root = ? AND listing_digest = ?",
            (_key(root), digest)).fetchone()
        return None if row is None else row[0]

    def latest_scan_summary(self, root: str) -> bytes | None:
        """The stored result of the last scan of `root`, whatever its listing."""
        row = self.db.execute("SELECT result FROM scans WHERE root = ?", (_key(root),)).fetchone()
        return None if row is None else row[0]

    def save_scan_summary(self, root: str, digest: str, result: bytes) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO scans VALUES (?, ?, ?)",
                       (_key(root), digest, result))

    def memo(self) -> tuple[str, dict[str, list]] | None:
        """The last run's inputs digest and the outputs it wrote (name -> size,
        mtime_ns; also the review sheet's stamp), or None."""
        row = self.db.execute(
            "SELECT memo.inputs, memo_outputs.outputs FROM memo LEFT JOIN memo_outputs "
            "ON memo_outputs.id = 1 AND memo_outputs.inputs = memo.inputs "
            "WHERE memo.id = 1").fetchone()
        return None if row is None else (row[0], json.loads(row[1] or "{}"))

    def memo_result(self, inputs: str) -> bytes | None:
        """The last run's link result, if its inputs had this digest."""
        row = self.db.execute("SELECT result FROM memo WHERE id = 1 AND inputs = ?",
                              (inputs,)).fetchone()
        if row is None or row[0]:
            return None if row is None else row[0]
        parts = [r[0] for r in self.db.execute("SELECT data FROM memo_parts ORDER BY part")]
        return b"".join(parts) if parts else None

    def save_memo(self, inputs: str, result: bytes) -> None:
        """A new link result: the outputs written from the last one no longer count.
        A large one is stored in parts of MEMO_PART bytes."""
        whole = len(result) <= MEMO_PART
        with self.transaction() as db:
            db.execute("DELETE FROM memo_parts")
            db.execute("INSERT OR REPLACE INTO memo VALUES (1, ?, '{}', ?)",
                       (inputs, result if whole else b""))
            if not whole:
                view = memoryview(result)
                db.executemany("INSERT INTO memo_parts VALUES (?, ?)",
                               ((n, view[start:start + MEMO_PART]) for n, start in
                                enumerate(range(0, len(result), MEMO_PART))))
            db.execute("DELETE FROM memo_outputs")

    def kept_export(self, digest: str) -> str | None:
        """The last export read (`Export.to_json`), if its bytes and settings had this
        digest."""
        row = self.db.execute("SELECT export FROM exports WHERE id = 1 AND digest = ?",
                              (digest,)).fetchone()
        return None if row is None else row[0]

    def save_export(self, digest: str, export_json: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO exports VALUES (1, ?, ?)", (digest, export_json))

    def update_memo_outputs(self, inputs: str, outputs: dict[str, list]) -> None:
        """The outputs written from the kept result of these inputs."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO memo_outputs SELECT 1, inputs, ? FROM memo "
                       "WHERE id = 1 AND inputs = ?", (json.dumps(outputs), inputs))

    def save_files(self, root: str,
                   results: Iterable[tuple[str, int, int, str, str, str]]) -> None:
        """Replace the cache rows of the given files, in one transaction. Each row is
        (relpath, size, mtime_ns, kind, reason, instances as a JSON list or '')."""
        sql = "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)"
        root_key, results = _key(root), list(results)
        with self.transaction() as db:
            try:
                db.executemany(sql, [(root_key, *r) for r in results])
            except UnicodeEncodeError:      # a name that is not valid Unicode: again, safely
                db.executemany(sql, [(root_key, _key(r[0]), *r[1:]) for r in results])

    def roots(self) -> list[str]:
        """Image folders this state has scanned."""
        return [_name(r[0]) for r in self.db.execute("SELECT DISTINCT root FROM files")]

    def forget_files(self, root: str, relpaths: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM files WHERE root = ? AND relpath = ?",
                           [(_key(root), _key(relpath)) for relpath in relpaths])

    # --- decisions --------------------------------------------------------------
    def add_decisions(self, decisions: Iterable[Decision]) -> int:
        """Append decisions in one transaction; return how many were new.

        A decision equal to the pair's current one (same answer and comment) is
        not stored again, so importing one file twice changes nothing.
        """
        current = self.current_decisions()
        added = 0
        with self.transaction() as db:
            for d in decisions:
                latest = current.get((d.record_id, d.study_instance_uid))
                if latest and (latest.decision, latest.comment,
                               latest.record_fingerprint, latest.study_fingerprint) == \
                        (d.decision, d.comment, d.record_fingerprint, d.study_fingerprint):
                    continue
                db.execute(
                    "INSERT INTO decisions (record_id, study_instance_uid, decision, comment,"
                    " record_fingerprint, study_fingerprint, decided_at, source_file,"
                    " source_sheet, source_row, sheet_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (d.record_id, d.study_instance_uid, d.decision, d.comment,
                     d.record_fingerprint, d.study_fingerprint, d.decided_at or now(),
                     d.source_file, d.source_sheet, d.source_row, d.sheet_id))
                current[(d.record_id, d.study_instance_uid)] = d
                added += 1
        return added

    def current_decisions(self) -> dict[tuple[str, str], Decision]:
        """The latest decision per pair (by insertion order)."""
        rows = self.db.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions ORDER BY id")
        return {(r[0], r[1]): Decision(*r) for r in rows}

    def decision_history(self, record_id: str, study_uid: str) -> list[Decision]:
        rows = self.db.execute(
            f"SELECT {_DECISION_COLUMNS} FROM decisions"
            " WHERE record_id = ? AND study_instance_uid = ? ORDER BY id", (record_id, study_uid))
        return [Decision(*r) for r in rows]

    def last_decision_id(self) -> int:
        """The id of the newest stored decision (0 if none): a sheet remembers it, so
        that an answer stored after the sheet was written is known to be newer."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]

    # --- sheets -----------------------------------------------------------------
    @property
    def state_id(self) -> str:
        return self.db.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()[0]

    def register_sheet(self, sheet_id: str, written_at: str, file: str) -> None:
        """A sheet handed out by a run: its place in the order of sheets decides which
        of two answers to one pair is the newer (see review.importer)."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO sheets (sheet_id, written_at, file) "
                       "VALUES (?, ?, ?)", (sheet_id, written_at, file))

    def sheet_order(self) -> dict[str, int]:
        """sheet_id -> its place among the sheets this state handed out (1 = first)."""
        return dict(self.db.execute("SELECT sheet_id, seq FROM sheets"))

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- the control sample -------------------------------------------------------
    def control_seed(self) -> int:
        """The state's own seed of the control draws (made once: reproducible draws)."""
        value = self.get_meta("control seed")
        if value is None:
            value = str(uuid.uuid4().int % 2**31)
            self.set_meta("control seed", value)
        return int(value)

    def control_draws(self) -> list[tuple[str, str, str]]:
        """(record_id, study_instance_uid, stratum) of every link ever drawn."""
        return self.db.execute("SELECT record_id, study_instance_uid, stratum "
                               "FROM control_draws").fetchall()

    def add_control_draws(self, rows: Iterable[tuple[str, str, str]], sheet_id: str) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO control_draws VALUES (?, ?, ?, ?, ?)",
                           [(r, s, stratum, now(), sheet_id) for r, s, stratum in rows])

    def run_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM runs").fetchone()[0]

    # --- runs -------------------------------------------------------------------
    def record_run(self, started_at: str, images: str, export: str, summary: str,
                   stages: dict[str, float] | None = None) -> None:
        """Append a run to the history, with the seconds each stage took."""
        with self.transaction() as db:
            db.execute("INSERT INTO runs (started_at, finished_at, images, export, summary,"
                       " stages) VALUES (?, ?, ?, ?, ?, ?)",
                       (started_at, now(), _key(images), _key(export), readable(summary),
                        json.dumps({k: round(v, 2) for k, v in (stages or {}).items()})))

    def runs(self, last: int = 10) -> list[dict]:
        """The latest runs, newest first."""
        rows = self.db.execute(
            "SELECT started_at, finished_at, images, export, summary, stages FROM runs"
            " ORDER BY id DESC LIMIT ?", (last,))
        keys = ("started_at", "finished_at", "images", "export", "summary", "stages")
        out = []
        for row in rows:
            run = dict(zip(keys, row, strict=True))
            run["images"], run["export"] = _name(run["images"] or ""), _name(run["export"] or "")
            run["stages"] = json.loads(run["stages"]) if run["stages"] else {}
            out.append(run)
        return out


def _state_problem(path: Path, exc: sqlite3.Error) -> str:
    """One line for what SQLite says about a state file it cannot use."""
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return f"the state file {path} is damaged ({text}); restore it from a backup or give " \
               "another --state"
    if "locked" in text or "busy" in text:
        return f"the state file {path} is in use by another program ({text}); try again later"
    if "readonly" in text or "read-only" in text:
        return f"the state file {path} cannot be written ({text}); check its permissions"
    if "full" in text:
        return f"the disk of the state file {path} is full ({text})"
    return f"the state file {path} cannot be used ({text})"
