"""Comparison features, each a small class listing its levels (as Splink declares them).

A comparison turns a (record, study) pair into one level. A `Level` carries all
that its meaning decides elsewhere: whether it is agreement, evidence against or
no information (the sheet's colour), whether it weighs at all, whether its weight
is adjusted by term frequency, whether it holds a pair back from automatic
acceptance (and with which words), and its reason in Russian and English. Level
codes are positions in `levels`, but code only ever names them
(`self.code("exact")`), so reordering a tuple cannot silently change a result.

Adding a comparison is one class here (plus its columns in link.identity): the
scoring, the explanation, the holds and the sheet's colours read the declarations.
String similarity is rapidfuzz (names.similarity), plugged into recordlinkage's
Compare through `BaseCompareFeature`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from linkage.link.coded import Coded, coded, common, day_numbers
from linkage.link.levels import (  # noqa: F401 - the declarations' vocabulary
    AGAINST,
    AGREE,
    NO_INFO,
    Comparison,
    Level,
    missing,
)
from linkage.names.canon import canonical_token, has_cyrillic
from linkage.names.conventions import translated_given
from linkage.names.schemes import spell_all
from linkage.names.similarity import (
    GENDER_PAIR_SCORE,
    one_typo_many,
    scheme_spellings,
    similarity_many,
)

SIMILAR = 0.9   # at or above: a spelling variant, or a typo in a long name; below: another name

def name_similarity(left: Coded, right: Coded) -> np.ndarray:
    """Similarity of name words, one typing slip counted as "similar": a name typed
    by hand in the registry (or at the scanner) is the same name. Computed once per
    distinct pair of words: candidate pairs repeat the same two names many times (a
    common surname against each of its namesakes)."""
    if not len(left.codes):
        return np.zeros(0, dtype=np.float64)
    width = len(right.words)
    position, distinct = pd.factorize(left.codes * width + right.codes)
    rows, columns = distinct // width, distinct % width
    canon = (_canonical(left.words)[rows], _canonical(right.words)[columns])
    return _word_similarity(left.words[rows].tolist(), right.words[columns].tolist(),
                            canon)[position]


def spell_ahead(records: pd.DataFrame) -> None:
    """Spell the records' Cyrillic name words and initials in every transliteration
    scheme now (names.schemes keeps the spellings): the name comparisons look most of
    them up, against the images' Latin names. The job does it while the folder is scanned
    (linkage/run/schedule.py), so that the link stage does not wait for it."""
    words: set[str] = set()
    for column in ("surname", "given_name", "patronymic", "given_initial",
                   "patronymic_initial"):
        if column in records:
            words.update(w for w in records[column].dropna().unique().tolist()
                         if isinstance(w, str) and has_cyrillic(w))
    spell_all(sorted(words))


def _canonical(words: np.ndarray) -> np.ndarray:
    """Canonical forms of a vocabulary (its words once each)."""
    return np.array([canonical_token(w) for w in words.tolist()], dtype=object)


def _word_similarity(left: list[str], right: list[str],
                     canon: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    sim = similarity_many(left, right, canon)
    slips = one_typo_many(left, right, np.where(sim < SIMILAR, sim, 0.0), canon)
    sim[slips] = SIMILAR
    double = [i for i in np.flatnonzero(sim < 1.0) if "-" in left[i] or "-" in right[i]]
    if double:                  # a double surname: each part is usable alone
        parts = [(i, a, b) for i in double for a in left[i].split("-")
                 for b in right[i].split("-") if a and b]
        part_sim = similarity_many([a for _, a, _ in parts], [b for _, _, b in parts])
        for (i, _, _), value in zip(parts, part_sim, strict=True):
            sim[i] = max(sim[i], value)
    return sim


class _NameWord(Comparison):
    """Full word against full word, initials when one side has only an initial."""

    reads_codes = True

    what, what_gen, what_en = "", "", ""

    @classmethod
    def declare(cls) -> tuple[Level, ...]:
        w, g, e = cls.what, cls.what_gen, cls.what_en
        return (missing(),
                Level("different", AGAINST, f"{w} другое", f"{e} differs",
                      hold=f"{w} другое"),
                Level("initial_mismatch", AGAINST, f"инициал {g} другой",
                      f"{e} initial differs", hold=f"{w} другое"),
                Level("initial_match", AGREE, f"инициал {g} совпадает", f"{e} initial agrees"),
                Level("similar", AGREE, f"{w} похоже", f"{e} similar"),
                Level("exact", AGREE, f"{w} совпадает", f"{e} agrees", tf=True))

    def compare(self, left, right):
        rec_word, rec_initial = coded(left[0]), coded(left[1])
        img_word, img_initial = coded(right[0]), coded(right[1])
        sim = name_similarity(rec_word, img_word)
        has_rec, has_img = rec_word.present(), img_word.present()
        both = has_rec & has_img
        out = np.select([~both, sim >= 1.0, sim >= SIMILAR],
                        self.codes("missing", "exact", "similar"),
                        default=self.code("different")).astype(np.int8)
        initials = np.flatnonzero(~both & (has_rec | rec_initial.present())
                                  & (has_img | img_initial.present()))
        if not initials.size:
            return out
        # a word where there is one, else its initial
        rec_key = np.where(has_rec[initials], rec_word.values(initials),
                           rec_initial.values(initials))
        img_key = np.where(has_img[initials], img_word.values(initials),
                           img_initial.values(initials))
        cache: dict[tuple[str, str], bool] = {}
        agree, disagree = self.codes("initial_match", "initial_mismatch")
        for i, a, b in zip(initials.tolist(), rec_key.tolist(), img_key.tolist(),
                           strict=True):
            key = (a, b)
            if key not in cache:
                cache[key] = initials_agree(*key)
            out[i] = agree if cache[key] else disagree
        return out


def initials_agree(left: str, right: str) -> bool:
    """Do two words (either may be just an initial) start with the same letter in
    some script and scheme? А/Anna, Ю/Yuliya/Iuliia/Julia, Х/Kh/H, Ж/Zh, Е/Ye/E."""
    if not left or not right:
        return False
    return bool(_initials(left) & _initials(right))


@lru_cache(maxsize=50_000)
def _initials(word: str) -> frozenset[str]:
    letters = {word[:1].upper().replace("Ё", "Е")}
    if has_cyrillic(word):
        letters.update(s[:1].upper() for s in scheme_spellings(word))
    if len(word) > 1:
        letters.add(canonical_token(word)[:1].upper())
    letters.discard("")
    return frozenset(letters)


class GivenName(_NameWord):
    name = "given_name"
    same_sex_u = True
    record_columns = ("given_name", "given_initial")
    study_columns = ("given_name", "given_initial")
    tf_column = "given_canon"
    what, what_gen, what_en = "имя", "имени", "given name"
    slip_reason = ("опечатка в имени", "a typo in the given name")

    def compare(self, left, right):
        """A given name another language translated (Eugene, Nicholas) is compared as
        the Russian name it stands for."""
        images = right[0]
        translated = {w: translated_given(w) for w in pd.unique(images.dropna())
                      if isinstance(w, str) and translated_given(w) != w}
        if translated:
            mapped = images.map(translated)
            images = mapped.where(mapped.notna(), images)
        return super().compare(left, (images, *right[1:]))


class Patronymic(_NameWord):
    name = "patronymic"
    same_sex_u = True
    tf_column = "patronymic_canon"
    record_columns = ("patronymic", "patronymic_initial")
    study_columns = ("patronymic", "patronymic_initial")
    what, what_gen, what_en = "отчество", "отчества", "patronymic"
    slip_reason = ("опечатка в отчестве", "a typo in the patronymic")


GivenName.levels = GivenName.declare()
Patronymic.levels = Patronymic.declare()


class Surname(Comparison):
    """The record's surname against the image's two witnesses of it: the DICOM name
    and the folder name. They are one comparison, not two: a folder is named after
    the DICOM name, so counting both would count one piece of evidence twice."""

    name = "surname"
    reads_codes = True
    slip_reason = ("опечатка в фамилии", "a typo in the surname")
    record_columns = ("surname",)
    study_columns = ("surname", "folder_surname", "folder_surname_also")
    tf_column = "surname_canon"
    sheet_cells = ("rec_name", "img_name")
    levels = (missing(),
              # Given name + patronymic + birth date is no identity (men with common
              # names share them): two different surnames are never linked unseen.
              Level("different", AGAINST, "фамилия другая", "surname differs",
                    hold="фамилии разные"),
              Level("conflict", AGAINST, "фамилия в снимке и в имени папки разные",
                    "surname in the image and in the folder name differ",
                    hold="фамилия в снимке и в имени папки разные"),
              Level("gendered", NO_INFO, "фамилия в другом роде", "surname in the other gender"),
              Level("similar", AGREE, "фамилия похожа", "surname similar", scheme=True),
              Level("exact_folder", AGREE, "фамилия совпадает с именем папки (в снимке её нет)",
                    "surname agrees with the folder name (none in the image)", tf=True,
                    trains=True),
              Level("exact_name", AGREE, "фамилия в снимке совпадает",
                    "surname in the image agrees", tf=True, scheme=True, trains=True),
              Level("exact_both", AGREE, "фамилия совпадает и в снимке, и в имени папки",
                    "surname agrees in the image and the folder name", tf=True, scheme=True,
                    trains=True))

    def cell_kinds(self, code: int) -> dict[str, str]:
        """The folder cell too: green when the folder's surname agrees, red on a conflict."""
        kinds = super().cell_kinds(code)
        label = self.level(code).label
        if label in ("exact_both", "exact_folder"):
            kinds["img_folder"] = AGREE
        elif label == "conflict":
            kinds["img_folder"] = AGAINST
        return kinds

    def compare(self, left, right):
        rec = coded(left[0])
        n = len(rec.codes)
        # «Снимки Кузнецова»: Кузнецов's too (names/parse.py)
        also = coded(right[2]) if len(right) > 2 else coded(pd.Series([""] * n))
        img, folder, also = common(coded(right[0]), coded(right[1]), also)
        rows = np.flatnonzero(also.present())
        # one call over one vocabulary: the folder usually repeats the DICOM surname,
        # so the three columns share most of their distinct pairs of words
        sims = name_similarity(
            Coded(np.concatenate([rec.codes, rec.codes, rec.codes[rows]]), rec.words),
            Coded(np.concatenate([img.codes, folder.codes, also.codes[rows]]), img.words))
        name, folder_sim = sims[:n], sims[n:2 * n].copy()
        if rows.size:
            folder_sim[rows] = np.maximum(folder_sim[rows], sims[2 * n:])
        has_rec, has_img, has_folder = rec.present(), img.present(), folder.present()
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
            self.codes("missing", "exact_both", "exact_name", "conflict", "exact_folder",
                       "similar", "gendered"), default=self.code("different"))
        return out.astype(np.int8)


