"""revision.xlsx: the folder-by-folder report a revision of «Снимки» needs.

One row per top-level folder (below «Амбулаторные снимки» / «Стационарные снимки», one
level deeper): the persons its DICOM names and the surname its own name suggests, a
flag when they disagree (misfiled), studies, images, bytes; the bytes that are exact
copies of images held in another folder (same SOP Instance UID) and where; the bytes of
files that are not images (viewer programs); zips whose every image is also unpacked
elsewhere. A totals sheet and a chart of studies per year by modality. It only
reports: nothing is moved or deleted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from linkage.files import atomic_path
from linkage.images.instance import Instance
from linkage.names.parse import parse_dicom_name, parse_folder_name
from linkage.names.similarity import similarity_many
from linkage.xlsx.book import Book, write_rows

OLD_SUBFOLDERS = ("амбулаторные снимки", "стационарные снимки")
ROOT = "(корень папки)"


@dataclass
class FolderRow:
    folder: str
    folder_surname: str = ""
    persons: set[str] = field(default_factory=set)
    misfiled: str = ""
    studies: set[str] = field(default_factory=set)
    images: int = 0
    bytes: int = 0
    copy_bytes: int = 0
    copies_in: set[str] = field(default_factory=set)
    non_image_bytes: int = 0
    zips_unpacked: list[str] = field(default_factory=list)
    zip_bytes_unpacked: int = 0

    own_images: int = 0           # images held in no other folder

    @property
    def pure_copy(self) -> bool:
        return self.images > 0 and not self.own_images


def unit(relpath: str) -> str:
    """The folder a path is revised under."""
    path = relpath.split("::", 1)[0]
    first, slash, rest = path.partition("/")
    if not slash:
        return ROOT
    if "/" in rest and first.lower() in OLD_SUBFOLDERS:
        return f"{first}/{rest.partition('/')[0]}"
    return first


def revise(files: list[tuple[str, int, str]], instances: list[Instance]) -> list[FolderRow]:
    """Rows for the report from the scan's file listing (relpath, size, kind) and its
    instances. One pass over each, no set built per image: for a large folder it runs
    in the second process beside the link stage, and was the longest part of it."""
    rows: dict[str, FolderRow] = {}

    def row(name: str) -> FolderRow:
        found = rows.get(name)
        if found is None:
            parsed = parse_folder_name(name.split("/")[-1]) if name != ROOT else None
            found = rows[name] = FolderRow(name, parsed.surname if parsed else "")
        return found

    for relpath, size, kind in files:
        r = row(unit(relpath))
        r.bytes += size or 0
        if kind in ("non_dicom", "empty"):
            r.non_image_bytes += size or 0
    units = [unit(i.location) for i in instances]
    keys = [i.sop_instance_uid or i.location for i in instances]    # one image, anywhere
    units_of_key: dict[str, set[str]] = defaultdict(set)
    for key, folder in zip(keys, units, strict=True):
        units_of_key[key].add(folder)
    outside_zips = {key for key, i in zip(keys, instances, strict=True) if "::" not in i.location}
    zip_members: dict[str, list[str]] = defaultdict(list)
    for i, folder, key in zip(instances, units, keys, strict=True):
        r = row(folder)
        r.images += 1
        r.studies.add(i.study_instance_uid)
        if i.patient_name:
            r.persons.add(i.patient_name)
        held = units_of_key[key]            # always holds `folder` itself
        in_zip = "::" in i.location
        if len(held) > 1:
            if not in_zip:                  # a zip's bytes are its own (see the zip columns)
                r.copy_bytes += i.file_size
            r.copies_in |= held - {folder}
        else:
            r.own_images += 1
        if in_zip:
            zip_members[i.location.split("::", 1)[0]].append(key)
    sizes = {relpath: size for relpath, size, _ in files}
    for archive, members in sorted(zip_members.items()):
        if all(key in outside_zips for key in members):
            r = row(unit(archive))
            r.zips_unpacked.append(archive.split("/")[-1])
            r.zip_bytes_unpacked += sizes.get(archive, 0) or 0
    _mark_misfiled(list(rows.values()))
    return sorted(rows.values(), key=lambda r: r.folder.lower())


def _mark_misfiled(rows: list[FolderRow]) -> None:
    """Each folder's DICOM surnames that are not the folder's (nor one another's
    spelling): the surnames of all folders compared in one vectorised call, not one
    call per folder."""
    asked: list[tuple[FolderRow, str, list[str]]] = []
    for r in rows:
        surnames = sorted({parse_dicom_name(p).surname for p in r.persons} - {""})
        if r.folder_surname and surnames:
            asked.append((r, r.folder_surname, surnames))
        elif len(surnames) > 1:          # no name on the folder, two people inside
            asked.append((r, surnames[0], surnames[1:]))
    sims = iter(similarity_many([own for _, own, names in asked for _ in names],
                                [name for _, _, names in asked for name in names]))
    for r, own, names in asked:
        strange = [name for name in names if next(sims) < 0.9]
        if strange:
            r.misfiled = ", ".join(strange if r.folder_surname else [own, *strange])


HEADERS = ["Папка", "Фамилия по имени папки", "Люди в снимках (DICOM)",
           "Не тот человек? (фамилии в снимках)", "Исследований", "Снимков", "Байт",
           "Байт копий (есть в другой папке)", "Копии также в", "Только копии",
           "Байт не-снимков (программы, отчёты)", "Нет ни одного снимка",
           "Архивы, распакованные рядом", "Байт таких архивов"]
WIDTHS = [30, 18, 36, 24, 8, 8, 14, 14, 30, 8, 14, 8, 28, 14]


def write_report(path: Path, files: list[tuple[str, int, str]],
                 instances: list[Instance]) -> None:
    """The whole report from the scan's listing and instances: what `linkage scan`
    writes in place, and the job hands to its second process."""
    write_revision(path, revise(files, instances), studies_by_year(instances))


def studies_by_year(instances: list[Instance]) -> dict[str, Counter]:
    """Studies per year and modality, for the totals sheet's chart."""
    by_year: dict[str, Counter] = defaultdict(Counter)
    seen: set[str] = set()
    for i in instances:
        if i.study_instance_uid in seen:
            continue
        seen.add(i.study_instance_uid)
        by_year[i.study_date[:4] or "?"][i.modality or "?"] += 1
    return by_year


