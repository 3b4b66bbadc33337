"""How often is an automatic link wrong on our own data? A small random check, as
statistical offices check their register links.

Each run draws a few automatic links nobody has checked (`[review] control_sample`),
stratified by the rule that allowed them and by score band, into the sheet «Выборочная
проверка». The clinician's answers are decisions like any other (нет rejects the link).
From every answered draw so far, the precision of the automatic links is estimated for
all of them, each stratum weighted by its number of automatic links, with a 95%
Wilson interval on the stratified estimate's effective sample size.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from linkage.store import Store

Z95 = 1.959964
# Score bands within a rule: automatic links of different certainty are checked apart
BANDS = ((0.9999, "≥0.9999"), (0.999, "0.999–0.9999"), (0.0, "<0.999"))


def stratum(decided_by: pd.Series, score: pd.Series) -> pd.Series:
    """Rule and score band of each automatic link: "auto_by_birth_date ≥0.9999"."""
    band = np.select([score.to_numpy() >= lower for lower, _ in BANDS],
                     [label for _, label in BANDS], default=BANDS[-1][1])
    return decided_by.astype(str).str.cat(pd.Series(band, index=decided_by.index), sep=" ")


def draw(auto: pd.DataFrame, checked: set[tuple[str, str]], size: int,
         seed: int) -> pd.DataFrame:
    """Up to `size` automatic links (rows of `auto`: record_id, study_instance_uid,
    decided_by, score) never drawn or answered before, each stratum getting a share
    proportional to its links and at least one while the size lasts. Reproducible:
    the same links, checks, size and seed give the same draw."""
    keys = list(zip(auto["record_id"], auto["study_instance_uid"], strict=True))
    fresh = auto[[k not in checked for k in keys]].copy()
    if size <= 0 or fresh.empty:
        return fresh.iloc[:0].assign(stratum=pd.Series(dtype=object))
    fresh["stratum"] = stratum(fresh["decided_by"], fresh["score"])
    fresh = fresh.sort_values(["stratum", "record_id", "study_instance_uid"])
    rng = np.random.default_rng(seed)
    counts = fresh["stratum"].value_counts().sort_index()
    shares = _allocate(counts, min(size, len(fresh)))
    picked = []
    for name, n in shares.items():
        members = fresh[fresh["stratum"] == name]
        picked.append(members.iloc[np.sort(rng.choice(len(members), n, replace=False))])
    return pd.concat(picked) if picked else fresh.iloc[:0]


def _allocate(counts: pd.Series, size: int) -> dict[str, int]:
    """One per stratum (the largest first) while the size lasts, the rest in
    proportion to the strata's sizes (largest remainders)."""
    order = counts.sort_values(ascending=False, kind="stable")
    shares = {name: 0 for name in order.index}
    for name in list(order.index)[:size]:
        shares[name] = 1
    left = size - sum(shares.values())
    if left > 0:
        room = {name: int(order[name]) - shares[name] for name in order.index}
        total = sum(room.values())
        exact = {name: left * room[name] / total for name in order.index}
        extra = {name: min(room[name], int(exact[name])) for name in order.index}
        rest = left - sum(extra.values())
        for name in sorted(order.index, key=lambda k: exact[k] - int(exact[k]), reverse=True):
            if rest <= 0:
                break
            if extra[name] < room[name]:
                extra[name] += 1
                rest -= 1
        shares = {name: shares[name] + extra[name] for name in order.index}
    return {name: n for name, n in shares.items() if n}


@dataclass
class Estimate:
    precision: float | None       # None before any answer
    low: float
    high: float
    checked: int                  # answered draws (да or нет)
    wrong: int
    by_rule: dict[str, tuple[float, int]] = field(default_factory=dict)  # rule -> (p, n)

    def line(self) -> str:
        if self.precision is None:
            return "automatic links: precision not yet estimated (no control answer yet)"
        return (f"automatic links: precision {self.precision:.3f} (95% CI {self.low:.3f}–"
                f"{self.high:.3f}), n = {self.checked} checked, {self.wrong} wrong")

    def line_ru(self) -> str:
        """The same in Russian (report.html)."""
        if self.precision is None:
            return "Точность автоматических связей ещё не оценена: нет ответов выборочной " \
                   "проверки."
        return (f"Точность автоматических связей {self.precision:.3f} (95% ДИ {self.low:.3f}–"
                f"{self.high:.3f}), проверено {self.checked}, ошибок {self.wrong}.")

    def as_dict(self) -> dict:
        return {"precision": self.precision, "ci95_low": self.low, "ci95_high": self.high,
                "checked": self.checked, "wrong": self.wrong,
                "by_rule": {k: {"precision": p, "checked": n}
                            for k, (p, n) in self.by_rule.items()},
                "method": "stratified by deciding rule and score band, weighted by the "
                          "strata's numbers of automatic links; Wilson interval on the "
                          "effective sample size"}


def estimate(answers: pd.DataFrame, population: pd.Series) -> Estimate:
    """`answers`: one row per answered draw, columns stratum and correct (bool);
    `population`: automatic links per stratum (those answered included)."""
    if answers.empty:
        return Estimate(None, 0.0, 1.0, 0, 0)
    groups = answers.groupby("stratum")["correct"].agg(["sum", "count"])
    sizes = population.reindex(groups.index).fillna(0).astype(float)
    sizes = sizes.where(sizes > 0, groups["count"].astype(float))   # a stratum now gone
    weights = sizes / sizes.sum()
    p_h = groups["sum"] / groups["count"]
    p = float((weights * p_h).sum())
    # Kish's effective size for the weighting: exact when every stratum's rate is p
    n_eff = 1.0 / float((weights ** 2 / groups["count"]).sum())
    low, high = _wilson(p, n_eff)
    rules = answers.assign(rule=answers["stratum"].str.rsplit(" ", n=1).str[0])
    by_rule = {rule: (float(g["correct"].mean()), len(g)) for rule, g in rules.groupby("rule")}
    return Estimate(p, low, high, len(answers), int((~answers["correct"]).sum()), by_rule)