class BirthDate(Comparison):
    name = "birth_date"
    reads_codes = True
    record_columns = ("birth_date",)
    study_columns = ("birth_date",)
    sheet_cells = ("rec_birth", "img_birth")
    levels = (missing("дата рождения не указана", "birth date missing"),
              Level("different", AGAINST, "дата рождения другая", "birth date differs",
                    hold="дата рождения другая"),
              Level("same_year", NO_INFO, "год рождения совпадает", "birth year agrees",
                    hold="дата рождения другая"),
              Level("one_digit", AGREE, "дата рождения: одна опечатка",
                    "birth date one typo off"),
              Level("swapped", AGREE, "дата рождения: день и месяц переставлены",
                    "birth date with day and month swapped"),
              Level("exact", AGREE, "дата рождения совпадает", "birth date agrees", trains=True))

    def compare(self, left, right):
        a, b = _date_digits(left[0]), _date_digits(right[0])
        missing = (a == 0).all(axis=1) | (b == 0).all(axis=1)
        differ = (a != b).sum(axis=1)
        same_year = (a[:, :4] == b[:, :4]).all(axis=1)
        swapped = same_year & (a[:, 4:6] == b[:, 6:8]).all(axis=1) & \
            (a[:, 6:8] == b[:, 4:6]).all(axis=1)
        # two neighbouring digits typed the other way round (1965 for 1956): one slip
        neighbours = np.zeros(len(a), dtype=bool)
        for i in range(7):
            neighbours |= (a[:, i] != a[:, i + 1]) & (a[:, i] == b[:, i + 1]) & \
                (a[:, i + 1] == b[:, i])
        one_slip = (differ == 1) | ((differ == 2) & neighbours)
        out = np.select([missing, differ == 0, swapped, one_slip, same_year],
                        self.codes("missing", "exact", "swapped", "one_digit", "same_year"),
                        default=self.code("different"))
        return out.astype(np.int8)


