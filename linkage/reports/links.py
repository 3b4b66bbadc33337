"""links.csv for outcome studies: auto and confirmed links with their place in the
record's timeline, optionally pseudonymised.

With a key file (a `release.Release`), record and study identifiers are replaced by
keyed hashes (HMAC-SHA256) and every date of a record is shifted by its own offset, so a
table can leave the team without what leads back to a patient; whoever holds the key
can still join it with the next export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from linkage.files import write_csv
from linkage.link.status import CONFIRMED, LINKED
from linkage.reports.release import Release
from linkage.reports.timeline import Windows, days_between, phase, region
from linkage.text import iso_date as _iso

LINK_COLUMNS = ["record_id", "study_instance_uid", "how", "score", "study_date",
                "days_from_admission", "days_from_surgery", "phase", "region", "modality",
                "description", "folder", "images"]


@dataclass(frozen=True)
class RecordDates:
    admission: str = ""
    surgery: str = ""


def read_key(path: str | Path) -> bytes:
    key = Path(path).read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"{path}: the key file must hold at least 16 bytes of secret")
    return key


def linked(pairs: pd.DataFrame) -> pd.DataFrame:
    """Auto and confirmed links, one row per (record, study)."""
    return pairs[pairs["status"].isin(LINKED)].sort_values(
        ["record_id", "study_instance_uid"])


def link_rows(pairs: pd.DataFrame, study_info: dict, dates: dict[str, RecordDates],
              windows: Windows, release: Release | None = None) -> list[list]:
    """One row per linked study: when it was made relative to the record's stay, which
    phase, which part of the spine, which modality, its folder and its size."""
    rows = []
    for row in linked(pairs).itertuples():
        info = study_info.get(row.study_instance_uid)
        record_dates = dates.get(row.record_id, RecordDates())
        study_date = _iso(info.study_date) if info else ""
        record_id, study_uid = row.record_id, row.study_instance_uid
        folder = info.name_folder or info.folder if info else ""
        description = info.description if info else ""
        shown_date = study_date
        if release is not None:
            record_id, study_uid = release.record(record_id), release.study(study_uid)
            shown_date = release.date(row.record_id, study_date,
                                      record_dates.surgery or record_dates.admission)
            folder = description = ""     # paths carry names; a description is free text
        rows.append([
            record_id, study_uid, "confirmed" if row.status == CONFIRMED else "auto",
            f"{row.score:.6f}", shown_date,
            _blank(days_between(study_date, record_dates.admission)),
            _blank(days_between(study_date, record_dates.surgery)),
            phase(study_date, record_dates.admission, record_dates.surgery, windows),
            region(info.description, info.body_parts) if info else "",
            info.modalities if info else "", description, folder,
            info.instances if info else ""])
    return rows


def _blank(value) -> str:
    return "" if value is None else str(value)


def write_links(path: Path, pairs: pd.DataFrame, study_info: dict,
                dates: dict[str, RecordDates] | None = None, windows: Windows | None = None,
                release: Release | None = None) -> int:
    rows = link_rows(pairs, study_info, dates or {}, windows or Windows(), release)
    write_csv(path, LINK_COLUMNS, rows)
    return len(rows)


def record_dates(records) -> dict[str, RecordDates]:
    """Admission and surgery date of each record (records: a frame or the export's
    record dicts)."""
    rows = records.to_dict("records") if hasattr(records, "to_dict") else records
    return {str(r["record_id"]): RecordDates(str(r.get("admission_date") or ""),
                                              str(r.get("surgery_date") or ""))
            for r in rows}