def _wilson(p: float, n: float) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def control_check(store: Store, pairs: pd.DataFrame, size: int) -> tuple[Estimate, pd.DataFrame]:
    """The estimate from every control answer so far, and this run's draw (not yet
    stored: `remember_draw` once the sheet that shows it is in place)."""
    draws = pd.DataFrame(store.control_draws(),
                         columns=["record_id", "study_instance_uid", "stratum"])
    decisions = store.current_decisions()
    answer = [getattr(decisions.get(key), "decision", "") for key in
              zip(draws["record_id"], draws["study_instance_uid"], strict=True)]
    draws["answer"] = answer
    answered = draws[draws["answer"].isin(["yes", "no"])]
    auto = pairs[(pairs["status"] == "auto").to_numpy()]
    population = stratum(auto["decided_by"], auto["score"]).value_counts() \
        .add(answered["stratum"].value_counts(), fill_value=0)
    found = estimate(answered.assign(correct=answered["answer"] == "yes")[
        ["stratum", "correct"]], population)
    checked = set(zip(draws["record_id"], draws["study_instance_uid"], strict=True)) | \
        set(decisions)
    sample = draw(auto[["record_id", "study_instance_uid", "decided_by", "score"]], checked,
                  size, seed=store.control_seed() + store.run_count())
    return found, pairs.loc[sample.index].assign(stratum=sample["stratum"])


def remember_draw(store: Store, sample: pd.DataFrame, sheet_id: str) -> None:
    store.add_control_draws(zip(sample["record_id"], sample["study_instance_uid"],
                                sample["stratum"], strict=True), sheet_id)


def unmatched_by_year(pairs: pd.DataFrame, study_dates: dict[str, str],
                      admissions: dict[str, str]) -> dict[str, dict[str, int]]:
    """Recall's side, cheaply: studies without any pair (auto, asked or answered) by the
    year of the study, and records without any study by the year of admission; a drop
    from one export to the next shows here."""
    shown = pairs[(pairs["status"] != "").to_numpy()]
    paired_studies, paired_records = set(shown["study_instance_uid"]), set(shown["record_id"])

    def by_year(dates: dict[str, str], paired: set) -> dict[str, int]:
        years = pd.Series([d[:4] or "?" for key, d in dates.items() if key not in paired],
                          dtype=object)
        return {str(k): int(v) for k, v in years.value_counts().sort_index().items()}

    return {"studies_without_pair": by_year(study_dates, paired_studies),
            "records_without_study": by_year(admissions, paired_records)}


def unmatched_line(unmatched: dict[str, dict[str, int]]) -> str:
    def part(counts: dict[str, int]) -> str:
        years = ", ".join(f"{y}: {n}" for y, n in counts.items())
        return f"{sum(counts.values())}" + (f" ({years})" if years else "")

    return (f"without any pair: studies {part(unmatched['studies_without_pair'])}; records "
            f"{part(unmatched['records_without_study'])}")


QUALITY_NAME = "linkage_quality.json"
_LAST = "control estimate"


def write_quality(folder: Path, found: Estimate | None, state: Path | None = None,
                  unmatched: dict | None = None) -> Path:
    """linkage_quality.json beside the research files: the precision estimate a paper
    can quote. The run also keeps it in the state, for `linkage links` to write again
    (`found` None: the state's last one)."""
    from linkage.files import atomic_path

    if found is not None:
        data = {"automatic_links": found.as_dict(), "unmatched": unmatched or {}}
        if state is not None:
            with Store(state) as store:
                store.set_meta(_LAST, json.dumps(data))
    else:
        with Store(state) as store:
            text = store.get_meta(_LAST)
        data = json.loads(text) if text else \
            {"automatic_links": Estimate(None, 0.0, 1.0, 0, 0).as_dict(), "unmatched": {}}
    path = folder / QUALITY_NAME
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def check_estimator(pairs: pd.DataFrame, true_pairs: set[tuple[str, str]],
                    repeats: int = 100, runs: int = 6, size: int = 20) -> str:
    """`linkage evaluate`: the control sample played against a synth's truth. Each
    repeat draws `runs` samples of `size` automatic links as successive runs would, the
    truth answering; the line says how often the 95% interval held the true precision."""
    auto = pairs[(pairs["status"] == "auto").to_numpy()][
        ["record_id", "study_instance_uid", "decided_by", "score"]]
    if auto.empty:
        return "control sample check: no automatic link to draw from"
    correct = pd.Series([key in true_pairs for key in zip(
        auto["record_id"], auto["study_instance_uid"], strict=True)], index=auto.index)
    truth = float(correct.mean())
    population = stratum(auto["decided_by"], auto["score"]).value_counts()
    covered = 0
    for repeat in range(repeats):
        checked: set[tuple[str, str]] = set()
        answered = []
        for run in range(runs):
            sample = draw(auto, checked, size, seed=repeat * 1000 + run)
            checked |= set(zip(sample["record_id"], sample["study_instance_uid"],
                               strict=True))
            answered.append(sample[["stratum"]].assign(correct=correct[sample.index]))
        found = estimate(pd.concat(answered), population)
        covered += found.low <= truth <= found.high
    return (f"control sample check: {repeats} repeats of {runs} runs x {size} links, the "
            f"truth answering: the 95% interval held the true automatic precision "
            f"({truth:.4f}) in {covered / repeats:.0%} of them")
