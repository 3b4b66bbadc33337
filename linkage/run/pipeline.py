"""The job's stages in order, each data in and data out: the answers carried from the
sheets, the link stage (or the last result, when nothing changed), the outputs
written from it, and what the run remembers. Nothing here starts a thread or a
process: where the stages run is run/schedule.py's business, and run/job.py puts the
two together (docs/architecture.md, "The job in one place")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from linkage.config import Settings
from linkage.images.studies import Study
from linkage.progress import Bar
from linkage.records.read import Export
from linkage.review.handover import Carried, carry_answers, fingerprint, lock_files
from linkage.run import reuse
from linkage.store import LAST_INPUTS_KEY, Store, readable

if TYPE_CHECKING:
    import pandas as pd

    from linkage.link.pipeline import LinkResult
    from linkage.review.control import Estimate
    from linkage.review.stamp import SheetStamp

OUTPUT_FOLDER_KEY = "output folder"     # in the state's meta: the last run's --out


@dataclass
class Answers:
    """What the state holds at the start of a run: the last run's memo (its inputs and
    the outputs it wrote), the answers carried from the sheets in the output folder,
    and the id of the last answer."""

    memo: tuple[str, dict[str, list]] | None
    carried: Carried
    decisions_seen: int

    @property
    def written(self) -> dict[str, list]:
        return self.memo[1] if self.memo else {}

    def link_reusable(self, unchanged_but_tree: str) -> bool:
        """The last result may be reused if the tree is the same too (known after
        the scan): no linker needs preparing."""
        return bool(self.memo) and self.memo[0].startswith(unchanged_but_tree)


def read_answers(out: Path, state: Path, force: bool) -> Answers:
    """Every sheet in `out` changed since this state saw it is imported first: a run
    never replaces a sheet whose answers it has not stored."""
    with Store(state) as store:
        memo = store.memo()
        carried = carry_answers(out, store, force, memo[1] if memo else {})
        return Answers(memo, carried, store.last_decision_id())


@dataclass
class Linked:
    """The link stage's result and how it was come by."""

    result: LinkResult
    stamp: SheetStamp          # of the review sheet this run hands out
    inputs: str                # the memo's key ("" when not reusable)
    reused: bool               # taken from the last run: nothing to keep


def link_stage(state: Path, tables, settings: Settings, answers: Answers,
               unchanged_but_tree: str, root: str, listing: str, started: str,
               show: bool) -> Linked:
    """The last run's result when nothing changed (tree, export, answers, settings);
    otherwise the candidate pairs scored and decided with every answer remembered."""
    from linkage.review.stamp import SheetStamp

    with Store(state) as store:
        remembered = store.current_decisions()
        stamp = SheetStamp.new(started, store.last_decision_id(), store.state_id,
                               readable(str(state.resolve())))
        store.register_sheet(stamp.sheet_id, stamp.written_at, "review.xlsx")
        inputs = reuse.with_tree(unchanged_but_tree, root, listing) \
            if stamp.decisions_seen == answers.decisions_seen else ""
        kept = reuse.kept_result(store, inputs)
    if kept is not None:
        return Linked(kept, stamp, inputs, True)
    return Linked(link_records(tables.records, tables.studies, settings, remembered, show,
                               tables.persons), stamp, inputs, False)


def link_records(records: pd.DataFrame, studies: pd.DataFrame, settings: Settings,
                 remembered: dict, show: bool, persons: pd.Series | None = None
                 ) -> LinkResult:
    """The link stage itself: the one place where answers give pairs their status,
    for `linkage run` and `linkage links` alike."""
    from linkage.link.pipeline import link
    from linkage.review.fingerprint import stale_decisions

    stale = stale_decisions(remembered, records, studies)
    bar = Bar(show, "  linking", 100, percent=True)
    try:
        return link(records, studies, settings.thresholds,
                    {k: d.decision for k, d in remembered.items()}, stale,
                    progress=bar.advance, persons=persons)
    finally:
        bar.close()


