"""Decide from the bytes themselves (never the file name) whether an upload is xlsx or CSV.

Everything here is cheap and bounded: a hostile file is refused from its zip directory and a
streamed scan of its XML, before any spreadsheet reader allocates memory for it.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from kyosai.ingest import limits
from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem
from kyosai.ingest.quickscan import QUICK_PART_BYTES, quick_scan

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF8_BOM = b"\xef\xbb\xbf"
EXPECTED_FILE = "Excel（.xlsx）または CSV ファイル"
_RESAVE = (
    "Excel で開き、「名前を付けて保存」で .xlsx 形式か CSV（UTF-8）形式を選んで"
    "保存し直してください。"
)
_XLSX_ONLY = "Excel で .xlsx 形式（Excel ブック）を選んで保存し直してください。"
# C0 control characters other than tab, LF and CR never occur in a CSV a person saved.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Inflated and scanned this much at a time: memory stays flat however big a part claims to be.
_CHUNK = 64 * 1024
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_SHEET_RE = re.compile(_PREFIX + rb"sheet(?=[\s/>])([^<>]*)>")
_RELATIONSHIP_RE = re.compile(_PREFIX + rb"Relationship(?=[\s/>])([^<>]*)>")
_ATTRIBUTE_RE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_SHARED_STRINGS = "xl/sharedstrings.xml"


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: `xlsx` (data kept as is), `csv` (with its decoded text) or refused."""

    kind: str  # "xlsx" | "csv" | "refused"
    text: str = ""
    encoding: str = ""
    problem: Problem | None = None


class _Damaged(Exception):
    """A zip member whose bytes do not match what the zip directory says about it."""


def _refuse(found: str, expected: str, body: str) -> Sniffed:
    return _refused(make_problem(FILE_LOCATION, found, expected, body))


def _refused(problem: Problem) -> Sniffed:
    return Sniffed(kind="refused", problem=problem)


def _not_a_table(file_name: str, detail: str = "") -> Sniffed:
    body = f"「{file_name}」は{EXPECTED_FILE}ではありません。{detail}{_RESAVE}"
    return _refuse(detail.rstrip("。") or file_name, EXPECTED_FILE, body)


def _broken_zip(file_name: str, part: str = "") -> Problem:
    where = f"（「{part}」）" if part else ""
    body = (
        f"「{file_name}」は Excel ファイルとして開けません"
        f"（ファイルが壊れている可能性があります）{where}。{_RESAVE}"
    )
    return make_problem(FILE_LOCATION, part or file_name, EXPECTED_FILE, body)


def _zip_entries(data: bytes) -> int | None:
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


