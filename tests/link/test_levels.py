"""Levels carry their meaning: every level of every comparison is reachable, has words
and a kind (hence a colour), and adding a comparison is one class: a toy one is scored,
explained and coloured in the sheet with no other change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from linkage.config import load_settings
from linkage.images.scan import scan
from linkage.images.studies import group_studies
from linkage.link.comparisons import (
    AGAINST,
    AGREE,
    COMPARISONS,
    NO_INFO,
    BirthDate,
    CaseNumber,
    Comparison,
    GivenName,
    Level,
    MaidenName,
    Patronymic,
    Sex,
    StudyDate,
    Surname,
    missing,
)
from linkage.link.identity import records_frame, studies_frame
from linkage.link.pipeline import link
from linkage.records.read import read_export
from linkage.review.sheet import GREEN, RED, write_review
from linkage.store import Store

# comparison -> [(record values, study values, expected level)]
CASES = {
    # study side: the DICOM surname, the folder's, the folder's other reading
    Surname: [(("",), ("Иванов", "", ""), "missing"),
              (("Иванов",), ("Петров", "", ""), "different"),
              (("Иванов",), ("Петров", "Иванов", ""), "conflict"),
              (("Иванов",), ("Иванова", "", ""), "gendered"),
              (("Константинов",), ("Константинв", "", ""), "similar"),
              (("Иванов",), ("", "Иванов", ""), "exact_folder"),
              (("Кузнецов",), ("", "Кузнецова", "Кузнецов"), "exact_folder"),  # genitive
              (("Иванов",), ("IVANOV", "", ""), "exact_name"),
              (("Иванов",), ("IVANOV", "Иванов", ""), "exact_both")],
    GivenName: [(("", ""), ("Иван", "И"), "missing"),
                (("Иван", "И"), ("Пётр", "П"), "different"),
                (("Иван", "И"), ("", "P"), "initial_mismatch"),
                (("Иван", "И"), ("", "I"), "initial_match"),
                (("Александр", "А"), ("Aleksnadr", "A"), "similar"),   # a slip
                (("Иван", "И"), ("IVAN", "I"), "exact")],
    BirthDate: [(("",), ("1960-01-02",), "missing"),
                (("1960-01-02",), ("1971-05-09",), "different"),
                (("1960-01-02",), ("1960-07-09",), "same_year"),
                (("1960-01-02",), ("1960-01-03",), "one_digit"),
                (("1956-01-02",), ("1965-01-02",), "one_digit"),    # neighbours swapped
                (("1960-01-02",), ("1960-02-01",), "swapped"),
                (("1960-01-02",), ("1960-01-02",), "exact")],
    Sex: [(("M",), ("",), "missing"), (("M",), ("F",), "different"), (("M",), ("M",), "same")],
    CaseNumber: [(("",), ("7",), "missing"), (("7",), ("8",), "different"),
                 (("7",), ("7",), "same")],
    StudyDate: [(("", ""), ("2020-01-01",), "missing"),
                (("2020-01-01", ""), ("2015-01-01",), "outside"),
                (("2020-01-01", ""), ("2020-01-05",), "fits")],
    MaidenName: [(("F", "Иванова", "anna", "Петровна", "1970-01-01"),
                  ("Смирнова", "ana", "Петровна", "1970-01-01"), "missing"),
                 (("F", "Иванова", "anna", "Петровна", "1970-01-01"),
                  ("Смирнова", "anna", "Петровна", "1970-01-01"), "pattern")],
}
CASES[Patronymic] = [((a[0] and "Иванович", a[1]), (b[0] and {"Пётр": "Петрович",
                      "IVAN": "IVANOVICH", "Aleksnadr": "Ivanvoich"}.get(b[0], b[0]), b[1]),
                      label) for a, b, label in CASES[GivenName]]


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda c: c.name)
def test_every_level_is_reachable_and_has_words_and_a_kind(comparison: Comparison) -> None:
    cases = CASES[type(comparison)]
    left = [pd.Series([c[0][i] for c in cases]) for i in range(len(comparison.record_columns))]
    right = [pd.Series([c[1][i] for c in cases]) for i in range(len(comparison.study_columns))]
    got = [comparison.level(code).label for code in comparison.compare(left, right)]
    assert got == [c[2] for c in cases]
    assert set(got) == {level.label for level in comparison.levels}     # every level reached
    for level in comparison.levels:
        assert level.kind in (AGREE, AGAINST, NO_INFO)
        if level.label != "missing":
            assert level.ru and level.en, (comparison.name, level.label)
        if level.hold:
            assert level.kind != AGREE            # only evidence against holds a pair back


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda c: c.name)
def test_categorical_columns_with_gaps_give_the_same_levels(comparison: Comparison) -> None:
    """compare_levels hands the built-in comparisons categoricals (link/coded.py); a
    missing value may be "" or absent (NaN): the levels must not change."""
    cases = CASES[type(comparison)]

    def columns(side: int, n: int, as_category: bool) -> list[pd.Series]:
        out = []
        for i in range(n):
            values = [c[side][i] or (None if k % 2 else "") for k, c in enumerate(cases)]
            series = pd.Series(values, dtype=object)
            out.append(series.astype("category") if as_category else series)
        return out

    assert comparison.reads_codes
    plain = comparison.compare(columns(0, len(comparison.record_columns), False),
                               columns(1, len(comparison.study_columns), False))
    coded = comparison.compare(columns(0, len(comparison.record_columns), True),
                               columns(1, len(comparison.study_columns), True))
    assert [comparison.level(c).label for c in coded] == [c[2] for c in cases]
    assert coded.tolist() == plain.tolist()


def test_a_level_is_named_never_numbered() -> None:
    with pytest.raises(KeyError, match="no level «exactly»"):
        Surname().code("exactly")


class FolderInitial(Comparison):
    """A toy comparison: the image's given-name initial against the record's."""

    name = "folder_initial"
    record_columns = ("given_initial",)
    study_columns = ("given_initial",)
    sheet_cells = ("img_path",)
    levels = (missing(),
              Level("different", AGAINST, "инициал в папке другой", "folder initial differs"),
              Level("same", AGREE, "инициал в папке совпадает", "folder initial agrees"))

    def compare(self, left, right):
        a, b = left[0].fillna("").to_numpy(), right[0].fillna("").to_numpy()
        out = np.where(a == b, self.code("same"), self.code("different"))
        out[(a == "") | (b == "")] = self.code("missing")
        return out.astype(np.int8)


def test_a_new_comparison_is_scored_explained_and_coloured(dataset, tmp_path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        studies = group_studies(scan(dataset.images, store, workers=1, progress=False).instances)
    records = records_frame(read_export(dataset.export).records)
    table = studies_frame(studies)
    comparisons = (*COMPARISONS, FolderInitial())
    thresholds = load_settings().thresholds
    pairs = link(records, table, thresholds, comparisons=comparisons).pairs
    assert {"folder_initial", "w_folder_initial"} <= set(pairs.columns)
    same = pairs[(pairs["folder_initial"] == FolderInitial().code("same"))
                 & (pairs["status"] != "")]
    assert len(same) and same["reason"].str.contains("инициал в папке совпадает").any()
    path = tmp_path / "review.xlsx"
    write_review(path, pairs, records, table, {s.study_instance_uid: s for s in studies},
                 thresholds, comparisons=comparisons)
    ws = load_workbook(path)["На проверку"]
    col = {c.value: c.column for c in ws[1] if c.value}
    fills = {str(ws.cell(row=r, column=col["Путь к копии"]).fill.fgColor.rgb)[-6:]
             for r in range(2, ws.max_row + 1)}
    assert {GREEN.lstrip("#"), RED.lstrip("#")} & fills
