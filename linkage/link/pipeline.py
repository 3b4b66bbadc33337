"""`link()`: the whole linking stage as one plain function. The CLI and the
benchmarks call it; each step below it is testable alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.config import Thresholds
from linkage.link.blocking import Blocker, BlockingReport, pair_index
from linkage.link.comparisons import COMPARISONS, Comparison
from linkage.link.persons import person_key
from linkage.link.scoring import (
    Comparer,
    Model,
    fit,
    harmonise_groups,
    merge_patterns,
    pattern_keys,
    score,
)
from linkage.link.status import Context, answered_groups, decide, within_reach
from linkage.names.similarity import matched_scheme, one_slip


@dataclass(frozen=True)
class Guard:
    """Questions with the remembered answers, and without them (the answered pairs
    left out): answers must never make the job ask more."""

    asked: int
    asked_without_answers: int
    new_questions: int          # asked now, not asked without the answers (a stale or
                                # «не знаю» pair asked again counts here)


SCORE_BINS = np.round(np.arange(0, 1.0001, 0.05), 2)     # the sheet's histogram


@dataclass
class LinkResult:
    pairs: pd.DataFrame            # the pairs with a status: what the outputs show
    model: Model
    blocking: BlockingReport
    guard: Guard = Guard(0, 0, 0)
    histogram: np.ndarray | None = None     # every candidate pair's score, by SCORE_BINS
    # the pairs a rule could have shown but cleared (their levels, score and rule)
    cleared: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=_cleared_columns(COMPARISONS)))


def _cleared_columns(comparisons: tuple[Comparison, ...]) -> list[str]:
    return ["record_id", "study_instance_uid", *[c.name for c in comparisons], "score",
            "status",
            "attention", "decided_by", "decision"]


# How many candidate pairs (as the blocker estimates them) one chunk of studies holds:
# the link stage's memory is about this many pairs' work at a time, plus ~19 bytes for
# each pair's levels, kept between the two passes, plus the pairs within reach.
PAIRS_PER_CHUNK = 300_000


def link(records: pd.DataFrame, studies: pd.DataFrame, thresholds: Thresholds,
         decisions: dict[tuple[str, str], str] | None = None,
         stale: set[tuple[str, str]] | None = None,
         comparisons: tuple[Comparison, ...] = COMPARISONS,
         progress: Callable[[float, str], None] | None = None,
         persons: pd.Series | None = None, pairs_per_chunk: int = PAIRS_PER_CHUNK
         ) -> LinkResult:
    """Score all candidate pairs and decide their status.

    `decisions` maps (record_id, study_uid) to "yes" / "no" / "unsure"; decided
    pairs are always scored (even if no blocking pass proposes them any more)
    and take the status people gave them, unless `stale` says the record or the
    study changed since, in which case they are asked again. `persons`:
    `person_key(records)`, if already built.

    The candidate pairs are compared a chunk of studies at a time (docs/architecture.md,
    "Memory that does not grow"): their levels are kept, small, for the model; then each
    chunk is scored and only the pairs some rule could give a status (`within_reach`)
    are decided, all together. The result is the same for any chunk size.
    """
    decisions = decisions or {}
    stale = stale or set()
    step = progress or (lambda share, doing: None)
    if persons is None:
        persons = person_key(records)
    blocker = Blocker(records, studies)
    decided = _decided_numbers(decisions, records, studies)
    compared, blocked = _compare(records, studies, comparisons, blocker, decided,
                                 pairs_per_chunk, step)
    report = blocker.report(blocked)
    model = fit(records, studies, merge_patterns(
        [pattern_keys(list(levels.T), comparisons) for _, levels in compared if len(levels)]),
        comparisons=comparisons)
    step(STEPS["fit"], "m and u")
    reach = _Reach(records, studies, thresholds, comparisons, decisions, stale, persons,
                   decided)
    scored, histogram = _score(compared, model, reach, records, studies, comparisons)
    step(STEPS["score"], "scores")
    result, guard = _decide(scored, records, studies, thresholds, comparisons, decisions,
                            stale, persons)
    del scored          # (its columns live on in `result` until split below)
    step(STEPS["decide"], "statuses")
    # named before the split: a rename afterwards copies every column
    result.index = result.index.set_names(["record_id", "study_instance_uid"])
    shown = (result["status"] != "").to_numpy()
    # the pairs shown get weights and reasons; the cleared keep their levels and rule
    # (each part copied once: the pairs within reach are many times the pairs shown)
    cleared = result.loc[~shown, _cleared_columns(comparisons)[2:]].reset_index()
    pairs = _with_weights(result[shown], model, records)
    del result
    reasons = explain(pairs, records, studies, comparisons)
    pairs["reason"] = _with_admissions(reasons, pairs, persons)
    step(STEPS["explain"], "reasons")
    return LinkResult(pairs.reset_index(), model, report, guard, histogram, cleared)


def _compare(records: pd.DataFrame, studies: pd.DataFrame,
             comparisons: tuple[Comparison, ...], blocker: Blocker, decided: np.ndarray,
             pairs_per_chunk: int, step: Callable[[float, str], None]
             ) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
    """Pass one: each chunk's pair numbers (with the answered pairs of its studies) and
    their levels; and how many pairs the blocking proposed."""
    chunks = study_chunks(studies, blocker.pairs_per_study(), pairs_per_chunk)
    comparer = Comparer(records, studies, comparisons)
    compared, blocked = [], 0
    for chunk in chunks:
        numbers = blocker.pairs(chunk)
        blocked += len(numbers)
        numbers = np.union1d(numbers, decided[np.isin(decided % len(studies), chunk)])
        compared.append((numbers, comparer.levels(numbers)))
        step(STEPS["compare"] / len(chunks), f"{blocked:,} candidate pairs")
    return compared, blocked


def _score(compared: list[tuple[np.ndarray, np.ndarray]], model: Model, reach: _Reach,
           records: pd.DataFrame, studies: pd.DataFrame, comparisons: tuple[Comparison, ...]
           ) -> tuple[pd.DataFrame, np.ndarray]:
    """Pass two: every chunk scored, its scores counted into the histogram, and only its
    pairs within reach kept, with what the rules read of them (levels, score, weight),
    in the order of the pair numbers (record position, then study position)."""
    histogram = np.zeros(len(SCORE_BINS) - 1, dtype=np.int64)
    read = [*[c.name for c in comparisons], "weight", "score"]
    kept = []
    numbers = np.zeros(0, dtype=np.int64)
    while compared:
        chunk, levels = compared.pop(0)        # (each chunk's levels freed once scored)
        scored = harmonise_groups(score(model, _levels_frame(chunk, levels, records, studies,
                                                             comparisons), records), studies)
        histogram += np.histogram(scored["score"].clip(0, 1), bins=SCORE_BINS)[0]
        within = reach(scored, chunk)
        kept.append(scored.loc[within, read])
        numbers = np.concatenate([numbers, chunk[within]])
    if not kept:
        empty = np.zeros((0, len(comparisons)), dtype=np.int8)
        kept = [score(model, _levels_frame(numbers, empty, records, studies, comparisons),
                      records)[read]]
    return pd.concat(kept).iloc[np.argsort(numbers, kind="stable")], histogram


def _with_weights(shown: pd.DataFrame, model: Model, records: pd.DataFrame) -> pd.DataFrame:
    """The pairs shown with each comparison's weight (`w_<name>`, what the reason and the
    sheet show). Only these: the rules never read the weights, and for every pair
    within reach they were most of the link stage's memory."""
    weights = score(model, shown[[c.name for c in model.comparisons]], records)
    out = shown.copy()
    for comparison in model.comparisons:
        out[f"w_{comparison.name}"] = weights[f"w_{comparison.name}"].to_numpy()
    return out


