"""The whole job, wired: scan -> read export -> link -> outputs. No logic of its own
beyond checking the paths, keeping the image folder untouched and never losing a
clinician's answer (a filled review.xlsx is imported before it is replaced)."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.config import Settings
from linkage.files import remove_leftovers
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.records.read import Export
from linkage.review.handover import (
    Placed,
    check_state_present,
    fingerprint,
    place_sheet,
    remember_seen,
)
from linkage.run import reuse
from linkage.run.background import Background
from linkage.run.guards import check_records, check_studies, pause_for_tests
from linkage.run.inventory import check_paths, scan_only
from linkage.run.lock import exclusive
from linkage.run.pipeline import (
    OUTPUT_FOLDER_KEY,
    Answers,
    Linked,
    RunFacts,
    link_stage,
    outputs_unchanged,
    read_answers,
    remember_run,
    write_quality_files,
)
from linkage.run.schedule import IdentityTables, OutputJob, Plan, ResearchInputs, write_outputs
from linkage.store import STATE_NAME, Store, now, remember_state

# pandas, XlsxWriter and the linker are imported where they are used: the scan starts
# sooner, and the thread that prepares the linker meanwhile loads them
# (`schedule.LinkerMeanwhile`).
if TYPE_CHECKING:
    from linkage.link.pipeline import LinkResult
    from linkage.review.control import Estimate
    from linkage.review.handover import Carried

__all__ = ["OUTPUT_FOLDER_KEY", "OUTPUT_NAMES", "Allowed", "JobResult", "run_job"]
OUTPUT_NAMES = ("studies.csv", "scan_problems.csv", "export_problems.csv", "matches.csv",
                "review.xlsx", "links.csv", "cohort.csv", "image_occurrence.csv",
                "study_files.csv", "revision.xlsx", "linkage_quality.json",
                "datapackage.json", "report.html")


@dataclass
class JobResult:
    scan: ScanResult
    studies: list[Study]
    export: Export
    linked: LinkResult
    out: Path
    state: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    carried: Carried | None = None     # answers taken from the sheets in `out`
    sheet_note: str = ""    # why the new sheet is not review.xlsx (open or saved meanwhile)
    quality: str = ""       # the control sample's estimate of automatic links' precision
    stages: dict[str, float] = field(default_factory=dict)   # seconds per stage
    reused: str = ""    # "link" or "link and outputs": the inputs were the last run's

    def summary(self) -> str:
        counts = self.linked.pairs["status"].value_counts()
        c = self.scan.counts
        lines = [
            f"files seen: {c['files']} (DICOM {c['dicom']}, in zips {c['in_zip']} images, "
            f"DICOMDIR {c['dicomdir']}, other {c['non_dicom']}, problems {len(self.scan.problems)})"
            f"; read this time: {self.scan.parsed}",
            f"DICOM instances: {c['instances']}, studies: {len(self.studies)}",
            f"records: {len(self.export.records)} (about {self.export.persons} persons), "
            f"export problems: {len(self.export.problems)}",
            f"pairs: auto {counts.get('auto', 0)}, review {counts.get('review', 0)}, "
            f"confirmed {counts.get('confirmed', 0)}, rejected {counts.get('rejected', 0)} "
            f"(of {self.linked.blocking.pairs} candidate pairs)",
        ]
        guard = self.linked.guard
        if counts.get("confirmed", 0) or counts.get("rejected", 0):
            lines.append(f"questions: {guard.asked}; without the remembered answers: "
                         f"{guard.asked_without_answers}"
                         + (f" ({guard.new_questions} asked again: data changed since the "
                            "answer, or «не знаю»)" if guard.new_questions else ""))
        if self.carried is not None:
            lines[0:0] = self.carried.lines()
        if self.quality:
            lines.append(self.quality)
        if self.sheet_note:
            lines.append(f"note: {self.sheet_note}")
        if self.reused:
            lines.append(f"nothing changed since the last run (tree, export, answers, "
                         f"settings): {self.reused} reused")
        if self.stages:
            lines.append("time: " + ", ".join(f"{name} {seconds:.1f} s"
                                              for name, seconds in self.stages.items()))
        lines += [f"{name}: {path}" for name, path in self.outputs.items()]
        return "\n".join(lines)


class _Stages:
    """Stage names on a terminal (a long job should say what it does; silent in logs),
    and each stage's wall time, kept in the run history so a slow run can be explained."""

    def __init__(self, progress: bool | None):
        self.show = sys.stderr.isatty() if progress is None else progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, text: str = "") -> Iterator[None]:
        """A stage entered again (without a text to show) adds to its time."""
        if self.show and text:
            print(f"linkage: {text}...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


@dataclass(frozen=True)
class Allowed:
    """What the user allowed on the command line, against the job's guards."""
    shrink: bool = False       # --allow-shrink: far fewer files, studies or records
    force: bool = False        # --force: a sheet's answers win over later ones, or a
                               # sheet of another state file is taken
    new_state: bool = False    # --new-state: no state file beside outputs holding answers


def run_job(images: Path, export_path: Path, out: Path, settings: Settings,
            state: Path | None = None, progress: bool | None = None,
            allowed: Allowed = Allowed()) -> JobResult:
    state = state or out / STATE_NAME
    check_paths(images, export_path, out, state, (export_path,), OUTPUT_NAMES)
    # closed in this order: the second process, then the state file, then the lock
    with exclusive(out, state), contextlib.ExitStack() as closing, Background() as background:
        check_state_present(out, state, allowed.new_state)
        job = _Job(images, export_path, out, settings, state, _Stages(progress), allowed,
                   background, closing)
        try:
            return _run(job)
        finally:
            gc.unfreeze()       # (Plan.tables) a process that runs the job again collects all


@dataclass
class _Job:
    """One run's arguments and its open helpers."""

    images: Path
    export_path: Path
    out: Path
    settings: Settings
    state: Path
    stages: _Stages
    allowed: Allowed
    background: Background
    closing: contextlib.ExitStack


def _run(job: _Job) -> JobResult:
    """The stages in order (run/pipeline.py), each where run/schedule.py puts it:
    revision.xlsx is written by the second process while the job links, and the job
    waits for it before it replaces any other output."""
    started, stage, state, settings = now(), job.stages.stage, job.state, job.settings
    remove_leftovers(job.out, OUTPUT_NAMES)
    with stage("answers", "reading answers in the last review.xlsx"):
        answers = read_answers(job.out, state, job.allowed.force)
    export_digest = reuse.export_digest(job.export_path, settings)
    unchanged_but_tree = reuse.inputs_digest(export_digest, job.out, settings,
                                             answers.decisions_seen)
    plan = Plan(job.background, job.closing, state,
                linker_needed=not answers.link_reusable(unchanged_but_tree))
    with stage("export", "reading the export"):
        reading = plan.read_export(job.export_path, settings, export_digest)
    with stage("scan", "scanning the images folder"):
        scanned, studies = scan_only(
            job.images, job.out, state, settings, job.stages.show, job.allowed.shrink,
            locked=True, background=job.background, after_batch=reading.check,
            files_saved=plan.names.start,
            check=partial(_check_studies, state, job.images, job.allowed.shrink),
            instances=False)
    # From here the job reads the studies, never the instances they were grouped from
    # (revision.xlsx is written from the state file): nothing holds a large folder's
    # instances, hundreds of MB, through the link stage (docs/architecture.md, "Memory
    # that does not grow").
    scanned = replace(scanned, instances=[])
    with stage("export"):
        export = reading.result()
    with Store(state) as store:
        check_records(store, job.export_path, len(export.records), job.allowed.shrink)
    research_inputs = plan.while_linking(scanned, studies, export_digest)
    tables = plan.tables(export, studies, settings.columns)
    with stage("link", f"linking {len(export.records)} records with {len(studies)} studies"):
        linked = link_stage(state, tables, settings, answers, unchanged_but_tree,
                            scanned.root, scanned.digest, started, job.stages.show)
    with stage("outputs", "writing the outputs"):
        written = _outputs(job, linked, answers, tables, studies, export, research_inputs)
        remember_run(state, linked, list(written.outputs.values()), len(studies),
                     len(export.records),
                     RunFacts(job.out, export_digest, scanned.root, scanned.digest))
        written.outputs["quality"], quality = write_quality_files(
            job.out, state, linked.result, studies, export, written.quality)
    return _finish(job, started, scanned, studies, export, linked, answers, written, quality)


@dataclass
class _Written:
    outputs: dict[str, Path]     # label -> path
    reused: str                  # "link", "link and outputs" or ""
    placed: Placed | None        # where the new sheet went (None: not written)
    quality: Estimate            # the control sample's estimate


def _outputs(job: _Job, linked: Linked, answers: Answers, tables: IdentityTables,
             studies: list[Study], export: Export, research_inputs: ResearchInputs | None
             ) -> _Written:
    """Every output, or none written again when the last run's still stand."""
    from linkage.review.control import control_check, remember_draw

    out, state = job.out, job.state
    with Store(state) as store:
        quality, control = control_check(store, linked.result.pairs,
                                         job.settings.control_sample)
    outputs = {label: out / name for label, name in _OUTPUTS.items()}
    research = {label: out / name for label, name in _RESEARCH.items()}
    keep_result = None if linked.reused else partial(reuse.keep_result, state, linked.inputs,
                                              linked.result)
    try:
        job.background.wait()
    except Exception:           # (Ctrl-C stops at once, keeping nothing more)
        if keep_result is not None:
            with contextlib.suppress(Exception):    # the write's own error is the one
                keep_result()
        raise
    pause_for_tests("outputs")     # (the sheet saved during a run, in the tests)
    sheet = outputs["review sheet"]
    others = [outputs["export problems"], outputs["matches"], *research.values()]
    if outputs_unchanged(linked, answers, sheet, others):
        with Store(state) as store:
            remember_seen(store, out, {sheet.name: fingerprint(sheet)})
        return _Written(outputs | research, "link and outputs", None, quality)
    placed: list[Placed] = []

    def place(new_sheet: Path) -> Path:
        with Store(state) as store:
            placed.append(place_sheet(new_sheet, out, answers.carried.seen.get(sheet.name),
                                      store, job.allowed.force))
            remember_draw(store, control, linked.stamp.sheet_id)    # now it is shown
        return placed[0].path

    outputs |= write_outputs(
        OutputJob(outputs, research, linked.result, tables,
                  {s.study_instance_uid: s for s in studies}, export, job.settings,
                  linked.stamp, (control, quality.line(), quality.line_ru()),
                  str(job.images.resolve())),
        job.background, research_inputs, keep_result, place)
    return _Written(outputs, "link" if linked.reused else "", placed[0] if placed else None,
                    quality)


def _finish(job: _Job, started: str, scanned: ScanResult, studies: list[Study],
            export: Export, linked: Linked, answers: Answers, written: _Written,
            quality: str) -> JobResult:
    """The run's result, also in the state's history (absolute paths: `linkage links`
    and `linkage runs` read them from anywhere)."""
    remember_state(job.out, job.state)
    result = JobResult(scanned, studies, export, linked.result, job.out, job.state,
                       written.outputs, answers.carried, stages=job.stages.seconds,
                       reused=written.reused, quality=quality)
    placed = written.placed
    if placed is not None:
        result.sheet_note = placed.note
        if placed.carried is not None:
            answers.carried.reports["review.xlsx (saved during the run)"] = placed.carried
    with Store(job.state) as store:
        store.record_run(started, str(job.images.resolve()), str(job.export_path.resolve()),
                         result.summary(), job.stages.seconds)
    return result


_OUTPUTS = {"studies": "studies.csv", "scan problems": "scan_problems.csv",
            "export problems": "export_problems.csv", "matches": "matches.csv",
            "review sheet": "review.xlsx", "revision": "revision.xlsx"}
_RESEARCH = {"links": "links.csv", "cohort": "cohort.csv",
             "image occurrence": "image_occurrence.csv", "study files": "study_files.csv",
             "codebook": "datapackage.json", "report": "report.html"}


def _check_studies(state: Path, images: Path, allow_shrink: bool, scanned: ScanResult
                   ) -> None:
    with Store(state) as store:
        check_studies(store, images, len(scanned.studies), allow_shrink)
