"""`link()`: the whole linking stage as one plain function. The CLI and the
benchmarks call it; each step below it is testable alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.link.blocking import BlockingReport, candidate_pairs
from linkage.link.comparisons import COMPARISONS, Comparison
from linkage.link.scoring import Model, compare_levels, fit, harmonise_groups, score
from linkage.link.status import Context, Thresholds, decide
from linkage.names.similarity import matched_scheme, one_slip


@dataclass(frozen=True)
class Guard:
    """Questions with the remembered answers, and without them (the answered pairs
    left out): answers must never make the job ask more."""

    asked: int
    asked_without_answers: int
    new_questions: int          # asked now, not asked without the answers (a stale or
                                # «не знаю» pair asked again counts here)


@dataclass
class LinkResult:
    pairs: pd.DataFrame            # every scored pair, with status ("" = non-match)
    model: Model
    blocking: BlockingReport
    guard: Guard = Guard(0, 0, 0)


def link(records: pd.DataFrame, studies: pd.DataFrame, thresholds: Thresholds,
         decisions: dict[tuple[str, str], str] | None = None,
         stale: set[tuple[str, str]] | None = None,
         comparisons: tuple[Comparison, ...] = COMPARISONS,
         progress: Callable[[float, str], None] | None = None,
         persons: pd.Series | None = None) -> LinkResult:
    """Score all candidate pairs and decide their status.

    `decisions` maps (record_id, study_uid) to "yes" / "no" / "unsure"; decided
    pairs are always scored (even if no blocking pass proposes them any more)
    and take the status people gave them, unless `stale` says the record or the
    study changed since, in which case they are asked again. `persons`:
    `person_key(records)`, if already built.
    """
    decisions = decisions or {}
    stale = stale or set()
    step = progress or (lambda share, doing: None)
    pairs, report = candidate_pairs(records, studies)
    step(STEPS["blocking"], f"{len(pairs):,} candidate pairs")
    decided = [k for k in decisions if k[0] in records.index and k[1] in studies.index]
    if decided:
        extra = pd.MultiIndex.from_tuples(decided, names=pairs.names)
        pairs = pairs.union(extra) if len(pairs) else extra
    compare_share = STEPS["compare"] / max(sum(_cost(c) for c in comparisons), 1)
    levels = compare_levels(pairs, records, studies, comparisons,
                            lambda c: step(_cost(c) * compare_share, c.name))
    model = fit(records, studies, levels, comparisons=comparisons)
    step(STEPS["fit"], "m and u")
    scored = harmonise_groups(score(model, levels, records), studies)
    context = Context(scored, records, studies, thresholds, comparisons, decisions, stale,
                      persons)
    result = decide(context)
    step(STEPS["decide"], "statuses")
    # The guard: answers may only ever lower the questions. The same pairs decided as
    # if nobody had answered yet must not ask fewer (answered pairs aside).
    asked_now = (result["status"] == "review").to_numpy()
    asked_anyway = asked_now
    if decisions:
        unanswered = decide(Context(scored, records, studies, thresholds, comparisons,
                                    persons=context.persons))
        asked_anyway = (unanswered["status"] == "review").to_numpy()
    answered = np.array([k in decisions for k in result.index], dtype=bool) if decisions \
        else np.zeros(len(result), dtype=bool)     # (the index as tuples costs 0.3 s)
    guard = Guard(int(asked_now.sum()), int((asked_anyway & ~answered).sum()),
                  int((asked_now & ~asked_anyway).sum()))
    shown = (result["status"] != "").to_numpy()
    reasons = np.full(len(result), "", dtype=object)
    reasons[shown] = explain(result[shown], records, studies, comparisons)
    result["reason"] = _with_admissions(reasons, result, context.persons, shown)
    # named before the reset: a rename afterwards copies every column (0.2 s at 10k)
    result.index = result.index.set_names(["record_id", "study_instance_uid"])
    result = result.reset_index()
    step(STEPS["explain"], "reasons")
    return LinkResult(result, model, report, guard)


# The link stage's steps as shares of its time (measured at 10,000 persons), so that a
# progress bar moves evenly; within "compare", each comparison by its cost.
STEPS = {"blocking": 5, "compare": 41, "fit": 21, "decide": 14, "explain": 19}
_COSTS = {"surname": 20, "given_name": 7, "patronymic": 6}


def _cost(comparison: Comparison) -> float:
    return _COSTS.get(comparison.name, 1.5)


_ADMISSIONS = {2: "две госпитализации", 3: "три госпитализации", 4: "четыре госпитализации"}


def _with_admissions(reasons: np.ndarray, result: pd.DataFrame, persons: pd.Series,
                     shown: np.ndarray) -> np.ndarray:
    """A study shown with several records of one person (repeat admissions) says so:
    «та же персона, две госпитализации», so that a person answers once, knowingly."""
    frame = pd.DataFrame({
        "study": result.index.get_level_values(1)[shown],
        "person": persons.reindex(result.index.get_level_values(0)[shown]).fillna("")
        .to_numpy()})
    n = np.zeros(len(result), dtype=np.int64)
    n[shown] = frame.groupby(["study", "person"])["study"].transform("size").to_numpy()
    out = reasons.copy()
    for i in np.flatnonzero(shown & (n >= 2)):
        what = _ADMISSIONS.get(int(n[i]), f"{int(n[i])} госпитализаций")
        out[i] = f"{out[i]}, та же персона, {what}" if out[i] else f"та же персона, {what}"
    return out


def explain(result: pd.DataFrame, records: pd.DataFrame, studies: pd.DataFrame,
            comparisons: tuple[Comparison, ...] = COMPARISONS, lang: str = "ru") -> list[str]:
    """A one-line reason per pair: the levels that weighed most, strongest first,
    each in its own words (a level without words is not mentioned)."""
    reasons = []
    record_ids = result.index.get_level_values(0)
    study_ids = result.index.get_level_values(1)
    rec_surname = records["surname"].reindex(record_ids).fillna("").to_numpy()
    img_surname = studies["surname"].reindex(study_ids).fillna("").to_numpy()
    level_cols = [result[c.name].to_numpy() for c in comparisons]
    weight_cols = [result[f"w_{c.name}"].to_numpy() for c in comparisons]
    words = {c.name: (records[c.record_columns[0]].reindex(record_ids).fillna("").to_numpy(),
                      studies[c.study_columns[0]].reindex(study_ids).fillna("").to_numpy())
             for c in comparisons if c.slip_reason}
    for i in range(len(result)):
        parts = []
        for comp, codes, weights in zip(comparisons, level_cols, weight_cols, strict=True):
            level = comp.level(codes[i])
            text = level.reason(lang)
            if not text:
                continue
            if level.label == "similar" and comp.name in words:
                rec_word, img_word = words[comp.name][0][i], words[comp.name][1][i]
                if one_slip(str(rec_word), str(img_word)):
                    text = comp.slip_reason[lang == "en"]
            elif level.label == "initial_match" and comp.name in words \
                    and not words[comp.name][0][i]:
                text = "инициалы совпадают" if lang != "en" else "initials agree"
            if level.scheme:
                scheme = matched_scheme(img_surname[i], rec_surname[i])
                text += f" ({scheme.lstrip('~')})" if scheme else ""
            parts.append((abs(weights[i]) if codes[i] else 0.0, text))
        parts.sort(key=lambda p: -p[0])
        reasons.append(", ".join(dict.fromkeys(t for _, t in parts[:6])))
    return reasons
