"""Command line: wiring and printing only. Heavy modules are imported inside the
commands, so `linkage --help` answers at once (no pandas, no scikit-learn)."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from concurrent.futures import BrokenExecutor
from functools import partial
from pathlib import Path

from linkage import terminal
from linkage.errors import JobError, LinkageError


def _settings(args):
    from linkage.config import load_settings

    return load_settings(getattr(args, "config", None))


def _state(args, out: Path | None) -> Path:
    from linkage.store import state_for

    given = getattr(args, "state", None)
    if out is None and not given:
        raise JobError("give --state FILE (the state file the run used)")
    if out is None:
        return Path(given)
    state, note = state_for(out, given)
    if note:
        print(f"linkage: {note}", file=sys.stderr)
    return state


def cmd_run(args) -> int:
    from dataclasses import replace

    from linkage.run.job import run_job

    out = Path(args.out)
    settings = _settings(args)
    if args.lang:
        settings = replace(settings, lang=args.lang)
    from linkage.run.inventory import check_inputs_are_not_outputs
    from linkage.run.job import OUTPUT_NAMES, Allowed

    config = Path(args.config) if args.config else None
    check_inputs_are_not_outputs(out, (config,), OUTPUT_NAMES)
    result = run_job(Path(args.images), Path(args.export), out, settings, _state(args, out),
                     allowed=Allowed(args.allow_shrink, args.force, args.new_state))
    print(result.summary())
    return 0


def cmd_scan(args) -> int:
    from linkage.run.inventory import scan_only

    out = Path(args.out)
    scanned, studies = scan_only(Path(args.images), out, _state(args, out), _settings(args),
                                 allow_shrink=args.allow_shrink, instances=False)
    counts = scanned.counts
    print(f"files: {counts['files']}, DICOM files: {counts['dicom']}, instances: "
          f"{counts['instances']} (in zips: {counts['in_zip']}), DICOMDIR: {counts['dicomdir']}, "
          f"non-DICOM: {counts['non_dicom']}, broken: {counts['broken']}, empty: "
          f"{counts['empty']}, unreadable: {counts['unreadable']}, without UIDs: "
          f"{counts['dicom_no_uid']}")
    copies = sum(s.copies - s.instances for s in studies)
    mixed = sum(1 for s in studies if s.identities > 1)
    print(f"studies: {len(studies)}, duplicate copies of images: {copies}, studies whose "
          f"images name more than one patient: {mixed}; read this time: {scanned.parsed} "
          f"files in {scanned.seconds:.1f} s")
    print(f"inventory: {out / 'studies.csv'}\nproblems: {out / 'scan_problems.csv'}\n"
          f"revision of the folders: {out / 'revision.xlsx'}")
    return 0


def cmd_review_import(args) -> int:
    from linkage.review.importer import import_review
    from linkage.run.lock import exclusive
    from linkage.store import Store

    path = Path(args.file)
    if not path.is_file():
        raise JobError(f"review file not found: {path}")
    state = _state(args, path.parent)
    if not state.exists():
        raise JobError(f"state file not found: {state} (give --state)")
    known = _last_run_pairs(state.parent / "matches.csv")
    with exclusive(None, state), Store(state) as store:
        report = import_review(path, store, force=args.force, known=known)
    values = ", ".join(f"{k}: {v}" for k, v in sorted(report.by_value.items())) or "none"
    print(f"decisions in the file: {report.read} ({values}); new: {report.added}; "
          f"stored in {state}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.withdrawn:
        print(f"answers withdrawn (cleared in the sheet; these pairs are asked again): "
              f"{len(report.withdrawn)}")
    if report.kept_newer:
        print(f"not taken, because a newer answer from a later sheet is stored "
              f"({len(report.kept_newer)}; --force to let this sheet win):")
        for line in report.kept_newer:
            print(f"  {line}")
    return 0


def _last_run_pairs(matches: Path) -> set[tuple[str, str]] | None:
    """The pairs the last run wrote (every pair a sheet of that run can hold)."""
    import csv

    if not matches.is_file():
        return None
    with matches.open(encoding="utf-8-sig", newline="") as handle:
        return {(r["record_id"], r["study_instance_uid"]) for r in csv.DictReader(handle)}


def _command_without_key(key_path: str) -> str:
    """The command line as typed, the key file's path replaced (release.txt)."""
    words = ["KEYFILE" if word == key_path else word for word in sys.argv[1:]]
    return " ".join(["linkage", *words])