def outputs_unchanged(linked: Linked, answers: Answers, sheet: Path,
                      others: list[Path]) -> bool:
    """A reused result whose outputs are all as the last run wrote them, and a sheet
    nobody opened or saved since: the sheet gets this run's stamp, nothing is
    written."""
    from linkage.review.stamp import SheetStamp, restamp

    written = answers.written
    return linked.reused and not lock_files(sheet) \
        and fingerprint(sheet) == answers.carried.seen.get(sheet.name) \
        and all(reuse.as_written(path, written) for path in [sheet, *others]) \
        and restamp(sheet, SheetStamp(*written.get(reuse.SHEET_STAMP, [])), linked.stamp)


@dataclass(frozen=True)
class RunFacts:
    """What a run tells the next one and `linkage links` (in the state's meta)."""

    out: Path
    export_digest: str
    root: str
    listing: str


def remember_run(state: Path, linked: Linked, outputs: list[Path], studies: int,
                 records: int, facts: RunFacts) -> None:
    """The outputs written from the memo, the run's counts (the guards' yardstick),
    where its outputs are and which export and tree it linked."""
    import json

    from linkage.run.guards import remember_counts

    with Store(state) as store:
        store.update_memo_outputs(linked.inputs or "-",
                                  reuse.output_stamps(outputs, linked.stamp))
        remember_counts(store, studies, records)
        store.set_meta(OUTPUT_FOLDER_KEY, readable(str(facts.out.resolve())))
        store.set_meta(LAST_INPUTS_KEY, json.dumps(
            {"export": facts.export_digest, "root": facts.root, "listing": facts.listing}))


def write_quality_files(out: Path, state: Path, result: LinkResult, studies: list[Study],
                        export: Export, quality: Estimate) -> tuple[Path, str]:
    """linkage_quality.json, and the run's lines on quality and unmatched studies."""
    from linkage.review.control import unmatched_by_year, unmatched_line, write_quality

    unmatched = unmatched_by_year(
        result.pairs, {s.study_instance_uid: s.study_date for s in studies},
        {str(r["record_id"]): r.get("admission_date", "") for r in export.records})
    path = write_quality(out, quality, state, unmatched)
    return path, f"{quality.line()}\n{unmatched_line(unmatched)}"


def links_from_state(state: Path, settings: Settings, show: bool = False,
                     read_export: Callable[[], Export] | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Study], Export]:
    """What `linkage links` writes from: the pairs with their statuses as the next run
    would give them, the studies and the export, all from the state file. When an
    answer was imported since the last run, the pairs are linked again through the
    same stage as a run's (`link_records`); otherwise the last run's result is
    taken. `read_export`: for a state written before it named its inputs."""
    import json

    from linkage.link.comparisons import COMPARISONS
    from linkage.link.identity import linking_records, studies_frame
    from linkage.link.persons import person_key

    with Store(state) as store:
        facts = json.loads(store.get_meta(LAST_INPUTS_KEY) or "{}")
        kept_export = store.kept_export(facts.get("export", ""))
        last = reuse.last_result_if_current(store)
        remembered = store.current_decisions()
    export = Export.from_json(kept_export) if kept_export is not None else \
        read_export() if read_export is not None else None
    studies = reuse.stored_studies(state, facts["root"], facts["listing"]) if facts else None
    if studies is None:
        studies = _latest_studies(state)
    if export is None or studies is None:
        raise LookupError("the state file holds no finished run")
    if last is None:
        records = linking_records(export, settings.columns, COMPARISONS)
        last = link_records(records, studies_frame(studies), settings, remembered, show,
                            person_key(records))
    return last.pairs, {s.study_instance_uid: s for s in studies}, export


def _latest_studies(state: Path) -> list[Study] | None:
    """The studies of the last scan of any root (a state written before runs named
    their tree)."""
    from linkage.images.studies import study_from_row
    from linkage.images.summary import unpack_studies

    with Store.reader(state) as store:
        for root in store.roots():
            blob = store.latest_scan_summary(root)
            rows = unpack_studies(blob) if blob is not None else None
            if rows is not None:
                return [study_from_row(r) for r in rows]
    return None
