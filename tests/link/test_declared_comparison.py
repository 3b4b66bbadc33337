"""A comparison is one declaration: its name, the columns it reads on each side (those
only it needs found in the export by their headers) and its levels. Declared here
once, a toy comparison (the registry's imaging method against the study's modality)
is read from a real export, scored, explained and coloured in a real sheet, with
nothing else changed (docs/architecture.md, "Comparisons and levels")."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.images.scan import scan
from linkage.images.studies import group_studies
from linkage.link.comparisons import COMPARISONS
from linkage.link.identity import linking_records, studies_frame
from linkage.link.levels import AGAINST, AGREE, Comparison, Level, RecordColumn, missing
from linkage.link.pipeline import link
from linkage.records.read import read_export
from linkage.review.sheet import write_review
from linkage.store import Store

SETTINGS = load_settings()


class ImagingMethod(Comparison):
    """The method the registry wrote down (МРТ / КТ) against the study's modality."""

    name = "imaging_method"
    record_columns = ("imaging_method",)
    study_columns = ("modalities",)
    export_columns = (RecordColumn("imaging_method", ("Метод исследования", "Метод")),)
    sheet_cells = ("img_modality",)
    levels = (missing(),
              Level("different", AGAINST, "метод исследования другой", "another method"),
              Level("same", AGREE, "метод исследования тот же", "the same method"))

    def compare(self, left, right):
        methods = left[0].fillna("").astype(str).map({"МРТ": "MR", "КТ": "CT"}).fillna("")
        modalities = right[0].fillna("").astype(str)
        out = np.array([self.code("missing") if not m or not s else
                        self.code("same" if m in s.split("/") else "different")
                        for m, s in zip(methods, modalities, strict=True)], dtype=np.int8)
        return out


@pytest.fixture(scope="module")
def toy(dataset, tmp_path_factory):
    """The synthetic export with a «Метод» column: МРТ for odd record IDs, КТ for even
    (no evidence of anything: the toy is about the plumbing, not the weights)."""
    work = tmp_path_factory.mktemp("toy")
    with dataset.export.open(encoding="cp1251", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    at = next(i for i, row in enumerate(rows) if "ID" in row)     # under a title line
    rows[at].append("Метод")
    for row in rows[at + 1:]:
        if row:
            row.append("МРТ" if int(row[rows[at].index("ID")]) % 2 else "КТ")
    export = work / "export.csv"
    with export.open("w", encoding="cp1251", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    with Store(work / "s.sqlite") as store:
        studies = group_studies(scan(dataset.images, store, workers=1, progress=False).instances)
    return read_export(export), studies, work


def test_the_declared_column_is_read_from_the_export(toy) -> None:
    export, _, _ = toy
    records = linking_records(export, {}, (*COMPARISONS, ImagingMethod()))
    assert set(records["imaging_method"]) == {"МРТ", "КТ"}
    # a configured header wins; a column the export lacks is empty, not an error
    renamed = linking_records(export, {"imaging_method": "Метод"}, (ImagingMethod(),))
    assert renamed["imaging_method"].tolist() == records["imaging_method"].tolist()
    absent = type("Absent", (ImagingMethod,), {"export_columns": (
        RecordColumn("imaging_method", ("Нет такой",)),)})
    assert set(linking_records(export, {}, (absent(),))["imaging_method"]) == {""}


def test_the_toy_comparison_is_scored_explained_and_coloured(toy) -> None:
    export, studies, work = toy
    comparisons = (*COMPARISONS, ImagingMethod())
    records = linking_records(export, {}, comparisons)
    study_table = studies_frame(studies)
    result = link(records, study_table, SETTINGS.thresholds, comparisons=comparisons)
    pairs = result.pairs
    # scored: its levels, an m and u of its own, a weight on every pair shown
    assert {"imaging_method", "w_imaging_method"} <= set(pairs.columns)
    weights = result.model.weights()[-1]
    same, different = ImagingMethod().codes("same", "different")
    assert len(weights) == 3 and np.isfinite(weights).all()
    assert weights[same] != weights[different] and weights[0] == 0.0   # missing: no weight
    assert set(pairs["imaging_method"]) >= {same, different}
    # explained: its words in the reasons
    assert pairs["reason"].str.contains("метод исследования").any()
    # coloured: «Вид» (the modality) green where the method agrees, red where it does not
    sheet = work / "review.xlsx"
    write_review(sheet, pairs, records, study_table, {s.study_instance_uid: s for s in studies},
                 SETTINGS.thresholds, comparisons=comparisons)
    ws = load_workbook(sheet)["На проверку"]
    headers = {c.value: c.column for c in ws[1]}
    colours = pd.DataFrame([
        {"record": ws.cell(row=r, column=headers["record_id"]).value,
         "study": ws.cell(row=r, column=headers["study_instance_uid"]).value,
         "fill": ws.cell(row=r, column=headers["Вид"]).fill.fgColor.rgb}
        for r in range(2, ws.max_row + 1)])
    asked = pairs.set_index(["record_id", "study_instance_uid"])["imaging_method"]
    levels = asked.reindex(list(zip(colours["record"], colours["study"], strict=True)))
    green = colours["fill"].str.endswith("C6EFCE").to_numpy()
    red = colours["fill"].str.endswith("FFC7CE").to_numpy()
    assert green.any() and red.any()
    assert (levels.to_numpy()[green] == same).all() and (levels.to_numpy()[red] == different).all()
