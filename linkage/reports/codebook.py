"""The codebook of the research files: a Frictionless Data Package (`datapackage.json`),
so that R, pandas and a statistician read every column with its type, unit and meaning
(docs/architecture.md, "A research release"). Each column is described once here, in
Russian and English; cohort.csv's per-modality and per-phase columns are generated from
their parts, the export's own columns are strings as the registry wrote them.
"""

from __future__ import annotations

import json
from pathlib import Path

from linkage.files import atomic_path
from linkage.link.status import LINKED
from linkage.reports.cohort import FOLLOW_UP_MONTHS, MODALITIES, PHASES, cohort_columns
from linkage.reports.links import LINK_COLUMNS
from linkage.reports.release import Release

HOW = list(LINKED)
PHASE_VALUES = ["pre-operative", "stay", "early post-operative", "follow-up", "earlier"]
PHASE_RU = {"preop": "до операции", "stay": "во время госпитализации",
            "early_postop": "ранний послеоперационный период", "followup": "отдалённый период"}

# name -> (type, unit, Russian, English, allowed values)
COLUMNS: dict[str, tuple[str, str, str, str, list | None]] = {
    "record_id": ("string", "", "запись регистра (псевдоним в выпуске)",
                  "registry record (a keyed pseudonym in a release)", None),
    "study_instance_uid": ("string", "", "исследование (псевдоним в выпуске)",
                           "imaging study (a keyed pseudonym in a release)", None),
    "how": ("string", "", "как связано: автоматически или подтверждено врачом",
            "how the link was made: automatically or confirmed by a clinician", HOW),
    "score": ("number", "probability", "вероятность, что это один человек",
              "probability that record and study are one person", None),
    "study_date": ("date", "", "дата исследования", "date of the study", None),
    "days_from_admission": ("integer", "days", "дней от госпитализации до снимка",
                            "days from admission to the study", None),
    "days_from_surgery": ("integer", "days", "дней от операции до снимка",
                          "days from surgery to the study", None),
    "phase": ("string", "", "период относительно госпитализации",
              "phase relative to the stay", PHASE_VALUES),
    "region": ("string", "", "отдел позвоночника", "spine region", None),
    "modality": ("string", "", "модальность (DICOM)", "modality (DICOM)", None),
    "description": ("string", "", "описание исследования", "study description", None),
    "folder": ("string", "", "папка в «Снимках»", "folder in «Снимки»", None),
    "images": ("integer", "files", "число снимков", "number of images", None),
    "location": ("string", "", "путь к файлу", "path of the file", None),
    "admission_date": ("date", "", "дата госпитализации", "date of admission", None),
    "surgery_date": ("date", "", "дата операции", "date of surgery", None),
    "linked_studies": ("integer", "studies", "связанных исследований",
                       "linked studies", None),
    "image_occurrence_id": ("integer", "", "номер строки", "row number", None),
    "person_id": ("string", "", "запись регистра", "registry record", None),
    "procedure_occurrence_id": ("string", "", "не заполняется", "not filled", None),
    "visit_occurrence_id": ("string", "", "запись регистра (госпитализация)",
                            "registry record (the stay)", None),
    "anatomic_site_concept_id": ("integer", "", "концепт OMOP (0: словари не входят)",
                                 "OMOP concept (0: vocabularies not shipped)", None),
    "anatomic_site_source_value": ("string", "", "отдел позвоночника", "spine region", None),
    "wadors_uri": ("string", "", "не заполняется", "not filled", None),
    "local_path": ("string", "", "папка в «Снимках»", "folder in «Снимки»", None),
    "image_occurrence_date": ("date", "", "дата исследования", "date of the study", None),
    "image_study_uid": ("string", "", "исследование", "imaging study", None),
    "image_series_uid": ("string", "", "не заполняется", "not filled", None),
    "modality_concept_id": ("integer", "", "концепт OMOP (0)", "OMOP concept (0)", None),
    "modality_source_value": ("string", "", "модальность (DICOM)", "modality (DICOM)", None),
}


def _cohort_column(name: str) -> tuple[str, str, str, str, list | None]:
    for modality in MODALITIES:
        for short, ru in PHASE_RU.items():
            if short not in PHASES.values():
                continue
            prefix = f"{modality.lower()}_{short}_"
            if name == prefix + "n":
                return ("integer", "studies", f"{modality}: исследований, {ru}",
                        f"{modality} studies, {short}", None)
            if name == prefix + "date":
                return ("date", "", f"{modality}: ближайшее к операции исследование, {ru}",
                        f"{modality}: the study nearest the surgery, {short}", None)
    for months in FOLLOW_UP_MONTHS:
        if name == f"followup_{months}m_date":
            return ("date", "", f"исследование ближе всего к {months} мес. после операции",
                    f"the study nearest {months} months after surgery", None)
        if name == f"followup_{months}m_modality":
            return ("string", "", f"его модальность ({months} мес.)",
                    f"its modality ({months} months)", None)
    return ("string", "", "столбец выгрузки STMZ 3 как есть",
            "a column of the STMZ 3 export, as written", None)


FILE_COLUMNS = {
    "links.csv": ("auto and confirmed links, one row per linked study", LINK_COLUMNS),
    "image_occurrence.csv": ("linked studies in the shape of OMOP's medical imaging "
                             "extension (image_occurrence)", None),
    "study_files.csv": ("every image file of every study", ["study_instance_uid",
                                                            "location"]),
}


def write_datapackage(path: Path, written: dict[str, Path], export_headers: list[str],
                      release: Release | None) -> None:
    """datapackage.json beside the CSV files in `written`."""
    from linkage.reports.cohort import IMAGE_OCCURRENCE_COLUMNS

    resources = []
    for file in [p for p in written.values() if p.suffix == ".csv"]:
        if file.name == "cohort.csv":
            title, columns = "one row per registry record", cohort_columns(export_headers)
        elif file.name == "image_occurrence.csv":
            title, columns = FILE_COLUMNS[file.name][0], IMAGE_OCCURRENCE_COLUMNS
        else:
            title, columns = FILE_COLUMNS[file.name]
        fields = [_field(name, name in export_headers, release) for name in columns]
        resources.append({
            "name": file.stem.replace("_", "-"), "path": file.name, "title": title,
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
            "dialect": {"delimiter": ",", "header": True},
            "schema": {"fields": fields, "missingValues": [""]}})
    package = {
        "name": "linkage-research-tables", "title": "STMZ 3 records linked to imaging studies",
        "description": ("Research tables written by linkage. " + (
            "A de-identified release: see release.txt." if release else
            "Not de-identified: for use inside the team.")),
        "resources": resources}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")


def _field(name: str, from_export: bool, release: Release | None) -> dict:
    kind, unit, ru, en, allowed = (("string", "", "столбец выгрузки STMZ 3",
                                    "a column of the STMZ 3 export", None) if from_export
                                   else COLUMNS.get(name) or _cohort_column(name))
    if kind == "date" and release is not None and release.relative:
        kind, unit = "integer", "days from the record's surgery (else admission)"
        en, ru = f"{en} (days from surgery)", f"{ru} (дней от операции)"
    elif kind == "date" and release is not None:
        en, ru = f"{en} (shifted per record)", f"{ru} (сдвинута для каждой записи)"
    out = {"name": name, "type": kind, "title": ru, "description": en}
    if unit:
        out["unit"] = unit
    if allowed is not None:
        out["constraints"] = {"enum": allowed}
    return out
