"""The whole job, wired: scan -> read export -> link -> outputs. No logic of its own
beyond checking the paths, keeping the image folder untouched and never losing a
clinician's answer (a filled review.xlsx is imported before it is replaced)."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.background import Background
from linkage.checkpoint import StateCheckpoint
from linkage.config import Settings
from linkage.files import move_into_place, remove_leftovers, staged
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.inventory import check_paths, scan_only
from linkage.lock import exclusive
from linkage.meanwhile import (
    ExportReading,
    LinkerMeanwhile,
    NamesMeanwhile,
    ResearchInputs,
    Tables,
    prepare_research_tables,
    write_research_tables_from_state,
)
from linkage.outputs import (
    write_export_problems,
    write_matches,
)
from linkage.progress import Bar
from linkage.records.read import Export
from linkage.review.handover import (
    carry_answers,
    check_state_present,
    fingerprint,
    lock_files,
    place_sheet,
    remember_seen,
)
from linkage.run_guards import (
    check_records,
    check_studies,
    pause_for_tests,
    remember_counts,
)
from linkage.store import STATE_NAME, Store, now, readable, remember_state

# pandas, openpyxl and the linker are imported where they are used: the scan starts
# 0.4 s sooner, and the thread that prepares the linker meanwhile loads them
# (`meanwhile.LinkerMeanwhile`).
if TYPE_CHECKING:
    import pandas as pd

    from linkage.link.pipeline import LinkResult
    from linkage.review.handover import Carried
    from linkage.review.stamp import SheetStamp

SHEET_STAMP = ".stamp"    # in the memo's outputs: the stamp of the review.xlsx written
OUTPUT_FOLDER_KEY = "output folder"     # in the state's meta: the last run's --out
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
        try:
            return _run(images, export_path, out, settings, state, progress, allowed,
                        background, closing)
        finally:
            gc.unfreeze()       # (see _run) a process that runs the job again collects all


def _run(images: Path, export_path: Path, out: Path, settings: Settings, state: Path,
         progress: bool | None, allowed: Allowed, background: Background,
         closing: contextlib.ExitStack) -> JobResult:
    """revision.xlsx is written in `background` while the job links; the job waits
    for it before it replaces any other output."""
    started = now()
    stages = _Stages(progress)
    remove_leftovers(out, OUTPUT_NAMES)
    with stages.stage("answers", "reading answers in the last review.xlsx"), \
            Store(state) as store:
        memo = store.memo()
        written = memo[1] if memo else {}
        carried = carry_answers(out, store, allowed.force, written)
        decisions_seen = store.last_decision_id()
    # held until the job ends, once the state file exists (linkage/checkpoint.py)
    checkpoint = closing.enter_context(StateCheckpoint(state))
    export_digest = _export_digest(export_path, settings)
    unchanged_but_tree = _inputs_digest(export_digest, out, settings, decisions_seen)
    linker = None if memo and memo[0].startswith(unchanged_but_tree) else LinkerMeanwhile()
    with stages.stage("export", "reading the export"):
        try:
            reading = ExportReading(export_path, settings, export_digest, state, background)
        except BaseException:
            if linker is not None:
                linker.give(None)
            raise
    if linker is not None:
        linker.give(reading.read)
    with stages.stage("scan", "scanning the images folder"):
        names = NamesMeanwhile(background)
        scanned, studies = scan_only(images, out, state, settings, progress, allowed.shrink,
                                     locked=True, background=background,
                                     after_batch=reading.check, files_saved=names.start,
                                     check=partial(_check_studies, state, images,
                                                   allowed.shrink))
    with stages.stage("export"):
        export = reading.result()
    with Store(state) as store:
        check_records(store, export_path, len(export.records), allowed.shrink)
    # the scan's writes (and the export's) go into the state file while the job links;
    # started after the export is kept, which would wait for the disk otherwise
    checkpoint.start()
    research_inputs = None
    if len(studies) >= PARALLEL_OUTPUTS_FROM_STUDIES:
        # the process that writes revision.xlsx ends once it is written; the research
        # tables' process starts then, imports their libraries and reads their inputs
        # from the state file while the job links
        research_inputs = ResearchInputs(state, scanned.root, scanned.digest, export_digest)
        background.then_new_process(warm_up=partial(prepare_research_tables, research_inputs))
    tables = Tables(export, studies, names, linker)
    # What the scan built lives until the job ends: the cyclic collector need not walk
    # it again (each full collection during linking took ~0.1 s at 10,000 persons).
    gc.freeze()
    from linkage.review.stamp import SheetStamp, restamp

    with stages.stage("link", f"linking {len(export.records)} records with {len(studies)} "
                              "studies"):
        with Store(state) as store:
            remembered = store.current_decisions()
            stamp = SheetStamp.new(started, store.last_decision_id(), store.state_id,
                                   readable(str(state.resolve())))
            store.register_sheet(stamp.sheet_id, stamp.written_at, "review.xlsx")
            inputs = f"{unchanged_but_tree}/{_digest(scanned.root)}/{scanned.digest}" \
                if scanned.digest and stamp.decisions_seen == decisions_seen else ""
            blob = store.memo_result(inputs) if inputs else None
        linked = _reused(blob)
        reused = "link" if linked is not None else ""
        keep: Callable[[], None] | None = None
        if linked is None:
            from linkage.link.pipeline import link
            from linkage.review.fingerprint import stale_decisions

            stale = stale_decisions(remembered, tables.records, tables.studies)
            bar = Bar(stages.show, "  linking", 100, percent=True)
            try:
                linked = link(tables.records, tables.studies, settings.thresholds,
                              {k: d.decision for k, d in remembered.items()}, stale,
                              progress=bar.advance, persons=tables.persons)
            finally:
                bar.close()
            # kept before any output is replaced: if the outputs fail, the next run need
            # not link again. Once the research tables' process has its inputs, so that
            # it works while this one packs (0.2 s at 10,000 persons). (Kept by that
            # process, it cost 0.1 s less and 230 MB more at the peak, over 1 GB.)
            keep = partial(_keep_result, state, inputs or "-", linked)
    from linkage.review.control import (
        control_check,
        remember_draw,
        unmatched_by_year,
        unmatched_line,
        write_quality,
    )

    with Store(state) as store:
        quality, control = control_check(store, linked.pairs, settings.control_sample)
    study_info = {s.study_instance_uid: s for s in studies}
    outputs = {
        "studies": out / "studies.csv", "scan problems": out / "scan_problems.csv",
        "export problems": out / "export_problems.csv", "matches": out / "matches.csv",
        "review sheet": out / "review.xlsx", "revision": out / "revision.xlsx",
    }
    research = {"links": out / "links.csv", "cohort": out / "cohort.csv",
                "image occurrence": out / "image_occurrence.csv",
                "study files": out / "study_files.csv", "codebook": out / "datapackage.json",
                "report": out / "report.html"}
    with stages.stage("outputs", "writing the outputs"):
        try:
            background.wait()
        except Exception:           # (Ctrl-C stops at once, keeping nothing more)
            if keep is not None:
                with contextlib.suppress(Exception):    # the write's own error is the one
                    keep()
            raise
        pause_for_tests("outputs")     # (the sheet saved during a run, in the tests)
        sheet = outputs["review sheet"]
        kept = reused and not lock_files(sheet) \
            and fingerprint(sheet) == carried.seen.get(sheet.name) \
            and all(_as_written(path, written) for path in
                    [outputs["export problems"], outputs["matches"], sheet, *research.values()]) \
            and restamp(sheet, SheetStamp(*written.get(SHEET_STAMP, [])), stamp)
        placed = None
        if kept:
            reused = "link and outputs"
            outputs |= research
            with Store(state) as store:
                remember_seen(store, out, {sheet.name: fingerprint(sheet)})
        else:
            def place(new_sheet: Path) -> Path:
                nonlocal placed
                with Store(state) as store:
                    placed = place_sheet(new_sheet, out, carried.seen.get(sheet.name), store,
                                         allowed.force)
                    remember_draw(store, control, stamp.sheet_id)    # now it is shown
                return placed.path

            outputs |= _write_outputs(outputs, research, linked, tables, study_info, export,
                                      settings, stamp, background, research_inputs, keep,
                                      place, (control, quality.line(), quality.line_ru()))
        stamps: dict[str, list] = {p.name: _stamp(p) for p in outputs.values() if p.is_file()}
        stamps[SHEET_STAMP] = [stamp.sheet_id, stamp.written_at, stamp.decisions_seen,
                               stamp.state_id, stamp.state_path]
        with Store(state) as store:
            store.update_memo_outputs(inputs or "-", stamps)
            remember_counts(store, len(studies), len(export.records))
            # where this state's outputs are: `linkage links --state` finds matches.csv
            # there when the state file lives elsewhere
            store.set_meta(OUTPUT_FOLDER_KEY, readable(str(out.resolve())))
        unmatched = unmatched_by_year(
            linked.pairs, {s.study_instance_uid: s.study_date for s in studies},
            {str(r["record_id"]): r.get("admission_date", "") for r in export.records})
        outputs["quality"] = write_quality(out, quality, state, unmatched)
    remember_state(out, state)
    result = JobResult(scanned, studies, export, linked, out, state, outputs, carried,
                       stages=stages.seconds, reused=reused,
                       quality=f"{quality.line()}\n{unmatched_line(unmatched)}")
    if placed is not None:
        result.sheet_note = placed.note
        if placed.carried is not None:
            carried.reports["review.xlsx (saved during the run)"] = placed.carried
    with Store(state) as store:
        # absolute paths: `linkage links` reads this export again from anywhere
        store.record_run(started, str(images.resolve()), str(export_path.resolve()),
                         result.summary(), stages.seconds)
    return result


# From this many studies the research tables are written in the second process while
# the main one writes review.xlsx (about a second each at 10,000 persons); below, a
# process would cost more than it saves.
PARALLEL_OUTPUTS_FROM_STUDIES = 2000


def _write_outputs(outputs: dict[str, Path], research: dict[str, Path], linked: LinkResult,
                   tables: Tables, study_info: dict[str, Study], export: Export,
                   settings: Settings, stamp: SheetStamp, background: Background,
                   research_inputs: ResearchInputs | None = None,
                   keep: Callable[[], None] | None = None,
                   place: Callable[[Path], Path] | None = None,
                   control: tuple[pd.DataFrame | None, str, str] = (None, "", "")
                   ) -> dict[str, Path]:
    """The sheet first: if it cannot be written, no other output was replaced. The
    research tables (and, there, matches.csv) are written meanwhile into a staging
    folder by the second process, from `research_inputs`, for a large folder, and moved
    beside the sheet only once it is written. `keep` keeps the link result, before the
    sheet is written. The sheet is written into the staging folder too, and `place`
    puts it where it belongs (see review.handover) before the others are moved."""
    from linkage.review.links import linked as linked_pairs
    from linkage.review.links import write_research_tables
    from linkage.review.report import link_quality
    from linkage.review.sheet import write_review

    sheet = outputs["review sheet"]
    links = linked_pairs(linked.pairs)
    quality = link_quality(linked.pairs, settings.thresholds, control[2])
    with staged(sheet.parent) as staging:
        meanwhile = None if research_inputs is None else background.submit(
            write_research_tables_from_state, staging.path, links, research_inputs,
            settings.windows, linked.pairs[linked.pairs["status"] != ""], quality)
        try:
            if keep is not None:
                keep()
            new_sheet = staging.path / f".{sheet.name}"   # (a dot: commit leaves it)
            write_review(new_sheet, linked.pairs, tables.records, tables.studies, study_info,
                         settings.thresholds, settings.lang, stamp, control=control[0],
                         quality=control[1], histogram=linked.histogram)
        except BaseException:
            with contextlib.suppress(Exception):
                background.wait()       # nothing may write into the staging folder it leaves
            raise
        write_export_problems(outputs["export problems"], export)
        if meanwhile is None:
            write_matches(outputs["matches"], linked.pairs)
        else:
            background.wait()
        if meanwhile is None or not meanwhile.result():
            write_research_tables(staging.path, links, study_info, export, settings.windows,
                                  quality=quality)
        placed = place(new_sheet) if place is not None else _replace(new_sheet, sheet)
        moved = {path.name for path in staging.commit()}
    return {"review sheet": placed} | {label: path for label, path in research.items()
                                       if path.name in moved}


def _replace(new: Path, target: Path) -> Path:
    move_into_place(new, target)
    return target


def _check_studies(state: Path, images: Path, allow_shrink: bool, scanned: ScanResult
                   ) -> None:
    with Store(state) as store:
        check_studies(store, images, len(scanned.studies), allow_shrink)


def _keep_result(state: Path, inputs: str, linked: LinkResult) -> None:
    """The link result in the state file, for the next run on the same inputs."""
    from linkage.link.memo import pack

    blob = pack(linked)
    with Store(state) as store:
        store.save_memo(inputs, blob)


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _as_written(path: Path, written: dict[str, list]) -> bool:
    """The file is the one the last run wrote (same size and modification time)."""
    return path.name in written and path.is_file() and _stamp(path) == written[path.name]


def _inputs_digest(export_digest: str, out: Path, settings: Settings,
                   last_decision: int) -> str:
    """Everything a link result depends on but the images: the export (its bytes, how
    it is read, the code reading it), the answers (their last id), the settings, the
    output folder and linkage's own code. The tree's listing digest is added after
    the scan."""
    return _digest(export_digest, str(out.resolve()), repr(settings), str(last_decision))


def _export_digest(export_path: Path, settings: Settings) -> str:
    return _digest(_file_digest(export_path), settings.encoding, settings.delimiter,
                   repr(sorted(settings.columns.items())), _code_digest())


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """The file's SHA-256; for a file that cannot be read, something no digest equals
    (reading the export then says what is wrong with it)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return f"unreadable {time.time_ns()}"


def _code_digest() -> str:
    """linkage's own files (name, size, mtime): another version never reuses a result.
    Its data (the given names, the default settings) are resource packages that an
    editable install keeps outside the package's folder: they are digested too."""
    from importlib import resources

    digest = hashlib.sha256()
    for package in ("linkage", "linkage.data", "linkage.configs"):
        root = Path(str(resources.files(package)))
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".txt", ".toml") and path.is_file():
                stat = path.stat()
                digest.update(f"{package}/{path.relative_to(root)}:{stat.st_size}:"
                              f"{stat.st_mtime_ns}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _reused(blob: bytes | None) -> LinkResult | None:
    if blob is None:
        return None
    from linkage.link.memo import unpack

    return unpack(blob)
