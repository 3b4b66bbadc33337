"""One DICOM instance as the linker sees it: identity fields decoded, location kept."""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter

from linkage.images.charset import decode_text, dicom_codecs
from linkage.images.header import (
    HeaderError,
    NeedMoreBytes,
    NotFast,
    RawHeader,
    ascii_value,
    read_header,
    read_header_with_pydicom,
)

_TEXT_FIELDS = ("patient_id", "institution_name", "study_description", "series_description",
                "body_part", "accession_number")
_ASCII_FIELDS = ("sop_instance_uid", "study_instance_uid", "series_instance_uid", "birth_date",
                 "sex", "age", "study_date", "study_time", "modality", "transfer_syntax")


@dataclass
class Instance:
    """Header identity of one image file (or zip member); all strings, "" if absent."""

    location: str = ""            # path relative to the images root; "a.zip::member" in zips
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    patient_name: str = ""        # alphabetic component group, decoded
    patient_name_other: str = ""  # ideographic/phonetic groups, "=" joined
    name_decoding: str = ""       # declared codec, or the repair used
    patient_id: str = ""
    birth_date: str = ""
    sex: str = ""
    age: str = ""
    study_date: str = ""
    study_time: str = ""
    modality: str = ""
    body_part: str = ""
    study_description: str = ""
    series_description: str = ""
    institution_name: str = ""
    accession_number: str = ""
    charset: str = ""
    transfer_syntax: str = ""
    truncated: bool = False
    file_size: int = 0            # bytes of the file (or zip member) holding it

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def as_row(self) -> tuple:
        return _ROW(self)


_ROW = attrgetter(*Instance.columns())


def instances_from_rows(per_file: list[list[list]]) -> list[Instance]:
    """Instances from per-file lists of `Instance.as_row()`, the form (in JSON) the
    scan cache keeps them in."""
    return [Instance(*row) for rows in per_file for row in rows]


def decode_instance(header: RawHeader, location: str) -> Instance:
    """Turn raw header bytes into decoded fields, repairing character sets."""
    raw = header.values
    charset_raw = header.text("charset")
    codecs = tuple(dicom_codecs(charset_raw)) if charset_raw else ()
    values = {name: ascii_value(raw[name]) if name in raw else "" for name in _ASCII_FIELDS}
    for name in _TEXT_FIELDS:
        values[name] = decode_text(raw[name], codecs)[0].strip() if name in raw else ""
    groups = raw.get("patient_name", b"").split(b"=")
    name, how = decode_text(groups[0], codecs)
    others = [decode_text(g, codecs)[0].strip() for g in groups[1:]]
    if not name.strip() and any(others):
        name, how = next(o for o in others if o), how
    if charset_raw and how == "ascii":
        how = charset_raw
    return Instance(
        location=location, patient_name=name.strip(), patient_name_other="=".join(others),
        name_decoding=how if name.strip() else "", charset=charset_raw,
        truncated=header.cut_short, **values,
    )


class NotDicom(Exception):
    """The bytes are not a DICOM file (the message says why)."""


class NoUid(HeaderError):
    """A readable DICOM file that names no instance or study (not an image to link)."""


# pydicom (the fallback for big endian, deflated and odd files) gets at most this many
# bytes: a file that declares a gigabyte, or a zip member of one, never fills memory.
FALLBACK_CAP = 16 * 1024 * 1024


def _with_pydicom(read_prefix, size: int):
    try:
        return read_header_with_pydicom(read_prefix(min(size, FALLBACK_CAP)))
    except HeaderError as exc:
        if size > FALLBACK_CAP:
            raise HeaderError(f"the header is not within the first {FALLBACK_CAP >> 20} MB of "
                              f"a {size:,}-byte file: listed, not read further ({exc})") from None
        raise


def parse_instance(read_prefix, size: int, location: str) -> tuple[Instance | None, bool]:
    """Parse a file given `read_prefix(n) -> bytes`; return (instance, is_dicomdir).

    Reads 16 KiB first and more only when the header is longer. Raises NotDicom
    for files that do not sniff as DICOM, HeaderError for broken DICOM.
    """
    want = 16384
    while True:
        data = read_prefix(want)
        try:
            header = read_header(data, size if len(data) >= size else None)
            break
        except NeedMoreBytes:
            if len(data) >= size or want >= 64 * 1024 * 1024:
                raise HeaderError("file ends inside the header (truncated)") from None
            want *= 8
        except NotFast:
            header = _with_pydicom(read_prefix, size)
            break
        except HeaderError as exc:
            if str(exc) == "not a DICOM file":
                raise NotDicom(str(exc)) from None
            header = _with_pydicom(read_prefix, size)
            break
    if header.is_dicomdir:
        return None, True
    instance = decode_instance(header, location)
    if not instance.sop_instance_uid and not instance.study_instance_uid:
        raise NoUid("DICOM without SOP and Study Instance UID: cannot be grouped into a study")
    return instance, False


def bytes_reader(data: bytes):
    """A `read_prefix` over bytes already in memory."""
    return lambda n: data[:n]


def file_reader(path: str):
    """A `read_prefix` over a file, reopened for each (rare) longer read."""

    def read(n: int) -> bytes:
        with open(path, "rb") as handle:
            return handle.read(n)

    return read


def stream_reader(opener):
    """A `read_prefix` over a stream read from its start (a zip member)."""
    last = b""

    def read(n: int) -> bytes:
        nonlocal last
        if len(last) < n:
            with opener() as stream:
                last = stream.read(n)
        return last[:n]

    return read
