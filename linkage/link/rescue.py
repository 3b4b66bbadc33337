"""Rules that rescue recall: pairs that score too low to be shown, yet hold what a
person would look for. Each may send a pair to the sheet; none can make a link
(docs/architecture.md, "What an automatic link rests on": a rule that rescues recall
never opens a path to `auto`). Their conditions are also what `status.within_reach`
keeps of a chunk's pairs (`could_ask`).
"""

from __future__ import annotations

import numpy as np

from linkage.link.margin import SIMILAR_NAME
from linkage.link.verdict import REVIEW, Context, Verdict
from linkage.names.conventions import translated_given
from linkage.names.similarity import similarity_many


def could_ask(ctx: Context, reached: np.ndarray) -> np.ndarray:
    """The pairs, of those not `reached` otherwise, that a rescue below could send to
    the sheet whatever the other pairs are (`status.within_reach`)."""
    reach = reached | _folder_evidence(ctx) | _unnamed_born_that_day(ctx) | \
        _woman_renamed(ctx)
    return (reach & ~reached) | _names_crossed(ctx, ~reach)


def folder_evidence(ctx: Context, v: Verdict) -> None:
    """An anonymised study known only by its folder: the folder's surname, its given
    name or initial, and a study date near the record's stay are evidence enough to
    ask, whatever the score (with many people, such pairs score low)."""
    enough = _folder_evidence(ctx) & (v.status == "")
    v.set(enough, REVIEW, "folder_evidence", "имя только в названии папки")


def _folder_evidence(ctx: Context) -> np.ndarray:
    return ctx.at("surname", "exact_folder") & \
        ctx.at("given_name", "exact", "similar", "initial_match") & ctx.at("study_date", "fits")


def unnamed_born_that_day(ctx: Context, v: Verdict) -> None:
    """An image without a name of its own (anonymised, perhaps filed in a relative's
    folder) whose birth date is the record's and whose study date lies near the stay:
    the birth date and the stay are all there is, enough to ask (such pairs score
    low), never to link (`no_name`, `auto_evidence`)."""
    v.set(_unnamed_born_that_day(ctx) & (v.status == ""), REVIEW, "unnamed_born_that_day",
          "в снимке нет имени: дата рождения совпадает, снимок рядом с госпитализацией")


def _unnamed_born_that_day(ctx: Context) -> np.ndarray:
    return (ctx.study_values("surname") == "") & ctx.at("birth_date", "exact") & \
        ctx.at("study_date", "fits")


def maiden_name_near_stay(ctx: Context, v: Verdict) -> None:
    """A study nothing else explains, of a woman whose given name and patronymic are the
    record's, made near her stay, with another surname and no birth date against it: her
    images may carry her maiden name (or her record her married one). Asked, never
    linked. When, without a birth date, the study has another pair that agrees on all
    this one does and on the surname too, that pair explains it: not asked (a small
    registry may score such a pair high)."""
    renamed = _woman_renamed(ctx) & np.isin(v.status, ["", REVIEW])
    dominant = (v.status != "") & ~renamed & \
        ctx.at("surname", "exact_name", "exact_both", "exact_folder", "similar") & \
        ctx.at("given_name", "exact", "similar") & ctx.at("study_date", "fits")
    explained = _studies_with_a_pair(ctx, dominant)
    v.set(renamed & ~explained & (v.status == ""), REVIEW, "maiden_name_near_stay",
          "фамилия другая (девичья?): имя и отчество совпадают, снимок рядом с "
          "госпитализацией")
    v.set(renamed & explained & ctx.at("birth_date", "missing") & (v.status == REVIEW), "",
          "maiden_name_near_stay", "у снимка есть пара лучше: та же фамилия, имя, время")


def _woman_renamed(ctx: Context) -> np.ndarray:
    woman = (ctx.record_values("sex") != "M") & (ctx.study_values("sex") != "M")
    return woman & ctx.at("surname", "different", "conflict") & \
        ctx.at("given_name", "exact") & ctx.at("patronymic", "exact", "similar") & \
        ctx.at("study_date", "fits") & \
        ctx.at("birth_date", "missing", "exact", "swapped", "one_digit")


def _studies_with_a_pair(ctx: Context, pairs: np.ndarray) -> np.ndarray:
    """Per pair: is its study among those of the marked `pairs`?"""
    shown = np.zeros(len(ctx.studies), dtype=bool)
    shown[ctx.study_rows[pairs]] = True
    return shown[ctx.study_rows]


def other_word_order(ctx: Context, v: Verdict) -> None:
    """The same birth date, and the image's surname and given name are the record's
    given name and surname: a name read in the other order (a foreign clinic's «Given
    Surname» taken for «Surname Given»). Asked, never automatic: a recall rescue."""
    v.set(_names_crossed(ctx, v.status == ""), REVIEW, "other_word_order",
          "в снимке имя и фамилия, похоже, переставлены")


def _names_crossed(ctx: Context, among: np.ndarray) -> np.ndarray:
    """Pairs (of those marked in `among`) born the same day whose image surname is the
    record's given name and image given name the record's surname."""
    rows = np.flatnonzero(among & ctx.at("birth_date", "exact") & ctx.at("surname", "different")
                          & ctx.at("given_name", "different"))
    crossed = np.zeros(len(ctx.scored), dtype=bool)
    if not rows.size:
        return crossed
    surname = similarity_many(ctx.record_values("surname")[rows].tolist(),
                              ctx.study_values("given_name")[rows].tolist())
    given = similarity_many(ctx.record_values("given_name")[rows].tolist(),
                            [translated_given(w) for w in
                             ctx.study_values("surname")[rows].tolist()])
    crossed[rows[(surname >= SIMILAR_NAME) & (given >= SIMILAR_NAME)]] = True
    return crossed