def _date_digits(series: pd.Series) -> np.ndarray:
    """ISO dates as an (n, 8) array of digit bytes, zeros where missing: compared
    position by position (one digit off, day and month swapped) without a loop."""
    dates = coded(series)
    digits = [d.replace("-", "") for d in dates.words]
    raw = "".join(d if len(d) == 8 and d.isascii() else "\0" * 8 for d in digits)
    table = np.frombuffer(raw.encode("ascii"), dtype=np.uint8).reshape(len(dates.words), 8)
    return table[dates.codes]          # once per distinct date, then by position


class Sex(Comparison):
    """Disagreement is strong evidence; agreement is none, since a gendered surname
    already says the sex (Иванова is a woman whoever she is)."""

    name = "sex"
    reads_codes = True
    record_columns = ("sex",)
    study_columns = ("sex",)
    sheet_cells = ("rec_sex", "img_sex")
    levels = (missing("пол в снимке не указан", "sex missing in the image"),
              Level("different", AGAINST, "пол другой", "sex differs", hold="пол другой"),
              Level("same", AGREE, "пол совпадает", "sex agrees", weighs=False))

    def compare(self, left, right):
        return _equality_levels(self, left[0], right[0])


def _equality_levels(comparison: Comparison, left: pd.Series, right: pd.Series) -> np.ndarray:
    """missing / different / same, for comparisons of one field by equality."""
    a, b = common(coded(left), coded(right))
    out = np.where(a.codes == b.codes, comparison.code("same"),
                   comparison.code("different")).astype(np.int8)
    out[~a.present() | ~b.present()] = comparison.code("missing")
    return out


