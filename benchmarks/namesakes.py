"""Automatic links against the synth that attacks them (`linkage synth --hard`): namesakes
a digit, a year or a day/month swap apart, parent and child, twins of one initial, the
most frequent full names, close given names, their studies often without a birth date
or patronymic. As the user runs it: the console script from a shell, per seed.

Reports per seed: false automatic links, recall of auto + review overall, the lowest
class recall, anonymised studies' recall (`folder_only`), the review load, and time.

Run: python benchmarks/namesakes.py [--persons 10000] [--seeds 41 43 47 53 59] [--hard 0.1]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work" / "namesakes"
LINKAGE = [sys.executable, "-m", "linkage"]


def measure(persons: int, seed: int, hard: float) -> dict:
    data = WORK / f"p{persons}_s{seed}_h{hard}"
    if not (data / "truth" / "studies.csv").is_file():
        subprocess.run([*LINKAGE, "synth", "--out", str(data), "--persons", str(persons),
                        "--seed", str(seed), "--hard", str(hard)], check=True,
                       capture_output=True)
    shutil.rmtree(data / "out", ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([*LINKAGE, "evaluate", "--truth", str(data)], check=True,
                          capture_output=True, text=True, encoding="utf-8")
    seconds = time.perf_counter() - started
    text = done.stdout
    figures = {
        "false_auto": int(re.search(r"auto precision: [\d.]+ \((\d+) false", text).group(1)),
        "auto": int(re.search(r"false of (\d+)\)", text).group(1)),
        "recall": float(re.search(r"recall auto\+review: ([\d.]+)", text).group(1)),
        "load": float(re.search(r"review load: ([\d.]+)", text).group(1)),
        "seconds": seconds,
    }
    classes = {m.group(1): (float(m.group(2)), int(m.group(4)), int(m.group(5)))
               for m in re.finditer(r"^\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+\(n=(\d+)\)",
                                    text, re.MULTILINE)}
    counted = {k: v for k, v in classes.items() if v[2] >= 20}   # classes with 20+ pairs
    worst = min(counted.items(), key=lambda kv: kv[1][0])
    figures["worst_class"] = f"{worst[0]} {worst[1][0]:.3f} (n={worst[1][2]})"
    figures["anonymised"] = classes.get("folder_only", (float("nan"), 0, 0))[0]
    figures["hard_false"] = sum(v[1] for k, v in classes.items()
                                if k.startswith("person:hard:"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[41, 43, 47, 53, 59])
    parser.add_argument("--hard", type=float, default=0.1)
    args = parser.parse_args()
    print(f"persons {args.persons}, hard share {args.hard}")
    print("| seed | false auto (of auto) | recall auto+review | anonymised | lowest class "
          "(20+ pairs) | review load | evaluate |")
    print("| ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for seed in args.seeds:
        f = measure(args.persons, seed, args.hard)
        print(f"| {seed} | {f['false_auto']} (of {f['auto']}) | {f['recall']:.4f} | "
              f"{f['anonymised']:.3f} | {f['worst_class']} | {f['load']:.3f} | "
              f"{f['seconds']:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
