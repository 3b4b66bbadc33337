"""`linkage scan`: the inventory of the images folder and its problem list, with the
checks every command that reads the folder makes. Kept apart from the job so that a
scan loads no linker, no pandas and no spreadsheet library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from linkage.config import Settings
from linkage.errors import JobError
from linkage.images.scan import ScanHooks, ScanResult, scan
from linkage.images.studies import Study
from linkage.images.walk import readable
from linkage.names.parse import ParsedName, parse_folder_name
from linkage.reports.outputs import write_scan_problems, write_studies
from linkage.run import reuse, schedule
from linkage.run.background import Background
from linkage.run.collector import collector_paused
from linkage.run.lock import exclusive
from linkage.run.workers import in_order
from linkage.store import Store


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_paths(images: Path, export: Path | None, out: Path, state: Path,
                inputs: tuple[Path | None, ...] = (), outputs: tuple[str, ...] = ()) -> None:
    """Nothing is written into the images folder, and no input (the export, the
    config) is where an output of `outputs` will be written."""
    if not images.is_dir():
        raise JobError(f"images folder not found: {images}")
    if export is not None and not export.is_file():
        raise JobError(f"export file not found: {export}")
    if out.exists() and not out.is_dir():
        raise JobError(f"--out {out} is a file; give a folder (it is made if missing)")
    check_outside_images(images, out=out, state=state)
    check_inputs_are_not_outputs(out, inputs, outputs)


def check_outside_images(images: Path, **written: Path) -> None:
    for what, path in written.items():
        if _inside(path, images):
            what = {"out": "output folder", "state": "state file"}.get(what, what)
            raise JobError(f"the {what} {path} is inside the images folder {images}; "
                           "the tool never writes there, choose another place")


def check_inputs_are_not_outputs(out: Path, inputs: tuple[Path | None, ...],
                                 outputs: tuple[str, ...]) -> None:
    """An export kept in the output folder under an output's name would be replaced."""
    targets = {(out / name).resolve() for name in outputs}
    for path in inputs:
        if path is not None and path.resolve() in targets:
            raise JobError(f"{path} is an input, but the run writes an output of that name "
                           f"into {out}; move or rename it (nothing was changed)")


def scan_only(images: Path, out: Path, state: Path, settings: Settings,
              progress: bool | None = None, allow_shrink: bool = False,
              locked: bool = False, background: Background | None = None,
              after_batch: Callable[[], None] | None = None,
              files_saved: Callable[[ScanResult], None] | None = None,
              check: Callable[[ScanResult], None] | None = None,
              instances: bool = True) -> tuple[ScanResult, list[Study]]:
    """`linkage scan`: the inventory and the problem list. With `background`,
    revision.xlsx is made and written there once the studies are grouped, with the
    folder names parsed meanwhile, and studies.csv after it (the caller waits for
    them). `after_batch` and `files_saved` as in `images.scan.ScanHooks`; `check` may
    refuse the scanned folder before any output is written. `instances` False: the
    caller reads only the studies (an unchanged tree's instances are not rebuilt)."""
    check_paths(images, None, out, state)
    if not locked:
        with exclusive(out, state):
            return scan_only(images, out, state, settings, progress, allow_shrink, True,
                             background, after_batch, files_saved, check, instances)
    revision = out / "revision.xlsx"
    started: list[str] = []

    def start_report(root: str, files: int) -> None:
        """In the second process, from what the scan stored, while the main one links
        (a large folder only: starting a process costs more than a small report). It
        takes the folder names parsed here when grouping, rather than parse them
        again."""
        if background is not None and files >= schedule.SIZES.revision_from_files:
            background.submit(write_report_from_state, revision, state, root,
                              parse_folder_name.results())
            started.append(root)

    with Store(state) as store, collector_paused():
        scanned = scan(images, store, workers=settings.workers or None, progress=progress,
                       allow_shrink=allow_shrink,
                       hooks=ScanHooks(after_batch=after_batch, files_saved=files_saved),
                       parallel=in_order, instances=instances)
    if check is not None:
        check(scanned)
    # the same tree as last time: the same report, not written again
    report_due = not (scanned.unchanged and revision.is_file())
    if report_due:
        start_report(scanned.root, scanned.counts.get("files", 0))
    studies = scanned.studies
    if started and not scanned.unchanged:
        # beside revision.xlsx, from the studies the scan just stored: the job does not
        # spend it before linking
        background.submit(write_studies_from_state, out / "studies.csv", state,
                          scanned.root, scanned.digest)
    else:
        write_studies(out / "studies.csv", studies)
    write_scan_problems(out / "scan_problems.csv", scanned)
    if report_due and not started and not scanned.instances and \
            scanned.counts.get("instances"):
        # the studies only were taken from the stored result
        write_report_from_state(revision, state, scanned.root)
    elif report_due and not started:
        with Store(state) as store:
            files = _listing(store, scanned.root)
        from linkage.reports.revision import write_report  # XlsxWriter: only now

        write_report(revision, files, scanned.instances)
    return scanned, studies


def write_report_from_state(path: Path, state: Path, root: str,
                            folder_names: dict[str, ParsedName | None] | None = None
                            ) -> None:
    """revision.xlsx from what the scan stored in the state file. The job's second
    process reads it itself: handing it every instance would pickle them on the main
    process, holding up the job. `folder_names`: what
    `parse_folder_name` already gave in the main process."""
    from linkage.images.instance import instances_from_rows
    from linkage.reports.revision import write_report

    parse_folder_name.seed(folder_names or {})
    with collector_paused():
        with Store.reader(state) as store:
            files = _listing(store, root)
            instances = instances_from_rows(store.cached_instance_rows(root))
        write_report(path, files, instances)


def write_studies_from_state(path: Path, state: Path, root: str, digest: str) -> None:
    """studies.csv from the studies the scan stored with its result."""
    studies = reuse.stored_studies(state, root, digest)
    if studies is None:
        raise JobError(f"the state file {state} lost the result of the scan it has just "
                       "stored; run again")
    write_studies(path, studies)


def _listing(store: Store, root: str) -> list[tuple[str, int, str]]:
    """(path as people read it, size, kind) of every file of the last scan."""
    return [(readable(p), s, k) for p, s, k in store.file_listing(root)]
