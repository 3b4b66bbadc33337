"""Comparison features, each a small class listing its levels (as Splink declares them).

A comparison turns a (record, study) pair into one level index. Level 0 is
always "missing": neither evidence for nor against, so it carries weight 0.
Each level has a Russian phrase for the review sheet's one-line reason.
String similarity is rapidfuzz (names.similarity), plugged into recordlinkage's
Compare through `BaseCompareFeature`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from recordlinkage.base import BaseCompareFeature

from linkage.names.similarity import GENDER_PAIR_SCORE, scheme_spellings, similarity_many

SIMILAR = 0.9   # at or above: a spelling variant, or a typo in a long name; below: another name


@dataclass(frozen=True)
class Level:
    label: str
    reason: str                  # Russian, for the review sheet


class Comparison:
    """A named comparison over some record columns and some study columns."""

    name: str = ""
    record_columns: tuple[str, ...] = ()
    study_columns: tuple[str, ...] = ()
    levels: tuple[Level, ...] = ()
    neutral_levels: tuple[str, ...] = ("missing",)   # levels that weigh nothing
    tf_levels: tuple[str, ...] = ()  # levels whose weight is adjusted by term frequency
    # u among random pairs of the same sex: given names and patronymics are gendered,
    # and candidate pairs (blocked on gendered surnames) are nearly always same-sex.
    same_sex_u: bool = False
    tf_column: str | None = None     # record column holding the value for that

    def level_index(self, label: str) -> int:
        return [lv.label for lv in self.levels].index(label)

    def compare(self, left: list[pd.Series], right: list[pd.Series]) -> np.ndarray:
        raise NotImplementedError

    def feature(self) -> BaseCompareFeature:
        """This comparison as a recordlinkage feature."""
        return _Feature(self)


class _Feature(BaseCompareFeature):
    def __init__(self, comparison: Comparison):
        super().__init__(list(comparison.record_columns), list(comparison.study_columns),
                         label=comparison.name)
        self.comparison = comparison

    def _compute_vectorized(self, *args):
        n_left = len(self.comparison.record_columns)
        left, right = list(args[:n_left]), list(args[n_left:])
        return self.comparison.compare(left, right)


def _values(series: pd.Series) -> list[str]:
    return series.fillna("").astype(str).tolist()


def _present(values: list[str]) -> np.ndarray:
    return np.array([bool(v) for v in values], dtype=bool)


class _NameWord(Comparison):
    """Full word against full word, initials when one side has only an initial."""

    levels = (Level("missing", "{what} не указано"), Level("different", "{what} другое"),
              Level("initial_mismatch", "инициал {what_gen} другой"),
              Level("initial_match", "инициал {what_gen} совпадает"),
              Level("similar", "{what} похоже"), Level("exact", "{what} совпадает"))
    what = ""

    def compare(self, left, right):
        rec_word, rec_initial = _values(left[0]), _values(left[1])
        img_word, img_initial = _values(right[0]), _values(right[1])
        sim = similarity_many(rec_word, img_word)
        both = _present(rec_word) & _present(img_word)
        out = np.where(sim >= 1.0, 5, np.where(sim >= SIMILAR, 4, 1)).astype(np.int8)
        out[~both] = 0
        initials = np.flatnonzero(~both & (_present(rec_word) | _present(rec_initial))
                                  & (_present(img_word) | _present(img_initial)))
        cache: dict[tuple[str, str], bool] = {}
        for i in initials:
            key = (rec_word[i] or rec_initial[i], img_initial[i] or img_word[i][:1])
            if key not in cache:
                cache[key] = initials_agree(*key)
            out[i] = 3 if cache[key] else 2
        return out


def initials_agree(record_word: str, image_initial: str) -> bool:
    """Does a (Latin or Cyrillic) initial fit the record's word in some scheme?"""
    if not record_word or not image_initial:
        return False
    initial = image_initial[:1].upper()
    if record_word[:1].upper() == initial:
        return True
    if len(record_word) == 1:
        return False
    return any(s[:1].upper() == initial for s in scheme_spellings(record_word))


class GivenName(_NameWord):
    name = "given_name"
    same_sex_u = True
    record_columns = ("given_name", "given_initial")
    study_columns = ("given_name", "given_initial")
    tf_levels, tf_column = ("exact",), "given_canon"
    levels = tuple(Level(lv.label, lv.reason.format(what="имя", what_gen="имени"))
                   for lv in _NameWord.levels)


