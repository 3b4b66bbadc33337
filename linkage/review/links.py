"""links.csv for outcome studies: auto and confirmed links with their place in the
record's timeline, optionally pseudonymised; study_files.csv with every file.

With a key file (a `release.Release`), record and study identifiers are replaced by
keyed hashes (HMAC-SHA256) and every date of a record is shifted by its own offset, so a
table can leave the team without what leads back to a patient; whoever holds the key
can still join it with the next export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from linkage.files import write_csv
from linkage.images.instance import instances_from_rows
from linkage.images.studies import Study, group_studies, study_from_row
from linkage.images.summary import unpack_studies
from linkage.link.status import AUTO, CONFIRMED, REJECTED, REVIEW
from linkage.review.release import (
    Release,
    classify_columns,
    release_value,
    write_release_notes,
)
from linkage.review.timeline import Windows, days_between, phase, region

if TYPE_CHECKING:
    from linkage.review.report import LinkQuality
from linkage.store import Store
from linkage.text import iso_date as _iso

LINK_COLUMNS = ["record_id", "study_instance_uid", "how", "score", "study_date",
                "days_from_admission", "days_from_surgery", "phase", "region", "modality",
                "description", "folder", "images"]


@dataclass(frozen=True)
class RecordDates:
    admission: str = ""
    surgery: str = ""


def links_from_state(matches: Path, store: Store) -> tuple[pd.DataFrame, dict[str, Study]]:
    """The last run's pairs with the decisions imported since, and its studies:
    what `linkage links` needs without scanning or linking again."""
    pairs = pd.read_csv(matches, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pairs["score"] = pairs["score"].astype(float)
    answer = {"yes": CONFIRMED, "no": REJECTED}
    decided = {key: answer.get(d.decision, REVIEW)
               for key, d in store.current_decisions().items()}
    keys = zip(pairs["record_id"], pairs["study_instance_uid"], strict=True)
    pairs["status"] = [decided.get(k, s) for k, s in zip(keys, pairs["status"], strict=True)]
    studies: list[Study] = []
    for root in store.roots():
        blob = store.latest_scan_summary(root)
        rows = unpack_studies(blob) if blob is not None else None
        if rows is not None:
            studies.extend(study_from_row(r) for r in rows)
        else:              # a state written before studies were kept: group them again
            studies.extend(group_studies(instances_from_rows(store.cached_instance_rows(root))))
    return pairs, {s.study_instance_uid: s for s in studies}


def read_key(path: str | Path) -> bytes:
    key = Path(path).read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"{path}: the key file must hold at least 16 bytes of secret")
    return key


def linked(pairs: pd.DataFrame) -> pd.DataFrame:
    """Auto and confirmed links, one row per (record, study)."""
    return pairs[pairs["status"].isin([AUTO, CONFIRMED])].sort_values(
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


def write_research_tables(out: Path, pairs: pd.DataFrame, study_info: dict, export,
                          windows: Windows, release: Release | None = None,
                          quality: LinkQuality | None = None) -> dict[str, Path]:
    """links.csv, cohort.csv, image_occurrence.csv (and study_files.csv, which holds
    paths, unless a release) into the folder `out`, with their codebook
    (datapackage.json), the cohort at a glance (report.html, with `quality` when given)
    and, for a release, release.txt."""
    from linkage.review.codebook import write_datapackage
    from linkage.review.cohort import write_cohort, write_image_occurrence
    from linkage.review.report import write_report

    dates = record_dates(export.records)
    written = {"links": out / "links.csv", "cohort": out / "cohort.csv",
               "image occurrence": out / "image_occurrence.csv"}
    write_links(written["links"], pairs, study_info, dates, windows, release)
    headers, passthrough = export.passthrough_headers, export.passthrough
    if release is not None:
        kept = classify_columns(release, headers, list(passthrough.values()))
        headers = [h for h, k in zip(headers, kept, strict=True) if k]
        passthrough = {record: [release_value(release, h, record, v,
                                              dates.get(record, RecordDates()).surgery
                                              or dates.get(record, RecordDates()).admission)
                                for h, v, k in zip(export.passthrough_headers, values, kept,
                                                   strict=False) if k]
                       for record, values in passthrough.items()}
    write_cohort(written["cohort"], [r["record_id"] for r in export.records], dates,
                 headers, passthrough, pairs, study_info, windows, release)
    write_image_occurrence(written["image occurrence"], pairs, study_info, dates, release)
    if release is None:
        written["study files"] = out / "study_files.csv"
        write_study_files(written["study files"], study_info)
    else:
        written["release notes"] = out / "release.txt"
        write_release_notes(written["release notes"], release,
                            [p.name for p in written.values() if p.suffix == ".csv"])
    written["codebook"] = out / "datapackage.json"
    write_datapackage(written["codebook"], written, headers, release)
    written["report"] = out / "report.html"
    write_report(written["report"], out, study_info, quality, release is not None)
    return written


def write_study_files(path: Path, study_info: dict[str, Study]) -> int:
    """Every image file of every study, one row each (a study's files are no longer
    joined on one line of links.csv)."""
    rows = [[uid, location] for uid, study in sorted(study_info.items())
            for location in study.locations]
    write_csv(path, ["study_instance_uid", "location"], rows)
    return len(rows)
