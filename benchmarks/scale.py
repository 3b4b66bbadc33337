"""Ten and fifty times the folder: the whole job as a user runs it, at 2k, 10k and 50k persons.

For each size, a synthetic «Снимки» and export made by `linkage synth` (kept in
benchmarks/_work/scale_N), then, in this one script:

- a naive baseline: one process, `pydicom.dcmread(stop_before_pixels=True)` over every
  file (what reading the folder costs without linkage), the better of two passes, so
  that it reads the files from a warm cache as the runs after it do;
- a bare `os.walk` + `stat` of the tree;
- the console script `linkage`, started fresh each time (interpreter start-up and
  imports included): `run` cold (no state), `run` again on the unchanged tree with the
  same export, `run` with a new export (the early one, then the full one), `scan` of the
  unchanged tree, `review import` and `links`; wall time and peak memory (RSS) of each,
  and the stage times the run history keeps;
- the link stage alone, in this process, against Splink (DuckDB) on the same two
  tables with its usual settings, when Splink is installed (`pip install -e ".[bench]"`).

Run: python benchmarks/scale.py [--persons 2000 10000 50000] [--seed 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

WORK = Path(__file__).parent / "_work"


def console_script() -> str:
    script = Path(sys.executable).with_name("linkage")
    return str(script) if script.exists() else shutil.which("linkage") or "linkage"


def timed(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB) of one command, as a user starts it. The peak is
    the command's own (VmHWM, polled) plus, at each poll, the resident memory of its
    worker processes (the scan's, the second process's): a child's ru_maxrss would
    carry over the RSS this benchmark process had when it started the command."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([console_script(), *args], stdout=out, stderr=err)
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, _vm_hwm_kb(process.pid) + sum(
                _status_kb(child, "VmRSS:") for child in _descendants(process.pid)))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode("utf-8"), err.read().decode("utf-8")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {problem}")
    return seconds, peak_kb / 1024, text


def _vm_hwm_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM:")


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as h:
                    children = [int(c) for c in h.read().split()]
                found += children
                todo += children
        except (OSError, ValueError):
            continue
    return found


def naive_headers(root: Path) -> float:
    import pydicom

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for folder, _, files in os.walk(root):
            for name in files:
                try:
                    pydicom.dcmread(os.path.join(folder, name), stop_before_pixels=True)
                except Exception:  # noqa: BLE001 - junk files are part of the folder
                    pass
    return time.perf_counter() - started


def walk_stat(root: Path) -> float:
    started = time.perf_counter()
    for folder, _, files in os.walk(root):
        for name in files:
            os.stat(os.path.join(folder, name))
    return time.perf_counter() - started


def stage_times(state: Path) -> dict[str, float]:
    db = sqlite3.connect(state)
    try:
        (stages,) = db.execute("SELECT stages FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.close()
    return json.loads(stages) if stages else {}


def tables(data) -> tuple:
    """The two identity tables, as `linkage run` builds them (scan cache reused)."""
    from linkage.config import load_settings
    from linkage.images.scan import scan
    from linkage.images.studies import group_studies
    from linkage.link.identity import records_frame, studies_frame
    from linkage.records.read import read_export
    from linkage.store import Store

    settings = load_settings()
    with Store(Path(tempfile.mkdtemp()) / "s.sqlite") as store:
        studies = group_studies(scan(data.images, store, progress=False).instances)
    export = read_export(data.export, settings.encoding, settings.delimiter, settings.columns)
    return records_frame(export.records), studies_frame(studies)


def link_stage(records, studies, truth) -> tuple[float, int, float]:
    import recordlinkage  # noqa: F401 - imported before the clock, as Splink is

    from linkage.config import load_settings
    from linkage.link.pipeline import link

    started = time.perf_counter()
    result = link(records, studies, load_settings().thresholds)
    seconds = time.perf_counter() - started
    # (the result keeps only the pairs within reach of a rule: the candidates are the
    # blocker's, asked for again)
    from linkage.link.blocking import candidate_pairs

    candidates = set(candidate_pairs(records, studies)[0])
    true = truth.true_pairs(set(studies.index))
    return seconds, result.blocking.pairs, len(candidates & true) / max(len(true), 1)


def splink_stage(records, studies, truth) -> tuple[float, int, float] | None:
    """Splink on DuckDB, set up as its documentation suggests for person data."""
    try:
        import splink.comparison_library as cl
        from splink import Linker, SettingsCreator, block_on
        from splink.backends.duckdb import DuckDBAPI
    except ImportError:
        return None
    columns = ["surname_canon", "given_canon", "patronymic_canon", "birth_date", "sex",
               "case_key", "surname_key"]

    def frame(table, id_column):
        out = table[columns].copy()
        out = out.where(out != "", None)
        out.insert(0, "unique_id", table[id_column].astype(str).to_numpy())
        return out.reset_index(drop=True)

    started = time.perf_counter()
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[cl.NameComparison("surname_canon"), cl.NameComparison("given_canon"),
                     cl.NameComparison("patronymic_canon"),
                     cl.DateOfBirthComparison("birth_date", input_is_string=True),
                     cl.ExactMatch("sex"), cl.ExactMatch("case_key")],
        blocking_rules_to_generate_predictions=[
            block_on("surname_key"), block_on("birth_date"), block_on("case_key")],
    )
    linker = Linker([db_api.register(frame(records, "record_id")),
                     db_api.register(frame(studies, "study_instance_uid"))], settings,
                    log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname_canon", "given_canon", "birth_date")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname_canon"))
    predictions = linker.inference.predict().as_pandas_dataframe()
    seconds = time.perf_counter() - started
    pairs = set(zip(predictions["unique_id_l"], predictions["unique_id_r"], strict=True))
    true = truth.true_pairs(set(studies.index))
    return seconds, len(pairs), len(pairs & true) / max(len(true), 1)


def measure(persons: int, seed: int = 5) -> None:
    from linkage.link.evaluate import Truth
    from linkage.synth import EXPORT_NAME, SynthResult

    data_dir = WORK / (f"scale_{persons}" if seed == 5 else f"scale_{persons}_s{seed}")
    if not (data_dir / "truth").is_dir() or not (data_dir / "stmz3_early.csv").is_file():
        # as a user makes one (50,000 persons: about half an hour)
        subprocess.run([console_script(), "synth", "--out", str(data_dir), "--persons",
                        str(persons), "--seed", str(seed)], check=True)
    data = SynthResult(data_dir, data_dir / "Снимки", data_dir / EXPORT_NAME,
                       data_dir / "truth", persons, 0, 0)
    files = sum(len(f) for _, _, f in os.walk(data.images))
    out = Path(tempfile.mkdtemp()) / "out"
    run = ["run", "--images", str(data.images), "--out", str(out)]
    # best of two: the first pass also pays for a cold file-system cache (20-23 s against
    # 16-19 s at 10,000 persons), which the runs measured after it do not
    naive = min(naive_headers(data.images) for _ in range(2))
    walk = min(walk_stat(data.images) for _ in range(3))
    rows = []
    cold = timed([*run, "--export", str(data.export)])
    rows.append(("`linkage run`, cold state", cold, stage_times(out / "linkage_state.sqlite")))
    warm = timed([*run, "--export", str(data.export)])
    rows.append(("`linkage run` again, same tree, same export", warm,
                 stage_times(out / "linkage_state.sqlite")))
    fresh_out = Path(tempfile.mkdtemp()) / "out"
    shutil.copytree(out, fresh_out)
    # its own state, the copy's (the copied folder's pointer names the first one's)
    early = timed(["run", "--images", str(data.images), "--out", str(fresh_out), "--export",
                   str(data.early_export), "--state", str(fresh_out / "linkage_state.sqlite")])
    rows.append(("`linkage run`, same tree, another export", early,
                 stage_times(fresh_out / "linkage_state.sqlite")))
    scan = min((timed(["scan", "--images", str(data.images), "--out", str(out)])
                for _ in range(3)), key=lambda r: r[0])
    rows.append(("`linkage scan`, unchanged tree (best of 3)", scan, {}))
    rows.append(("`linkage review import`", timed(["review", "import",
                                                   str(out / "review.xlsx")]), {}))
    rows.append(("`linkage links`", timed(["links", "--out", str(out)]), {}))
    interpreter = min(_bare_start() for _ in range(3))

    print(f"\n### {persons:,} persons: {files:,} files\n")
    print(f"naive header loop (one process, pydicom): {naive:.1f} s; bare os.walk + stat: "
          f"{walk:.2f} s; a bare `python -c pass`: {interpreter:.2f} s\n")
    print("| command | wall s | vs naive loop | peak RSS MB (with workers) | MB per 1,000 "
          "persons | stages (s) |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, (seconds, peak, _), stages in rows:
        staged = ", ".join(f"{k} {v:.1f}" for k, v in stages.items())
        print(f"| {name} | {seconds:.1f} | {seconds / naive:.2f} | {peak:,.0f} | "
              f"{peak / persons * 1000:,.0f} | {staged} |")
    print(f"\n`linkage scan` of the unchanged tree minus interpreter start-up: "
          f"{scan[0] - interpreter:.2f} s = {(scan[0] - interpreter) / walk:.1f}x the bare walk")

    records, studies = tables(data)
    truth = Truth.read(data.truth)
    ours = link_stage(records, studies, truth)
    theirs = splink_stage(records, studies, truth)
    print(f"\nlink stage alone on {len(records):,} records x {len(studies):,} studies:\n")
    print("| linker | seconds | candidate pairs | pair completeness |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| linkage | {ours[0]:.1f} | {ours[1]:,} | {ours[2]:.4f} |")
    if theirs is None:
        print("| Splink | not installed (pip install -e \".[bench]\") | | |")
    else:
        print(f"| Splink 5 (DuckDB) | {theirs[0]:.1f} | {theirs[1]:,} | {theirs[2]:.4f} |")


def _bare_start() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", "--persons", type=int, nargs="+", default=[2000, 10000],
                        help="persons of each synthetic folder (e.g. --persons 50000)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    for persons in args.sizes:
        measure(persons, args.seed)


if __name__ == "__main__":
    main()
