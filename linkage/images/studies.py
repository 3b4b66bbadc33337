"""Group instances into studies: the unit that is linked.

Copies of one image (same SOPInstanceUID in two folders or in a folder and its
zip) are collapsed; every location is kept. Each study also keeps the folder
that names it: the top folder under the root, and the nearest ancestor whose
name parses as a person's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from functools import lru_cache
from operator import attrgetter

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


def name_folder(location: str) -> tuple[str, ParsedName | None]:
    """The first folder from the root down whose name parses as a person's.

    People name the top folder (or the one under an old «Амбулаторные снимки»);
    deeper folders are the CD's, the viewer's or the cloud's own.
    """
    return _name_folder_of_dir(_directory(location))


def _directory(location: str) -> str:
    """The location without its file name: instances of one folder share it."""
    outer, sep, inner = location.partition("::")
    if sep:
        folder = inner.rpartition("/")[0]
        return f"{outer}::{folder}/" if folder else f"{outer}::"
    folder = outer.rpartition("/")[0]
    return f"{folder}/" if folder else ""


@lru_cache(maxsize=200_000)
def _name_folder_of_dir(directory: str) -> tuple[str, ParsedName | None]:
    for folder in _folders(directory + "x"):
        parsed = parse_folder_name(folder)     # cached there, handed to the report
        if parsed is not None:
            return folder, parsed
    return "", None


def _most(values, default=""):
    """The most frequent of `values`; a tie goes to the first met, in location order.
    Counted per study at the end rather than in a Counter kept per study and field:
    grouping 40,000 instances made 150,000 Counters."""
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else default


# What each study takes from its instances: the value most of them share.
_SHARED = ("patient_name_other", "patient_id", "birth_date", "sex", "age", "study_date",
           "study_description", "institution_name")
_shared_values = attrgetter(*_SHARED)


def _top(members: list[Instance]) -> dict[str, str]:
    """Per field of _SHARED, the value most instances share, blanks left out. Most
    studies have one instance, or instances that all agree: no count is needed then
    (10 counts per study took half of the grouping)."""
    if len(members) == 1:
        return dict(zip(_SHARED, _shared_values(members[0]), strict=True))
    out = {}
    columns = zip(*map(_shared_values, members), strict=True)
    for name, values in zip(_SHARED, columns, strict=True):
        first = values[0]
        out[name] = first if values.count(first) == len(values) else \
            _most(value for value in values if value)
    return out


def group_studies(instances: list[Instance]) -> list[Study]:
    """One Study per StudyInstanceUID; instances without one are grouped by series.
    The folder names are parsed once per directory."""
    by_study: dict[str, list[Instance]] = defaultdict(list)
    # In location order, so that ties (two readings of a name, two folders) resolve
    # the same way whatever order the scan found the files in.
    for inst in sorted(instances, key=attrgetter("location")):
        key = inst.study_instance_uid or f"series:{inst.series_instance_uid or inst.location}"
        by_study[key].append(inst)
    studies = []
    for uid, members in by_study.items():
        # The decoded name that most instances agree on.
        name, decoding = _most(((i.patient_name, i.name_decoding) for i in members
                                if i.patient_name), ("", ""))
        member_dirs = [_directory(i.location) for i in members]
        # every member counts, also one whose folders name no one ("" may win)
        best_folder = _most(_name_folder_of_dir(d)[0] for d in member_dirs)
        parsed_folder = next(p for d in dict.fromkeys(member_dirs)
                             for f, p in [_name_folder_of_dir(d)] if f == best_folder)
        locations = sorted({i.location for i in members})
        top = _folders(locations[0])
        shared = _top(members)
        studies.append(Study(
            study_instance_uid=uid, patient_name=name, name_decoding=decoding,
            patient_name_other=shared["patient_name_other"],
            patient_id=shared["patient_id"], birth_date=shared["birth_date"],
            sex=shared["sex"], age=shared["age"], study_date=shared["study_date"],
            modalities="/".join(sorted({i.modality for i in members if i.modality})),
            body_parts="/".join(sorted({i.body_part for i in members if i.body_part})),
            description=shared["study_description"],
            institution=shared["institution_name"],
            series=len({i.series_instance_uid for i in members}),
            instances=len({i.sop_instance_uid or i.location for i in members}),
            copies=len(members), folder=top[0] if top else "", name_folder=best_folder,
            folder_name=parsed_folder, locations=locations,
            identities=len({(i.patient_name, i.birth_date, i.patient_id) for i in members}),
            truncated=sum(bool(i.truncated) for i in members),
            bytes=sum(i.file_size for i in members),
        ))
    studies.sort(key=lambda s: (s.folder, s.study_instance_uid))
    return studies


_STUDY_FIELDS = [f.name for f in fields(Study) if f.name != "folder_name"]
_NAME_FIELDS = [f.name for f in fields(ParsedName)]


_study_values = attrgetter(*_STUDY_FIELDS)
_name_values = attrgetter(*_NAME_FIELDS)


def study_row(study: Study) -> tuple:
    """A Study as plain data (kept in the stored scan result: see images.summary)."""
    name = study.folder_name
    return (_study_values(study), None if name is None else _name_values(name))


def study_from_row(row: tuple) -> Study:
    """The Study `study_row` gave. Its fields are set directly, not through `__init__`
    (every one is in the row): an unchanged rerun rebuilds tens of thousands of them."""
    values, name = row
    study = object.__new__(Study)
    study.__dict__.update(zip(_STUDY_FIELDS, values, strict=True))
    study.locations = list(study.locations)
    study.folder_name = None if name is None else ParsedName(*name)
    return study
