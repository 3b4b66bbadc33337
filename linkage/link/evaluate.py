"""Accuracy against the synthetic truth: what the linker is judged by.

True pairs are every (record, study) of the same person. Reported: pair
completeness of blocking, precision of auto links, recall of auto + review,
review load (review pairs per true pair), F1 of auto, and recall by the
categories that make a study hard (charset, scheme, folder-only, maiden name...).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from linkage.link.status import LINKED

PROPOSED = ("auto", "review", "confirmed")


@dataclass
class Truth:
    study_person: dict[str, str]
    study_categories: dict[str, set[str]]
    record_person: dict[str, str]
    record_categories: dict[str, set[str]] = field(default_factory=dict)
    person_tags: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: str | Path) -> Truth:
        folder = Path(folder)

        def rows(name: str) -> list[dict[str, str]]:
            path = folder / name
            if not path.is_file():
                return []
            with path.open(encoding="utf-8") as handle:
                return list(csv.DictReader(handle))

        def split(text: str | None) -> set[str]:
            return set(filter(None, (text or "").split(";")))

        studies, records = rows("studies.csv"), rows("records.csv")
        return cls({s["study_instance_uid"]: s["person_id"] for s in studies},
                   {s["study_instance_uid"]: split(s["categories"]) for s in studies},
                   {r["record_id"]: r["person_id"] for r in records},
                   {r["record_id"]: split(r.get("categories")) for r in records},
                   {p["person_id"]: {f"person:{t}" for t in split(p.get("tags"))}
                    for p in rows("people.csv")})

    def pair_classes(self, record: str, study: str) -> set[str]:
        """Every class a pair belongs to: the study's, the record's, both persons' tags."""
        return (self.study_categories.get(study, set()) | self.record_categories.get(record, set())
                | self.person_tags.get(self.study_person.get(study, ""), set())
                | self.person_tags.get(self.record_person.get(record, ""), set()))

    def true_pairs(self, studies: set[str] | None = None) -> set[tuple[str, str]]:
        by_person: dict[str, list[str]] = {}
        for record, person in self.record_person.items():
            by_person.setdefault(person, []).append(record)
        return {(r, s) for s, p in self.study_person.items()
                if studies is None or s in studies for r in by_person.get(p, [])}


def evaluate(pairs: pd.DataFrame, truth: Truth, scanned_studies: set[str],
             candidates: set[tuple[str, str]] | int | None = None) -> dict:
    """Metrics of one run. `pairs`: the pairs with a status (a LinkResult's), or every
    candidate; `candidates`: every candidate pair, or their number (a LinkResult's
    `blocking.pairs`), when `pairs` are not all of them (pair completeness is then None
    unless they are given as pairs)."""
    true = truth.true_pairs(scanned_studies)
    keys = list(zip(pairs["record_id"], pairs["study_instance_uid"], strict=True))
    status = dict(zip(keys, pairs["status"], strict=True))
    candidates = set(keys) if candidates is None else candidates
    n_candidates = candidates if isinstance(candidates, int) else len(candidates)
    auto = {k for k, s in status.items() if s in LINKED}
    proposed = {k for k, s in status.items() if s in PROPOSED}
    review = {k for k, s in status.items() if s == "review"}
    n_true = max(len(true), 1)
    precision = len(auto & true) / len(auto) if auto else 1.0
    recall_auto = len(auto & true) / n_true
    metrics = {
        "true_pairs": len(true),
        "candidate_pairs": n_candidates,
        "reduction_ratio": 1 - n_candidates / max(
            len(set(truth.record_person)) * len(scanned_studies), 1),
        "pair_completeness": None if isinstance(candidates, int)
        else len(candidates & true) / n_true,
        "auto_pairs": len(auto),
        "auto_precision": precision,
        "auto_false": len(auto - true),
        "recall_auto_review": len(proposed & true) / n_true,
        "review_pairs": len(review),
        "review_load": len(review) / n_true,
        "recall_auto": recall_auto,
        "f1_auto": 2 * precision * recall_auto / (precision + recall_auto)
        if precision + recall_auto else 0.0,
    }
    by_category: dict[str, list[int]] = {}
    for record, study in true:
        hit, hit_auto = (record, study) in proposed, (record, study) in auto
        for category in truth.pair_classes(record, study):
            counts = by_category.setdefault(category, [0, 0, 0, 0])
            counts[0] += hit
            counts[1] += 1
            counts[2] += hit_auto
    for record, study in auto - true:
        for category in truth.pair_classes(record, study):
            by_category.setdefault(category, [0, 0, 0, 0])[3] += 1
    metrics["by_category"] = {c: (hits / n if n else 1.0, n) for c, (hits, n, _, _)
                              in sorted(by_category.items())}
    metrics["by_class"] = {c: {"recall": hits / n if n else 1.0, "n": n,
                               "recall_auto": autos / n if n else 1.0, "false_auto": false}
                           for c, (hits, n, autos, false) in sorted(by_category.items())}
    metrics["missed"] = sorted(true - proposed)
    metrics["false_auto"] = sorted(auto - true)
    return metrics


def format_metrics(metrics: dict) -> str:
    lines = [
        f"true pairs: {metrics['true_pairs']}, candidate pairs: {metrics['candidate_pairs']} "
        f"(reduction ratio {metrics['reduction_ratio']:.6f})",
        "pair completeness: " + ("not measured" if metrics["pair_completeness"] is None
                                 else f"{metrics['pair_completeness']:.4f}"),
        f"auto precision: {metrics['auto_precision']:.4f} "
        f"({metrics['auto_false']} false of {metrics['auto_pairs']})",
        f"recall auto+review: {metrics['recall_auto_review']:.4f}",
        f"review load: {metrics['review_load']:.4f} ({metrics['review_pairs']} review pairs)",
        f"recall auto: {metrics['recall_auto']:.4f}, F1 auto: {metrics['f1_auto']:.4f}",
        "by class: recall (auto+review), recall auto, false auto links:",
    ]
    lines += [f"  {c:28s} {v['recall']:.3f}  {v['recall_auto']:.3f}  {v['false_auto']:3d}"
              f"  (n={v['n']})" for c, v in metrics["by_class"].items()]
    return "\n".join(lines)