class Patronymic(_NameWord):
    name = "patronymic"
    same_sex_u = True
    tf_levels, tf_column = ("exact",), "patronymic_canon"
    record_columns = ("patronymic", "patronymic_initial")
    study_columns = ("patronymic", "patronymic_initial")
    levels = tuple(Level(lv.label, lv.reason.format(what="отчество", what_gen="отчества"))
                   for lv in _NameWord.levels)


class Surname(Comparison):
    """The record's surname against the image's two witnesses of it: the DICOM name
    and the folder name. They are one comparison, not two: a folder is named after
    the DICOM name, so counting both would count one piece of evidence twice."""

    name = "surname"
    record_columns = ("surname",)
    study_columns = ("surname", "folder_surname")
    tf_levels, tf_column = ("exact_both", "exact_name", "exact_folder"), "surname_canon"
    levels = (Level("missing", "фамилии нет ни в снимке, ни в имени папки"),
              Level("different", "фамилия другая"),
              Level("conflict", "фамилия в снимке и в имени папки разные"),
              Level("gendered", "фамилия в другом роде"),
              Level("similar", "фамилия похожа"),
              Level("exact_folder", "фамилия совпадает с именем папки (в снимке её нет)"),
              Level("exact_name", "фамилия в снимке совпадает"),
              Level("exact_both", "фамилия совпадает и в снимке, и в имени папки"))

    def compare(self, left, right):
        rec, img, folder = _values(left[0]), _values(right[0]), _values(right[1])
        name = similarity_many(rec, img)
        folder_sim = similarity_many(rec, folder)
        has_rec, has_img, has_folder = _present(rec), _present(img), _present(folder)
        name_exact = has_img & (name >= 1.0)
        folder_exact = has_folder & (folder_sim >= 1.0)
        best = np.maximum(np.where(has_img, name, 0.0), np.where(has_folder, folder_sim, 0.0))
        gendered = (name == GENDER_PAIR_SCORE) | (folder_sim == GENDER_PAIR_SCORE)
        out = np.select(
            [~has_rec | ~(has_img | has_folder),
             name_exact & folder_exact,
             name_exact,
             has_img & (name < SIMILAR) & (name != GENDER_PAIR_SCORE) & folder_exact,
             ~has_img & folder_exact,
             best >= SIMILAR,
             gendered],
            [0, 7, 6, 2, 5, 4, 3], default=1)
        return out.astype(np.int8)


class BirthDate(Comparison):
    name = "birth_date"
    record_columns = ("birth_date",)
    study_columns = ("birth_date",)
    levels = (Level("missing", "дата рождения не указана"),
              Level("different", "дата рождения другая"),
              Level("same_year", "год рождения совпадает"),
              Level("one_digit", "дата рождения отличается одной цифрой"),
              Level("swapped", "дата рождения: день и месяц переставлены"),
              Level("exact", "дата рождения совпадает"))

    def compare(self, left, right):
        a, b = _date_digits(left[0]), _date_digits(right[0])
        missing = (a == 0).all(axis=1) | (b == 0).all(axis=1)
        differ = (a != b).sum(axis=1)
        same_year = (a[:, :4] == b[:, :4]).all(axis=1)
        swapped = same_year & (a[:, 4:6] == b[:, 6:8]).all(axis=1) & \
            (a[:, 6:8] == b[:, 4:6]).all(axis=1)
        out = np.select([missing, differ == 0, swapped, differ == 1, same_year],
                        [0, 5, 4, 3, 2], default=1)
        return out.astype(np.int8)


def _date_digits(series: pd.Series) -> np.ndarray:
    """ISO dates as an (n, 8) array of digit bytes, zeros where missing: compared
    position by position (one digit off, day and month swapped) without a loop."""
    text = series.fillna("").astype(str).str.replace("-", "", regex=False)
    text = text.where(text.str.len() == 8, "")
    raw = np.frombuffer("".join(t or "\0" * 8 for t in text).encode("ascii"), dtype=np.uint8)
    return raw.reshape(len(text), 8) if len(text) else np.zeros((0, 8), dtype=np.uint8)


