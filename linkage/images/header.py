"""Read the identifying header elements of a DICOM file as raw bytes, fast.

pydicom walks every element up to the pixels and decodes text on the way; for an
inventory of 100k files we need ~20 elements from groups 0002-0020, undecoded
(charset repair needs the bytes). A small struct reader handles the little-endian
implicit and explicit VR files that make up nearly every CD; anything else
(big endian, deflated, odd) goes to pydicom, from which we take the raw values.
"""

from __future__ import annotations

import io
import struct
from bisect import bisect_right
from dataclasses import dataclass, field

WANTED = {
    0x00020002: "media_sop_class_uid",
    0x00020010: "transfer_syntax",
    0x00080005: "charset",
    0x00080018: "sop_instance_uid",
    0x00080020: "study_date",
    0x00080030: "study_time",
    0x00080050: "accession_number",
    0x00080060: "modality",
    0x00080080: "institution_name",
    0x00081030: "study_description",
    0x0008103E: "series_description",
    0x00100010: "patient_name",
    0x00100020: "patient_id",
    0x00100030: "birth_date",
    0x00100040: "sex",
    0x00101010: "age",
    0x00180015: "body_part",
    0x0020000D: "study_instance_uid",
    0x0020000E: "series_instance_uid",
}
LAST_GROUP = 0x0020
PIXEL_DATA = 0x7FE00010
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"

_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
             b"UT", b"UV"}
