"""Write review.xlsx: a sheet a surgeon decides in seconds, without opening images.

Both sides of a pair stand next to each other, agreeing cells green and
disagreeing ones red, with the probability and a one-line reason. Each row
carries its pair's key in hidden columns headed `record_id` and
`study_instance_uid` (and fingerprints of what was shown), so the import finds
columns by header: sorting, filtering, deleting rows or adding columns is safe.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path, PurePath

import numpy as np
import pandas as pd

from linkage.config import Thresholds
from linkage.files import atomic_path
from linkage.link.comparisons import AGAINST, AGREE, COMPARISONS, Comparison
from linkage.link.status import LINKED, REVIEW
from linkage.review.fingerprint import record_fingerprints, study_fingerprints
from linkage.review.labels import CHOICES, FP_COLUMNS, KEY_COLUMNS, labels
from linkage.review.stamp import SheetStamp, write_stamp
from linkage.text import iso_date as _iso
from linkage.xlsx.book import TOP, TOP_WRAP, Book, Link, write_rows

GREEN = "#C6EFCE"
RED = "#FFC7CE"

FILLS = {AGREE: GREEN, AGAINST: RED}
# A probability as a word and a rounded percentage («почти наверняка 99.9%»): the cell
# keeps the number itself (sorting, filters), the spreadsheet shows what it means.
PROBABILITY = {
    "ru": '[>=0.995]"почти наверняка "0.0%;[>=0.9]"вероятно "0.0%;"сомнительно "0.0%',
    "en": '[>=0.995]"almost certain "0.0%;[>=0.9]"likely "0.0%;"doubtful "0.0%',
}
PROBABILITY_WIDTH = 21


def _days(study_date: str, admission: str) -> str:
    if not study_date or not admission:
        return ""
    return str((date.fromisoformat(study_date) - date.fromisoformat(admission)).days)


def write_review(path: Path, pairs: pd.DataFrame, records: pd.DataFrame,
                 studies: pd.DataFrame, study_info: dict, thresholds: Thresholds,
                 lang: str = "ru", stamp: SheetStamp | None = None,
                 comparisons: tuple[Comparison, ...] = COMPARISONS,
                 control: pd.DataFrame | None = None, quality: str = "",
                 histogram: np.ndarray | None = None, images_root: str | None = None
                 ) -> None:
    """Write the workbook atomically. `study_info` maps study UID -> images.studies.Study;
    `stamp` says which run wrote it (see review.stamp); `control`: the automatic links
    drawn for the control sample (review.control), `quality` its estimate so far;
    `histogram`: every candidate pair's score in bins of 0.05 (`LinkResult.histogram`;
    else those of `pairs`); `images_root`: the scanned folder, to which the paths are
    relative (a study's path then opens its folder)."""
    t = labels(lang)
    with atomic_path(path) as tmp, Book(tmp, len(pairs) + len(study_info)) as wb:
        _sheets(wb, pairs, records, studies, study_info, thresholds, lang, stamp,
                comparisons, control, quality, histogram, images_root, t)


def _sheets(wb: Book, pairs, records, studies, study_info, thresholds, lang, stamp,
            comparisons, control, quality, histogram, images_root, t) -> None:
    shown = pairs[(pairs["status"] != "").to_numpy()]
    _review_sheet(wb, t["sheet_review"], shown[shown["status"] == REVIEW], records, studies,
                  study_info, t, lang, comparisons, images_root=images_root)
    if control is not None and len(control):
        _review_sheet(wb, t["sheet_control"], control, records, studies, study_info, t, lang,
                      comparisons, note=t["control_note"], images_root=images_root)
    _auto_sheet(wb, t["sheet_auto"], shown[shown["status"].isin(LINKED)],
                records, study_info, t, lang)
    linked_studies = set(shown["study_instance_uid"])
    linked_records = set(shown["record_id"])
    _lonely_studies(wb, t["sheet_lonely"],
                    [s for uid, s in study_info.items() if uid not in linked_studies], t)
    _lonely_records(wb, t["sheet_unmatched"], records[~records.index.isin(linked_records)], t)
    _summary(wb, t["sheet_summary"], pairs, records, study_info, thresholds, t, quality,
             histogram)
    write_stamp(wb, stamp or SheetStamp())


def _review_sheet(wb, title, pairs, records, studies, study_info, t, lang, comparisons,
                  note: str = "", images_root: str | None = None) -> None:
    """The pairs to answer; `note`, when given, is a first row saying why they are here
    (without a key: the import passes it by)."""
    columns = _review_columns(t)
    col = {name: i for i, (name, _) in enumerate(columns, start=1)}
    sheet = wb.sheet(title, columns, hidden_from=col[KEY_COLUMNS[0]])
    ws = sheet.ws
    if note:
        sheet.append([sheet.cell(note, **TOP)], height=15)

    def fills(row) -> dict[int, str]:
        """Each comparison colours its own cells, as its level's kind says."""
        out = {}
        for comp in comparisons:
            for key, kind in comp.cell_kinds(getattr(row, comp.name)).items():
                if kind in FILLS and t.get(key) in col:
                    out[col[t[key]]] = FILLS[kind]
        return out

    wrapped = {col[t[key]]: columns[col[t[key]] - 1][1] for key in
               ("reason", "attention", "rec_name", "img_name", "img_folder", "img_description")}
    score_column = col[t["score"]]

    def style(c: int, colour: str = "") -> dict:
        props = dict(TOP_WRAP if c in wrapped else TOP)
        if colour:
            props["bg_color"] = colour
        if c == score_column:
            props["num_format"] = PROBABILITY[lang]
        return props

    # each column's format, and a painted one made once per column and colour
    plain = [sheet.format(**style(c)) for c in range(1, len(columns) + 1)]
    made: dict[tuple[int, str], object] = {}

    def painted(c: int, colour: str):
        if (c, colour) not in made:
            made[c, colour] = sheet.format(**style(c, colour))
        return made[c, colour]

    # only the rows this sheet shows (a thousand of tens of thousands)
    records = records[records.index.isin(set(pairs["record_id"]))]
    studies = studies[studies.index.isin(set(pairs["study_instance_uid"]))]
    record_rows = _rows(records, ("full_name", "birth_date", "sex", "case_number",
                                  "admission_date", "surgery_date"))
    study_rows = _rows(studies, ("birth_date", "study_date"))
    rec_fp = record_fingerprints(records)
    img_fp = study_fingerprints(studies)
    ordered, group_numbers = _in_groups(pairs)
    for row in ordered.itertuples():
        values = _question(row, group_numbers[row.study_instance_uid],
                           record_rows[row.record_id], study_rows[row.study_instance_uid],
                           study_info[row.study_instance_uid], images_root) + \
            [rec_fp[row.record_id], img_fp[row.study_instance_uid]]
        formats = list(plain)
        for c, colour in fills(row).items():
            formats[c - 1] = painted(c, colour)
        lines = max(-(-len(str(values[c - 1] or "")) // max(width - 1, 1))
                    for c, width in wrapped.items())
        # spreadsheets do not size wrapped rows
        sheet.append(values, height=13 * min(max(lines, 1), 6), formats=formats)
    _answer_cells(ws, sheet.rows, col, t, lang)
    sheet.finish()


def _question(row, group: int, rec: dict[str, str], img: dict[str, str], info,
              images_root: str | None) -> list:
    """One row of questions, in the order of `_review_columns`, up to the fingerprints."""
    return [
        group, float(row.score), rec["full_name"],
        info.patient_name, rec["birth_date"], img["birth_date"] or _iso(info.birth_date),
        rec["sex"], info.sex, rec["case_number"], info.patient_id, info.name_folder or
        info.folder, info.name_decoding, img["study_date"], rec["admission_date"],
        rec["surgery_date"], _days(img["study_date"], rec["admission_date"]),
        _days(img["study_date"], rec["surgery_date"]), info.modalities, info.description,
        info.instances, row.reason, row.attention, "", "",
        folder_link(info.first_location, images_root),
        row.record_id, row.record_id, row.study_instance_uid,
    ]


def _in_groups(pairs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The pairs by study, the study with the best pair first, and each study's number:
    a whole order (ties by record), the same sheet whatever order the pairs came in."""
    ordered = pairs.assign(_best=pairs.groupby("study_instance_uid")["score"].transform("max"))
    ordered = ordered.sort_values(["_best", "study_instance_uid", "score", "record_id"],
                                  ascending=[False, True, False, True], kind="stable")
    return ordered, {uid: i + 1 for i, uid in
                     enumerate(dict.fromkeys(ordered["study_instance_uid"]))}


def _review_columns(t: dict[str, str]) -> list[tuple[str, int]]:
    """(header, width) of the sheet of questions, the hidden keys last."""
    return [
        (t["study_group"], 5), (t["score"], PROBABILITY_WIDTH), (t["rec_name"], 24),
        (t["img_name"], 24),
        (t["rec_birth"], 10), (t["img_birth"], 10), (t["rec_sex"], 4), (t["img_sex"], 4),
        (t["rec_case"], 9), (t["img_id"], 9), (t["img_folder"], 16), (t["img_decoding"], 12),
        (t["img_date"], 10), (t["rec_admission"], 10), (t["rec_surgery"], 10),
        (t["img_days"], 6), (t["img_days_surgery"], 6), (t["img_modality"], 5),
        (t["img_description"], 14),
        (t["img_images"], 5), (t["reason"], 40), (t["attention"], 18), (t["decision"], 9),
        (t["comment"], 16), (t["img_path"], 40), (t["rec_id"], 10),
        (KEY_COLUMNS[0], 12), (KEY_COLUMNS[1], 30), (FP_COLUMNS[0], 10), (FP_COLUMNS[1], 10),
    ]


def _answer_cells(ws, rows: int, col: dict[str, int], t: dict[str, str], lang: str) -> None:
    """On paper, what a decision needs, up to the comment (not the path or the IDs);
    on screen, the answer cells take only да / нет / не знаю (500 rows more, for
    rows a reviewer adds)."""
    ws.print_area(0, 0, max(rows, 2) - 1, col[t["comment"]] - 1)
    decision = col[t["decision"]] - 1
    ws.data_validation(1, decision, max(rows, 2) + 499, decision, {
        "validate": "list", "source": list(CHOICES[lang]), "ignore_blank": True,
        "error_title": t["decision"], "error_message": " / ".join(CHOICES[lang])})


def folder_link(location: str, images_root: str | None) -> str | Link:
    """The study's path as a link that opens its folder (for a file in a zip, the
    zip's folder) in Explorer; the path as text without a root, or when its folder
    cannot be named in a link (bytes of another encoding in a name)."""
    if not images_root or not location:
        return location
    uri = _folder_uri(images_root, location.partition("::")[0].rpartition("/")[0])
    return Link(uri, location) if uri else location


@lru_cache(maxsize=100_000)
def _folder_uri(images_root: str, folder: str) -> str:
    """The folder's file URI ("" when it cannot be one), once per folder."""
    path = PurePath(images_root, folder)
    if not path.is_absolute() or _surrogates(str(path)):
        return ""
    return path.as_uri()


def _surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Row by key as plain dicts: a lookup per sheet row costs nothing (frame.loc would
    cost tens of microseconds each, seconds on a large sheet)."""
    values = frame.reindex(columns=list(columns)).fillna("").astype(str).to_numpy()
    return {key: dict(zip(columns, row, strict=True))
            for key, row in zip(frame.index, values, strict=True)}


def _auto_sheet(wb, title, pairs, records, study_info, t, lang) -> None:
    record_rows = _rows(records, ("full_name", "birth_date"))
    columns = [(t["score"], PROBABILITY_WIDTH), (t["rec_name"], 30), (t["img_name"], 30),
               (t["rec_birth"], 11), (t["img_birth"], 11), (t["img_folder"], 24),
               (t["img_date"], 11), (t["reason"], 60), (KEY_COLUMNS[0], 12),
               (KEY_COLUMNS[1], 30)]
    sheet = wb.sheet(title, columns)
    formats = [sheet.format(num_format=PROBABILITY[lang])] + [None] * (len(columns) - 1)
    for row in pairs.sort_values(["score", "record_id", "study_instance_uid"],
                                 ascending=[False, True, True], kind="stable").itertuples():
        rec, info = record_rows[row.record_id], study_info[row.study_instance_uid]
        sheet.append([float(row.score), rec["full_name"], info.patient_name,
                      rec["birth_date"], _iso(info.birth_date), info.name_folder or info.folder,
                      _iso(info.study_date), row.reason, row.record_id,
                      row.study_instance_uid], formats=formats)
    sheet.finish()


def _lonely_studies(wb, title, studies, t) -> None:
    sheet = wb.sheet(title, [(t["img_folder"], 28), (t["img_name"], 30),
                             (t["img_decoding"], 16), (t["img_birth"], 11), (t["img_sex"], 6),
                             (t["img_id"], 12), (t["img_date"], 11), (t["img_modality"], 7),
                             (t["img_description"], 26), (t["img_path"], 50),
                             (KEY_COLUMNS[1], 30)])
    for s in sorted(studies, key=lambda s: (s.name_folder or s.folder, s.study_date)):
        sheet.append([s.name_folder or s.folder, s.patient_name, s.name_decoding,
                      _iso(s.birth_date), s.sex, s.patient_id, _iso(s.study_date), s.modalities,
                      s.description, s.first_location, s.study_instance_uid])
    sheet.finish()


def _lonely_records(wb, title, records, t) -> None:
    sheet = wb.sheet(title, [(t["rec_id"], 10), (t["rec_name"], 32), (t["rec_birth"], 11),
                             (t["rec_sex"], 6), (t["rec_case"], 12), (t["rec_admission"], 11),
                             (t["rec_surgery"], 11), (KEY_COLUMNS[0], 12)])
    for rec in records.sort_values("full_name").itertuples(index=False):
        sheet.append([rec.record_id, rec.full_name, rec.birth_date, rec.sex,
                      rec.case_number, rec.admission_date, rec.surgery_date, rec.record_id])
    sheet.finish()


def _summary(wb: Book, title: str, pairs, records, study_info, thresholds, t,
             quality: str = "", histogram: np.ndarray | None = None) -> None:
    ws = wb.plain_sheet(title, [36, 12])
    counts = pairs["status"].value_counts()
    rows = [[t["what"], t["count"]], [t["n_studies"], len(study_info)],
            [t["n_records"], len(records)]]
    rows += [[t[status], int(counts.get(status, 0))]
             for status in ("auto", "review", "confirmed", "rejected")]
    rows += [[t["thr_auto"], thresholds.auto], [t["thr_review"], thresholds.review]]
    if quality:
        rows.append([t["control_estimate"], quality])
    rows.append([])
    start = len(rows)           # (0-based) the histogram's header row
    rows.append([t["bin"], t["pairs"]])
    edges = np.round(np.arange(0, 1.0001, 0.05), 2)
    hist = histogram if histogram is not None else \
        np.histogram(pairs["score"].clip(0, 1), bins=edges)[0]
    for edge, n in zip(edges[:-1], hist, strict=True):
        rows.append([f"{edge:.2f}" + (" ▲" if edge <= thresholds.review < edge + 0.05 or
                                      edge <= thresholds.auto < edge + 0.05 else ""), int(n)])
    last = len(rows) - 1
    write_rows(ws, wb, rows)
    chart = wb.wb.add_chart({"type": "column"})
    chart.add_series({"name": [title, start, 1], "categories": [title, start + 1, 0, last, 0],
                      "values": [title, start + 1, 1, last, 1]})
    chart.set_title({"name": f"{t['chart']} ({t['thr_review']} {thresholds.review}, "
                             f"{t['thr_auto']} {thresholds.auto}: ▲)"})
    chart.set_y_axis({"name": t["pairs"]})
    chart.set_x_axis({"name": t["bin"]})
    chart.set_legend({"none": True})
    chart.set_size({"width": 900, "height": 340})
    ws.insert_chart(last + 2, 0, chart)
