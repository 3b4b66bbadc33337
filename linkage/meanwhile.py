"""What the job does meanwhile: while the folder is scanned and the studies linked,
the second process reads a large export, parses the scan's patient names and makes
the reports (linkage.background), and a thread of the main process prepares the
linker. Each piece hands the job what it would otherwise compute after the scan, when
only the main process has work (docs/architecture.md, "Cold-run work is spread over
the cores")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from linkage.background import Background
from linkage.config import Settings
from linkage.images.scan import ScanResult
from linkage.images.studies import Study
from linkage.inventory import stored_studies
from linkage.names.parse import parse_dicom_name, parse_dicom_names
from linkage.outputs import write_matches
from linkage.records.read import Export, read_export, read_export_kept
from linkage.store import Store

# From this size (about 2,000 records) the export is read in the second process while
# the folder is scanned: 1.2 s at 10,000 records, during which a first scan's workers
# would otherwise wait for the walk, and a rescan's walk waits on the disk. Below,
# starting the process costs more than it saves.
EXPORT_IN_BACKGROUND_FROM_BYTES = 200_000


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
        elif _size(path) >= EXPORT_IN_BACKGROUND_FROM_BYTES:
            self._reading = background.submit(read_export_kept, path, settings.encoding,
                                              settings.delimiter, settings.columns)
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
    classifiers: link/recordlinkage_parts.py) and the review sheet's (openpyxl), then,
    once the export is read, builds the records' identity table, groups the records
    into persons (`link.persons.person_key`) and spells their names in every scheme
    (`link.comparisons.spell_ahead`): 0.5 s the job would spend after the scan
    otherwise, when only the main process has work. During a first scan both cores are
    busy with the workers, and this slows the scan a little but saves its whole time
    later. Not when the last result will be reused: no linker is needed then."""

    def __init__(self) -> None:
        self._source: Callable[[], Export] | None = None
        self._given = threading.Event()
        self._records = self._persons = None
        # not a daemon: a run that stops early (a bad export) lets the import finish
        # rather than leave it half done at interpreter shutdown
        self._thread = threading.Thread(target=self._prepare, name="prepare linker")
        self._thread.start()

    def give(self, source: Callable[[], Export] | None) -> None:
        """How to get the export once read (None: the run stops, nothing to build)."""
        self._source = source
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
        from linkage.link.comparisons import spell_ahead
        from linkage.link.identity import records_frame
        from linkage.link.persons import person_key
        from linkage.link.recordlinkage_parts import load

        load()
        self._given.wait()
        try:
            if self._source is not None:
                records = records_frame(self._source().records)
                self._persons, self._records = person_key(records), records
                spell_ahead(records)
        except Exception:  # noqa: BLE001 - the job reads the export and raises itself
            self._records = self._persons = None


# From this many images a scan's patient names are parsed by the second process while
# the main one groups the studies (0.6 s at 10,000 persons); below, a process would
# cost more than it saves.
NAMES_IN_BACKGROUND_FROM_INSTANCES = 5000


class NamesMeanwhile:
    """The patient names of a scan's images, parsed by the second process (before it
    makes revision.xlsx) while the main process groups the studies; the studies'
    identity table then finds them parsed (`parse_dicom_name`'s cache, seeded)."""

    def __init__(self, background: Background):
        self._background = background
        self._parsing: Future | None = None

    def start(self, scanned: ScanResult) -> None:
        if len(scanned.instances) >= NAMES_IN_BACKGROUND_FROM_INSTANCES:
            names = sorted({i.patient_name for i in scanned.instances})
            self._parsing = self._background.submit(parse_dicom_names, names)

    def take(self) -> None:
        if self._parsing is not None:
            parse_dicom_name.seed(self._parsing.result())
            self._parsing = None


class Tables:
    """The identity tables, built only when linking or writing needs them."""

    def __init__(self, export: Export, studies: list[Study], names: NamesMeanwhile,
                 linker: LinkerMeanwhile | None = None):
        self._export, self._studies, self._names = export, studies, names
        self._prepared = linker.tables() if linker is not None else (None, None)

    @cached_property
    def records(self):
        from linkage.link.identity import records_frame

        prepared = self._prepared[0]
        return prepared if prepared is not None else records_frame(self._export.records)

    @property
    def persons(self):
        """The records grouped into persons, if built meanwhile (else link does it)."""
        return self._prepared[1]

    @cached_property
    def studies(self):
        self._names.take()
        from linkage.link.identity import studies_frame

        return studies_frame(self._studies)


@dataclass(frozen=True)
class ResearchInputs:
    """Where the research tables' process reads the studies and the export: the scan
    result and the export the state file keeps. Handing them over pickled cost the main
    process 0.25 s while it wrote review.xlsx, and the other one 0.6 s to unpickle, at
    10,000 persons; read here, they are ready before the link stage ends, while that
    process has nothing else to do."""

    state: Path
    root: str               # the scan's root and listing digest (`ScanResult`)
    listing: str
    export: str             # the export's digest (`ExportReading`)

    def load(self) -> tuple[dict[str, Study], Export] | None:
        """(study_info, export) as the job holds them; None if the state lacks one."""
        studies = stored_studies(self.state, self.root, self.listing)
        with Store.reader(self.state) as store:
            kept = store.kept_export(self.export)
        if studies is None or kept is None:
            return None
        return {s.study_instance_uid: s for s in studies}, Export.from_json(kept)


_LOADED: dict[ResearchInputs, tuple[dict[str, Study], Export] | None] = {}


def prepare_research_tables(inputs: ResearchInputs | None = None) -> None:
    """In the research tables' process, ahead of them: their imports (pandas, 0.5 s),
    the report's plotting library and fonts, and their inputs."""
    import linkage.review.links  # noqa: F401
    from linkage.review.report import warm_up

    warm_up()

    if inputs is not None:
        _LOADED[inputs] = inputs.load()


def write_research_tables_from_state(out: Path, links, inputs: ResearchInputs,
                                     windows, shown=None, quality=None) -> bool:
    """The research tables, from the inputs read ahead (or now); False, writing
    nothing more, when the state file lacks them (the job then writes them itself).
    `shown`: the pairs matches.csv lists, written there first (0.15 s at 10,000
    persons, while the job writes review.xlsx); `quality`: the report's
    (`review.report.LinkQuality`)."""
    from linkage.review.links import write_research_tables

    if shown is not None:
        write_matches(out / "matches.csv", shown)
    loaded = _LOADED.pop(inputs) if inputs in _LOADED else inputs.load()
    if loaded is None:
        return False
    study_info, export = loaded
    write_research_tables(out, links, study_info, export, windows, quality=quality)
    return True
