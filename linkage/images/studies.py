"""Group instances into studies: the unit that is linked.

Copies of one image (same SOPInstanceUID in two folders or in a folder and its
zip) are collapsed; every location is kept. Each study also keeps the folder
that names it: the top folder under the root, and the nearest ancestor whose
name parses as a person's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
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
        parsed = parse_folder_name(folder)     # cached there, shared with the report
        if parsed is not None:
            return folder, parsed
    return "", None


class _Gathered:
    """What the instances of one study say, gathered in one pass over them."""

    __slots__ = ("members", "names", "others", "ids", "births", "sexes", "ages", "dates",
                 "modalities", "parts", "descriptions", "institutions", "series", "unique",
                 "identities", "folders", "locations", "truncated", "bytes")

    def __init__(self) -> None:
        self.members = 0
        self.names, self.others, self.ids, self.births = Counter(), Counter(), Counter(), \
            Counter()
        self.sexes, self.ages, self.dates = Counter(), Counter(), Counter()
        self.descriptions, self.institutions, self.folders = Counter(), Counter(), Counter()
        self.modalities, self.parts, self.series, self.unique = set(), set(), set(), set()
        self.identities, self.locations = set(), set()
        self.truncated = self.bytes = 0

    def add(self, i: Instance) -> None:
        self.members += 1
        if i.patient_name:
            self.names[(i.patient_name, i.name_decoding)] += 1
        for counter, value in ((self.others, i.patient_name_other), (self.ids, i.patient_id),
                               (self.births, i.birth_date), (self.sexes, i.sex),
                               (self.ages, i.age), (self.dates, i.study_date),
                               (self.descriptions, i.study_description),
                               (self.institutions, i.institution_name)):
            if value:
                counter[value] += 1
        if i.modality:
            self.modalities.add(i.modality)
        if i.body_part:
            self.parts.add(i.body_part)
        self.series.add(i.series_instance_uid)
        self.unique.add(i.sop_instance_uid or i.location)
        self.identities.add((i.patient_name, i.birth_date, i.patient_id))
        self.folders[_directory(i.location)] += 1
        self.locations.add(i.location)
        self.truncated += bool(i.truncated)
        self.bytes += i.file_size


def _top(counter: Counter) -> str:
    return counter.most_common(1)[0][0] if counter else ""


def group_studies(instances: list[Instance]) -> list[Study]:
    """One Study per StudyInstanceUID; instances without one are grouped by series.
    One pass over the instances; the folder names are parsed once per directory."""
    by_study: dict[str, _Gathered] = defaultdict(_Gathered)
    # In location order, so that ties (two readings of a name, two folders) resolve
    # the same way whatever order the scan found the files in.
    for inst in sorted(instances, key=attrgetter("location")):
        key = inst.study_instance_uid or f"series:{inst.series_instance_uid or inst.location}"
        by_study[key].add(inst)
    studies = []
    for uid, g in by_study.items():
        # The decoded name that most instances agree on.
        name, decoding = g.names.most_common(1)[0][0] if g.names else ("", "")
        named = Counter()
        for directory, count in g.folders.items():
            named[_name_folder_of_dir(directory)[0]] += count
        best_folder = named.most_common(1)[0][0]
        parsed_folder = next(p for d in g.folders
                             for f, p in [_name_folder_of_dir(d)] if f == best_folder)
        locations = sorted(g.locations)
        top = _folders(locations[0])
        studies.append(Study(
            study_instance_uid=uid, patient_name=name, name_decoding=decoding,
            patient_name_other=_top(g.others), patient_id=_top(g.ids),
            birth_date=_top(g.births), sex=_top(g.sexes), age=_top(g.ages),
            study_date=_top(g.dates), modalities="/".join(sorted(g.modalities)),
            body_parts="/".join(sorted(g.parts)), description=_top(g.descriptions),
            institution=_top(g.institutions), series=len(g.series), instances=len(g.unique),
            copies=g.members, folder=top[0] if top else "", name_folder=best_folder,
            folder_name=parsed_folder, locations=locations, identities=len(g.identities),
            truncated=g.truncated, bytes=g.bytes,
        ))
    studies.sort(key=lambda s: (s.folder, s.study_instance_uid))
    return studies


_STUDY_FIELDS = [f.name for f in fields(Study) if f.name != "folder_name"]
_NAME_FIELDS = [f.name for f in fields(ParsedName)]


def study_row(study: Study) -> tuple:
    """A Study as plain data (kept in the stored scan result: see images.summary)."""
    name = study.folder_name
    return (tuple(getattr(study, f) for f in _STUDY_FIELDS),
            None if name is None else tuple(getattr(name, f) for f in _NAME_FIELDS))


def study_from_row(row: tuple) -> Study:
    values, name = row
    study = Study(**dict(zip(_STUDY_FIELDS, values, strict=True)))
    study.locations = list(study.locations)
    study.folder_name = None if name is None else ParsedName(*name)
    return study