def cmd_links(args) -> int:
    from linkage.reports.links import read_key
    from linkage.run.lock import exclusive
    from linkage.run.pipeline import links_from_state

    out = Path(args.out)
    state = _state(args, out)
    if not state.is_file():
        raise JobError(f"no state file {state}; run `linkage run` first (or give --state "
                       "of that run)")
    key = None
    if args.pseudonymise:
        try:
            key = read_key(args.pseudonymise)
        except (OSError, ValueError) as exc:
            raise JobError(f"key file: {exc}") from None
    elif args.dates != "shifted":
        raise JobError("--dates relative is for a release: give --pseudonymise KEYFILE too")
    settings = _settings(args)
    with exclusive(None, state):
        images, export_path = _last_run_paths(state)
        if images is not None:
            from linkage.run.inventory import check_outside_images

            check_outside_images(images, out=out)
        try:
            pairs, study_info, export = links_from_state(
                state, settings, show=sys.stderr.isatty(),
                read_export=partial(_read_last_export, export_path, settings))
        except LookupError:
            raise JobError(f"the state file {state} holds no finished run; run `linkage "
                           "run` first") from None
    written = _write_links(out, state, pairs, study_info, export, settings, key, args)
    from linkage.link.status import LINKED

    linked = (pairs["status"].isin(LINKED)).sum()
    print(f"{linked} links" + (" (pseudonymised)" if key else ""))
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def _last_run_paths(state: Path) -> tuple[Path | None, Path | None]:
    """The images folder and the export of the last run with this state file."""
    from linkage.store import Store

    with Store(state) as store:
        runs = store.runs(1)
    if not runs:
        return None, None
    return (Path(runs[0]["images"]) if runs[0]["images"] else None,
            Path(runs[0]["export"]) if runs[0]["export"] else None)


def _read_last_export(export_path: Path | None, settings):
    """The export read again, for a state file written before it kept the export."""
    from linkage.records.read import read_export

    if export_path is None or not export_path.is_file():
        raise JobError(f"the export of the last run is not there any more ({export_path}); "
                       "run `linkage run` again")
    return read_export(export_path, settings.encoding, settings.delimiter, settings.columns)


def _write_links(out: Path, state: Path, pairs, study_info, export, settings, key,
                 args) -> dict[str, Path]:
    """The research tables, as a release when a key is given."""
    from linkage.reports.report import link_quality
    from linkage.reports.research import write_research_tables
    from linkage.review.control import write_quality

    release = None
    if key is not None:
        from linkage.link.identity import records_frame
        from linkage.link.persons import person_key
        from linkage.reports.release import Release

        release = Release(key, settings.date_shift_days, args.dates == "relative",
                          settings.keep_columns, _command_without_key(args.pseudonymise))
        # a release shifts a person's dates together: the names group records into persons
        release.persons.update(person_key(records_frame(export.records)).to_dict())
    written = write_research_tables(out, pairs, study_info, export, settings.windows, release,
                                    link_quality(pairs, settings.thresholds))
    written["quality"] = write_quality(out, None, state)
    return written


def cmd_records_check(args) -> int:
    from linkage.config import columns_block
    from linkage.records.read import read_export

    settings = _settings(args)
    export = read_export(Path(args.file), settings.encoding, settings.delimiter, settings.columns)
    print(f"encoding: {export.encoding}, delimiter: {export.delimiter!r}, "
          f"header on row {export.header_row}")
    for field, header in export.columns.items():
        print(f"  {field:15s} <- «{header}»")
    print(f"records: {len(export.records)}, about {export.persons} persons; rows without a "
          f"usable name: {len(export.unusable_rows)}; problems: {len(export.problems)}")
    for p in export.problems[: args.show]:
        print(f"  row {p.row}, {p.column or '-'}: «{p.value}» {p.problem}")
    if len(export.problems) > args.show:
        print(f"  ... {len(export.problems) - args.show} more in export_problems.csv after a "
              "run (or --show N)")
    print("\nWhat was found, as a block for a config file (`linkage init --export FILE` "
          "writes one):\n")
    print(columns_block(export.columns), end="")
    return 0


def cmd_init(args) -> int:
    from linkage.config import starter_config
    from linkage.records.read import read_export

    export_path = Path(args.export)
    target = Path(args.config_file) if args.config_file else \
        export_path.with_name("linkage.toml")
    if target.exists():
        raise JobError(f"{target} exists already; it was not changed (give --config-file "
                       "to write another)")
    settings = _settings(args)
    export = read_export(export_path, settings.encoding, settings.delimiter, settings.columns)
    text = starter_config(export_path.name, export.encoding, export.delimiter, export.columns)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(text)
    print(text, end="")
    print(f"\nwritten: {target}\nuse it with: linkage run --config {target} ...")
    return 0


