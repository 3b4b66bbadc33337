"""Scan speed on a generated «Снимки» tree of 20,000+ files, against naive baselines
run in the same process on the same files:

- cold scan vs a plain `pydicom.dcmread(stop_before_pixels=True)` loop (target >= 4x);
- rescan of the unchanged tree vs a bare `os.walk` + `stat` (target <= 2x).

Interpreter start-up and imports are not counted. Run: python benchmarks/scan.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"


def make_tree(persons: int, seed: int) -> Path:
    from linkage.synth import generate

    root = WORK / f"scan_{persons}_{seed}"
    if not (root / "Снимки").exists():
        generate(root, persons=persons, seed=seed)
    return root / "Снимки"


def all_files(root: Path) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def naive_scan(files: list[str]) -> int:
    import pydicom

    read = 0
    for path in files:
        try:
            pydicom.dcmread(path, stop_before_pixels=True)
            read += 1
        except Exception:  # noqa: BLE001 - the baseline skips whatever it cannot read
            pass
    return read


def walk_and_stat(root: Path) -> int:
    n = 0
    for directory, _, files in os.walk(root):
        for name in files:
            os.stat(os.path.join(directory, name))
            n += 1
    return n


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    import pydicom  # noqa: F401 - imports are not what is measured

    from linkage.images.scan import scan
    from linkage.store import Store

    root = make_tree(args.persons, args.seed)
    files = all_files(root)
    for path in files:                         # same page cache for everyone
        with open(path, "rb") as handle:
            handle.read()
    naive_s, naive_read = timed(naive_scan, files)
    state_dir = Path(tempfile.mkdtemp())
    try:
        with Store(state_dir / "state.sqlite") as store:
            cold_s, cold = timed(scan, root, store, args.workers, False)
            warm_s, warm = timed(scan, root, store, args.workers, False)
        with Store(state_dir / "one.sqlite") as store:
            one_s, _ = timed(scan, root, store, 1, False)
    finally:
        shutil.rmtree(state_dir)
    walk_s, walked = timed(walk_and_stat, root)
    assert walked == len(files) == cold.counts["files"] and warm.parsed == 0

    print(f"files: {len(files)}; DICOM instances found: {cold.counts['instances']} "
          f"(of which in zips: {cold.counts['in_zip']}); naive pydicom loop read {naive_read}")
    print("| what | seconds | files/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| naive pydicom.dcmread loop, 1 core | {naive_s:.2f} | {len(files) / naive_s:,.0f} "
          "| 1 (baseline) |")
    print(f"| linkage scan, cold, 1 worker | {one_s:.2f} | {len(files) / one_s:,.0f} | "
          f"{naive_s / one_s:.1f}x faster |")
    print(f"| linkage scan, cold, {args.workers} workers | {cold_s:.2f} | "
          f"{len(files) / cold_s:,.0f} | {naive_s / cold_s:.1f}x faster |")
    print(f"| bare os.walk + stat | {walk_s:.2f} | {len(files) / walk_s:,.0f} | 1 (baseline) |")
    print(f"| linkage rescan, unchanged tree | {warm_s:.2f} | {len(files) / warm_s:,.0f} | "
          f"{warm_s / walk_s:.2f}x the walk |")


if __name__ == "__main__":
    main()
