"""Tables for outcome studies: one row per registry record (cohort.csv), and one row per
linked study in the shape of OMOP's medical imaging extension (image_occurrence.csv).

cohort.csv answers "which operated patients have a pre-operative MRI and a follow-up
CT at about 12 months, and what were their scores": the export's non-identifying
columns as they are, then per modality and phase the number of studies and the date
of the nearest one, and the study nearest to each follow-up target (3, 6, 12 months).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from linkage.files import write_csv
from linkage.reports.links import RecordDates, linked
from linkage.reports.release import Release
from linkage.reports.timeline import (
    EARLY_POST_OPERATIVE,
    FOLLOW_UP,
    PRE_OPERATIVE,
    STAY,
    Windows,
    days_between,
    modality_group,
    phase,
    region,
)
from linkage.text import iso_date

PHASES = {PRE_OPERATIVE: "preop", STAY: "stay", EARLY_POST_OPERATIVE: "early_postop",
          FOLLOW_UP: "followup"}
MODALITIES = ("MR", "CT", "XR")
FOLLOW_UP_MONTHS = (3, 6, 12)
FOLLOW_UP_SLACK_DAYS = 45      # a study within this of a target counts for it


def cohort_columns(passthrough_headers: list[str]) -> list[str]:
    columns = ["record_id", "admission_date", "surgery_date", *passthrough_headers,
               "linked_studies"]
    for modality in MODALITIES:
        for short in PHASES.values():
            columns += [f"{modality.lower()}_{short}_n", f"{modality.lower()}_{short}_date"]
    columns += [f"followup_{m}m_date" for m in FOLLOW_UP_MONTHS]
    columns += [f"followup_{m}m_modality" for m in FOLLOW_UP_MONTHS]
    return columns


def cohort_rows(record_ids: list[str], dates: dict[str, RecordDates],
                passthrough: dict[str, list[str]], n_passthrough: int, pairs: pd.DataFrame,
                study_info: dict, windows: Windows, release: Release | None = None
                ) -> list[list]:
    studies_of: dict[str, list] = defaultdict(list)
    for row in linked(pairs).itertuples():
        info = study_info.get(row.study_instance_uid)
        if info is not None:
            studies_of[row.record_id].append(info)
    rows = []
    for record_id in record_ids:
        d = dates.get(record_id, RecordDates())
        anchor = d.surgery or d.admission
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        targets: dict[int, tuple[int, str, str]] = {}
        for info in studies_of.get(record_id, []):
            when = iso_date(info.study_date)
            group = modality_group(info.modalities)
            where = PHASES.get(phase(when, d.admission, d.surgery, windows))
            if where and group in MODALITIES:
                found[(group, where)].append(when)
            after = days_between(when, d.surgery) if d.surgery else None
            for months in FOLLOW_UP_MONTHS:
                if after is None:
                    continue
                off = abs(after - round(months * 30.44))
                if off <= FOLLOW_UP_SLACK_DAYS and (months not in targets
                                                   or off < targets[months][0]):
                    targets[months] = (off, when, group)
        def shown(when: str, record_id: str = record_id, anchor: str = anchor) -> str:
            return release.date(record_id, when, anchor) if release and when else when

        out = [release.record(record_id) if release else record_id, shown(d.admission),
               shown(d.surgery), *(passthrough.get(record_id) or [""] * n_passthrough),
               len(studies_of.get(record_id, []))]
        for modality in MODALITIES:
            for short in PHASES.values():
                when = found.get((modality, short), [])
                out += [len(when), shown(_nearest(when, anchor))]
        out += [shown(targets[m][1]) if m in targets else "" for m in FOLLOW_UP_MONTHS]
        out += [targets[m][2] if m in targets else "" for m in FOLLOW_UP_MONTHS]
        rows.append(out)
    return rows


def _nearest(when: list[str], anchor: str) -> str:
    if not when:
        return ""
    if not anchor:
        return min(when)
    return min(when, key=lambda w: abs(days_between(w, anchor) or 0))


def write_cohort(path: Path, record_ids: list[str], dates: dict[str, RecordDates],
                 passthrough_headers: list[str], passthrough: dict[str, list[str]],
                 pairs: pd.DataFrame, study_info: dict, windows: Windows,
                 release: Release | None = None) -> int:
    rows = cohort_rows(record_ids, dates, passthrough, len(passthrough_headers), pairs,
                       study_info, windows, release)
    write_csv(path, cohort_columns(passthrough_headers), rows)
    return len(rows)


# OMOP MI-CDM image_occurrence; concept ids need the OMOP vocabularies, which we do not
# ship: they are 0, with the source values beside them.
IMAGE_OCCURRENCE_COLUMNS = [
    "image_occurrence_id", "person_id", "procedure_occurrence_id", "visit_occurrence_id",
    "anatomic_site_concept_id", "anatomic_site_source_value", "wadors_uri", "local_path",
    "image_occurrence_date", "image_study_uid", "image_series_uid", "modality_concept_id",
    "modality_source_value"]


def write_image_occurrence(path: Path, pairs: pd.DataFrame, study_info: dict,
                           dates: dict[str, RecordDates] | None = None,
                           release: Release | None = None) -> int:
    rows = []
    for number, row in enumerate(linked(pairs).itertuples(), start=1):
        info = study_info.get(row.study_instance_uid)
        if info is None:
            continue
        when = iso_date(info.study_date)
        if release is None:
            person, study = row.record_id, row.study_instance_uid
            where = info.name_folder or info.folder
        else:
            d = (dates or {}).get(row.record_id, RecordDates())
            person, study = release.record(row.record_id), release.study(row.study_instance_uid)
            when, where = release.date(row.record_id, when, d.surgery or d.admission), ""
        rows.append([number, person, "", person, 0, region(info.description, info.body_parts),
                     "", where, when, study, "", 0, info.modalities])
    write_csv(path, IMAGE_OCCURRENCE_COLUMNS, rows)
    return len(rows)