def cmd_runs(args) -> int:
    from linkage.store import Store

    state = _state(args, Path(args.out) if args.out else None)
    if not state.is_file():
        raise JobError(f"state file not found: {state} (give --out or --state)")
    with Store(state) as store:
        runs = store.runs(args.last)
    for run in runs:
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in run["stages"].items())
        pairs = next((ln for ln in run["summary"].splitlines() if ln.startswith("pairs:")), "")
        print(f"{run['started_at']} .. {run['finished_at']}  {run['export']}")
        print(f"  {pairs}")
        if stages:
            print(f"  time: {stages}")
    if not runs:
        print("no runs yet")
    return 0


def cmd_synth(args) -> int:
    from linkage.synth import generate

    result = generate(Path(args.out), persons=args.persons, seed=args.seed,
                      encoding=args.encoding, delimiter=args.delimiter, style=args.style,
                      hard=args.hard)
    print(f"persons: {result.persons}, studies: {result.studies}, records: {result.records}")
    print(f"images: {result.images}\nexport: {result.export}\ntruth: {result.truth}")
    return 0


def cmd_evaluate(args) -> int:
    from linkage.link.evaluate import Truth, evaluate, format_metrics
    from linkage.run.job import run_job
    from linkage.synth import EXPORT_NAME

    truth_dir = Path(args.truth)
    data = truth_dir.parent if truth_dir.name == "truth" else truth_dir
    truth_dir = data / "truth"
    if not (truth_dir / "studies.csv").is_file():
        raise JobError(f"no truth/studies.csv in {data}: give a folder made by `linkage synth`")
    out = Path(args.out) if args.out else data / "out"
    result = run_job(data / "Снимки", data / EXPORT_NAME, out, _settings(args),
                     _state(args, out))
    metrics = evaluate(result.linked.pairs, Truth.read(truth_dir),
                       {s.study_instance_uid for s in result.studies},
                       result.linked.blocking.pairs)
    print(result.summary())
    print(format_metrics(metrics))
    from linkage.review.control import check_estimator

    print(check_estimator(result.linked.pairs, Truth.read(truth_dir).true_pairs()))
    return 0


def cmd_demo(args) -> int:
    from linkage.config import load_settings
    from linkage.link.evaluate import Truth, evaluate
    from linkage.run.job import run_job
    from linkage.synth import generate

    base = Path(args.out)
    data = generate(base / "data", persons=args.persons, seed=args.seed)
    out = base / "out"
    result = run_job(data.images, data.export, out, load_settings(None))
    metrics = evaluate(result.linked.pairs, Truth.read(data.truth),
                       {s.study_instance_uid for s in result.studies},
                       result.linked.blocking.pairs)
    print(result.summary())
    print(f"against the truth: auto precision {metrics['auto_precision']:.3f}, recall "
          f"(auto + review) {metrics['recall_auto_review']:.3f}, review load "
          f"{metrics['review_load']:.3f}")
    print(f"open the review sheet: {out / 'review.xlsx'}")
    return 0


SHRINK_HELP = ("scan even if the images folder lost most of its files since the last scan "
               "(refused by default: a disconnected disk looks the same)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkage", description="Link the studies of a «Снимки» folder to STMZ 3 records.")
    sub = parser.add_subparsers(dest="command", required=True)
    _job_commands(sub)
    _review_commands(sub)
    _export_commands(sub)
    _synthetic_commands(sub)
    return parser


def _common(p, out_required: bool | None = True) -> None:
    p.add_argument("--config", help="TOML file with the settings to change")
    p.add_argument("--state", help="state file (default: OUT/linkage_state.sqlite)")
    if out_required is not None:
        p.add_argument("--out", required=out_required, help="output folder")


def _job_commands(sub) -> None:
    p = sub.add_parser("run", help="the whole job: scan, read export, link, write outputs")
    p.add_argument("--images", required=True, help="the «Снимки» folder (read only)")
    p.add_argument("--export", required=True, help="STMZ 3 export (.csv)")
    p.add_argument("--lang", choices=("ru", "en"), help="language of review.xlsx (default ru)")
    p.add_argument("--allow-shrink", action="store_true", help=SHRINK_HELP)
    p.add_argument("--force", action="store_true",
                   help="take the answers of a sheet in OUT even where a later sheet answered "
                        "otherwise, or when it was written with another state file")
    p.add_argument("--new-state", action="store_true",
                   help="start a new state file although OUT holds answers given with a "
                        "state file that is missing or empty")
    _common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("scan", help="inventory of the image folder: studies.csv and problems")
    p.add_argument("--images", required=True)
    p.add_argument("--allow-shrink", action="store_true", help=SHRINK_HELP)
    _common(p)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("runs", help="the run history: when, which export, time per stage")
    p.add_argument("--out", help="the output folder of the runs")
    p.add_argument("--state", help="state file (default: OUT/linkage_state.sqlite)")
    p.add_argument("--last", type=int, default=10)
    p.set_defaults(func=cmd_runs)


