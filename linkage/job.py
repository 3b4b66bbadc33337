"""The whole job, wired: scan -> read export -> link -> outputs. No logic of its own
beyond checking the paths, keeping the image folder untouched and never losing a
clinician's answer (a filled review.xlsx is imported before it is replaced)."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.config import Settings
from linkage.errors import ImportRefused
from linkage.files import remove_leftovers
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.inventory import check_paths, scan_only
from linkage.link.identity import records_frame, studies_frame
from linkage.lock import exclusive
from linkage.outputs import (
    write_export_problems,
    write_matches,
)
from linkage.records.read import Export, read_export
from linkage.review.fingerprint import stale_decisions
from linkage.review.importer import ImportReport, import_review
from linkage.review.links import write_research_tables
from linkage.review.stamp import SheetStamp
from linkage.store import STATE_NAME, Store, now

if TYPE_CHECKING:       # imported when linking starts: scan-only commands stay lean
    from linkage.link.pipeline import LinkResult

OUTPUT_NAMES = ("studies.csv", "scan_problems.csv", "export_problems.csv", "matches.csv",
                "review.xlsx", "links.csv", "cohort.csv", "image_occurrence.csv",
                "study_files.csv", "revision.xlsx")


@dataclass
class JobResult:
    scan: ScanResult
    studies: list[Study]
    export: Export
    linked: LinkResult
    out: Path
    state: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    carried: ImportReport | None = None     # answers taken from the last review.xlsx
    stages: dict[str, float] = field(default_factory=dict)   # seconds per stage

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
        if self.carried is not None and self.carried.read:
            lines.insert(0, f"answers taken from the previous review.xlsx before replacing it: "
                            f"{self.carried.read} (new: {self.carried.added})")
            lines[1:1] = [f"  not taken (a newer answer is stored): {k}"
                          for k in self.carried.kept_newer]
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
    def stage(self, name: str, text: str) -> Iterator[None]:
        if self.show:
            print(f"linkage: {text}...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def _import_linker_early() -> None:
    """The linker's libraries (recordlinkage, scikit-learn, scipy) take seconds to
    import: start that while the scan runs, in the background."""
    threading.Thread(target=importlib.import_module, args=("linkage.link.pipeline",),
                     daemon=True).start()


def carry_answers(sheet: Path, store: Store) -> ImportReport | None:
    """Store the answers of the review.xlsx about to be replaced (as `review import`
    would); refuse the run, replacing nothing, if the sheet cannot be read."""
    if not sheet.is_file():
        return None
    try:
        return import_review(sheet, store)
    except ImportRefused as exc:
        raise ImportRefused(sheet, ["the run was stopped and nothing was replaced: this sheet "
                                    "may hold answers, and they could not be read", *exc.problems]
                            ) from None


def run_job(images: Path, export_path: Path, out: Path, settings: Settings,
            state: Path | None = None, progress: bool | None = None,
            allow_shrink: bool = False) -> JobResult:
    state = state or out / STATE_NAME
    check_paths(images, export_path, out, state)
    with exclusive(out, state):
        return _run(images, export_path, out, settings, state, progress, allow_shrink)


def _run(images: Path, export_path: Path, out: Path, settings: Settings, state: Path,
         progress: bool | None, allow_shrink: bool) -> JobResult:
    started = now()
    stages = _Stages(progress)
    remove_leftovers(out, OUTPUT_NAMES)
    _import_linker_early()
    with stages.stage("answers", "reading answers in the last review.xlsx"), \
            Store(state) as store:
        carried = carry_answers(out / "review.xlsx", store)
    with stages.stage("export", "reading the export"):
        export = read_export(export_path, settings.encoding, settings.delimiter,
                             settings.columns)
    with stages.stage("scan", "scanning the images folder"):
        scanned, studies = scan_only(images, out, state, settings, progress, allow_shrink,
                                     locked=True)
    with stages.stage("link", f"linking {len(export.records)} records with {len(studies)} "
                              "studies"):
        from linkage.link.pipeline import link
        from linkage.review.sheet import write_review

        records = records_frame(export.records)
        study_table = studies_frame(studies)
        with Store(state) as store:
            remembered = store.current_decisions()
            stamp = SheetStamp.new(started, store.last_decision_id())
        stale = stale_decisions(remembered, records, study_table)
        linked = link(records, study_table, settings.thresholds,
                      {k: d.decision for k, d in remembered.items()}, stale)
    study_info = {s.study_instance_uid: s for s in studies}
    outputs = {
        "studies": out / "studies.csv", "scan problems": out / "scan_problems.csv",
        "export problems": out / "export_problems.csv", "matches": out / "matches.csv",
        "review sheet": out / "review.xlsx", "revision": out / "revision.xlsx",
    }
    with stages.stage("outputs", "writing the outputs"):
        # The sheet first: if it cannot be written, no other output was replaced either.
        write_review(outputs["review sheet"], linked.pairs, records, study_table, study_info,
                     settings.thresholds, settings.lang, stamp)
        write_export_problems(outputs["export problems"], export)
        write_matches(outputs["matches"], linked.pairs)
        outputs |= write_research_tables(out, linked.pairs, study_info, export,
                                         settings.windows)
    result = JobResult(scanned, studies, export, linked, out, state, outputs, carried,
                       stages.seconds)
    with Store(state) as store:
        # absolute paths: `linkage links` reads this export again from anywhere
        store.record_run(started, str(images.resolve()), str(export_path.resolve()),
                         result.summary(), stages.seconds)
    return result
