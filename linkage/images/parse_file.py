"""Classify and parse one file (or every member of a zip): the unit of work of a scan.

Kept free of pandas and SQLite so that spawned worker processes start fast.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field

from linkage.images import summary
from linkage.images.header import HeaderError
from linkage.images.instance import (
    Instance,
    NotDicom,
    NoUid,
    bytes_reader,
    file_reader,
    parse_instance,
    stream_reader,
)
from linkage.images.walk import readable

# Kinds of file a scan reports.
DICOM, DICOMDIR, ZIP, NON_DICOM, BROKEN, UNREADABLE, EMPTY, NO_UID = (
    "dicom", "dicomdir", "zip", "non_dicom", "broken", "unreadable", "empty", "dicom_no_uid")
FILE_KINDS = (DICOM, DICOMDIR, ZIP, NON_DICOM, BROKEN, UNREADABLE, EMPTY, NO_UID)

# Magic numbers of what cannot be DICOM: a file starting so needs no more reading.
# (A DICOM file with a preamble may start with anything, so these are only checked
# after the "DICM" marker at offset 128 was not found.)
_JUNK_MAGIC = (b"MZ", b"%PDF", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\x7fELF",
               b"\xd0\xcf\x11\xe0", b"Rar!", b"7z\xbc\xaf", b"BM", b"II*\x00", b"MM\x00*")
ZIP_MEMBER_ENCODING = "cp866"   # Russian Windows writes zip names in CP866 without the UTF-8 flag


# (relpath, size, mtime_ns, kind, reason, JSON list of Instance.as_row() or "")
CacheRow = tuple[str, int | None, int | None, str, str, str]
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class FileResult:
    """What one file turned out to be; `instances` holds one per DICOM image in it."""

    relpath: str
    size: int | None
    mtime_ns: int | None
    kind: str
    reason: str = ""
    instances: list[Instance] = field(default_factory=list)
    member_problems: list[tuple[str, str]] = field(default_factory=list)

    def as_cache_row(self) -> CacheRow:
        """A plain tuple with the instances as JSON text, encoded here in the worker:
        cheap to send, written to SQLite as it is, and joined into one document
        when the whole scan is read back."""
        reason = self.reason
        if self.member_problems:
            reason = "; ".join(f"{m}: {r}" for m, r in self.member_problems)[:2000]
        instances = _to_json([i.as_row() for i in self.instances]) if self.instances else ""
        return (self.relpath, self.size, self.mtime_ns, self.kind, reason, instances)


def parse_file(root: str, relpath: str, size: int | None = None,
               mtime_ns: int | None = None) -> FileResult:
    """Never raises: every failure becomes a kind and a reason.

    Size and mtime unknown (None) are taken from the open file.
    """
    path = os.path.join(root, relpath)
    result = FileResult(relpath, size, mtime_ns, NON_DICOM)
    if size == 0:
        result.kind, result.reason = EMPTY, "zero-byte file"
        return result
    try:
        head, size, result.mtime_ns = _read_head(path, size, mtime_ns)
    except OSError as exc:
        result.kind, result.reason = UNREADABLE, f"cannot read: {exc.strerror or exc}"
        return result
    result.size = size
    if size == 0:
        result.kind, result.reason = EMPTY, "zero-byte file"
        return result
    if head[:4] == b"PK\x03\x04" and head[128:132] != b"DICM":
        return _parse_zip(path, result)
    if head[128:132] != b"DICM" and head.startswith(_JUNK_MAGIC):
        return result
    reader = bytes_reader(head) if size <= len(head) else _prefetched(head, file_reader(path))
    try:
        instance, is_dicomdir = parse_instance(reader, size, readable(relpath))
    except NotDicom:
        return result
    except NoUid as exc:
        result.kind, result.reason = NO_UID, str(exc)
        return result
    except (HeaderError, OSError, ValueError) as exc:
        result.kind, result.reason = BROKEN, str(exc)
        return result
    if is_dicomdir:
        result.kind = DICOMDIR
    else:
        result.kind = DICOM
        instance.file_size = size
        result.instances.append(instance)
        if instance.truncated:
            result.reason = "file cut short: an element runs past its end (the header is readable)"
    return result


_BINARY = getattr(os, "O_BINARY", 0)     # Windows: no newline translation


def _read_head(path: str, size: int | None, mtime_ns: int | None
               ) -> tuple[bytes, int, int | None]:
    """The first 16 KiB, or only 132 bytes of a viewer program, PDF or picture:
    decided from the magic at the start, unless "DICM" stands at 128. Returns the
    bytes, the size and the mtime (from the open file when not known yet)."""
    fd = os.open(path, os.O_RDONLY | _BINARY)
    try:
        if size is None:
            st = os.fstat(fd)
            size, mtime_ns = st.st_size, st.st_mtime_ns
        head = os.read(fd, 132)
        if head[128:132] != b"DICM" and head.startswith(_JUNK_MAGIC):
            return head, size, mtime_ns
        return head + os.read(fd, 16384 - len(head)), size, mtime_ns
    finally:
        os.close(fd)


def _prefetched(head: bytes, fallback):
    def read(n: int) -> bytes:
        return head[:n] if n <= len(head) else fallback(n)

    return read


def _parse_zip(path: str, result: FileResult) -> FileResult:
    """Read DICOM members in place, without extracting anything to disk."""
    result.kind = ZIP
    try:
        archive = zipfile.ZipFile(path, metadata_encoding=ZIP_MEMBER_ENCODING)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        result.kind, result.reason = BROKEN, f"broken zip: {exc}"
        return result
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            location = f"{readable(result.relpath)}::{info.filename}"
            if info.file_size == 0:
                continue
            if info.flag_bits & 0x1:
                result.member_problems.append((info.filename, "encrypted zip member"))
                continue
            if info.filename.lower().endswith(".zip"):
                result.member_problems.append((info.filename, "a zip inside the zip: not read "
                                               "(unpack it to include its images)"))
                continue
            reader = stream_reader(lambda info=info: archive.open(info))
            try:
                instance, _ = parse_instance(reader, info.file_size, location)
            except NotDicom:
                continue
            except (HeaderError, OSError, ValueError, zipfile.BadZipFile, EOFError,
                    NotImplementedError, RuntimeError) as exc:
                result.member_problems.append((info.filename, str(exc)))
                continue
            if instance is not None:
                instance.file_size = info.file_size
                result.instances.append(instance)
    return result


def parse_batch(root: str, entries: list[tuple[str, int | None, int | None]]
                ) -> tuple[list[CacheRow], bytes]:
    """Worker entry point: a batch of files, so each process round trip carries many.
    Returns the cache rows and the batch's instances packed for the scan summary."""
    results = [parse_file(root, *entry) for entry in entries]
    instances = [i for r in results for i in r.instances]
    return [r.as_cache_row() for r in results], summary.pack_instances(instances)
