"""The research tables written together into one folder: links.csv, cohort.csv,
image_occurrence.csv, study_files.csv (not in a release), their codebook and report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from linkage.files import write_csv
from linkage.images.studies import Study
from linkage.reports.codebook import write_datapackage
from linkage.reports.cohort import write_cohort, write_image_occurrence
from linkage.reports.links import RecordDates, record_dates, write_links
from linkage.reports.release import (
    Release,
    classify_columns,
    release_value,
    write_release_notes,
)
from linkage.reports.report import LinkQuality, write_report
from linkage.reports.timeline import Windows


def write_research_tables(out: Path, pairs: pd.DataFrame, study_info: dict, export,
                          windows: Windows, release: Release | None = None,
                          quality: LinkQuality | None = None) -> dict[str, Path]:
    """links.csv, cohort.csv, image_occurrence.csv (and study_files.csv, which holds
    paths, unless a release) into the folder `out`, with their codebook
    (datapackage.json), the cohort at a glance (report.html, with `quality` when given)
    and, for a release, release.txt."""
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
