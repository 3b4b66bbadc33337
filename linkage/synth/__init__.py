"""A synthetic «Снимки» folder and STMZ 3 export as messy as the real ones, with the truth.

`generate(out, persons, seed)` writes:
  out/Снимки/                     the image tree
  out/stmz3_-_a_workshop_t3_-_id_77.csv
  out/stmz3_early.csv             the same export as it was earlier (70% of admissions)
  out/truth/studies.csv           study_instance_uid, person_id, categories
  out/truth/records.csv           record_id, person_id, categories (noise classes)
  out/truth/people.csv            person_id, tags
Everything is deterministic for a seed; no real person is in it.
"""

from __future__ import annotations

import csv
import random
import shutil
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from linkage.synth.dicom_writer import InstanceSpec
from linkage.synth.export import admissions, write_export
from linkage.synth.hard import plant
from linkage.synth.identity import dicom_identity, folder_name
from linkage.synth.people import PeopleFactory, Person
from linkage.synth.tree import CONTAINERS, RATES, StudyLayout, truncate_one, write_study

EXPORT_NAME = "stmz3_-_a_workshop_t3_-_id_77.csv"
EARLY_EXPORT_NAME = "stmz3_early.csv"   # the same registry earlier: 70% of admissions
EARLY_SHARE = 0.7
MODALITIES = (("MR", 0.45), ("CT", 0.35), ("CR", 0.12), ("DX", 0.08))
DESCRIPTIONS = {"MR": ("МРТ пояснично-крестцового отдела", "MRI L-spine", "МРТ ШОП"),
                "CT": ("КТ грудного отдела позвоночника", "CT C-spine", "МСКТ ПОП"),
                "CR": ("Рентгенография ПОП", "X-ray spine"), "DX": ("Рг ШОП", "DX lumbar")}


@dataclass
class SynthResult:
    root: Path
    images: Path
    export: Path
    truth: Path
    persons: int
    studies: int
    records: int

    @property
    def early_export(self) -> Path:
        return self.root / EARLY_EXPORT_NAME


def _uid(rng: random.Random) -> str:
    return f"2.25.{rng.getrandbits(100)}"


def _study_date(adm_day: date, surgery: date | None, rng: random.Random) -> tuple[date, str]:
    r = rng.random()
    if r < 0.6:
        return adm_day - timedelta(days=rng.randrange(0, 60)), "date:around_admission"
    if r < 0.8 and surgery:
        return surgery + timedelta(days=rng.randrange(30, 400)), "date:after_surgery"
    return adm_day - timedelta(days=rng.randrange(400, 2500)), "date:unrelated"


@dataclass(frozen=True)
class StudySize:
    """How many series a study has and images a series has (each drawn from the
    tuple). The default keeps studies tiny, so that tests and the linking
    benchmarks get many persons quickly; real MRI and CT studies hold a few
    series of tens to hundreds of images, which the scan benchmark uses."""

    series: tuple[int, ...] = (1, 1, 2)
    images: tuple[int, ...] = (1, 2, 3)


