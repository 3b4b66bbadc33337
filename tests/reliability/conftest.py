"""A small real dataset for failure cases: DICOM files written with pydicom and an
export in Windows-1251, built per test so that each case may damage its own copy."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from linkage.synth.dicom_writer import InstanceSpec, instance_bytes

PEOPLE = [  # (record_id, ФИО, birth, sex, DICOM name, DICOM birth)
    ("1", "Иванов Иван Иванович", "01.02.1960", "муж", b"IVANOV^IVAN^IVANOVICH", "19600201"),
    ("2", "Петрова Анна Сергеевна", "03.04.1970", "жен", b"PETROVA^ANNA", "19700403"),
    ("3", "Сидоров Олег Петрович", "05.06.1980", "муж", b"SIDOROV^O^P", ""),
    ("4", "Кузнецова Мария Ивановна", "07.08.1990", "жен", b"KUZNECOVA^MARIA", "19900708"),
]


def write_images(root: Path, people=PEOPLE, files_per_study: int = 6) -> None:
    for n, (_, _, _, sex, name, birth) in enumerate(people, start=1):
        folder = root / f"{name.split(b'^')[0].decode().title()} MRT"
        folder.mkdir(parents=True)
        for i in range(files_per_study):
            (folder / f"IM{i}.dcm").write_bytes(instance_bytes(InstanceSpec(
                patient_name=name, charset="", patient_id=f"P{n}", birth_date=birth,
                sex="M" if sex == "муж" else "F", study_uid=f"1.2.826.0.1.{n}",
                series_uid=f"1.2.826.0.1.{n}.1", sop_uid=f"1.2.826.0.1.{n}.1.{i}",
                study_date="20240110", modality="MR", study_description="MRI L-SPINE",
                series_description="T2 SAG", body_part="LSPINE", institution="",
                instance_number=i + 1)))


def write_export(path: Path, people=PEOPLE, extra_lines: str = "") -> Path:
    lines = ["ID;ФИО;Дата рождения;Пол;Дата поступления"]
    lines += [f"{rid};{fio};{birth};{sex};12.01.2024" for rid, fio, birth, sex, *_ in people]
    path.write_bytes(("\r\n".join(lines) + "\r\n" + extra_lines).encode("cp1251"))
    return path


@pytest.fixture()
def mini(tmp_path: Path) -> dict[str, Path]:
    images = tmp_path / "Снимки"
    write_images(images)
    export = write_export(tmp_path / "export.csv")
    return {"images": images, "export": export, "out": tmp_path / "out",
            "state": tmp_path / "out" / "linkage_state.sqlite", "tmp": tmp_path}


def run_args(m: dict[str, Path], *extra: str) -> list[str]:
    return ["run", "--images", str(m["images"]), "--export", str(m["export"]),
            "--out", str(m["out"]), *extra]


def state_dump(path: Path) -> list[str]:
    """Every row of every table: what "the state is unchanged" means."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [f"{t}: {row!r}" for t in tables
                for row in db.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
    finally:
        db.close()


def one_line_error(result) -> str:
    """The error contract: exit 2, a line starting with «linkage:», no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("linkage: "), result.stderr
    return result.stderr


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
