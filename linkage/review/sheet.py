"""Write review.xlsx: a sheet a surgeon decides in seconds, without opening images.

Both sides of a pair stand next to each other, agreeing cells green and
disagreeing ones red, with the probability and a one-line reason. Each row
carries its pair's key in hidden columns headed `record_id` and
`study_instance_uid` (and fingerprints of what was shown), so the import finds
columns by header: sorting, filtering, deleting rows or adding columns is safe.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from linkage.config import Thresholds
from linkage.files import atomic_path
from linkage.link.comparisons import AGAINST, AGREE, COMPARISONS, Comparison
from linkage.link.status import AUTO, CONFIRMED, REVIEW
from linkage.review.fingerprint import record_fingerprints, study_fingerprints
from linkage.review.labels import CHOICES, FP_COLUMNS, KEY_COLUMNS, labels
from linkage.review.stamp import SheetStamp, cell_text, write_stamp
from linkage.text import iso_date as _iso

GREEN = PatternFill("solid", fgColor="C6EFCE")
RED = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP = Alignment(vertical="top")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")

FILLS = {AGREE: GREEN, AGAINST: RED}
# Probabilities as percentages with the decimals that tell 99.91 % from 99.99 %.
PERCENT = "0.000%"


def _days(study_date: str, admission: str) -> str:
    if not study_date or not admission:
        return ""
    return str((date.fromisoformat(study_date) - date.fromisoformat(admission)).days)


def write_review(path: Path, pairs: pd.DataFrame, records: pd.DataFrame,
                 studies: pd.DataFrame, study_info: dict, thresholds: Thresholds,
                 lang: str = "ru", stamp: SheetStamp | None = None,
                 comparisons: tuple[Comparison, ...] = COMPARISONS) -> None:
    """Write the workbook atomically. `study_info` maps study UID -> images.studies.Study;
    `stamp` says which run wrote it (see review.stamp)."""
    t = labels(lang)
    wb = Workbook()
    review = wb.active
    review.title = t["sheet_review"]
    _review_sheet(review, pairs[pairs["status"] == REVIEW], records, studies, study_info, t,
                  lang, comparisons)
    _auto_sheet(wb.create_sheet(t["sheet_auto"]), pairs[pairs["status"].isin([AUTO, CONFIRMED])],
                records, study_info, t)
    linked_studies = set(pairs.loc[pairs["status"] != "", "study_instance_uid"])
    linked_records = set(pairs.loc[pairs["status"] != "", "record_id"])
    _lonely_studies(wb.create_sheet(t["sheet_lonely"]),
                    [s for uid, s in study_info.items() if uid not in linked_studies], t)
    _lonely_records(wb.create_sheet(t["sheet_unmatched"]),
                    records[~records.index.isin(linked_records)], t)
    _summary(wb.create_sheet(t["sheet_summary"]), pairs, records, study_info, thresholds, t)
    write_stamp(wb, stamp or SheetStamp())
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _append(ws: Worksheet, values: list) -> None:
    ws.append([cell_text(v) for v in values])


def _header(ws: Worksheet, columns: list[tuple[str, int]]) -> None:
    ws.append([c for c, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _finish(ws: Worksheet, hidden_from: int | None = None) -> None:
    ws.auto_filter.ref = ws.dimensions
    if hidden_from:
        for col in range(hidden_from, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(col)].hidden = True


def _review_sheet(ws, pairs, records, studies, study_info, t, lang, comparisons) -> None:
    columns = [
        (t["study_group"], 5), (t["score"], 7), (t["rec_name"], 24), (t["img_name"], 24),
        (t["rec_birth"], 10), (t["img_birth"], 10), (t["rec_sex"], 4), (t["img_sex"], 4),
        (t["rec_case"], 9), (t["img_id"], 9), (t["img_folder"], 16), (t["img_decoding"], 12),
        (t["img_date"], 10), (t["rec_admission"], 10), (t["rec_surgery"], 10),
        (t["img_days"], 6), (t["img_days_surgery"], 6), (t["img_modality"], 5),
        (t["img_description"], 14),
        (t["img_images"], 5), (t["reason"], 40), (t["attention"], 18), (t["decision"], 9),
        (t["comment"], 16), (t["img_path"], 40), (t["rec_id"], 10),
        (KEY_COLUMNS[0], 12), (KEY_COLUMNS[1], 30), (FP_COLUMNS[0], 10), (FP_COLUMNS[1], 10),
    ]
    _header(ws, columns)
    col = {name: i for i, (name, _) in enumerate(columns, start=1)}

    def paint(r: int, row) -> None:
        """Each comparison colours its own cells, as its level's kind says."""
        for comp in comparisons:
            for key, kind in comp.cell_kinds(getattr(row, comp.name)).items():
                if kind in FILLS and t.get(key) in col:
                    ws.cell(row=r, column=col[t[key]]).fill = FILLS[kind]

    # Cells are reached by (row, column) only: ws[r] and ws.max_row scan every cell of
    # the sheet, which made writing a sheet grow with the square of its rows.
    wrapped = [(col[t[key]], columns[col[t[key]] - 1][1]) for key in
               ("reason", "attention", "rec_name", "img_name", "img_folder", "img_description")]
    wrapped_columns = {c for c, _ in wrapped}

    record_rows = _rows(records, ("full_name", "birth_date", "sex", "case_number",
                                  "admission_date", "surgery_date"))
    study_rows = _rows(studies, ("birth_date", "study_date"))
    rec_fp = record_fingerprints(records)
    img_fp = study_fingerprints(studies)
    ordered = pairs.assign(_best=pairs.groupby("study_instance_uid")["score"].transform("max"))
    ordered = ordered.sort_values(["_best", "study_instance_uid", "score"],
                                  ascending=[False, True, False])
    group_numbers = {uid: i + 1 for i, uid in
                     enumerate(dict.fromkeys(ordered["study_instance_uid"]))}
    r = 1
    for row in ordered.itertuples():
        rec = record_rows[row.record_id]
        img = study_rows[row.study_instance_uid]
        info = study_info[row.study_instance_uid]
        r += 1
        _append(ws, [
            group_numbers[row.study_instance_uid], float(row.score), rec["full_name"],
            info.patient_name, rec["birth_date"], img["birth_date"] or _iso(info.birth_date),
            rec["sex"], info.sex, rec["case_number"], info.patient_id, info.name_folder or
            info.folder, info.name_decoding, img["study_date"], rec["admission_date"],
            rec["surgery_date"], _days(img["study_date"], rec["admission_date"]),
            _days(img["study_date"], rec["surgery_date"]), info.modalities, info.description,
            info.instances, row.reason, row.attention, "", "", info.first_location,
            row.record_id, row.record_id, row.study_instance_uid,
            rec_fp[row.record_id], img_fp[row.study_instance_uid],
        ])
        paint(r, row)
        ws.cell(row=r, column=col[t["score"]]).number_format = PERCENT
        for c in range(1, len(columns) + 1):
            if c not in wrapped_columns:
                ws.cell(row=r, column=c).alignment = TOP
        lines = 1
        for c, width in wrapped:
            cell = ws.cell(row=r, column=c)
            cell.alignment = TOP_WRAP
            lines = max(lines, -(-len(str(cell.value or "")) // max(width - 1, 1)))
        ws.row_dimensions[r].height = 13 * min(lines, 6)   # spreadsheets do not size wraps
    # On paper: what a decision needs, up to the comment (not the path or the IDs).
    ws.print_area = f"A1:{get_column_letter(col[t['comment']])}{max(r, 2)}"
    decision_col = get_column_letter(col[t["decision"]])
    choices = ",".join(CHOICES[lang])
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                showErrorMessage=True, errorTitle=t["decision"],
                                error=" / ".join(CHOICES[lang]))
    ws.add_data_validation(validation)
    validation.add(f"{decision_col}2:{decision_col}{max(r, 2) + 500}")
    _finish(ws, hidden_from=col[KEY_COLUMNS[0]])


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Row by key as plain dicts: a lookup per sheet row costs nothing (frame.loc would
    cost tens of microseconds each, seconds on a large sheet)."""
    values = frame.reindex(columns=list(columns)).fillna("").astype(str).to_numpy()
    return {key: dict(zip(columns, row, strict=True))
            for key, row in zip(frame.index, values, strict=True)}


def _auto_sheet(ws, pairs, records, study_info, t) -> None:
    record_rows = _rows(records, ("full_name", "birth_date"))
    _header(ws, [(t["score"], 9), (t["rec_name"], 30), (t["img_name"], 30),
                 (t["rec_birth"], 11), (t["img_birth"], 11), (t["img_folder"], 24),
                 (t["img_date"], 11), (t["reason"], 60), (KEY_COLUMNS[0], 12),
                 (KEY_COLUMNS[1], 30)])
    for r, row in enumerate(pairs.sort_values("score", ascending=False).itertuples(), start=2):
        rec, info = record_rows[row.record_id], study_info[row.study_instance_uid]
        _append(ws, [float(row.score), rec["full_name"], info.patient_name,
                   rec["birth_date"], _iso(info.birth_date), info.name_folder or info.folder,
                   _iso(info.study_date), row.reason, row.record_id, row.study_instance_uid])
        ws.cell(row=r, column=1).number_format = PERCENT
    _finish(ws)


def _lonely_studies(ws, studies, t) -> None:
    _header(ws, [(t["img_folder"], 28), (t["img_name"], 30), (t["img_decoding"], 16),
                 (t["img_birth"], 11), (t["img_sex"], 6), (t["img_id"], 12),
                 (t["img_date"], 11), (t["img_modality"], 7), (t["img_description"], 26),
                 (t["img_path"], 50), (KEY_COLUMNS[1], 30)])
    for s in sorted(studies, key=lambda s: (s.name_folder or s.folder, s.study_date)):
        _append(ws, [s.name_folder or s.folder, s.patient_name, s.name_decoding,
                   _iso(s.birth_date), s.sex, s.patient_id, _iso(s.study_date), s.modalities,
                   s.description, s.first_location, s.study_instance_uid])
    _finish(ws)


def _lonely_records(ws, records, t) -> None:
    _header(ws, [(t["rec_id"], 10), (t["rec_name"], 32), (t["rec_birth"], 11),
                 (t["rec_sex"], 6), (t["rec_case"], 12), (t["rec_admission"], 11),
                 (t["rec_surgery"], 11), (KEY_COLUMNS[0], 12)])
    for rec in records.sort_values("full_name").itertuples(index=False):
        _append(ws, [rec.record_id, rec.full_name, rec.birth_date, rec.sex,
                     rec.case_number, rec.admission_date, rec.surgery_date, rec.record_id])
    _finish(ws)


def _summary(ws, pairs, records, study_info, thresholds, t) -> None:
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 12
    counts = pairs["status"].value_counts()
    ws.append([t["what"], t["count"]])
    ws.append([t["n_studies"], len(study_info)])
    ws.append([t["n_records"], len(records)])
    for status in ("auto", "review", "confirmed", "rejected"):
        ws.append([t[status], int(counts.get(status, 0))])
    ws.append([t["thr_auto"], thresholds.auto])
    ws.append([t["thr_review"], thresholds.review])
    ws.append([])
    start = ws.max_row + 1
    ws.append([t["bin"], t["pairs"]])
    edges = np.round(np.arange(0, 1.0001, 0.05), 2)
    hist, _ = np.histogram(pairs["score"].clip(0, 1), bins=edges)
    for edge, n in zip(edges[:-1], hist, strict=True):
        ws.append([f"{edge:.2f}" + (" ▲" if edge <= thresholds.review < edge + 0.05 or
                                     edge <= thresholds.auto < edge + 0.05 else ""), int(n)])
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{t['chart']} ({t['thr_review']} {thresholds.review}, " \
                  f"{t['thr_auto']} {thresholds.auto}: ▲)"
    chart.y_axis.title = t["pairs"]
    chart.x_axis.title = t["bin"]
    data = Reference(ws, min_col=2, min_row=start, max_row=ws.max_row)
    cats = Reference(ws, min_col=1, min_row=start + 1, max_row=ws.max_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.legend = None
    chart.width, chart.height = 24, 9
    ws.add_chart(chart, f"A{ws.max_row + 2}")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