_VALID_VRS = _LONG_VRS | {b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL",
                          b"IS", b"LO", b"LT", b"PN", b"SH", b"SL", b"SS", b"ST", b"TM",
                          b"UI", b"UL", b"US"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_HEADER_LEN = {vr: 12 for vr in _LONG_VRS} | {vr: 8 for vr in _VALID_VRS - _LONG_VRS}

_DATASET_WANTED = sorted(t for t in WANTED if t >> 16 != 2)
_TAG_BYTES = {t: struct.pack("<HH", t >> 16, t & 0xFFFF) for t in _DATASET_WANTED}
_ITEM_BYTES = b"\xfe\xff\x00\xe0"
_EXPLICIT = struct.Struct("<HH2sH")
_IMPLICIT = struct.Struct("<HHI")
_U32 = struct.Struct("<I")
_LAST_WANTED = _DATASET_WANTED[-1]
# The last wanted tag of each group: past it, the rest of the group can be jumped over.
_LAST_IN_GROUP = {t >> 16: t for t in _DATASET_WANTED}
# For each position in _DATASET_WANTED, the (tag bytes) still to look for from there.
_STILL_WANTED = [tuple(_TAG_BYTES[t] for t in _DATASET_WANTED[i:])
                 for i in range(len(_DATASET_WANTED) + 1)]
_PIXEL_TAG = b"\xe0\x7f\x10\x00"
PIXEL_SEARCH = 4096


class HeaderError(ValueError):
    """The bytes are not a DICOM header we can read (the message says why)."""


class NeedMoreBytes(HeaderError):
    """The buffer ended inside the elements we need."""


class NotFast(HeaderError):
    """A valid file the struct reader does not handle; pydicom must read it."""


@dataclass
class RawHeader:
    """Raw values of the wanted elements, by field name, plus how the file is encoded."""

    values: dict[str, bytes] = field(default_factory=dict)
    preamble: bool = True
    cut_short: bool = False

    def text(self, name: str) -> str:
        """An ASCII-valued element (UIDs, dates, codes) as a clean string."""
        return ascii_value(self.values.get(name, b""))

    @property
    def is_dicomdir(self) -> bool:
        return self.text("media_sop_class_uid") == DICOMDIR_CLASS


def ascii_value(value: bytes) -> str:
    """A UID, date or code as a clean string (padding and stray bytes dropped)."""
    return value.rstrip(b"\x00 ").decode("ascii", "replace").strip()


def sniff(head: bytes) -> str:
    """What the first bytes say: "preamble", "explicit", "implicit" or "" (not DICOM).

    Files without the 128-byte preamble are guessed the way dcm4che's
    DicomInputStream does: the first element must be a plausible little-endian
    tag of group 0002 or 0008 with a sane length (and a real VR if explicit).
    """
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "preamble"
    if len(head) < 8:
        return ""
    if head[:2] in (b"\x00\x02", b"\x00\x08") and head[4:6] in _VALID_VRS:
        return "explicit_be"                       # big endian, no preamble: pydicom reads it
    group, element = struct.unpack_from("<HH", head, 0)
    if group not in (0x0002, 0x0008) or element > 0x0100:
        return ""
    if head[4:6] in _VALID_VRS:
        return "explicit"
    (length,) = struct.unpack_from("<I", head, 4)
    if length < 256 and (element == 0 or length % 2 == 0):
        value = head[8:8 + length]
        if all(32 <= b < 127 or b == 0 for b in value[:64]):
            return "implicit"
    return ""


def read_header(buffer: bytes, file_size: int | None = None) -> RawHeader:
    """Parse wanted elements from the start of a file held in `buffer`.

    Raises NeedMoreBytes when the buffer is too short (caller rereads more),
    NotFast for encodings left to pydicom, HeaderError for garbage.
    """
    kind = sniff(buffer)
    if not kind:
        raise HeaderError("not a DICOM file")
    if kind == "explicit_be":
        raise NotFast("explicit VR big endian")
    header = RawHeader(preamble=kind == "preamble")
    offset = 132 if kind == "preamble" else 0
    explicit = kind != "implicit"
    if kind == "preamble" or buffer[offset:offset + 2] == b"\x02\x00":
        offset = _read_meta(buffer, offset, header)
        if header.is_dicomdir:
            return header           # an index of the CD: its records are not read
        syntax = header.text("transfer_syntax")
        if syntax in (EXPLICIT_BE, DEFLATED):
            raise NotFast(f"transfer syntax {syntax}")
        explicit = syntax != IMPLICIT_LE if syntax else explicit
    _read_dataset(buffer, offset, explicit, header, file_size)
    return header


def _read_meta(buf: bytes, offset: int, header: RawHeader) -> int:
    """Group 0002 is always explicit VR little endian."""
    n, values, unpack = len(buf), header.values, _EXPLICIT.unpack_from
    while offset + 8 <= n:
        group, element, vr, length = unpack(buf, offset)
        if group != 0x0002:
            return offset
        header_len = _HEADER_LEN.get(vr)
        if header_len is None:
            raise NotFast(f"unexpected VR {vr!r} at byte {offset}")
        if header_len == 12:
            if offset + 12 > n:
                raise NeedMoreBytes("element header")
            (length,) = _U32.unpack_from(buf, offset + 8)
        value_at = offset + header_len
        offset = value_at + length
        if offset > n:
            raise NeedMoreBytes("file meta")
        name = WANTED.get((group << 16) | element)
        if name is not None:
            values[name] = buf[value_at:offset]
    raise NeedMoreBytes("file meta")


def _explicit_element(buf: bytes, offset: int) -> tuple[int, bytes, int, int]:
    if offset + 8 > len(buf):
        raise NeedMoreBytes("element header")
    group, element = struct.unpack_from("<HH", buf, offset)
    vr = buf[offset + 4:offset + 6]
    if vr in _LONG_VRS:
        if offset + 12 > len(buf):
            raise NeedMoreBytes("element header")
        (length,) = struct.unpack_from("<I", buf, offset + 8)
        return (group << 16) | element, vr, length, offset + 12
    if vr not in _VALID_VRS:
        raise NotFast(f"unexpected VR {vr!r} at byte {offset}")
    (length,) = struct.unpack_from("<H", buf, offset + 6)
    return (group << 16) | element, vr, length, offset + 8


def _implicit_element(buf: bytes, offset: int) -> tuple[int, bytes, int, int]:
    if offset + 8 > len(buf):
        raise NeedMoreBytes("element header")
    group, element, length = struct.unpack_from("<HHI", buf, offset)
    return (group << 16) | element, b"", length, offset + 8




def _read_dataset(buf: bytes, offset: int, explicit: bool, header: RawHeader,
                  file_size: int | None) -> None:
    """The hot loop of a scan: one struct unpack per element, stop after the last
    wanted tag. Kept flat on purpose (no calls per element)."""
    values, n, previous, hold = header.values, len(buf), -1, 0
    unpack_explicit, unpack_implicit, unpack_u32 = (_EXPLICIT.unpack_from,
                                                    _IMPLICIT.unpack_from, _U32.unpack_from)
    header_len, wanted, last_in_group = _HEADER_LEN.get, WANTED.get, _LAST_IN_GROUP.get
    while True:
        if offset + 8 > n:
            if file_size is not None and offset >= file_size:
                return                      # a file that ends cleanly before group 0020
            raise NeedMoreBytes("dataset")
        if explicit:
            group, element, vr, length = unpack_explicit(buf, offset)
            size = header_len(vr)
            if size == 8:
                value_at = offset + 8
            elif size:
                if offset + 12 > n:
                    raise NeedMoreBytes("element header")
                (length,) = unpack_u32(buf, offset + 8)
                value_at = offset + 12
            else:
                raise NotFast(f"unexpected VR {vr!r} at byte {offset}")
        else:
            group, element, length = unpack_implicit(buf, offset)
            value_at = offset + 8
        tag = (group << 16) | element
        if tag <= previous:
            raise HeaderError(f"elements out of order at byte {offset}")
        previous = tag
        if group > LAST_GROUP:
            break
        if length == _UNDEFINED:
            offset = _skip_undefined(buf, value_at, explicit)
            continue
        offset = value_at + length
        name = wanted(tag)
        if name is not None:
            if offset > n:
                raise NeedMoreBytes("value")
            values[name] = buf[value_at:offset]
            if tag == _LAST_WANTED:
                break
        elif explicit and offset >= hold and tag > last_in_group(group, 0):
            offset, hold = _jump(buf, offset, tag)   # nothing more wanted in this group
    _check_pixels(buf, offset, explicit, header, file_size)


def _jump(buf: bytes, offset: int, after: int) -> tuple[int, int]:
    """Skip elements no one needs (private groups, acquisition parameters): find the
    next wanted tag by a byte search and resume the walk there. Returns the new
    offset and, when the jump was refused, the position before which not to retry.

    The landing is the earliest of the tags still wanted (the next one may be
    absent). It is only taken when the bytes skipped hold no sequence item (so it
    cannot be inside a nested dataset) and it looks like an element (a real VR);
    the walk then checks tag order again, and anything odd goes to pydicom.
    """
    still_wanted = _STILL_WANTED[bisect_right(_DATASET_WANTED, after)]
    if not still_wanted:
        return offset, len(buf)
    best = buf.find(still_wanted[0], offset)
    end = len(buf) if best < 0 else best
    for pattern in still_wanted[1:]:
        at = buf.find(pattern, offset, end)
        if at >= 0:
            best = end = at
    if best < 0:
        return offset, len(buf)
    if buf[best + 4:best + 6] not in _VALID_VRS:
        return offset, best
    item = buf.rfind(_ITEM_BYTES, offset, best)
    if item >= 0:
        return offset, item + 8             # retry once the walk is past that item
    return best, 0


def _check_pixels(buf: bytes, offset: int, explicit: bool, header: RawHeader,
                  file_size: int | None) -> None:
    """A pixel data element whose declared length runs past the end of the file marks
    a truncated file. Found by a byte search, not by walking every element; a hit
    must look like the element header (an OB/OW VR, or an implicit length)."""
    if file_size is None:
        return
    if file_size <= len(buf):
        header.cut_short = _runs_past_end(buf, offset, explicit, file_size)
        return
    # Pixel data follows the image description (group 0028) closely; a file with
    # large private blocks in between is not checked rather than searched at length.
    at = buf.find(_PIXEL_TAG, offset, offset + PIXEL_SEARCH)
    if at < 0:
        return                              # beyond the buffer: not checked
    if explicit:
        if buf[at + 4:at + 6] not in (b"OB", b"OW", b"OF", b"UN") or at + 12 > len(buf):
            return
        (length,) = _U32.unpack_from(buf, at + 8)
        value_at = at + 12
    else:
        if at + 8 > len(buf):
            return
        (length,) = _U32.unpack_from(buf, at + 4)
        value_at = at + 8
    if length != _UNDEFINED:
        header.cut_short = value_at + length > file_size


def _runs_past_end(buf: bytes, offset: int, explicit: bool, file_size: int) -> bool:
    """For a file held whole in the buffer: does any element claim bytes it lacks?
    (A copy cut short anywhere after the identity elements.)"""
    element_at = _explicit_element if explicit else _implicit_element
    try:
        while offset < file_size:
            tag, _vr, length, value_at = element_at(buf, offset)
            if length == _UNDEFINED:
                if tag == PIXEL_DATA:
                    return False            # encapsulated pixels: fragments not checked
                offset = _skip_undefined(buf, value_at, explicit)
                continue
            if value_at + length > file_size:
                return True
            offset = value_at + length
    except NeedMoreBytes:
        return True
    except HeaderError:
        return False
    return False


def _skip_undefined(buf: bytes, offset: int, explicit: bool) -> int:
    """Skip a sequence of undefined length: items until the sequence delimiter."""
    while True:
        if offset + 8 > len(buf):
            raise NeedMoreBytes("sequence")
        tag, length = struct.unpack_from("<I", buf, offset)[0], \
            struct.unpack_from("<I", buf, offset + 4)[0]
        tag = ((tag & 0xFFFF) << 16) | (tag >> 16)
        offset += 8
        if tag == _SEQ_END:
            return offset
        if tag != _ITEM:
            raise HeaderError(f"unexpected tag {tag:08X} inside a sequence")
        if length != _UNDEFINED:
            offset += length
            continue
        offset = _skip_item(buf, offset, explicit)


def _skip_item(buf: bytes, offset: int, explicit: bool) -> int:
    element_at = _explicit_element if explicit else _implicit_element
    while True:
        if offset + 8 > len(buf):
            raise NeedMoreBytes("item")
        raw_tag = struct.unpack_from("<HH", buf, offset)
        if (raw_tag[0] << 16 | raw_tag[1]) == _ITEM_END:
            return offset + 8
        _tag, _vr, length, value_at = element_at(buf, offset)
        offset = _skip_undefined(buf, value_at, explicit) if length == _UNDEFINED \
            else value_at + length


def read_header_with_pydicom(data: bytes) -> RawHeader:
    """Fallback for what the struct reader leaves: raw values via pydicom.

    `specific_tags` keeps pydicom from converting values, so `get_item` still
    returns the undecoded bytes.
    """
    import warnings

    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        # force=True is safe here only because sniff() already accepted the bytes.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True,
                                 specific_tags=[t for t in WANTED if t >> 16 != 2])
    except (InvalidDicomError, EOFError, struct.error, ValueError, KeyError,
            NotImplementedError, OSError, IndexError) as exc:
        raise HeaderError(f"pydicom cannot read it: {exc}") from exc
    header = RawHeader(preamble=data[128:132] == b"DICM")
    meta = getattr(ds, "file_meta", None)
    for tag, name in WANTED.items():
        source = meta if tag >> 16 == 2 else ds
        if source is None or tag not in source:
            continue
        item = source.get_item(tag)
        value = item.value
        if isinstance(value, bytes):
            header.values[name] = value
        elif value is not None:
            header.values[name] = str(value).encode("utf-8")
    return header
