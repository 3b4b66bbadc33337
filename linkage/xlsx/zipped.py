"""A workbook with one member changed and the others copied as they are stored.

A workbook is a zip whose members are compressed one by one. Changing one small member
(the review sheet's stamp) needs no other member decompressed and compressed again,
which for a large sheet was nearly all the work. The standard library cannot copy a
member without recompressing it, so the three records of the zip format this needs
are written here. No ZIP64: a workbook is far below 4 GB, and one that is not is
refused rather than written wrong.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8_NAMES = 0x800
_LIMIT = 0xFFFFFFFF


def replace_member(source: Path, target: Path, name: str, data: bytes) -> None:
    """Write `target`: `source` with member `name` holding `data`, every other member
    copied byte for byte as stored (same compression, same CRC)."""
    with zipfile.ZipFile(source) as book, open(source, "rb") as raw, \
            open(target, "wb") as out:
        central = []
        for info in book.infolist():
            if info.filename == name:
                packer = zlib.compressobj(1, zlib.DEFLATED, -15)
                body = packer.compress(data) + packer.flush()
                crc, size, method = zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED
            else:
                body = _stored_body(raw, info)
                crc, size, method = info.CRC, info.file_size, info.compress_type
            flags = info.flag_bits & _UTF8_NAMES      # sizes in the header: no descriptor
            encoded = info.filename.encode("utf-8" if flags else "cp437")
            time, date = _dos_time(info.date_time)
            offset = out.tell()
            if max(offset, size, len(body)) >= _LIMIT:
                raise ValueError(f"{source}: too large to change in place")
            out.write(_LOCAL.pack(0x04034B50, 20, flags, method, time, date, crc, len(body),
                                  size, len(encoded), 0) + encoded)
            out.write(body)
            central.append(_CENTRAL.pack(
                0x02014B50, info.create_system << 8 | 20, 20, flags, method, time, date, crc,
                len(body), size, len(encoded), 0, 0, 0, info.internal_attr,
                info.external_attr, offset) + encoded)
        start = out.tell()
        out.write(b"".join(central))
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), out.tell() - start,
                            start, 0))


def _stored_body(raw, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes as stored, after its local header (whose name and extra
    field may differ in length from the central directory's)."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL.size)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
    return raw.read(info.compress_size)


def _dos_time(moment: tuple[int, ...]) -> tuple[int, int]:
    year, month, day, hour, minute, second = moment
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