def _member_chunks(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in bounded chunks, checked against its directory size and CRC."""
    start = info.header_offset
    header = data[start : start + 30] if start >= 0 else b""
    if len(header) < 30 or not header.startswith(ZIP_MAGIC):
        raise _Damaged(info.filename)
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    begin = start + 30 + name_length + extra_length
    raw = memoryview(data)[begin : begin + info.compress_size]
    if len(raw) != info.compress_size:
        raise _Damaged(info.filename)
    total, crc = 0, 0
    for chunk in _inflate(raw, info):
        total += len(chunk)
        # Never more than the directory promised: the directory sizes are what was checked.
        if total > info.file_size:
            raise _Damaged(info.filename)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if total != info.file_size or crc != info.CRC:
        raise _Damaged(info.filename)


def _inflate(raw: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), _CHUNK):
            yield bytes(raw[at : at + _CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    at = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            else:
                piece, at = bytes(raw[at : at + _CHUNK]), at + _CHUNK
            # max_length keeps each step to one chunk, however well the data compresses.
            out = inflater.decompress(piece, _CHUNK)
            if not out and not piece:
                raise _Damaged(info.filename)
            if out:
                yield out
    except zlib.error as error:
        raise _Damaged(info.filename) from error


def _attributes(tag: bytes) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for key, double, single in _ATTRIBUTE_RE.findall(tag):
        value = double or single
        found.setdefault(key, html.unescape(value.decode("utf-8", errors="replace")))
    return found


def _read_small(data: bytes, infos: list[zipfile.ZipInfo], name: str) -> bytes:
    """A part read whole (the directory sizes were already checked), or b"" if absent."""
    for info in infos:
        if info.filename.lower() == name:
            return b"".join(_member_chunks(data, info))
    return b""


def _sheet_parts(workbook: bytes, relations: bytes) -> tuple[int, dict[str, str]]:
    """How many sheets the workbook lists, and each worksheet part (lower case) → its name."""
    targets: dict[str, str] = {}
    for tag in _RELATIONSHIP_RE.findall(relations):
        attributes = _attributes(tag)
        target = attributes.get(b"Target", "")
        # Resolved the way calamine does it.
        if target.startswith("/xl/"):
            target = target[1:]
        elif not target.startswith("xl/"):
            target = "xl/" + target
        targets[attributes.get(b"Id", "")] = target.lower()
    tags = _SHEET_RE.findall(workbook)
    parts: dict[str, str] = {}
    for tag in tags:
        attributes = _attributes(tag)
        rel = attributes.get(b"r:id") or attributes.get(b"relationships:id") or ""
        if rel in targets:
            parts.setdefault(targets[rel], attributes.get(b"name", targets[rel]))
    return len(tags), parts


def _check_directory(infos: list[zipfile.ZipInfo], file_name: str) -> Problem | None:
    """Zip-bomb checks on the sizes the zip directory declares, before decompressing anything."""
    total = sum(info.file_size for info in infos)
    if total > limits.MAX_UNZIPPED_BYTES:
        return limits.unzipped_too_big(file_name, total)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        squeezed = info.file_size > limits.RATIO_FLOOR_BYTES and ratio > limits.MAX_RATIO
        if info.file_size > limits.MAX_MEMBER_BYTES or squeezed:
            return limits.member_too_big(file_name, info.filename, info.file_size, ratio)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            body = (
                f"「{file_name}」は Excel が使わない圧縮方式（{info.compress_type}）で"
                f"圧縮されています。{_XLSX_ONLY}"
            )
            found = f"圧縮方式 {info.compress_type}"
            return make_problem(FILE_LOCATION, found, "Excel で保存した .xlsx", body)
    return None


def _scan_part(
    data: bytes, info: zipfile.ZipInfo, scan: limits.XmlScan, where: str
) -> Problem | None:
    """Stream one sheet or the shared strings through the scan, chunk by chunk."""
    if info.file_size <= QUICK_PART_BYTES:
        try:
            whole = b"".join(_member_chunks(data, info))
        except _Damaged:
            whole = b""  # streamed below, so a problem found before the damage still comes first
        if whole and quick_scan(whole, scan):
            return None
    runs = limits.TextRuns()
    for chunk in _member_chunks(data, info):
        problem = scan.feed(chunk)
        if problem is not None:
            return problem
        if runs.feed(chunk):
            return limits.text_too_long(where)
    if scan.unique_strings > limits.MAX_CELLS:
        return limits.too_many_strings(scan.unique_strings)
    return None


def _scan_parts(data: bytes, infos: list[zipfile.ZipInfo], file_name: str) -> Problem | None:
    """Stream every part once, with bounded memory, refusing what would overwhelm calamine."""
    try:
        types = _read_small(data, infos, "[content_types].xml")
        if b"macroenabled" in types.lower():
            return _macro(file_name)
        workbook = _read_small(data, infos, "xl/workbook.xml")
        relations = _read_small(data, infos, "xl/_rels/workbook.xml.rels")
        count, parts = _sheet_parts(workbook, relations)
        if count > limits.MAX_SHEETS:
            return limits.too_many_sheets(count)
        cells, budget = 0, limits.MAX_XML_TAGS
        for info in infos:
            name = info.filename.lower()
            loose = name.startswith("xl/worksheets/") and name.endswith(".xml")
            is_sheet = name in parts or loose
            if name == _SHARED_STRINGS and info.file_size > limits.MAX_SHARED_STRINGS_BYTES:
                return limits.shared_strings_too_big(file_name, info.file_size)
            if not is_sheet and name != _SHARED_STRINGS:
                # calamine reads styles and relationships too: they must inflate to what the
                # directory said, and no more.
                for _ in _member_chunks(data, info):
                    pass
                continue
            scan = limits.XmlScan(sheet=parts.get(name, info.filename), tag_budget=budget)
            where = f"シート「{scan.sheet}」" if is_sheet else "ブック内の文字列"
            problem = _scan_part(data, info, scan, where)
            if problem is not None:
                return problem
            budget = scan.tag_budget
            cells += scan.cells if is_sheet else 0
            if cells > limits.MAX_CELLS:
                return limits.too_many_cells(cells)
    except _Damaged as damaged:
        return _broken_zip(file_name, str(damaged))
    return None


def _macro(file_name: str) -> Problem:
    body = (
        f"「{file_name}」はマクロ有効ブック（.xlsm）です。マクロを含むファイルは受け付けていません。"
        + _XLSX_ONLY
    )
    return make_problem(FILE_LOCATION, file_name, "マクロを含まない .xlsx ファイル", body)


def _sniff_zip(data: bytes, file_name: str) -> Sniffed:
    claimed = _zip_entries(data)
    if claimed is not None and claimed > limits.MAX_MEMBERS:
        return _refused(limits.too_many_members(file_name, claimed))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:  # a damaged directory raises BadZipFile, OSError, struct.error and more
        return _refused(_broken_zip(file_name))
    if len(infos) > limits.MAX_MEMBERS:
        return _refused(limits.too_many_members(file_name, len(infos)))
    names = {info.filename.lower() for info in infos}
    if "[content_types].xml" not in names or not any(n.startswith("xl/") for n in names):
        # A .docx or .pptx is also a zip with [Content_Types].xml, but has no xl/ part.
        return _not_a_table(file_name)
    if "xl/workbook.bin" in names:
        body = f"「{file_name}」は Excel バイナリブック（.xlsb）です。{_XLSX_ONLY}"
        return _refuse(file_name, ".xlsx ファイル", body)
    if any(name.endswith("vbaproject.bin") for name in names):
        return _refused(_macro(file_name))
    if any(info.flag_bits & 0x1 for info in infos):
        body = f"「{file_name}」は暗号化されています。パスワードを外して保存し直してください。"
        return _refuse(file_name, "パスワードのない .xlsx ファイル", body)
    problem = _check_directory(infos, file_name) or _scan_parts(data, infos, file_name)
    return Sniffed(kind="xlsx") if problem is None else _refused(problem)


def _sniff_ole(data: bytes, file_name: str) -> Sniffed:
    """An OLE compound file: a password-protected xlsx, an old .xls, or something else."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        body = (
            f"「{file_name}」はパスワードで保護（暗号化）されています。"
            "Excel で開き、「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」で"
            "パスワードを消してから、.xlsx 形式で保存し直してください。"
        )
        return _refuse("パスワード付きファイル", "パスワードのない .xlsx ファイル", body)
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        body = f"「{file_name}」は古い形式の Excel ファイル（.xls）です。{_XLSX_ONLY}"
        return _refuse(".xls ファイル", ".xlsx ファイル", body)
    body = (
        f"「{file_name}」は古い形式の Excel ファイル（.xls）か、"
        "パスワードで保護されたファイルです。"
        "パスワードを外し、Excel で .xlsx 形式（Excel ブック）を選んで保存し直してください。"
    )
    return _refuse(file_name, "パスワードのない .xlsx ファイル", body)


