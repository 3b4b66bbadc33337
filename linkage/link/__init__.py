"""Index -> Compare -> Score -> Classify, over the two identity tables.

`link()` is the whole linking stage as one plain function: the CLI and the
benchmarks call it, each step below it is testable alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.link.blocking import BlockingReport, candidate_pairs
from linkage.link.classify import (
    CONFIRMED,
    REJECTED,
    REVIEW,
    Thresholds,
    classify,
    harmonise_groups,
)
from linkage.link.comparisons import COMPARISONS
from linkage.link.scoring import Model, compare_levels, fit, score
from linkage.names.similarity import matched_scheme


@dataclass
class LinkResult:
    pairs: pd.DataFrame            # every scored pair, with status ("" = non-match)
    model: Model
    blocking: BlockingReport


def link(records: pd.DataFrame, studies: pd.DataFrame, thresholds: Thresholds,
         decisions: dict[tuple[str, str], str] | None = None,
         stale: set[tuple[str, str]] | None = None) -> LinkResult:
    """Score all candidate pairs and classify them.

    `decisions` maps (record_id, study_uid) to "yes" / "no" / "unsure"; decided
    pairs are always scored (even if no blocking pass proposes them any more)
    and take the status people gave them, unless `stale` says the record or the
    study changed since, in which case they are asked again.
    """
    decisions = decisions or {}
    stale = stale or set()
    pairs, report = candidate_pairs(records, studies)
    decided = [k for k in decisions if k[0] in records.index and k[1] in studies.index]
    if decided:
        extra = pd.MultiIndex.from_tuples(decided, names=pairs.names)
        pairs = pairs.union(extra) if len(pairs) else extra
    levels = compare_levels(pairs, records, studies)
    model = fit(records, studies, levels, {k: v for k, v in decisions.items() if k not in stale})
    scored = harmonise_groups(score(model, levels, records), studies)
    result = classify(scored, records, thresholds, studies)
    result = _apply_decisions(result, decisions, stale)
    shown = (result["status"] != "").to_numpy()
    reasons = np.full(len(result), "", dtype=object)
    reasons[shown] = explain(result[shown], records, studies)
    result["reason"] = reasons
    result = result.reset_index().rename(columns={"level_0": "record_id",
                                                  "level_1": "study_instance_uid"})
    return LinkResult(result, model, report)


def _apply_decisions(result: pd.DataFrame, decisions: dict[tuple[str, str], str],
                     stale: set[tuple[str, str]]) -> pd.DataFrame:
    result = result.copy()
    result["decision"] = ""
    if not decisions:
        return result
    keys = list(result.index)
    answer = np.array([decisions.get(k, "") for k in keys], dtype=object)
    is_stale = np.array([k in stale for k in keys], dtype=bool)
    status = result["status"].to_numpy(dtype=object)
    fresh = ~is_stale
    status[fresh & (answer == "yes")] = CONFIRMED
    status[fresh & (answer == "no")] = REJECTED
    asked_again = (is_stale & (answer != "")) | (fresh & (answer == "unsure"))
    status[asked_again] = REVIEW
    attention = result["attention"].to_numpy(dtype=object)
    attention[is_stale & (answer != "")] = "данные изменились после решения: проверьте снова"
    attention[fresh & (answer == "unsure")] = "ранее отвечено «не знаю»"
    result["status"], result["attention"], result["decision"] = status, attention, answer
    return result


def explain(result: pd.DataFrame, records: pd.DataFrame, studies: pd.DataFrame) -> list[str]:
    """A one-line Russian reason per pair: the levels that weighed most, strongest first."""
    reasons = []
    record_ids = result.index.get_level_values(0)
    study_ids = result.index.get_level_values(1)
    rec_surname = records["surname"].reindex(record_ids).fillna("").to_numpy()
    img_surname = studies["surname"].reindex(study_ids).fillna("").to_numpy()
    level_cols = [result[c.name].to_numpy() for c in COMPARISONS]
    weight_cols = [result[f"w_{c.name}"].to_numpy() for c in COMPARISONS]
    for i in range(len(result)):
        parts = []
        for comp, levels, weights in zip(COMPARISONS, level_cols, weight_cols, strict=True):
            level = comp.levels[int(levels[i])]
            if not level.reason or (levels[i] == 0 and comp.name not in ("sex", "birth_date")):
                continue
            text = level.reason
            if comp.name == "surname" and level.label in ("exact_name", "exact_both", "similar"):
                scheme = matched_scheme(img_surname[i], rec_surname[i])
                text += f" ({scheme.lstrip('~')})" if scheme else ""
            parts.append((abs(weights[i]) if levels[i] else 0.0, text))
        parts.sort(key=lambda p: -p[0])
        reasons.append(", ".join(t for _, t in parts[:6]))
    return reasons