def write_revision(path: Path, rows: list[FolderRow], by_year: dict[str, Counter]) -> None:
    with atomic_path(path) as tmp, Book(tmp, len(rows)) as wb:
        sheet = wb.sheet("Папки", list(zip(HEADERS, WIDTHS, strict=True)))
        for r in rows:
            sheet.append([
                r.folder, r.folder_surname, "; ".join(sorted(r.persons)[:6]), r.misfiled,
                len(r.studies), r.images, r.bytes, r.copy_bytes,
                "; ".join(sorted(r.copies_in)[:4]), "да" if r.pure_copy else "",
                r.non_image_bytes, "да" if r.images == 0 else "",
                "; ".join(r.zips_unpacked), r.zip_bytes_unpacked])
        sheet.finish()
        _totals(wb, "Итого", rows, by_year)


def _totals(wb: Book, title: str, rows: list[FolderRow], by_year: dict[str, Counter]
            ) -> None:
    ws = wb.plain_sheet(title, [44, 16])
    lines: list[list] = [[label, value] for label, value in (
        ("Папок", len(rows)), ("Байт всего", sum(r.bytes for r in rows)),
        ("Байт копий снимков", sum(r.copy_bytes for r in rows)),
        ("Байт не-снимков", sum(r.non_image_bytes for r in rows)),
        ("Папок только с копиями", sum(r.pure_copy for r in rows)),
        ("Папок без снимков", sum(r.images == 0 for r in rows)),
        ("Папок, где снимки другого человека", sum(bool(r.misfiled) for r in rows)),
        ("Архивов, распакованных рядом", sum(len(r.zips_unpacked) for r in rows)))]
    lines.append([])
    modalities = sorted({m for counts in by_year.values() for m in counts})
    start = len(lines)          # (0-based) the table's header row
    lines.append(["Исследований по годам", *modalities])
    for year in sorted(by_year):
        lines.append([year, *(by_year[year].get(m, 0) for m in modalities)])
    last = len(lines) - 1
    write_rows(ws, wb, lines)
    if modalities and by_year:
        chart = wb.wb.add_chart({"type": "column", "subtype": "stacked"})
        for i, _ in enumerate(modalities, start=1):
            chart.add_series({"name": [title, start, i],
                              "categories": [title, start + 1, 0, last, 0],
                              "values": [title, start + 1, i, last, i]})
        chart.set_title({"name": "Исследований по годам и видам"})
        chart.set_size({"width": 900, "height": 340})
        ws.insert_chart(last + 2, 0, chart)