def _review_commands(sub) -> None:
    p = sub.add_parser("review", help="review sheet commands")
    review_sub = p.add_subparsers(dest="review_command", required=True)
    q = review_sub.add_parser("import", help="read decisions back from a filled review.xlsx")
    q.add_argument("file")
    q.add_argument("--state", help="state file (default: next to the xlsx)")
    q.add_argument("--force", action="store_true",
                   help="let this sheet's answers replace newer ones from a later sheet")
    q.set_defaults(func=cmd_review_import)

    p = sub.add_parser("links", help="links.csv, cohort.csv, image_occurrence.csv for outcome "
                       "studies, with the decisions imported since the last run")
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--state", help="state file of the run (default: OUT/linkage_state.sqlite)")
    p.add_argument("--config", help="the settings the run used")
    p.add_argument("--pseudonymise", metavar="KEYFILE",
                   help="a release that may leave the team: identifiers replaced by keyed "
                        "hashes made with this secret key, every date of a record shifted "
                        "by its own offset, free-text columns dropped (release.txt says "
                        "what); no path, name, birth date or case number is written")
    p.add_argument("--dates", choices=["shifted", "relative"], default="shifted",
                   help="with --pseudonymise: dates shifted per record (default), or no "
                        "calendar date at all, only days from the surgery")
    p.set_defaults(func=cmd_links)


def _export_commands(sub) -> None:
    p = sub.add_parser("records", help="export (registry CSV) commands")
    records_sub = p.add_subparsers(dest="records_command", required=True)
    q = records_sub.add_parser("check", help="show what is understood in an export")
    q.add_argument("file")
    q.add_argument("--config")
    q.add_argument("--show", type=int, default=30, help="problems to print")
    q.set_defaults(func=cmd_records_check)

    p = sub.add_parser("init", help="write a config file for an export (its columns as found)")
    p.add_argument("--export", required=True, help="STMZ 3 export (.csv)")
    p.add_argument("--config-file", help="where to write (default: linkage.toml next to the "
                   "export; an existing file is never overwritten)")
    p.add_argument("--config", help="settings to read the export with")
    p.set_defaults(func=cmd_init)


def _synthetic_commands(sub) -> None:
    p = sub.add_parser("synth", help="generate a synthetic folder, export and truth")
    p.add_argument("--out", required=True)
    p.add_argument("--persons", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--encoding", default="cp1251")
    p.add_argument("--delimiter", default=";")
    p.add_argument("--style", choices=("fio", "split", "registry"), default="fio")
    p.add_argument("--hard", type=float, nargs="?", const=0.1, default=0.0, metavar="SHARE",
                   help="plant this share of namesakes, near birth dates, twins and close "
                        "given names that a linker must not merge (0.1 when given alone)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("evaluate", help="run on synthetic data and compare with the truth")
    p.add_argument("--truth", required=True, help="folder made by `linkage synth`")
    _common(p, out_required=False)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="generate demo data, run the job, show accuracy")
    p.add_argument("--out", default="demo", help="folder for demo data and outputs")
    p.add_argument("--persons", type=int, default=150)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)


def main(argv: list[str] | None = None) -> int:
    terminal.console_streams()
    terminal.safe_console()
    terminal.STDOUT.install()
    terminal.terminate_like_interrupt()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LinkageError as exc:
        print(f"linkage: {exc}", file=sys.stderr)
    except sqlite3.DatabaseError as exc:
        print(f"linkage: the state file cannot be used ({exc})", file=sys.stderr)
    except BrokenPipeError as exc:
        if terminal.STDOUT.broken:      # output piped into `head`: stop quietly
            terminal.quiet_broken_pipe()
            return 0
        print(f"linkage: a pipe to another process broke ({exc}); if worker processes "
              "cannot start, run as the user who installed linkage", file=sys.stderr)
    except MemoryError:
        print("linkage: not enough memory for this run; close other programs and run "
              "again (what was finished is kept)", file=sys.stderr)
    except BrokenExecutor:
        print("linkage: a worker process ended unexpectedly (out of memory?); what was "
              "finished is kept: close other programs and run again", file=sys.stderr)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"linkage: {exc.strerror or exc}{where}", file=sys.stderr)
    except KeyboardInterrupt:
        print("linkage: interrupted; the state file keeps what was finished", file=sys.stderr)
        return 130
    return 2


def console() -> None:
    """The console script: `main`, then an exit that skips the interpreter's teardown.
    After a large run, freeing its millions of objects one by one is a noticeable
    wait with nothing left to do: every file is closed and every process joined by
    then (benchmarks/README.md). Tests call `main`, which returns."""
    import os

    code = main()
    if "multiprocessing" in sys.modules:
        # none is left but after a bug; still, no worker may outlive the command
        import multiprocessing

        for child in multiprocessing.active_children():
            child.terminate()
            child.join(5)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    console()
