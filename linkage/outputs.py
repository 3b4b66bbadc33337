"""The job's CSV files, each written whole or not at all (temp file, then rename)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from linkage.errors import OutputLocked
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.records.read import Export

STUDY_COLUMNS = ["study_instance_uid", "patient_name", "name_decoding", "patient_id",
                 "birth_date", "sex", "study_date", "modalities", "description", "series",
                 "instances", "copies", "folder", "name_folder", "first_location", "bytes",
                 "identities"]
MATCH_COLUMNS = ["record_id", "study_instance_uid", "score", "status", "reason", "attention",
                 "decision", "decided_by"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; it replaces `path` only on success. The
    file gets the user's normal permissions (mkstemp's are owner-only), so the rest of
    the team can read outputs on a shared folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputLocked(f"cannot replace {path} ({exc.strerror}): is it open in "
                               "Excel? Close it and run again (nothing else was lost)") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path, names: Iterable[str]) -> int:
    """Delete the temporaries a killed run left beside its outputs (`.review.xlsx.*`)."""
    removed = 0
    for name in names:
        for leftover in folder.glob(f".{name}.*"):
            try:
                leftover.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UTF-8 with BOM, so that Excel on a Russian Windows opens Cyrillic correctly."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_studies(path: Path, studies: list[Study]) -> None:
    def birth(s: str) -> str:
        return f"{s[:4]}-{s[4:6]}-{s[6:]}" if len(s) == 8 and s.isdigit() else s

    write_csv(path, STUDY_COLUMNS, (
        [s.study_instance_uid, s.patient_name, s.name_decoding, s.patient_id, birth(s.birth_date),
         s.sex, birth(s.study_date), s.modalities, s.description, s.series, s.instances,
         s.copies, s.folder, s.name_folder, s.first_location, s.bytes, s.identities]
        for s in studies))


def write_scan_problems(path: Path, scan: ScanResult) -> None:
    write_csv(path, ["location", "kind", "reason"],
              ([p.location, p.kind, p.reason] for p in scan.problems))


def write_export_problems(path: Path, export: Export) -> None:
    write_csv(path, ["row", "column", "value", "problem"],
              ([p.row, p.column, p.value, p.problem] for p in export.problems))


def write_matches(path: Path, pairs) -> None:
    """Pairs above the review threshold and every remembered decision."""
    shown = pairs[pairs["status"] != ""].sort_values(["record_id", "score"],
                                                     ascending=[True, False])
    write_csv(path, MATCH_COLUMNS,
              ([r.record_id, r.study_instance_uid, f"{r.score:.6f}", r.status, r.reason,
                r.attention, r.decision, r.decided_by] for r in shown.itertuples()))
