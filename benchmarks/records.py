"""Reading a 100,000-row STMZ 3 export (Windows-1251, ';', title line, quoted line
breaks, Excel serial dates), against pandas.read_csv of the same file in the same
process. pandas only splits cells; linkage also detects the encoding, delimiter and
header, parses names, dates, sex and case numbers and lists every problem.

Run: python benchmarks/records.py
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path


def make_export(rows: int, seed: int) -> Path:
    from linkage.synth.export import admissions, write_export
    from linkage.synth.people import PeopleFactory

    rng = random.Random(seed)
    people = PeopleFactory(rng).population(int(rows / 1.1))
    adms = admissions(people, rng)[:rows]
    path = Path(tempfile.mkdtemp()) / "export.csv"
    write_export(path, adms, rng)
    return path


def main() -> None:
    import pandas as pd

    from linkage.records.read import read_export

    path = make_export(100_000, 4)
    started = time.perf_counter()
    frame = pd.read_csv(path, sep=";", encoding="cp1251", skiprows=1, dtype=str)
    naive = time.perf_counter() - started
    started = time.perf_counter()
    export = read_export(path)
    ours = time.perf_counter() - started
    assert len(export.records) == len(frame)
    print(f"{len(export.records):,} rows, {path.stat().st_size / 1e6:.1f} MB; about "
          f"{export.persons:,} persons; {len(export.problems)} problems listed")
    print("| what | seconds | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| pandas.read_csv, cells only | {naive:.2f} | 1 (baseline) |")
    print(f"| linkage read_export, detected and validated | {ours:.2f} | "
          f"{ours / naive:.1f}x the time |")


if __name__ == "__main__":
    main()