def _decide(scored: pd.DataFrame, records: pd.DataFrame, studies: pd.DataFrame,
            thresholds: Thresholds, comparisons: tuple[Comparison, ...],
            decisions: dict[tuple[str, str], str], stale: set[tuple[str, str]],
            persons: pd.Series) -> tuple[pd.DataFrame, Guard]:
    """The statuses, and the guard: answers may only ever lower the questions. The same
    pairs decided as if nobody had answered yet must not ask fewer (answered pairs
    aside)."""
    context = Context(scored, records, studies, thresholds, comparisons, decisions, stale,
                      persons)
    result = decide(context)
    asked_now = (result["status"] == "review").to_numpy()
    asked_anyway = asked_now
    if decisions:
        unanswered = decide(Context(scored, records, studies, thresholds, comparisons,
                                    persons=persons))
        asked_anyway = (unanswered["status"] == "review").to_numpy()
    answered = np.array([k in decisions for k in result.index], dtype=bool) if decisions \
        else np.zeros(len(result), dtype=bool)
    return result, Guard(int(asked_now.sum()), int((asked_anyway & ~answered).sum()),
                         int((asked_now & ~asked_anyway).sum()))


def study_chunks(studies: pd.DataFrame, pairs_per_study: np.ndarray, budget: int
                 ) -> list[np.ndarray]:
    """Study positions in chunks of about `budget` pairs. Studies are taken in the order
    of their surname, and one surname is never split: `harmonise_groups` gives a record
    one score for all studies of a PatientID and surname, so they must be scored
    together (and a chunk's names are mostly its own, compared once)."""
    if not len(studies):
        return []
    surname = studies["surname_canon"].fillna("").to_numpy(dtype=object)
    order = np.argsort(surname, kind="stable")
    ordered = surname[order]
    before = np.concatenate([[0], np.cumsum(pairs_per_study[order])[:-1]])
    wanted = before // max(budget, 1)
    # a study starts a run unless it has the surname of the one before it
    starts = np.concatenate([[True], (ordered[1:] != ordered[:-1]) | (ordered[1:] == "")])
    run = np.cumsum(starts) - 1
    chunk = wanted[starts][run]
    cuts = np.flatnonzero(np.diff(chunk)) + 1
    return [np.sort(part) for part in np.split(order, cuts)]


