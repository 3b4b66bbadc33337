"""Both sides as comparable tables: one row per record, one row per study.

Each row carries the parsed name parts, their canonical and blocking keys, the
birth date, sex, case number key and (for studies) the folder's surname and the
study date. Blocking and comparison read only these columns.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from linkage.images.dicom_values import parse_dicom_date
from linkage.images.studies import Study
from linkage.link.levels import Comparison
from linkage.names.canon import blocking_key, canonical_token
from linkage.names.parse import parse_dicom_name
from linkage.records.columns import header_key
from linkage.records.read import Export
from linkage.records.values import normalise_case_number

NAME_COLUMNS = ("surname", "given_name", "patronymic", "given_initial", "patronymic_initial")


def _name_keys(frame: pd.DataFrame) -> None:
    """Canonical forms and blocking keys of the name parts, the same on both sides."""
    frame["surname_canon"] = frame["surname"].map(canonical_token)
    frame["given_canon"] = frame["given_name"].map(canonical_token)
    frame["patronymic_canon"] = frame["patronymic"].map(canonical_token)
    frame["surname_key"] = frame["surname"].map(blocking_key)
    frame["given_key"] = frame["given_canon"].str[:3]


def _date_keys(frame: pd.DataFrame) -> None:
    """Birth year and a day/month-order-free key, for blocking on swapped dates."""
    birth = frame["birth_date"].fillna("")
    frame["birth_year"] = birth.str[:4]
    parts = birth.str.split("-")
    frame["birth_unordered"] = [
        f"{p[0]}-{min(p[1], p[2])}-{max(p[1], p[2])}" if isinstance(p, list) and len(p) == 3
        else "" for p in parts]


def records_frame(records: list[dict[str, str]]) -> pd.DataFrame:
    """Registry records, indexed by record_id."""
    frame = pd.DataFrame(records)
    if frame.empty:
        frame = pd.DataFrame(columns=["record_id", *NAME_COLUMNS, "birth_date", "sex",
                                      "case_key", "case_number", "admission_date",
                                      "surgery_date", "full_name", "row"], dtype=str)
    _name_keys(frame)
    _date_keys(frame)
    return frame.set_index("record_id", drop=False)


def linking_records(export: Export, configured: dict[str, str],
                    comparisons: tuple[Comparison, ...]) -> pd.DataFrame:
    """The records' table the linker reads: every record's columns, and the columns the
    comparisons declare (`Comparison.export_columns`), found in the export by the
    configured header, else by one of their usual headers (empty where none is)."""
    frame = records_frame(export.records)
    keys = [header_key(h) for h in export.passthrough_headers]
    for comparison in comparisons:
        for column in comparison.export_columns:
            wanted = [configured.get(column.name, ""), *column.headers]
            at = next((keys.index(header_key(h)) for h in wanted
                       if h and header_key(h) in keys), None)
            values = {} if at is None else {record: cells[at] for record, cells
                                            in export.passthrough.items()}
            frame[column.name] = frame["record_id"].map(values).fillna("") \
                if len(frame) else pd.Series(dtype=str)
    return frame


def studies_frame(studies: list[Study]) -> pd.DataFrame:
    """Studies with the identity their headers and folder name suggest."""
    rows = []
    for study in studies:
        name = parse_dicom_name(study.patient_name)
        folder = study.folder_name
        if name.is_empty and folder is not None:
            # An anonymised image: the folder («Иванова С.Н.») is all we know of the name.
            name = replace(folder, surname="")
        dicom_sex = {"M": "M", "F": "F"}.get(study.sex.strip().upper()[:1], "")
        rows.append({
            "study_instance_uid": study.study_instance_uid,
            "surname": name.surname, "given_name": name.given, "patronymic": name.patronymic,
            "given_initial": name.given_initial, "patronymic_initial": name.patronymic_initial,
            "sex": dicom_sex or name.sex, "sex_declared": dicom_sex,
            "birth_date": parse_dicom_date(study.birth_date),
            "case_key": normalise_case_number(study.patient_id),
            "folder_surname": folder.surname if folder else "",
            "folder_surname_also": folder.surname_also if folder else "",
            "folder_given_initial": folder.given_initial if folder else "",
            "folder_given": folder.given if folder else "",
            "study_date": parse_dicom_date(study.study_date),
            "folder": study.name_folder or study.folder,
            "modalities": study.modalities,
        })
    frame = pd.DataFrame(rows, columns=[
        "study_instance_uid", *NAME_COLUMNS, "sex", "sex_declared", "birth_date", "case_key",
        "folder_surname", "folder_surname_also", "folder_given_initial", "folder_given",
        "study_date", "folder", "modalities"])
    _name_keys(frame)
    frame["folder_key"] = frame["folder_surname"].map(blocking_key)
    frame["folder_canon"] = frame["folder_surname"].map(canonical_token)
    _date_keys(frame)
    frame["image_person"] = _image_persons(frame)
    return frame.set_index("study_instance_uid", drop=False)


def _image_persons(frame: pd.DataFrame) -> list[str]:
    """Studies of one person as the images tell it: the same PatientID and surname
    (in-house studies), or the same folder and the same name and birth date."""
    out = []
    for case, surname, given, birth, folder, folder_canon in zip(
            frame["case_key"], frame["surname_canon"], frame["given_canon"],
            frame["birth_date"], frame["folder"], frame["folder_canon"], strict=True):
        name = surname or folder_canon
        if case and name:
            out.append(f"id:{case}|{name}")
        elif name:
            out.append(f"folder:{folder}|{name}|{given}|{birth}")
        else:
            out.append("")
    return out
