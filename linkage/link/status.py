"""A pair's status, decided in one place: an ordered list of named rules.

Thresholds alone are not enough. Evidence against a pair (an exact name with
another birth date, another given name), namesakes without a birth date, a name
known only from a folder, and a study that fits two people about equally go to a
person even when the score is high. A contradicted pair whose study is clearly
another person's automatic link is explained away and not asked. Last, what
people decided overrides everything (unless the record or the study changed since).

Each rule is a small function over a `Verdict` (`link/verdict.py`); the rule that last
changed a pair's status is kept in `decided_by`, so the outputs say why. The rules
that rescue recall, which can ask but never link, are in `link/rescue.py`. This module imports
no comparison: the levels' meaning (which ones hold a pair back) comes with the
comparisons handed in, so that review and job code can import the statuses
without loading the linker.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkage.link.margin import (
    folder_names_another,
    namesake_born_near,
    undated_namesake,
)
from linkage.link.persons import namesakes_without_birth
from linkage.link.rescue import (
    could_ask,
    folder_evidence,
    maiden_name_near_stay,
    other_word_order,
    unnamed_born_that_day,
)
from linkage.link.verdict import (
    AUTO,
    CONFIRMED,
    LINKED,
    REJECTED,
    REVIEW,
    Context,
    Verdict,
)
from linkage.names.morph import two_given_names

# the statuses and the context are defined in link/verdict.py; importers find them here
__all__ = ["AUTO", "CONFIRMED", "LINKED", "REJECTED", "REVIEW", "Context", "Verdict",
           "RULES", "answered_groups", "decide", "within_reach"]

AMBIGUITY_BITS = 6.0   # two people within 2**6 = 64x of each other: too close to call


def threshold(ctx: Context, v: Verdict) -> None:
    """Score at or above `auto`: auto; at or above `review`: review; else no pair."""
    score = ctx.scored["score"].to_numpy()
    v.set(score >= ctx.thresholds.review, REVIEW, "threshold")
    v.set(score >= ctx.thresholds.auto, AUTO, "threshold")


def contradiction(ctx: Context, v: Verdict) -> None:
    """Evidence against a link that other fields outweigh is still a question for a
    person: twins share surname, birth date and patronymic but not the given name;
    namesakes share the whole name but not the birth date."""
    v.hold(ctx.contradiction != "", "contradiction", ctx.contradiction)


def folder_only(ctx: Context, v: Verdict) -> None:
    """A name read only from a folder is weak (folders sometimes hold two patients):
    without a birth date or case number agreeing, never auto."""
    weak = ctx.at("surname", "exact_folder") & ~ctx.at("birth_date", "exact", "swapped") \
        & ~ctx.at("case_number", "same")
    v.hold(weak, "folder_only", "имя только в названии папки, без даты рождения")


def no_name(ctx: Context, v: Verdict) -> None:
    """No surname on the image side at all (anonymised, the folder not a name) and no
    case number agreeing: a birth date and a sex are not an identity."""
    v.hold(ctx.at("surname", "missing") & ~ctx.at("case_number", "same"), "no_name",
           "имени нет ни в снимке, ни в названии папки")


def name_only(ctx: Context, v: Verdict) -> None:
    """Nothing but a name: no birth date on one side, no case number agreeing, and the
    study far from the record's stay. A namesake whose own record or images are not in
    the data looks exactly like this (even with a rare surname and the whole name
    agreeing), so a person should look."""
    bare = ctx.at("birth_date", "missing") & ~ctx.at("case_number", "same") \
        & ctx.at("study_date", "outside")
    if not bare.any():
        return
    v.hold(bare, "name_only", "только имя: нет даты рождения, снимок далеко от госпитализации")


def namesakes(ctx: Context, v: Verdict) -> None:
    """A full name that two people share, and no birth date to tell them apart."""
    v.hold(namesakes_without_birth(ctx.scored.index, ctx.records, ctx.studies), "namesakes",
           "тёзки, а дата рождения не указана")


def two_people(ctx: Context, v: Verdict) -> None:
    """A study that fits two persons within AMBIGUITY_BITS of each other, or a person
    other than the best one for that study, is never auto."""
    n = len(ctx.scored)
    v.close, v.not_best = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    frame = ctx.frame
    candidates = frame[v.status != ""]
    if candidates.empty:
        return
    per_person = candidates.groupby(["study", "person"])["weight"].max().reset_index()
    per_person = per_person.sort_values(["study", "weight"], ascending=[True, False])
    rank = per_person.groupby("study").cumcount()
    top = per_person[rank == 0].set_index("study")["weight"]
    second = per_person[rank == 1].set_index("study")["weight"].reindex(top.index)
    close_studies = top.index[(top - second.fillna(-np.inf)) < AMBIGUITY_BITS]
    best_person = per_person[rank == 0].set_index("study")["person"]
    v.not_best = (frame["person"] != best_person.reindex(frame["study"]).to_numpy()).to_numpy()
    v.close = frame["study"].isin(close_studies).to_numpy()
    v.hold(v.close, "two_people", "снимок подходит двум разным людям")
    v.hold(v.not_best, "two_people", "другой человек подходит к снимку лучше")


def auto_evidence(ctx: Context, v: Verdict) -> None:
    """What an automatic link rests on (docs/architecture.md): evidence that tells two
    people apart. (a) The birth date is the same, or the PatientID is the record's case
    number (day and month swapped is asked: namesakes are born so too). (b) Surname and
    given name agree: exactly, by transliteration, or by a slip that does not turn one
    name into another (Сергнй is Сергей; Алёна is not Елена); an initial tells no twins
    apart. Beside an agreeing case number, an initial or a name not written at all is
    no objection (the number identifies). (c) No other
    person comes close for the study (`two_people`, before this). However high the
    score, a pair that fails one of them is held for a person; a link that passes
    names its evidence in `decided_by`."""
    auto = v.status == AUTO
    if not auto.any():
        return
    by_birth = ctx.at("birth_date", "exact")
    by_case = ctx.at("case_number", "same")
    v.hold(ctx.at("birth_date", "swapped") & ~by_case, "auto_evidence",
           "день и месяц рождения переставлены: один человек или двое?")
    v.hold(~(by_birth | by_case), "auto_evidence",
           "ни дата рождения, ни номер истории болезни не подтверждают")
    # a case number identifies by itself: a name missing beside it is no objection
    unnamed = by_case & ctx.at("surname", "missing")
    surname = ctx.at("surname", "exact_both", "exact_name", "exact_folder", "similar") | \
        ctx.filed_under_current_name | unnamed
    v.hold(~surname, "auto_evidence", "фамилия не совпадает")
    initial = ctx.at("given_name", "initial_match")
    given = ctx.at("given_name", "exact", "similar") | \
        (by_case & ctx.at("given_name", "missing", "initial_match"))
    v.hold(initial & ~given, "auto_evidence",
           "имя только инициалом: один человек или двое (близнецы, тёзки)?")
    v.hold(~given, "auto_evidence", "имени нет или оно другое")
    v.hold(undated_namesake(ctx), "auto_evidence",
           "в регистре есть тёзка без даты рождения: он или этот человек?")
    v.hold(namesake_born_near(ctx, v.status == AUTO), "auto_evidence",
           "в регистре есть тёзка с похожей датой рождения: он или этот человек?")
    v.hold(folder_names_another(ctx, v.status == AUTO), "auto_evidence",
           "в названии папки другое имя")
    similar = np.flatnonzero((v.status == AUTO) & ctx.at("given_name", "similar"))
    if similar.size:
        pairs = zip(ctx.record_values("given_name")[similar].tolist(),
                    ctx.study_values("given_name")[similar].tolist(), strict=True)
        two = similar[[two_given_names(a, b) for a, b in pairs]]
        mask = np.zeros(len(auto), dtype=bool)
        mask[two] = True
        v.hold(mask, "auto_evidence", "похожие, но разные имена")
    passed = v.status == AUTO
    v.decided_by[passed & by_birth] = "auto_by_birth_date"
    v.decided_by[passed & ~by_birth] = "auto_by_case_number"


def follows_auto(ctx: Context, v: Verdict) -> None:
    """A study without birth date (held by name_only) whose images are one person's with
    a study linked automatically, without contradiction, to the same record: the same
    folder and the same full name, or the same PatientID and surname. The other study
    carried the birth date; this one is the same person's. Evidence moves between the
    studies of one image person, never between records: two records merged as one
    person (one full name, one birth date, perhaps by a registry typo) may still be two
    people, and each must have its own automatic link from these images."""
    # the record's own birth date: a record without one is joined to its person by
    # name alone, and a namesake's would follow another man's images
    dated = ctx.record_values("birth_date") != ""
    no_birth = (v.decided_by == "name_only") | \
        ((v.decided_by == "auto_evidence") & ctx.at("birth_date", "missing"))
    held = (v.status == REVIEW) & no_birth & dated
    if not held.any():
        return
    # the evidence: an automatic link of the same images to a record with a birth date
    # of its own (the person's, not one lent by name to a namesake's record)
    clean_auto = (v.status == AUTO) & (ctx.contradiction == "") & dated
    rows = np.flatnonzero(held | clean_auto)     # keys only where they are compared
    studies = ctx.studies.iloc[ctx.study_rows[rows]]
    name = studies["surname_canon"].where(studies["surname_canon"] != "",
                                          studies["folder_canon"]).fillna("")
    folder_person = "folder:" + studies["folder"].fillna("") + "|" + name + "|" + \
        studies["given_canon"].fillna("") + "|" + studies["patronymic_canon"].fillna("")
    case = studies["case_key"].fillna("")
    # a folder tells one person only when it is named after a person (not «Амбулаторные
    # снимки», which holds everybody's) and the whole name (a patronymic too) is in it
    whole = (studies["folder"].fillna("") != "") & (studies["folder_surname"].fillna("") != "") \
        & (studies["given_canon"].fillna("") != "") \
        & (studies["patronymic_canon"].fillna("") != "")
    image = np.full(len(held), "", dtype=object)
    image[rows] = np.where(name.to_numpy() == "", "", np.where(
        case != "", "id:" + case + "|" + name,
        np.where(whole.to_numpy(), folder_person.to_numpy(), "")))
    group = np.full(len(held), "", dtype=object)
    group[rows] = ctx.record_rows[rows].astype(str).astype(object) + "#" + image[rows]
    clean_auto &= image != ""
    promote = held & (image != "") & _among(group, group[clean_auto])
    v.set(promote, AUTO, "follows_auto")
    v.attention[promote] = ""


def explained_away(ctx: Context, v: Verdict) -> None:
    """A question about a study that is clearly another person's (an automatic link
    without contradictions, AMBIGUITY_BITS ahead of this person): twins, namesakes and
    weak pairs whose counterpart is in the registry are not asked about."""
    if v.not_best is None or v.close is None:
        return
    study = ctx.frame["study"]
    clean_auto = (v.status == AUTO) & (ctx.contradiction == "")
    explained = study[clean_auto].unique()
    # a bare name stays asked: a repeat admission without birth date and with a typo
    # is not always known as the same person, and would be lost
    asked_for_name = np.isin(v.decided_by, ["name_only", "two_people", "auto_evidence"])
    away = (v.status == REVIEW) & ~asked_for_name & v.not_best & \
        study.isin(explained).to_numpy() & ~v.close
    v.set(away, "", "explained_away", "снимок принадлежит другому человеку")


LITTLE_EVIDENCE = 0.5


def little_evidence(ctx: Context, v: Verdict) -> None:
    """A pair with little evidence for it (score under LITTLE_EVIDENCE) is asked only
    when nothing better exists for its study and for its record: otherwise it is
    noise in the sheet, nearly always two different people."""
    score = ctx.scored["score"].to_numpy()
    # an unnamed image's pair is all its study has, however well its record fits others
    weak = (v.status == REVIEW) & (score < LITTLE_EVIDENCE) & \
        (v.decided_by != "unnamed_born_that_day")
    if not weak.any():
        return
    shown = v.status != ""
    frame = pd.DataFrame({"record": ctx.record_rows, "study": ctx.study_rows,
                          "score": np.where(shown, score, -1.0)})
    best_study = frame.groupby("study")["score"].transform("max").to_numpy()
    best_record = frame.groupby("record")["score"].transform("max").to_numpy()
    better = (best_study > score) | (best_record > score)
    v.set(weak & better, "", "little_evidence", "мало общего, есть пара лучше")


def contradicted_below_auto(ctx: Context, v: Verdict) -> None:
    """Evidence against the person (another birth date, given name or patronymic) and a
    score that would not have been accepted anyway: two people who share a surname.
    A surname contradiction is kept (a maiden name looks like that)."""
    against = np.isin(ctx.contradiction, list(_personal_holds(ctx)))
    v.set(against & (v.status == REVIEW) & (v.decided_by == "threshold"), "",
          "contradicted_below_auto", "другой человек с той же фамилией")


def born_another_year(ctx: Context, v: Verdict) -> None:
    """A birth date in another year, more than one typing slip away (a digit, or two
    neighbours swapped), and no case number agreeing: a namesake, not a question,
    however well the names agree."""
    other = ctx.at("birth_date", "different") & ~ctx.at("case_number", "same")
    v.set(other & (v.status == REVIEW), "", "born_another_year",
          "тёзка: родился в другой год")


def another_man(ctx: Context, v: Verdict) -> None:
    """A man's record and images signed with another surname (not a typo, another
    scheme or the other gender's form of it), no case number agreeing: men seldom change their
    surname, so this is another man who shares given name, patronymic and birth date.
    (A woman's is asked: a maiden name looks just like this.)"""
    # the images' own surname: a folder's may be a relative's
    men = (ctx.record_values("sex") == "M") & np.isin(ctx.study_values("sex"), ["M", ""]) \
        & (ctx.study_values("surname") != "")
    other = men & ctx.at("surname", "different") & ~ctx.at("case_number", "same")
    v.set(other & (v.status == REVIEW), "", "another_man", "другой мужчина: фамилия другая")


def _personal_holds(ctx: Context) -> set[str]:
    return {level.hold for comp in ctx.comparisons if comp.name != "surname"
            for level in comp.levels if level.hold}


def remembered(ctx: Context, v: Verdict) -> None:
    """What people decided wins: да -> confirmed, нет -> rejected; «не знаю», or an
    answer given before the record or the study changed, is asked again."""
    if not ctx.decisions:
        return
    keys = list(ctx.scored.index)
    answer = np.array([ctx.decisions.get(k, "") for k in keys], dtype=object)
    is_stale = np.array([k in ctx.stale for k in keys], dtype=bool)
    fresh = ~is_stale
    v.answer[:] = answer
    v.set(fresh & (answer == "yes"), CONFIRMED, "decision")
    v.set(fresh & (answer == "no"), REJECTED, "decision")
    v.set(is_stale & (answer != ""), REVIEW, "decision_stale",
          "данные изменились после решения: проверьте снова")
    v.set(fresh & (answer == "unsure"), REVIEW, "decision_unsure", "ранее отвечено «не знаю»")


def follows_decision(ctx: Context, v: Verdict) -> None:
    """An answer also decides the pairs that follow from it: the other studies of the
    same image person (same PatientID and name, or same folder and name) with the same
    record person (repeat admissions). да confirms them unless their own evidence
    contradicts it; нет closes the combination (an automatic link there is held back)."""
    if not ctx.decisions or "image_person" not in ctx.studies:
        return
    image = ctx.study_values("image_person")
    group = ctx.pair_persons + "#" + image      # (as `answered_groups` numbers them)
    has_image_person = image != ""
    own = (v.answer != "") & np.array([k not in ctx.stale for k in ctx.scored.index], dtype=bool)
    yes = set(group[own & (v.answer == "yes") & has_image_person])
    no = set(group[own & (v.answer == "no") & has_image_person])
    undecided = (v.answer == "") & has_image_person
    in_yes = undecided & _among(group, yes) & ~_among(group, no)
    in_no = undecided & _among(group, no) & ~_among(group, yes)
    v.set(in_yes & (ctx.contradiction == "") & (v.status != AUTO), CONFIRMED,
          "follows_decision", "следует из ответа «да» по другому снимку этого человека")
    v.set(in_no & (v.status == REVIEW), REJECTED, "follows_decision",
          "следует из ответа «нет» по другому снимку этого человека")
    v.hold(in_no, "follows_decision", "такая же пара отклонена врачом")


def _among(values: np.ndarray, members) -> np.ndarray:
    """values[i] in members, by hashing (numpy's isin compares object arrays pairwise:
    minutes for 300,000 pairs against thousands of groups)."""
    return pd.Series(values, dtype=object).isin(set(members)).to_numpy()


Rule = Callable[[Context, Verdict], None]
RULES: tuple[Rule, ...] = (threshold, folder_evidence, unnamed_born_that_day, contradiction,
                           folder_only, no_name,
                           name_only,
                           namesakes,
                           two_people, auto_evidence, follows_auto, explained_away,
                           little_evidence,
                           contradicted_below_auto, born_another_year, another_man,
                           other_word_order, maiden_name_near_stay, remembered,
                           follows_decision)


def decide(ctx: Context, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """The scored pairs with `status` (auto / review / confirmed / rejected / ""),
    `attention` (why a person should look), `decided_by` (the rule) and `decision`."""
    n = len(ctx.scored)
    verdict = Verdict(status=np.full(n, "", dtype=object), attention=np.full(n, "", dtype=object),
                      decided_by=np.full(n, "", dtype=object), answer=np.full(n, "", dtype=object))
    for rule in rules:
        rule(ctx, verdict)
    out = ctx.scored.copy(deep=False)      # (the columns below are its own)
    out["status"], out["attention"] = verdict.status, verdict.attention
    out["decided_by"], out["decision"] = verdict.decided_by, verdict.answer
    return out


def within_reach(ctx: Context, decided: np.ndarray, in_answered_group: np.ndarray
                 ) -> np.ndarray:
    """The pairs some rule could give a status, whatever the other pairs are: every other
    pair ends with none. A rule that can raise a pair from none names its condition
    here (threshold, folder_evidence, unnamed_born_that_day, other_word_order,
    maiden_name_near_stay, remembered, follows_decision;
    the others only hold back or clear), so that the link stage may keep only these
    pairs of a chunk and decide once over all chunks' (docs/architecture.md, "Memory
    that does not grow"). `decided`: the pairs people answered; `in_answered_group`:
    pairs of a record person and an image person someone answered about."""
    reach = (ctx.scored["score"].to_numpy() >= ctx.thresholds.review) | decided | \
        in_answered_group
    return reach | could_ask(ctx, reach)


def answered_groups(decisions: dict[tuple[str, str], str], stale: set[tuple[str, str]],
                    records: pd.DataFrame, studies: pd.DataFrame, persons: pd.Series
                    ) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """For `within_reach`: each record's person and each study's image person as numbers
    (-1: none), and the (person x image persons + image person) numbers of the fresh
    «да» and «нет» answers, whose pairs follow_decision may decide."""
    person_codes, _ = pd.factorize(persons.reindex(records.index).fillna("").to_numpy())
    image = studies["image_person"].fillna("").to_numpy(dtype=object) \
        if "image_person" in studies else np.full(len(studies), "", dtype=object)
    image_codes, image_words = pd.factorize(image)
    image_codes[image == ""] = -1
    groups: set[int] = set()
    if len(image_words):
        record_at = records.index.get_indexer([k[0] for k in decisions])
        study_at = studies.index.get_indexer([k[1] for k in decisions])
        for (key, answer), r, s in zip(decisions.items(), record_at, study_at, strict=True):
            if answer in ("yes", "no") and key not in stale and r >= 0 and s >= 0 \
                    and image_codes[s] >= 0:
                groups.add(int(person_codes[r]) * len(image_words) + int(image_codes[s]))
    return person_codes.astype(np.int64), image_codes.astype(np.int64), groups