def _decided_numbers(decisions: dict[tuple[str, str], str], records: pd.DataFrame,
                     studies: pd.DataFrame) -> np.ndarray:
    """The answered pairs whose record and study are both here, as pair numbers."""
    if not decisions:
        return np.zeros(0, dtype=np.int64)
    r = records.index.get_indexer([k[0] for k in decisions]).astype(np.int64)
    s = studies.index.get_indexer([k[1] for k in decisions]).astype(np.int64)
    both = (r >= 0) & (s >= 0)
    return np.unique(r[both] * len(studies) + s[both])


def _levels_frame(numbers: np.ndarray, levels: np.ndarray, records: pd.DataFrame,
                  studies: pd.DataFrame, comparisons: tuple[Comparison, ...]) -> pd.DataFrame:
    return pd.DataFrame(levels, columns=[c.name for c in comparisons],
                        index=pair_index(numbers, records.index, studies.index))


class _Reach:
    """`within_reach` for one chunk's scored pairs (status.within_reach says which)."""

    def __init__(self, records, studies, thresholds, comparisons, decisions, stale, persons,
                 decided: np.ndarray) -> None:
        self.records, self.studies, self.persons = records, studies, persons
        self.thresholds, self.comparisons, self.decided = thresholds, comparisons, decided
        self.person_codes, self.image_codes, self.groups = answered_groups(
            decisions, stale, records, studies, persons)
        self.images = int(self.image_codes.max()) + 1 if len(self.image_codes) else 0

    def __call__(self, scored: pd.DataFrame, numbers: np.ndarray) -> np.ndarray:
        in_group = np.zeros(len(numbers), dtype=bool)
        if self.groups:
            record, study = numbers // len(self.studies), numbers % len(self.studies)
            image = self.image_codes[study]
            group = self.person_codes[record] * self.images + image
            in_group = (image >= 0) & np.isin(group, list(self.groups))
        context = Context(scored, self.records, self.studies, self.thresholds,
                          self.comparisons, persons=self.persons)
        return within_reach(context, np.isin(numbers, self.decided), in_group)


# The link stage's steps as shares of its time, so that a progress bar moves evenly.
STEPS = {"compare": 46, "fit": 15, "score": 6, "decide": 14, "explain": 19}
_ADMISSIONS = {2: "две госпитализации", 3: "три госпитализации", 4: "четыре госпитализации"}


def _with_admissions(reasons: list[str], shown: pd.DataFrame, persons: pd.Series
                     ) -> np.ndarray:
    """A study shown with several records of one person (repeat admissions) says so:
    «та же персона, две госпитализации», so that a person answers once, knowingly."""
    frame = pd.DataFrame({
        "study": shown.index.get_level_values(1),
        "person": persons.reindex(shown.index.get_level_values(0)).fillna("").to_numpy()})
    n = frame.groupby(["study", "person"])["study"].transform("size").to_numpy()
    out = np.array(reasons, dtype=object)
    for i in np.flatnonzero(n >= 2):
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