class CaseNumber(Comparison):
    name = "case_number"
    reads_codes = True
    record_columns = ("case_key",)
    study_columns = ("case_key",)
    sheet_cells = ("rec_case", "img_id")
    levels = (missing(),
              Level("different", AGAINST, "PatientID не номер истории болезни",
                    "PatientID is not the case number"),
              Level("same", AGREE, "PatientID = номер истории болезни",
                    "PatientID = case number", trains=True))

    def compare(self, left, right):
        return _equality_levels(self, left[0], right[0])


class StudyDate(Comparison):
    """Does the study date fall near an admission or after a surgery? Evidence when
    it fits; a study years away is still possible, so it never vetoes alone."""

    name = "study_date"
    reads_codes = True
    record_columns = ("admission_date", "surgery_date")
    study_columns = ("study_date",)
    sheet_cells = ("img_date", "rec_admission", "rec_surgery", "img_days", "img_days_surgery")
    levels = (missing(),
              Level("outside", AGAINST, "дата снимка далеко от госпитализации",
                    "study date far from the stay"),
              Level("fits", AGREE, "дата снимка рядом с госпитализацией",
                    "study date near the stay"))
    BEFORE_ADMISSION, AFTER_ADMISSION, AFTER_SURGERY = 120, 60, 730

    def compare(self, left, right):
        admission, surgery, study = (day_numbers(s) for s in (left[0], left[1], right[0]))
        near_admission = (study - admission >= -self.BEFORE_ADMISSION) & \
            (study - admission <= self.AFTER_ADMISSION)
        near_surgery = (study - surgery >= -self.BEFORE_ADMISSION) & \
            (study - surgery <= self.AFTER_SURGERY)
        fits = (near_admission & (admission > 0)) | (near_surgery & (surgery > 0))
        missing = (study == 0) | ((admission == 0) & (surgery == 0))
        return np.select([missing, fits], self.codes("missing", "fits"),
                         default=self.code("outside")).astype(np.int8)


class MaidenName(Comparison):
    """A woman whose surname changed: other surname, same given name, patronymic
    and birth date. Neutral unless the whole pattern is there."""

    name = "maiden_name"
    reads_codes = True
    record_columns = ("sex", "surname", "given_canon", "patronymic", "birth_date")
    study_columns = ("surname", "given_canon", "patronymic", "birth_date")
    levels = (missing(),
              Level("pattern", AGREE, "возможно, фамилия сменилась (брак)",
                    "surname may have changed (marriage)"))

    def compare(self, left, right):
        sex = coded(left[0])
        rec_given, img_given = common(coded(left[2]), coded(right[1]))
        rec_birth, img_birth = common(coded(left[4]), coded(right[3]))
        woman = (sex.words == "F")[sex.codes]
        candidates = np.flatnonzero(woman & rec_given.present()
                                    & (rec_given.codes == img_given.codes)
                                    & rec_birth.present() & (rec_birth.codes == img_birth.codes))
        out = np.full(len(sex.codes), self.code("missing"), dtype=np.int8)
        if candidates.size:
            rec_sur, img_sur = coded(left[1]), coded(right[0])
            sur = similarity_many(rec_sur.values(candidates).tolist(),
                                  img_sur.values(candidates).tolist())
            rec_pat, img_pat = coded(left[3]), coded(right[2])
            pat = name_similarity(Coded(rec_pat.codes[candidates], rec_pat.words),
                                  Coded(img_pat.codes[candidates], img_pat.words))
            both_surnames = rec_sur.present()[candidates] & img_sur.present()[candidates]
            out[candidates[both_surnames & (sur < SIMILAR) & (pat >= SIMILAR)]] = \
                self.code("pattern")
        return out


COMPARISONS: tuple[Comparison, ...] = (
    Surname(), GivenName(), Patronymic(), BirthDate(), Sex(), CaseNumber(), StudyDate(),
    MaidenName(),
)
