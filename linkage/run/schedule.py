"""Where and when each piece of the job runs: the module that decides to use the
second process, a thread or the collector's pause (run/background.py, run/workers.py,
run/checkpoint.py and run/collector.py are the tools; run/inventory.py, the scan's
part, sends its report to the second process by the `Sizes` here). The stages
themselves are in run/pipeline.py; run/job.py puts the two together.

Who runs what, when (a cold run of a large folder; below the `Sizes` each piece runs
in the main process, in turn):

    main process           second process                    a thread (main process)
    -------------------    --------------------------------  -------------------------
    reads the answers      reads the export (ExportReading)  imports the linker's
    scans; workers parse   parses patient names                libraries, then builds
      the headers            (NamesMeanwhile), then writes     the records' table and
                             revision.xlsx and studies.csv     persons (LinkerMeanwhile)
    links                  new process: imports and reads    copies the state file's
                             the research tables' inputs       log (run.checkpoint)
                             (prepare_research_tables)
    writes review.xlsx     writes matches.csv and the
                             research tables, staged
    moves the outputs      (ended)
      into place

Everything the scan built is frozen out of the collector's reach (`gc.freeze`) for
the rest of the job: it lives until the end and holds no cycles.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.config import Settings
from linkage.files import move_into_place, staged
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.names.parse import parse_dicom_name, parse_dicom_names
from linkage.records.read import Export, read_export, read_export_kept
from linkage.reports.outputs import write_matches
from linkage.run import reuse
from linkage.run.background import Background
from linkage.run.checkpoint import StateCheckpoint
from linkage.run.collector import paused_call
from linkage.store import Store

if TYPE_CHECKING:
    import pandas as pd

    from linkage.link.pipeline import LinkResult
    from linkage.review.stamp import SheetStamp


@dataclass(frozen=True)
class Sizes:
    """From what size a piece of work goes to the second process; below, starting the
    process costs more than it saves (benchmarks/README.md has the measurements)."""

    export_from_bytes: int = 200_000        # the export, read while the folder is scanned
    names_from_instances: int = 5000        # the patient names, parsed while studies group
    revision_from_files: int = 5000         # revision.xlsx and studies.csv, while linking
    research_from_studies: int = 2000       # the research tables, while review.xlsx is written


SIZES = Sizes()


class ExportReading:
    """The export, read once per distinct file (bytes and reading settings): the same
    export again is taken from the state file as it was read. A new large one is read
    by the second process while the job scans; `check` raises its error as soon as it
    is known, so a refused export stops the scan instead of waiting for its end."""

    def __init__(self, path: Path, settings: Settings, digest: str, state: Path,
                 background: Background):
        self._digest, self._state = digest, state
        self._export: Export | None = None
        self._reading: Future | None = None
        with Store(state) as store:
            kept = store.kept_export(digest)
        if kept is not None:
            self._export = Export.from_json(kept)
        elif _size(path) >= SIZES.export_from_bytes:
            self._reading = background.submit(paused_call, read_export_kept, path,
                                              settings.encoding, settings.delimiter,
                                              settings.columns)
        else:
            self._export = self._kept(read_export(path, settings.encoding,
                                                  settings.delimiter, settings.columns))

    def check(self) -> None:
        if self._reading is not None and self._reading.done():
            self._reading.result()      # raises the reading's error

    def read(self) -> Export:
        """The export once read, for another thread (`result` keeps it in the state
        file)."""
        return self._export if self._export is not None else self._reading.result()[0]

    def result(self) -> Export:
        if self._export is None:
            assert self._reading is not None
            self._export, text = self._reading.result()
            self._save(text)
        return self._export

    def _kept(self, export: Export) -> Export:
        self._save(export.to_json())
        return export

    def _save(self, text: str) -> None:
        with Store(self._state) as store:
            store.save_export(self._digest, text)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0        # read at once then, which says what is wrong with it


class LinkerMeanwhile:
    """A thread, while the export is read and the folder scanned, that imports the
    linker's libraries (pandas, and recordlinkage's Index and Compare without its
    classifiers: link/recordlinkage_parts.py) and the review sheet's (XlsxWriter), then,
    once the export is read, builds the records' identity table, groups the records
    into persons (`link.persons.person_key`) and spells their names in every scheme
    (`link.comparisons.spell_ahead`): work the job would do after the scan
    otherwise, when only the main process has work. During a first scan both cores are
    busy with the workers, and this slows the scan a little but saves its whole time
    later. Not when the last result will be reused: no linker is needed then."""

    def __init__(self) -> None:
        self._source: Callable[[], Export] | None = None
        self._columns: dict[str, str] = {}
        self._given = threading.Event()
        self._records = self._persons = None
        # not a daemon: a run that stops early (a bad export) lets the import finish
        # rather than leave it half done at interpreter shutdown
        self._thread = threading.Thread(target=self._prepare, name="prepare linker")
        self._thread.start()

    def export_from(self, source: Callable[[], Export] | None,
             columns: dict[str, str] | None = None) -> None:
        """How to get the export once read (None: the run stops, nothing to build), and
        the configured headers (`[export.columns]`)."""
        self._source, self._columns = source, columns or {}
        self._given.set()

    def tables(self) -> tuple:
        """(records' identity table, person key), or (None, None) if not built."""
        self._thread.join()
        return self._records, self._persons

    def _prepare(self) -> None:
        import linkage.link.identity  # noqa: F401
        import linkage.link.pipeline  # noqa: F401
        import linkage.review.fingerprint  # noqa: F401
        import linkage.review.sheet  # noqa: F401
        from linkage.link.comparisons import COMPARISONS, spell_ahead
        from linkage.link.identity import linking_records
        from linkage.link.persons import person_key
        from linkage.link.recordlinkage_parts import load

        load()
        self._given.wait()
        try:
            if self._source is not None:
                records = linking_records(self._source(), self._columns, COMPARISONS)
                self._persons, self._records = person_key(records), records
                spell_ahead(records)
        except Exception:  # noqa: BLE001 - the job reads the export and raises itself
            self._records = self._persons = None


class NamesMeanwhile:
    """The patient names of a scan's images, parsed by the second process (before it
    makes revision.xlsx) while the main process groups the studies; the studies'
    identity table then finds them parsed (`parse_dicom_name`'s cache, seeded)."""

    def __init__(self, background: Background):
        self._background = background
        self._parsing: Future | None = None

    def start(self, scanned: ScanResult) -> None:
        if len(scanned.instances) >= SIZES.names_from_instances:
            names = sorted({i.patient_name for i in scanned.instances})
            self._parsing = self._background.submit(paused_call, parse_dicom_names, names)

    def seed_cache(self) -> None:
        if self._parsing is not None:
            parse_dicom_name.seed(self._parsing.result())
            self._parsing = None


class IdentityTables:
    """The identity tables, built only when linking or writing needs them."""

    def __init__(self, export: Export, studies: list[Study], names: NamesMeanwhile,
                 linker: LinkerMeanwhile | None = None, columns: dict[str, str] | None = None):
        self._export, self._studies, self._names = export, studies, names
        self._columns = columns or {}
        self._prepared = linker.tables() if linker is not None else (None, None)

    @cached_property
    def records(self):
        prepared = self._prepared[0]
        if prepared is not None:
            return prepared
        from linkage.link.comparisons import COMPARISONS
        from linkage.link.identity import linking_records

        return linking_records(self._export, self._columns, COMPARISONS)

    @property
    def persons(self):
        """The records grouped into persons, if built meanwhile (else link does it)."""
        return self._prepared[1]

    @cached_property
    def studies(self):
        self._names.seed_cache()
        from linkage.link.identity import studies_frame

        return studies_frame(self._studies)


@dataclass(frozen=True)
class ResearchInputs:
    """Where the research tables' process reads the studies and the export: the scan
    result and the export the state file keeps. Handed over pickled, they cost the main
    process time while it wrote review.xlsx, and the other one more to unpickle; read
    here, they are ready before the link stage ends, while that process has nothing
    else to do."""

    state: Path
    root: str               # the scan's root and listing digest (`ScanResult`)
    listing: str
    export: str             # the export's digest (`ExportReading`)

    def load(self) -> tuple[dict[str, Study], Export] | None:
        """(study_info, export) as the job holds them; None if the state lacks one."""
        studies = reuse.stored_studies(self.state, self.root, self.listing)
        with Store.reader(self.state) as store:
            kept = store.kept_export(self.export)
        if studies is None or kept is None:
            return None
        return {s.study_instance_uid: s for s in studies}, Export.from_json(kept)


_LOADED: dict[ResearchInputs, tuple[dict[str, Study], Export] | None] = {}


def prepare_research_tables(inputs: ResearchInputs | None = None) -> None:
    """In the research tables' process, ahead of them: their imports (pandas),
    the report's plotting library and fonts, and their inputs."""
    import linkage.reports.links  # noqa: F401
    from linkage.reports.report import warm_up

    warm_up()

    if inputs is not None:
        _LOADED[inputs] = inputs.load()


def write_research_tables_from_state(out: Path, links, inputs: ResearchInputs,
                                     windows, shown=None, quality=None) -> bool:
    """The research tables, from the inputs read ahead (or now); False, writing
    nothing more, when the state file lacks them (the job then writes them itself).
    `shown`: the pairs matches.csv lists, written there first (while the job writes
    review.xlsx); `quality`: the report's
    (`review.report.LinkQuality`)."""
    from linkage.reports.research import write_research_tables

    if shown is not None:
        write_matches(out / "matches.csv", shown)
    loaded = _LOADED.pop(inputs) if inputs in _LOADED else inputs.load()
    if loaded is None:
        return False
    study_info, export = loaded
    write_research_tables(out, links, study_info, export, windows, quality=quality)
    return True


class Plan:
    """The job's helpers at work, in the order the job needs them: the state file's
    checkpoint thread, the thread preparing the linker (not when the last result will
    be reused), the second process (`background`) and the collector."""

    def __init__(self, background: Background, closing: contextlib.ExitStack, state: Path,
                 linker_needed: bool):
        self.background, self.state = background, state
        # held until the job ends, once the state file exists (run/checkpoint.py)
        self.checkpoint = closing.enter_context(StateCheckpoint(state))
        self.linker = LinkerMeanwhile() if linker_needed else None
        self.names = NamesMeanwhile(background)

    def read_export(self, path: Path, settings: Settings, digest: str) -> ExportReading:
        """The export, read here or in the second process; the linker's thread is told
        where to find it (or that there is none: the run stops)."""
        try:
            reading = ExportReading(path, settings, digest, self.state, self.background)
        except BaseException:
            if self.linker is not None:
                self.linker.export_from(None)
            raise
        if self.linker is not None:
            self.linker.export_from(reading.read, settings.columns)
        return reading

    def while_linking(self, scanned: ScanResult, studies: list[Study], export_digest: str
                      ) -> ResearchInputs | None:
        """Once the scan and the export are kept: the state file's writes are
        checkpointed while the job links (started now, it would wait for the disk
        otherwise), and for a large folder the process that wrote revision.xlsx makes
        way for the research tables' one, which reads their inputs meanwhile."""
        self.checkpoint.start()
        if len(studies) < SIZES.research_from_studies:
            return None
        research = ResearchInputs(self.state, scanned.root, scanned.digest, export_digest)
        self.background.then_new_process(warm_up=partial(prepare_research_tables, research))
        return research

    def tables(self, export: Export, studies: list[Study], columns: dict[str, str]
               ) -> IdentityTables:
        """The identity tables. What the scan built lives until the job ends: the
        cyclic collector need not walk it again (`gc.freeze`; the job unfreezes)."""
        tables = IdentityTables(export, studies, self.names, self.linker, columns)
        gc.freeze()
        return tables


@dataclass
class OutputJob:
    """What `write_outputs` writes from, and where."""

    outputs: dict[str, Path]       # label -> path of the job's own outputs
    research: dict[str, Path]      # label -> path of the research tables
    linked: LinkResult
    tables: IdentityTables
    study_info: dict[str, Study]
    export: Export
    settings: Settings
    stamp: SheetStamp
    control: tuple[pd.DataFrame | None, str, str] = (None, "", "")
    images_root: str | None = None     # the scanned folder: the sheet links its studies


def write_outputs(job: OutputJob, background: Background,
                  research_inputs: ResearchInputs | None = None,
                  keep_result: Callable[[], None] | None = None,
                  place: Callable[[Path], Path] | None = None) -> dict[str, Path]:
    """The sheet first: if it cannot be written, no other output was replaced. The
    research tables (and, there, matches.csv) are written meanwhile into a staging
    folder by the second process, from `research_inputs`, for a large folder, and moved
    beside the sheet only once it is written. `keep_result` keeps the link result, before the
    sheet is written. The sheet is written into the staging folder too, and `place`
    puts it where it belongs (see review.handover) before the others are moved."""
    from linkage.reports.links import linked as linked_pairs
    from linkage.reports.outputs import write_export_problems
    from linkage.reports.report import link_quality
    from linkage.reports.research import write_research_tables
    from linkage.review.sheet import write_review

    pairs, settings = job.linked.pairs, job.settings
    sheet = job.outputs["review sheet"]
    links = linked_pairs(pairs)
    quality = link_quality(pairs, settings.thresholds, job.control[2])
    with staged(sheet.parent) as staging:
        meanwhile = None if research_inputs is None else background.submit(
            write_research_tables_from_state, staging.path, links, research_inputs,
            settings.windows, pairs[pairs["status"] != ""], quality)
        try:
            if keep_result is not None:
                keep_result()
            new_sheet = staging.path / f".{sheet.name}"   # (a dot: commit leaves it)
            write_review(new_sheet, pairs, job.tables.records, job.tables.studies,
                         job.study_info, settings.thresholds, settings.lang, job.stamp,
                         control=job.control[0], quality=job.control[1],
                         histogram=job.linked.histogram, images_root=job.images_root)
        except BaseException:
            with contextlib.suppress(Exception):
                background.wait()       # nothing may write into the staging folder it leaves
            raise
        write_export_problems(job.outputs["export problems"], job.export)
        if meanwhile is None:
            write_matches(job.outputs["matches"], pairs)
        else:
            background.wait()
        if meanwhile is None or not meanwhile.result():
            write_research_tables(staging.path, links, job.study_info, job.export,
                                  settings.windows, quality=quality)
        placed = place(new_sheet) if place is not None else _replace(new_sheet, sheet)
        moved = {path.name for path in staging.commit()}
    return {"review sheet": placed} | {label: path for label, path in job.research.items()
                                       if path.name in moved}


def _replace(new: Path, target: Path) -> Path:
    move_into_place(new, target)
    return target
