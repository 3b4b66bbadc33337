"""Lay studies out in a «Снимки» tree the way they really arrive.

CD copies (DICOMDIR written by pydicom's FileSet, the viewer's exe/dll/autorun),
RadiAnt exports (a folder per series, .dcm names), unpacked cloud downloads with
or without their zip, studies only inside a zip (CP866 member names), duplicate
copies, a folder holding two patients, old «Амбулаторные/Стационарные снимки»
folders, files without preamble, junk, zero-byte and truncated files.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.fileset import FileSet

from linkage.synth.dicom_writer import InstanceSpec, dataset_for, instance_bytes

CONTAINERS = (("cd", 0.33), ("radiant", 0.30), ("cloud", 0.20), ("cloud_with_zip", 0.07),
              ("zip_only", 0.10))
RATES = {"duplicate": 0.05, "shared_folder": 0.02, "old_subfolder": 0.10, "no_preamble": 0.3,
         "truncated": 0.01, "junk": 0.3}
_MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
_JUNK = {
    "Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
    "заключение.pdf": b"%PDF-1.4\n% synthetic report\n" + bytes(300),
    "снимок.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(300),
    "readme.txt": "Диск с исследованием. Откройте Viewer.exe\r\n".encode("cp1251"),
    "пусто.dat": b"",
}


@dataclass
class StudyLayout:
    folder: str                       # path of the person's folder under the root
    container: str
    specs: list[InstanceSpec]
    extra_folders: list[str] = field(default_factory=list)   # duplicate copies
    categories: set[str] = field(default_factory=set)


def write_study(root: Path, layout: StudyLayout, rng: random.Random) -> None:
    """Write one study (and its copies) under root/layout.folder."""
    for folder in [layout.folder, *layout.extra_folders]:
        base = root / folder
        base.mkdir(parents=True, exist_ok=True)
        writer = {"cd": _write_cd, "radiant": _write_radiant, "cloud": _write_cloud,
                  "cloud_with_zip": _write_cloud_with_zip, "zip_only": _write_zip_only}
        writer[layout.container](base, layout, rng)
        if rng.random() < RATES["junk"]:
            name, data = rng.choice(list(_JUNK.items()))
            (base / name).write_bytes(data)


def _unique_dir(base: Path, name: str) -> Path:
    path, n = base / name, 1
    while path.exists():
        n += 1
        path = base / f"{name} ({n})"
    return path


def _write_cd(base: Path, layout: StudyLayout, rng: random.Random) -> None:
    cd = _unique_dir(base, rng.choice(("CD", "Диск", "disk1", "DVD")))
    fileset = FileSet()
    for spec in layout.specs:
        spec.preamble = True                  # FileSet needs conformant files
        spec.patient_id = spec.patient_id or f"CD{spec.study_uid[-6:]}"  # and a PatientID
        fileset.add(dataset_for(spec))
    fileset.write(cd)                          # DICOMDIR at the root, as on a CD
    if rng.random() < 0.5:                    # the CD's own layout changes case when copied
        _lowercase_tree(cd)
    (cd / "Viewer.exe").write_bytes(_MZ)
    (cd / "dcmview.dll").write_bytes(_MZ)
    (cd / "autorun.inf").write_text("[autorun]\r\nopen=Viewer.exe\r\n", encoding="ascii")
    (cd / "help").mkdir(exist_ok=True)
    (cd / "help" / "viewer.chm").write_bytes(b"ITSF" + bytes(100))


def _lowercase_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), key=lambda p: -len(p.parts)):
        if child.name != "DICOMDIR" and child.name != child.name.lower():
            child.rename(child.with_name(child.name.lower()))


def _write_radiant(base: Path, layout: StudyLayout, rng: random.Random) -> None:
    series_index: dict[str, int] = {}
    for spec in layout.specs:
        n = series_index.setdefault(spec.series_uid, len(series_index) + 1)
        folder = base / f"{spec.series_description or 'Series'}_{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IMG{spec.instance_number:04d}.dcm").write_bytes(instance_bytes(spec))


def _cloud_files(layout: StudyLayout, rng: random.Random) -> list[tuple[str, bytes]]:
    files = []
    for i, spec in enumerate(layout.specs):
        spec.preamble = rng.random() > RATES["no_preamble"]
        if not spec.preamble:
            layout.categories.add("no_preamble")
        name = rng.choice((f"Серия {spec.series_description}/{i:05d}",
                           f"{spec.series_uid[-8:]}/{i:04d}.dcm", f"IM{i:06d}"))
        files.append((name, instance_bytes(spec)))
    return files


def _write_cloud(base: Path, layout: StudyLayout, rng: random.Random) -> Path:
    folder = _unique_dir(base, rng.choice(("Исследование", "study", "download", "1")))
    for name, data in _cloud_files(layout, rng):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def _write_cloud_with_zip(base: Path, layout: StudyLayout, rng: random.Random) -> None:
    folder = _write_cloud(base, layout, rng)
    _zip_folder(folder, base / f"{folder.name}.zip")


def _write_zip_only(base: Path, layout: StudyLayout, rng: random.Random) -> None:
    layout.categories.add("only_in_zip")
    archive = base / "Исследование.zip"
    n = 1
    while archive.exists():
        n += 1
        archive = base / f"Исследование ({n}).zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _cloud_files(layout, rng):
            zf.writestr(_cp866_info(f"Снимки/{name}"), data)


class _Cp866Info(zipfile.ZipInfo):
    """A member whose name is stored in CP866 without the UTF-8 flag, as Russian
    Windows' built-in zip does (zipfile itself would write UTF-8 and set the flag)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook name
        return self.filename.encode("cp866"), self.flag_bits & ~0x800


def _cp866_info(name: str) -> zipfile.ZipInfo:
    info = _Cp866Info(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.writestr(_cp866_info(path.relative_to(folder.parent).as_posix()),
                            path.read_bytes())


def truncate_one(root: Path, rng: random.Random) -> str | None:
    """Cut one .dcm file in half (a broken copy) and return its relative path."""
    candidates = sorted(p for p in root.rglob("*.dcm") if p.stat().st_size > 200)
    if not candidates:
        return None
    path = rng.choice(candidates)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.relative_to(root).as_posix()
