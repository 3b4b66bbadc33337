"""The job's CSV files (each written whole or not at all, through linkage.files)."""

from __future__ import annotations

from pathlib import Path

from linkage.files import write_csv
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.records.read import Export
from linkage.text import iso_date

STUDY_COLUMNS = ["study_instance_uid", "patient_name", "name_decoding", "patient_id",
                 "birth_date", "sex", "study_date", "modalities", "description", "series",
                 "instances", "copies", "folder", "name_folder", "first_location", "bytes",
                 "identities"]
MATCH_COLUMNS = ["record_id", "study_instance_uid", "score", "status", "reason", "attention",
                 "decision", "decided_by"]


def write_studies(path: Path, studies: list[Study]) -> None:
    birth = iso_date
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
    # a whole order (ties by study): the same file whatever order the pairs came in
    shown = pairs[pairs["status"] != ""].sort_values(
        ["record_id", "score", "study_instance_uid"], ascending=[True, False, True],
        kind="stable")
    write_csv(path, MATCH_COLUMNS,
              ([r.record_id, r.study_instance_uid, f"{r.score:.6f}", r.status, r.reason,
                r.attention, r.decision, r.decided_by] for r in shown.itertuples()))
