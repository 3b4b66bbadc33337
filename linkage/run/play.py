"""The job as a team uses it, played on synthetic data with the truth as the clinician:
a run on an early export, every row of the sheet answered and imported, then a run
on the full export. Compared with a fresh run on the full export, the answers must
make the second run ask less, never more (tests and benchmarks/link.py play it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from linkage.config import Settings
from linkage.link.evaluate import Truth, evaluate
from linkage.link.status import LINKED
from linkage.review.importer import import_review
from linkage.review.labels import DECISION_HEADER, KEY_COLUMNS
from linkage.run.job import run_job
from linkage.store import Store
from linkage.synth import SynthResult


@dataclass
class Play:
    fresh_asked: int              # a fresh run on the full export: rows in the sheet
    fresh_unanswered: int         # ... of which not answered after the early export
    first_asked: int              # the early export's sheet (all answered)
    second_asked: int             # the full export after those answers
    asked_again: int              # rows of the second sheet answered before (must be 0)
    rejected_linked: int          # pairs answered нет that became links (must be 0)
    confirmed_lost: int           # pairs answered да that are no longer links (must be 0)
    second_false_auto: int        # automatic links of different people in the second run
    f1_after_second_sheet: float  # auto + confirmed once the second sheet is answered too


def answer_sheet(sheet: Path, truth: Truth) -> dict[tuple[str, str], str]:
    """Fill every row of «На проверку» as someone who knows the truth would."""
    workbook = load_workbook(sheet)
    ws = workbook.worksheets[0]
    headers = {c.value: c.column for c in ws[1] if c.value}
    true = truth.true_pairs()
    answers = {}
    for row in range(2, ws.max_row + 1):
        key = tuple(str(ws.cell(row=row, column=headers[k]).value) for k in KEY_COLUMNS)
        if key[0] == "None":
            continue
        answer = "да" if key in true else "нет"
        ws.cell(row=row, column=headers[DECISION_HEADER]).value = answer
        answers[key] = answer
    workbook.save(sheet)
    return answers


def _asked(pairs) -> set[tuple[str, str]]:
    shown = pairs[pairs["status"] == "review"]
    return set(zip(shown["record_id"], shown["study_instance_uid"], strict=True))


def _linked(pairs) -> set[tuple[str, str]]:
    shown = pairs[pairs["status"].isin(LINKED)]
    return set(zip(shown["record_id"], shown["study_instance_uid"], strict=True))


def play_two_exports(data: SynthResult, work: Path, settings: Settings) -> Play:
    truth = Truth.read(data.truth)
    fresh = run_job(data.images, data.export, work / "fresh", settings, progress=False)
    out = work / "played"
    first = run_job(data.images, data.early_export, out, settings, progress=False)
    answers = answer_sheet(out / "review.xlsx", truth)
    with Store(out / "linkage_state.sqlite") as store:
        import_review(out / "review.xlsx", store)
    second = run_job(data.images, data.export, out, settings, progress=False)
    asked = _asked(second.linked.pairs)
    linked = _linked(second.linked.pairs)
    scanned = {s.study_instance_uid for s in second.studies}
    metrics = evaluate(second.linked.pairs, truth, scanned, second.linked.blocking.pairs)
    answer_sheet(out / "review.xlsx", truth)
    third = run_job(data.images, data.export, out, settings, progress=False)
    final = evaluate(third.linked.pairs, truth, scanned, third.linked.blocking.pairs)
    precision, recall = final["auto_precision"], final["recall_auto"]
    return Play(
        fresh_asked=len(_asked(fresh.linked.pairs)),
        fresh_unanswered=len(_asked(fresh.linked.pairs) - set(answers)),
        first_asked=len(_asked(first.linked.pairs)),
        second_asked=len(asked),
        asked_again=len(asked & set(answers)),
        rejected_linked=sum(1 for k, a in answers.items() if a == "нет" and k in linked),
        confirmed_lost=sum(1 for k, a in answers.items() if a == "да" and k not in linked),
        second_false_auto=metrics["auto_false"],
        f1_after_second_sheet=2 * precision * recall / (precision + recall)
        if precision + recall else 0.0)
