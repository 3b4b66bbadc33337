"""Linking accuracy and speed on synthetic data.

accuracy: a 2,000-person synthetic «Снимки» tree and export (real DICOM files), the
  whole job, against the truth; beside it a naive baseline on the same candidate
  pairs: transliterate Latin names to Cyrillic, Jaro-Winkler per name part plus
  one point for an equal birth date, summed, with the thresholds that suit it best.
classes: seeds 7, 9 and 13 (every noise class of linkage.synth.noise on), recall and
  false automatic links per class, summed over the seeds.
play: the job as it is used, on seeds 7, 9 and 13: a run on the early export, every
  question answered by the truth, then the full export, against a fresh run on the
  full export (linkage.run.play).
speed: 20,000 records and 50,000 studies (identities as the scanner would decode
  them, without writing 50,000 DICOM studies to disk), timed stage by stage.

Run: python benchmarks/link.py [--part accuracy|classes|play|speed]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work"


def accuracy(persons: int, seed: int) -> None:
    from linkage.config import load_settings
    from linkage.link.evaluate import Truth, evaluate, format_metrics
    from linkage.run.job import run_job

    data = _dataset(persons, seed).root
    out = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    result = run_job(data / "Снимки", data / "stmz3_-_a_workshop_t3_-_id_77.csv", out,
                     load_settings(None), progress=False)
    seconds = time.perf_counter() - started
    truth = Truth.read(data / "truth")
    scanned = {s.study_instance_uid for s in result.studies}
    ours = evaluate(result.linked.pairs, truth, scanned, result.linked.blocking.pairs)
    naive = evaluate(naive_baseline(result, truth, scanned), truth, scanned)
    print(f"persons {persons}, studies {len(result.studies)}, records "
          f"{len(result.export.records)}; whole job (scan included) {seconds:.1f} s")
    print("| metric | naive baseline | linkage |")
    print("| --- | ---: | ---: |")
    for key in ("pair_completeness", "auto_precision", "recall_auto_review", "review_load",
                "recall_auto", "f1_auto"):
        print(f"| {key} | {_figure(naive[key])} | {_figure(ours[key])} |")
    print(f"| false auto links | {naive['auto_false']} | {ours['auto_false']} |")
    print(f"| review pairs | {naive['review_pairs']} | {ours['review_pairs']} |")
    print()
    print(format_metrics(ours))


def _figure(value: float | None) -> str:
    """(pair completeness is not measured on a run's result: it keeps only the pairs
    with a status)"""
    return "n/a" if value is None else f"{value:.4f}"


SEEDS = (7, 9, 13)


def _dataset(persons: int, seed: int):
    from linkage.synth import generate

    data = WORK / f"link_{persons}_{seed}"
    if not (data / "truth").exists() or not (data / "stmz3_early.csv").exists():
        return generate(data, persons=persons, seed=seed)
    from linkage.synth import EXPORT_NAME, SynthResult
    return SynthResult(data, data / "Снимки", data / EXPORT_NAME, data / "truth", persons, 0, 0)


def classes(persons: int) -> None:
    from linkage.config import load_settings
    from linkage.link.evaluate import Truth, evaluate
    from linkage.run.job import run_job

    totals: dict[str, list[float]] = {}
    print("| seed | auto precision | false auto | recall auto+review | review load |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for seed in SEEDS:
        data = _dataset(persons, seed)
        result = run_job(data.images, data.export, Path(tempfile.mkdtemp()), load_settings(),
                         progress=False)
        metrics = evaluate(result.linked.pairs, Truth.read(data.truth),
                           {s.study_instance_uid for s in result.studies},
                           result.linked.blocking.pairs)
        print(f"| {seed} | {metrics['auto_precision']:.4f} | {metrics['auto_false']} | "
              f"{metrics['recall_auto_review']:.4f} | {metrics['review_load']:.4f} |")
        for name, v in metrics["by_class"].items():
            t = totals.setdefault(name, [0, 0, 0, 0])
            t[0] += v["recall"] * v["n"]
            t[1] += v["n"]
            t[2] += v["recall_auto"] * v["n"]
            t[3] += v["false_auto"]
    print()
    print("| class | pairs | recall auto+review | recall auto | false auto links |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (hits, n, autos, false) in sorted(totals.items()):
        if name.startswith(("reg:", "img:", "person:", "folder_only", "maiden", "birth:",
                            "form:")):
            print(f"| {name} | {n:.0f} | {hits / max(n, 1):.3f} | {autos / max(n, 1):.3f} | "
                  f"{false:.0f} |")


def play(persons: int) -> None:
    from linkage.config import load_settings
    from linkage.run.play import play_two_exports

    print("| seed | fresh run: asked | of them not answered after the early export | "
          "early export: asked | full export after the answers: asked | asked again | "
          "false auto | F1 after the second sheet |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed in SEEDS:
        data = _dataset(persons, seed)
        p = play_two_exports(data, Path(tempfile.mkdtemp()), load_settings())
        print(f"| {seed} | {p.fresh_asked} | {p.fresh_unanswered} | {p.first_asked} | "
              f"**{p.second_asked}** | {p.asked_again} | {p.second_false_auto} | "
              f"{p.f1_after_second_sheet:.4f} |")


def naive_baseline(result, truth, scanned):
    """transliterate (Latin -> Cyrillic) + Jaro-Winkler per part + birth date, summed.

    It scores the same candidate pairs as linkage (so its pair completeness is
    ours); its auto threshold is the one that gives it its best F1 on this very
    data, and review is the band 0.6 points below: an optimistic baseline.
    """
    import jellyfish
    from transliterate import translit

    from linkage.link.evaluate import Truth, evaluate  # noqa: F401

    records = {r["record_id"]: r for r in result.export.records}
    studies = {s.study_instance_uid: s for s in result.studies}
    pairs = result.linked.pairs[["record_id", "study_instance_uid"]].copy()

    def cyr(text: str) -> str:
        try:
            return translit(text, "ru").lower()
        except Exception:  # noqa: BLE001
            return text.lower()

    cache: dict[str, tuple[str, str, str]] = {}

    def image_parts(name: str) -> tuple[str, str, str]:
        if name not in cache:
            words = cyr(name.replace("^", " ")).split()
            cache[name] = tuple((words + ["", "", ""])[:3])
        return cache[name]

    scores = []
    for rid, uid in zip(pairs["record_id"], pairs["study_instance_uid"], strict=True):
        rec, study = records[rid], studies[uid]
        parts = image_parts(study.patient_name)
        mine = (rec["surname"].lower(), rec["given_name"].lower(), rec["patronymic"].lower())
        score = sum(jellyfish.jaro_winkler_similarity(a, b) for a, b in zip(mine, parts,
                                                                             strict=True)
                    if a and b)
        birth = study.birth_date
        score += 1.0 if birth and rec["birth_date"].replace("-", "") == birth else 0.0
        scores.append(score)
    pairs["score"] = scores
    true = truth.true_pairs(scanned)
    keys = list(zip(pairs["record_id"], pairs["study_instance_uid"], strict=True))
    best = (0.0, 4.0)
    for threshold in [2.0 + 0.05 * k for k in range(41)]:
        auto = {k for k, s in zip(keys, scores, strict=True) if s >= threshold}
        if not auto:
            continue
        p, r = len(auto & true) / len(auto), len(auto & true) / max(len(true), 1)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best[0]:
            best = (f1, threshold)
    auto_at = best[1]
    pairs["status"] = ["auto" if s >= auto_at else "review" if s >= auto_at - 0.6 else ""
                       for s in scores]
    print(f"naive baseline: auto at summed score >= {auto_at:.2f} (its best F1), review "
          f"from {auto_at - 0.6:.2f}", file=sys.stderr)
    return pairs


def speed(n_records: int, n_studies: int, seed: int) -> None:
    from linkage.config import load_settings
    from linkage.images.charset import decode_text, dicom_codecs
    from linkage.images.studies import Study
    from linkage.link.identity import records_frame, studies_frame
    from linkage.link.pipeline import link
    from linkage.names.parse import parse_folder_name
    from linkage.records.read import read_export
    from linkage.synth.export import admissions, write_export
    from linkage.synth.identity import dicom_identity, folder_name
    from linkage.synth.people import PeopleFactory

    rng = random.Random(seed)
    started = time.perf_counter()
    people = PeopleFactory(rng).population(int(n_studies / 1.45))
    rows = admissions(people, rng)
    by_person: dict[str, list] = {}
    for adm in rows:
        by_person.setdefault(adm.person.person_id, []).append(adm)
    export = Path(tempfile.mkdtemp()) / "export.csv"
    write_export(export, [a for a in rows if a.person.has_record][:n_records], rng)
    studies = []
    while len(studies) < n_studies:
        person = people[rng.randrange(len(people))]
        adm = rng.choice(by_person[person.person_id])
        ident = dicom_identity(person, adm.case_number, rng)
        name, how = decode_text(ident.name_bytes, dicom_codecs(ident.charset))
        folder, _ = folder_name(person, "MR", adm.admission, rng)
        studies.append(Study(f"2.25.{len(studies)}", patient_name=name, name_decoding=how,
                             patient_id=ident.patient_id, birth_date=ident.birth_date,
                             sex=ident.sex, study_date=adm.admission.strftime("%Y%m%d"),
                             name_folder=folder, folder_name=parse_folder_name(folder)))
    made = time.perf_counter() - started

    t0 = time.perf_counter()
    records = read_export(export).records
    t1 = time.perf_counter()
    record_table, study_table = records_frame(records), studies_frame(studies)
    t2 = time.perf_counter()
    result = link(record_table, study_table, load_settings().thresholds)
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = result.pairs["status"].value_counts()
    print(f"{len(records)} records x {len(studies)} studies (made in {made:.0f} s, not counted)")
    print("| stage | seconds |")
    print("| --- | ---: |")
    print(f"| read the export (CSV, cp1251) | {t1 - t0:.1f} |")
    print(f"| identities (parse names, keys) | {t2 - t1:.1f} |")
    print(f"| block + compare + EM + score + classify | {t3 - t2:.1f} |")
    print(f"| **total** | **{t3 - t0:.1f}** |")
    print(f"candidate pairs {result.blocking.pairs:,} (reduction ratio "
          f"{result.blocking.reduction_ratio:.6f}); auto {counts.get('auto', 0)}, review "
          f"{counts.get('review', 0)}; peak memory of the process {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("accuracy", "classes", "play", "speed", "both"),
                        default="both")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--studies", type=int, default=50000)
    args = parser.parse_args()
    if args.part in ("accuracy", "both"):
        accuracy(args.persons, args.seed)
    if args.part == "classes":
        classes(args.persons)
    if args.part == "play":
        play(args.persons)
    if args.part in ("speed", "both"):
        speed(args.records, args.studies, args.seed)


if __name__ == "__main__":
    main()