def _decode(data: bytes) -> tuple[str, str] | int:
    """The text and its encoding, or how far the better of the two encodings got."""
    candidates = ["utf-8-sig"] if data.startswith(UTF8_BOM) else ["utf-8", "cp932"]
    reached = 0
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            reached = max(reached, error.start)
    return reached


def _utf16_without_bom(data: bytes) -> bool:
    """Text saved as UTF-16 with no BOM: zero bytes on one side, and it decodes cleanly."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if max(even, odd) < 4 or min(even, odd) * 10 > max(even, odd):
        return False
    try:
        text = data.decode("utf-16-le" if odd > even else "utf-16-be")
    except UnicodeDecodeError:
        return False
    return _CONTROL_RE.search(text) is None


def _line_of(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def _sniff_text(data: bytes, file_name: str) -> Sniffed:
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _wide_text(file_name, "UTF-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _wide_text(file_name, "UTF-16")
    nul = data.find(b"\x00")
    if nul >= 0:
        if _utf16_without_bom(data):
            return _wide_text(file_name, "UTF-16")
        detail = f"{_line_of(data, nul)} 行目に NUL 文字（0x00）があります。"
        return _not_a_table(file_name, detail)
    decoded = _decode(data)
    if isinstance(decoded, int):
        byte = data[decoded] if decoded < len(data) else 0
        detail = (
            f"{_line_of(data, decoded)} 行目に UTF-8 としても Shift_JIS としても"
            f"読めないバイト（0x{byte:02X}）があります。"
        )
        return _not_a_table(file_name, detail)
    text, encoding = decoded
    # Some old tools end a text file with Ctrl-Z; that alone does not make it binary.
    text = text.rstrip("\x1a")
    control = _CONTROL_RE.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        detail = f"{line} 行目に制御文字（0x{ord(control.group()):02X}）があります。"
        return _not_a_table(file_name, detail)
    return Sniffed(kind="csv", text=text, encoding=encoding)


def _wide_text(file_name: str, encoding: str) -> Sniffed:
    body = (
        f"「{file_name}」は {encoding}（Unicode テキスト）で保存されています。"
        "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"
    )
    return _refuse(encoding, "UTF-8 または Shift_JIS の CSV", body)


def sniff(data: bytes, file_name: str) -> Sniffed:
    """Classify the upload's bytes, or refuse them with one plain problem."""
    if not data:
        body = (
            f"「{file_name}」は空のファイルです（0 バイト）。"
            "件数を入力したファイルを選んでください。"
        )
        return _refuse(file_name, "件数の入った " + EXPECTED_FILE, body)
    if len(data) > limits.MAX_UPLOAD_BYTES:
        return _refused(limits.too_large_upload(file_name, len(data)))
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data, file_name)
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, file_name)
    return _sniff_text(data, file_name)
