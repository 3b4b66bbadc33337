"""Group instances into studies: the unit that is linked.

Copies of one image (same SOPInstanceUID in two folders or in a folder and its
zip) are collapsed; every location is kept. Each study also keeps the folder
that names it: the top folder under the root, and the nearest ancestor whose
name parses as a person's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from linkage.images.instance import Instance
from linkage.names.parse import ParsedName, parse_folder_name


@dataclass
class Study:
    study_instance_uid: str
    patient_name: str = ""
    name_decoding: str = ""
    patient_name_other: str = ""
    patient_id: str = ""
    birth_date: str = ""
    sex: str = ""
    age: str = ""
    study_date: str = ""
    modalities: str = ""
    body_parts: str = ""
    description: str = ""
    institution: str = ""
    series: int = 0
    instances: int = 0
    copies: int = 0
    folder: str = ""               # top folder under the root
    name_folder: str = ""          # the highest folder named after a person
    folder_name: ParsedName | None = None
    locations: list[str] = field(default_factory=list)
    identities: int = 1            # distinct (name, birth date, id) among instances
    truncated: int = 0
    bytes: int = 0

    @property
    def first_location(self) -> str:
        return self.locations[0] if self.locations else ""


def _folders(location: str) -> list[str]:
    """Folder names from the top down, zip members included (a.zip::b/c.dcm)."""
    outer, _, inner = location.partition("::")
    parts = outer.split("/")[:-1]
    if inner:
        zip_name = outer.split("/")[-1]
        parts.append(zip_name.rsplit(".", 1)[0])
        parts.extend(inner.split("/")[:-1])
    return parts


_parse_folder = lru_cache(maxsize=100_000)(parse_folder_name)


def name_folder(location: str) -> tuple[str, ParsedName | None]:
    """The first folder from the root down whose name parses as a person's.

    People name the top folder (or the one under an old «Амбулаторные снимки»);
    deeper folders are the CD's, the viewer's or the cloud's own.
    """
    for folder in _folders(location):
        parsed = _parse_folder(folder)
        if parsed is not None:
            return folder, parsed
    return "", None


def _most_common(values) -> str:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else ""


def group_studies(instances: list[Instance]) -> list[Study]:
    """One Study per StudyInstanceUID; instances without one are grouped by series."""
    by_study: dict[str, list[Instance]] = defaultdict(list)
    for inst in instances:
        key = inst.study_instance_uid or f"series:{inst.series_instance_uid or inst.location}"
        by_study[key].append(inst)
    studies = []
    for uid, members in by_study.items():
        members.sort(key=lambda i: i.location)
        unique = {i.sop_instance_uid or i.location for i in members}
        # The decoded name that most instances agree on; prefer a Cyrillic reading.
        names = Counter((i.patient_name, i.name_decoding) for i in members if i.patient_name)
        (name, decoding), _ = names.most_common(1)[0] if names else (("", ""), 0)
        identities = {(i.patient_name, i.birth_date, i.patient_id) for i in members}
        named = [name_folder(i.location) for i in members]
        best_folder = Counter(f for f, _ in named).most_common(1)[0][0]
        parsed_folder = next(p for f, p in named if f == best_folder)
        studies.append(Study(
            study_instance_uid=uid, patient_name=name, name_decoding=decoding,
            patient_name_other=_most_common(i.patient_name_other for i in members),
            patient_id=_most_common(i.patient_id for i in members),
            birth_date=_most_common(i.birth_date for i in members),
            sex=_most_common(i.sex for i in members),
            age=_most_common(i.age for i in members),
            study_date=_most_common(i.study_date for i in members),
            modalities="/".join(sorted({i.modality for i in members if i.modality})),
            body_parts="/".join(sorted({i.body_part for i in members if i.body_part})),
            description=_most_common(i.study_description for i in members),
            institution=_most_common(i.institution_name for i in members),
            series=len({i.series_instance_uid for i in members}),
            instances=len(unique), copies=len(members),
            folder=_folders(members[0].location)[0] if _folders(members[0].location) else "",
            name_folder=best_folder, folder_name=parsed_folder,
            locations=sorted({i.location for i in members}),
            identities=len(identities),
            truncated=sum(1 for i in members if i.truncated),
            bytes=sum(i.file_size for i in members),
        ))
    studies.sort(key=lambda s: (s.folder, s.study_instance_uid))
    return studies