def generate(out: str | Path, persons: int = 60, seed: int = 1, encoding: str = "cp1251",
             delimiter: str = ";", style: str = "fio",
             study_size: StudySize = StudySize(), hard: float = 0.0) -> SynthResult:
    """Generate the demo/test/benchmark dataset into `out` (which is replaced); `hard`:
    the share of persons planted by linkage.synth.hard."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # placeholder dates are invalid on purpose
        return _generate(Path(out), persons, seed, encoding, delimiter, style, study_size,
                         hard)


def _generate(out: Path, persons: int, seed: int, encoding: str, delimiter: str,
              style: str, study_size: StudySize, hard: float = 0.0) -> SynthResult:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    images, truth = out / "Снимки", out / "truth"
    images.mkdir(parents=True)
    truth.mkdir()
    factory = PeopleFactory(rng)
    planted = plant(factory, factory.rng, round(persons * hard)) if hard else []
    people = factory.population(persons, planted)
    rows = admissions(people, rng)
    by_person: dict[str, list] = {}
    for adm in rows:
        by_person.setdefault(adm.person.person_id, []).append(adm)
    study_rows: list[tuple[str, str, str]] = []
    layouts: list[tuple[Person, StudyLayout]] = []
    for person in people:
        if not person.has_images:
            continue
        for _ in range(rng.choices((1, 2, 3), weights=(0.6, 0.3, 0.1))[0]):
            layout = _study_layout(person, by_person[person.person_id], study_size, rng)
            layouts.append((person, layout))
    _plant_shared_folders(layouts, rng)
    for person, layout in layouts:
        write_study(images, layout, rng)
        study_rows.append((layout.specs[0].study_uid, person.person_id,
                           ";".join(sorted(layout.categories))))
    broken = truncate_one(images, rng)
    with_record = [a for a in rows if a.person.has_record]
    days = sorted(a.admission for a in with_record)
    cut = days[int(len(days) * EARLY_SHARE)] if days else date(2018, 1, 1)
    record_categories = write_export(out / EXPORT_NAME, with_record, rng, encoding=encoding,
                                     delimiter=delimiter, style=style,
                                     early=(out / EARLY_EXPORT_NAME, cut))
    _write_csv(truth / "studies.csv", ["study_instance_uid", "person_id", "categories"],
               study_rows)
    _write_csv(truth / "records.csv", ["record_id", "person_id", "categories"],
               [(a.record_id, a.person.person_id, ";".join(sorted(record_categories[a.record_id])))
                for a in rows if a.person.has_record])
    _write_csv(truth / "people.csv", ["person_id", "sex", "tags"],
               [(p.person_id, p.sex, ";".join(sorted(p.tags))) for p in people])
    (truth / "broken.txt").write_text(broken or "", encoding="utf-8")
    return SynthResult(out, images, out / EXPORT_NAME, truth, len(people), len(study_rows),
                       sum(1 for a in rows if a.person.has_record))


def _study_layout(person: Person, person_admissions: list, size: StudySize,
                  rng: random.Random) -> StudyLayout:
    adm = rng.choice(person_admissions)
    study_day, date_cat = _study_date(adm.admission, adm.surgery, rng)
    modality = rng.choices(*zip(*MODALITIES, strict=True))[0]
    ident = dicom_identity(person, adm.case_number, rng)
    folder, folder_cats = folder_name(person, modality, study_day, rng)
    if rng.random() < RATES["old_subfolder"]:
        folder = f"{rng.choice(('Амбулаторные снимки', 'Стационарные снимки'))}/{folder}"
    study_uid = _uid(rng)
    specs = []
    description = rng.choice(DESCRIPTIONS[modality])
    for s in range(rng.choice(size.series)):
        series_uid = _uid(rng)
        series_desc = rng.choice(("T2 SAG", "T1 AX", "STIR", "Аксиальные", "Sagittal", "AP"))
        for k in range(rng.choice(size.images)):
            specs.append(InstanceSpec(
                patient_name=ident.name_bytes, charset=ident.charset,
                patient_id=ident.patient_id, birth_date=ident.birth_date, sex=ident.sex,
                study_uid=study_uid, series_uid=series_uid, sop_uid=_uid(rng),
                study_date=study_day.strftime("%Y%m%d"), modality=modality,
                study_description=description, series_description=f"{series_desc} {s + 1}",
                body_part=rng.choice(("LSPINE", "CSPINE", "TSPINE", "")),
                institution=rng.choice(("НИИ СП им. И.И. Джанелидзе", "МРТ-Эксперт",
                                        "City Clinic", "")),
                instance_number=k + 1, implicit=rng.random() < 0.3))
    container = rng.choices(*zip(*CONTAINERS, strict=True))[0]
    layout = StudyLayout(folder, container, specs,
                         categories={*ident.categories, *folder_cats, date_cat,
                                     f"container:{container}"})
    if rng.random() < RATES["duplicate"]:
        copy_name, _ = folder_name(person, modality, study_day, rng)
        layout.extra_folders.append(f"{copy_name} копия")
        layout.categories.add("duplicate")
    return layout


def _plant_shared_folders(layouts: list[tuple[Person, StudyLayout]], rng: random.Random) -> None:
    """A few studies land in another patient's folder (a folder holding two patients)."""
    for i, (_person, layout) in enumerate(layouts):
        if i > 0 and rng.random() < RATES["shared_folder"]:
            other = layouts[rng.randrange(0, i)][1]
            layout.folder = other.folder
            layout.categories.add("shared_folder")


def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
