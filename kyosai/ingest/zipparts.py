"""Reading zip members safely: in bounded chunks, checked against what the zip directory says."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator

ZIP_MAGIC = b"PK\x03\x04"
# Inflated and scanned this much at a time: memory stays flat however big a part claims to be.
CHUNK = 64 * 1024


class DamagedPart(Exception):
    """A zip member whose bytes do not match what the zip directory says about it."""


def zip_entries(data: bytes) -> int | None:
    """The member count the end-of-directory record claims, read before zipfile lists them."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    (count,) = struct.unpack_from("<H", data, end + 10)
    if count != 0xFFFF:
        return int(count)
    zip64 = data.rfind(b"PK\x06\x06", 0, end)
    if zip64 < 0 or zip64 + 40 > len(data):
        return None
    (count,) = struct.unpack_from("<Q", data, zip64 + 32)
    return int(count)


def member_chunks(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in bounded chunks, checked against its directory size and CRC."""
    start = info.header_offset
    header = data[start : start + 30] if start >= 0 else b""
    if len(header) < 30 or not header.startswith(ZIP_MAGIC):
        raise DamagedPart(info.filename)
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    begin = start + 30 + name_length + extra_length
    raw = memoryview(data)[begin : begin + info.compress_size]
    if len(raw) != info.compress_size:
        raise DamagedPart(info.filename)
    total, crc = 0, 0
    for chunk in _inflate(raw, info):
        total += len(chunk)
        # Never more than the directory promised: the directory sizes are what was checked.
        if total > info.file_size:
            raise DamagedPart(info.filename)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if total != info.file_size or crc != info.CRC:
        raise DamagedPart(info.filename)


def read_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A whole member (its directory size was already checked), verified like member_chunks."""
    return b"".join(member_chunks(data, info))


def _inflate(raw: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), CHUNK):
            yield bytes(raw[at : at + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    at = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            else:
                piece, at = bytes(raw[at : at + CHUNK]), at + CHUNK
            # max_length keeps each step to one chunk, however well the data compresses.
            out = inflater.decompress(piece, CHUNK)
            if not out and not piece:
                raise DamagedPart(info.filename)
            if out:
                yield out
    except zlib.error as error:
        raise DamagedPart(info.filename) from error
