"""Similarity of 1,000,000 (registry name, image name) pairs, against a naive loop.

The pairs are what the linker compares: a registry surname against the same or
another person's surname as a study writes it (Cyrillic in any encoding, or Latin
in any of the schemes). Ours: canonical forms once per distinct string, rapidfuzz
over whole arrays, the scheme-aware pass only where needed. Naive: per pair,
transliterate the Cyrillic name with every iuliia scheme and keep the best
rapidfuzz ratio (no caching), timed on a sample and scaled per pair.

Also: parsing 1,000,000 names with and without the pymorphy3 dictionary (`parsing`).

Run: python benchmarks/names.py
"""

from __future__ import annotations

import random
import time


def make_pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    from linkage.synth.identity import SCHEMES, transliterate
    from linkage.synth.people import PeopleFactory

    rng = random.Random(seed)
    people = PeopleFactory(rng).population(5000)
    surnames = [p.surname for p in people]
    left, right = [], []
    for _ in range(n):
        mine = rng.choice(surnames)
        theirs = mine if rng.random() < 0.5 else rng.choice(surnames)
        if rng.random() < 0.6:
            theirs = transliterate(theirs, rng.choice(SCHEMES)[0])
            theirs = theirs.upper() if rng.random() < 0.5 else theirs
        left.append(mine)
        right.append(theirs)
    return left, right


def naive(left: list[str], right: list[str]) -> list[float]:
    import iuliia
    from rapidfuzz import fuzz

    schemes = [getattr(iuliia, n) for n in iuliia.__all__ if n.isupper()
               and hasattr(getattr(iuliia, n), "translate")]
    out = []
    for a, b in zip(left, right, strict=True):
        b = b.lower()
        best = fuzz.ratio(a.lower(), b)
        for scheme in schemes:
            best = max(best, fuzz.ratio(scheme.translate(a).lower(), b))
        out.append(best / 100)
    return out


def main() -> None:
    from linkage.names import canon, schemes, similarity

    left, right = make_pairs(1_000_000, 3)
    canon.canonical_token.cache_clear()
    schemes.clear_cache()
    started = time.perf_counter()
    scores = similarity.similarity_many(left, right)
    ours = time.perf_counter() - started
    sample = 5_000
    started = time.perf_counter()
    naive(left[:sample], right[:sample])
    naive_per_pair = (time.perf_counter() - started) / sample
    distinct = len(set(zip(left, right, strict=True)))
    print(f"{len(left):,} pairs ({distinct:,} distinct), {float((scores >= 0.9).mean()):.1%} "
          "scored as the same name")
    print("| what | seconds for 1M pairs | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| naive: every scheme per pair, rapidfuzz ratio (timed on {sample:,}) | "
          f"{naive_per_pair * len(left):.0f} | 1 (baseline) |")
    print(f"| linkage similarity_many, cold caches | {ours:.1f} | "
          f"{naive_per_pair * len(left) / ours:.0f}x faster |")




def parsing(n: int = 1_000_000) -> None:
    """Parsing 1,000,000 names (registry ФИО, DICOM PN, folder names) with cold caches,
    as a scan and an export feed them: the dictionary (pymorphy3) is consulted once per
    distinct word. Compared with the parser that used only the hand list of given
    names (the same code with the dictionary switched off, `role` returning nothing)."""
    import linkage.names.parse as parse
    from linkage.names import morph
    from linkage.synth.identity import transliterate
    from linkage.synth.people import PeopleFactory

    rng = random.Random(5)
    people = PeopleFactory(rng).population(20_000)
    texts = []
    for _ in range(n):
        p = rng.choice(people)
        form = rng.random()
        if form < 0.4:
            texts.append(("fio", f"{p.surname} {p.given} {p.patronymic}"))
        elif form < 0.8:
            texts.append(("pn", "^".join(transliterate(w, "ICAO_DOC_9303").upper()
                                         for w in (p.surname, p.given, p.patronymic))))
        else:
            texts.append(("folder", f"{p.surname} {p.given[:1]}{p.patronymic[:1]} МРТ"))

    def run() -> float:
        for fn in (parse.parse_full_name, parse.parse_dicom_name, morph.role,
                   parse.parse_folder_name):
            fn.cache_clear()
        started = time.perf_counter()
        for kind, text in texts:
            if kind == "fio":
                parse.parse_full_name(text)
            elif kind == "pn":
                parse.parse_dicom_name(text)
            else:
                parse.parse_folder_name(text)
        return time.perf_counter() - started

    with_dictionary = run()
    real_role = parse.role
    parse.role = lambda word: morph.Role()
    try:
        hand_list_only = run()
    finally:
        parse.role = real_role
    print(f"\nparsing {n:,} names ({len(set(texts)):,} distinct):")
    print("| parser | seconds | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| hand list of given names only (before) | {hand_list_only:.1f} | 1 (baseline) |")
    print(f"| with the pymorphy3 dictionary | {with_dictionary:.1f} | "
          f"{with_dictionary / hand_list_only:.2f}x |")


if __name__ == "__main__":
    main()
    parsing()