class Sex(Comparison):
    """Disagreement is strong evidence; agreement is none, since a gendered surname
    already says the sex (Иванова is a woman whoever she is)."""

    name = "sex"
    neutral_levels = ("missing", "same")
    record_columns = ("sex",)
    study_columns = ("sex",)
    levels = (Level("missing", "пол в снимке не указан"), Level("different", "пол другой"),
              Level("same", "пол совпадает"))

    def compare(self, left, right):
        return _equality_levels(left[0], right[0])


def _equality_levels(left: pd.Series, right: pd.Series) -> np.ndarray:
    """0 missing, 1 different, 2 equal."""
    a = left.fillna("").astype(str).to_numpy()
    b = right.fillna("").astype(str).to_numpy()
    out = np.where(a == b, 2, 1).astype(np.int8)
    out[(a == "") | (b == "")] = 0
    return out


class CaseNumber(Comparison):
    name = "case_number"
    record_columns = ("case_key",)
    study_columns = ("case_key",)
    levels = (Level("missing", ""), Level("different", "PatientID не номер истории болезни"),
              Level("same", "PatientID = номер истории болезни"))

    def compare(self, left, right):
        return _equality_levels(left[0], right[0])


class StudyDate(Comparison):
    """Does the study date fall near an admission or after a surgery? Evidence when
    it fits; a study years away is still possible, so it never vetoes alone."""

    name = "study_date"
    record_columns = ("admission_date", "surgery_date")
    study_columns = ("study_date",)
    levels = (Level("missing", ""), Level("outside", "дата снимка далеко от госпитализации"),
              Level("fits", "дата снимка рядом с госпитализацией"))
    BEFORE_ADMISSION, AFTER_ADMISSION, AFTER_SURGERY = 120, 60, 730

    def compare(self, left, right):
        admission, surgery, study = (_day_numbers(s) for s in (left[0], left[1], right[0]))
        near_admission = (study - admission >= -self.BEFORE_ADMISSION) & \
            (study - admission <= self.AFTER_ADMISSION)
        near_surgery = (study - surgery >= -self.BEFORE_ADMISSION) & \
            (study - surgery <= self.AFTER_SURGERY)
        fits = (near_admission & (admission > 0)) | (near_surgery & (surgery > 0))
        missing = (study == 0) | ((admission == 0) & (surgery == 0))
        return np.where(missing, 0, np.where(fits, 2, 1)).astype(np.int8)


def _day_numbers(series: pd.Series) -> np.ndarray:
    """ISO dates as day numbers (0 where missing), converted once per distinct date."""
    values = series.fillna("").astype(str)
    table = {d: (date.fromisoformat(d).toordinal() if d else 0) for d in values.unique()}
    return values.map(table).to_numpy(dtype=np.int64)


class MaidenName(Comparison):
    """A woman whose surname changed: other surname, same given name, patronymic
    and birth date. Neutral unless the whole pattern is there."""

    name = "maiden_name"
    record_columns = ("sex", "surname", "given_canon", "patronymic", "birth_date")
    study_columns = ("surname", "given_canon", "patronymic", "birth_date")
    levels = (Level("missing", ""), Level("pattern", "возможно, фамилия сменилась (брак)"))

    def compare(self, left, right):
        sex = left[0].fillna("").to_numpy()
        rec_sur, img_sur = _values(left[1]), _values(right[0])
        rec_given = left[2].fillna("").to_numpy()
        img_given = right[1].fillna("").to_numpy()
        rec_birth = left[4].fillna("").to_numpy()
        img_birth = right[3].fillna("").to_numpy()
        candidates = np.flatnonzero((sex == "F") & (rec_given != "") & (rec_given == img_given)
                                    & (rec_birth != "") & (rec_birth == img_birth))
        out = np.zeros(len(sex), dtype=np.int8)
        if candidates.size:
            pick = candidates.tolist()
            sur = similarity_many([rec_sur[i] for i in pick], [img_sur[i] for i in pick])
            rec_pat, img_pat = _values(left[3]), _values(right[2])
            pat = similarity_many([rec_pat[i] for i in pick], [img_pat[i] for i in pick])
            both_surnames = np.array([bool(rec_sur[i] and img_sur[i]) for i in pick])
            out[candidates[both_surnames & (sur < SIMILAR) & (pat >= 1.0)]] = 1
        return out


COMPARISONS: tuple[Comparison, ...] = (
    Surname(), GivenName(), Patronymic(), BirthDate(), Sex(), CaseNumber(), StudyDate(),
    MaidenName(),
)
