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
        out = np.zeros(len(rec_word), dtype=np.int8)
        for i, score in enumerate(sim):
            if rec_word[i] and img_word[i]:
                out[i] = 5 if score >= 1.0 else 4 if score >= SIMILAR else 1
            elif (rec_word[i] or rec_initial[i]) and (img_word[i] or img_initial[i]):
                out[i] = 3 if initials_agree(rec_word[i] or rec_initial[i],
                                             img_initial[i] or img_word[i][:1]) else 2
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
        name_sim = similarity_many(rec, img)
        folder_sim = similarity_many(rec, folder)
        out = np.zeros(len(rec), dtype=np.int8)
        for i in range(len(rec)):
            out[i] = _surname_level(bool(rec[i]), bool(img[i]), bool(folder[i]),
                                    name_sim[i], folder_sim[i])
        return out


def _surname_level(has_rec: bool, has_img: bool, has_folder: bool, name: float,
                   folder: float) -> int:
    if not has_rec or not (has_img or has_folder):
        return 0
    if has_img and name >= 1.0:
        return 7 if has_folder and folder >= 1.0 else 6
    if has_img and name < SIMILAR and name != GENDER_PAIR_SCORE and has_folder and folder >= 1.0:
        return 2
    if not has_img and folder >= 1.0:
        return 5
    best = max(name if has_img else 0.0, folder if has_folder else 0.0)
    if best >= SIMILAR:
        return 4
    if GENDER_PAIR_SCORE in (name, folder):
        return 3
    return 1


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
        return np.array([_date_level(a, b) for a, b in
                         zip(_values(left[0]), _values(right[0]), strict=True)], dtype=np.int8)


def _date_level(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 5
    ya, ma, da = a.split("-")
    yb, mb, db = b.split("-")
    if ya == yb and ma == db and da == mb:
        return 4
    if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return 3
    if ya == yb:
        return 2
    return 1


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
        a, b = _values(left[0]), _values(right[0])
        return np.array([0 if not x or not y else 2 if x == y else 1
                         for x, y in zip(a, b, strict=True)], dtype=np.int8)


class CaseNumber(Comparison):
    name = "case_number"
    record_columns = ("case_key",)
    study_columns = ("case_key",)
    levels = (Level("missing", ""), Level("different", "PatientID не номер истории болезни"),
              Level("same", "PatientID = номер истории болезни"))

    def compare(self, left, right):
        a, b = _values(left[0]), _values(right[0])
        return np.array([0 if not x or not y else 2 if x == y else 1
                         for x, y in zip(a, b, strict=True)], dtype=np.int8)


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
        out = []
        for adm, surg, study in zip(_values(left[0]), _values(left[1]), _values(right[0]),
                                    strict=True):
            if not study or not (adm or surg):
                out.append(0)
                continue
            day = date.fromisoformat(study)
            fits = False
            if adm:
                delta = (day - date.fromisoformat(adm)).days
                fits = -self.BEFORE_ADMISSION <= delta <= self.AFTER_ADMISSION
            if surg and not fits:
                delta = (day - date.fromisoformat(surg)).days
                fits = -self.BEFORE_ADMISSION <= delta <= self.AFTER_SURGERY
            out.append(2 if fits else 1)
        return np.array(out, dtype=np.int8)


class MaidenName(Comparison):
    """A woman whose surname changed: other surname, same given name, patronymic
    and birth date. Neutral unless the whole pattern is there."""

    name = "maiden_name"
    record_columns = ("sex", "surname", "given_canon", "patronymic", "birth_date")
    study_columns = ("surname", "given_canon", "patronymic", "birth_date")
    levels = (Level("missing", ""), Level("pattern", "возможно, фамилия сменилась (брак)"))

    def compare(self, left, right):
        sex = _values(left[0])
        rec_sur, img_sur = _values(left[1]), _values(right[0])
        sur_sim = similarity_many(rec_sur, img_sur)
        pat_sim = similarity_many(_values(left[3]), _values(right[2]))
        out = np.zeros(len(sex), dtype=np.int8)
        rec_given, img_given = _values(left[2]), _values(right[1])
        rec_birth, img_birth = _values(left[4]), _values(right[3])
        for i in range(len(sex)):
            if (sex[i] == "F" and rec_sur[i] and img_sur[i] and sur_sim[i] < SIMILAR
                    and rec_given[i] and rec_given[i] == img_given[i] and pat_sim[i] >= 1.0
                    and rec_birth[i] and rec_birth[i] == img_birth[i]):
                out[i] = 1
        return out


COMPARISONS: tuple[Comparison, ...] = (
    Surname(), GivenName(), Patronymic(), BirthDate(), Sex(), CaseNumber(), StudyDate(),
    MaidenName(),
)
