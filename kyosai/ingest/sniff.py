"""Decide from the bytes themselves (never the file name) what an upload is, and how to read it.

Everything here is cheap and bounded: a hostile file is refused from its zip directory and a
streamed scan of its XML (`zipscan`), before any spreadsheet reader allocates memory for it.
"""

from __future__ import annotations

import re

from kyosai.ingest import formats, limits
from kyosai.ingest.formats import Sniffed
from kyosai.ingest.zipparts import ZIP_MAGIC
from kyosai.ingest.zipscan import sniff_zip

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF8_BOM = b"\xef\xbb\xbf"
# C0 control characters other than tab, LF and CR never occur in a CSV a person saved.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Files that open in Excel but are text: what each says near its start, and what to call it.
_WEB_EXPORT = "業務システムが「Excel 形式」として出力するファイルには、この形式のものがあります。"
_LOOKALIKES = (
    (
        re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet|progid=.excel\.sheet"),
        "XML スプレッドシート 2003（Excel 2003 XML）形式",
        "",
    ),
    (
        re.compile(rb"opendocument\.spreadsheet|<office:document[\s>]"),
        "OpenDocument のフラット XML（.fods）形式",
        "",
    ),
    (re.compile(rb"^mime-version:"), "単一ファイル Web ページ（.mht）形式", _WEB_EXPORT),
    (
        re.compile(rb"<!doctype html|<html[\s>]|<table[\s>]|<body[\s>]"),
        "Web ページ（HTML）形式",
        _WEB_EXPORT,
    ),
)
_LOOKALIKE_HEAD = 8192
# A workbook-globals BOF record (BIFF5 or BIFF8): its type, then its length, version and kind.
_GLOBALS_BOF_RE = re.compile(rb"\x09\x08(.)\x00(?:\x00\x05|\x00\x06)\x05\x00", re.DOTALL)
_FILEPASS = 0x002F
_BOUNDSHEET = 0x0085
_EOF = 0x000A
# An OLE directory entry name is UTF-16LE; some writers spell the stream WORKBOOK or BOOK.
_WORKBOOK_STREAM_RE = re.compile(
    b"w\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00|b\x00o\x00o\x00k\x00\x00\x00", re.IGNORECASE
)
# Excel 2.x-4.0 wrote BIFF records straight to the file, with no OLE container around them.
_OLD_BIFF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


def _xls_password(data: bytes) -> bool:
    """Whether an .xls opens only with a password: a FilePass record (MS-XLS 2.4.117) among
    the workbook globals, before the first sheet entry. Any kind counts (XOR obfuscation, RC4,
    CryptoAPI): none of them can be read without the password."""
    bof = _GLOBALS_BOF_RE.search(data)
    if bof is None:
        return False
    at = bof.start()
    for _ in range(64):  # FilePass comes within the first few records of the globals
        header = data[at : at + 4]
        if len(header) < 4:
            return False
        kind, size = int.from_bytes(header[:2], "little"), int.from_bytes(header[2:], "little")
        if kind == _FILEPASS:
            return True
        if kind in (_BOUNDSHEET, _EOF) or size > 8224:
            return False
        at += 4 + size
    return False


def _sniff_ole(data: bytes, file_name: str) -> Sniffed:
    """An OLE compound file: a password-protected xlsx, an .xls, or another Office file."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return formats.password_protected(file_name, ".xlsx")
    if _WORKBOOK_STREAM_RE.search(data):
        if _xls_password(data):
            return formats.password_protected(file_name, ".xls")
        return formats.accepted_native(data)  # calamine reads it, inside the worker's limits
    return formats.other_ole(file_name)


def _lookalike(data: bytes, file_name: str) -> Sniffed | None:
    """An HTML table, Excel 2003 XML or flat ODS, which Excel opens but which are not workbooks."""
    head = data[:_LOOKALIKE_HEAD].removeprefix(UTF8_BOM).lstrip().lower()
    if not head.startswith((b"<", b"mime-version:")):
        return None
    for pattern, what, hint in _LOOKALIKES:
        if pattern.search(head):
            return formats.lookalike(file_name, what, hint)
    return None


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
        return formats.wide_text(file_name, "UTF-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return formats.wide_text(file_name, "UTF-16")
    lookalike = _lookalike(data, file_name)
    if lookalike is not None:
        return lookalike
    nul = data.find(b"\x00")
    if nul >= 0:
        if _utf16_without_bom(data):
            return formats.wide_text(file_name, "UTF-16")
        detail = f"{_line_of(data, nul)} 行目に NUL 文字（0x00）があります。"
        return formats.not_a_table(file_name, detail)
    decoded = _decode(data)
    if isinstance(decoded, int):
        byte = data[decoded] if decoded < len(data) else 0
        detail = (
            f"{_line_of(data, decoded)} 行目に UTF-8 としても Shift_JIS としても"
            f"読めないバイト（0x{byte:02X}）があります。"
        )
        return formats.not_a_table(file_name, detail)
    text, encoding = decoded
    # Some old tools end a text file with Ctrl-Z; that alone does not make it binary.
    text = text.rstrip("\x1a")
    control = _CONTROL_RE.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        detail = f"{line} 行目に制御文字（0x{ord(control.group()):02X}）があります。"
        return formats.not_a_table(file_name, detail)
    return Sniffed(kind=formats.Kind.CSV, text=text, encoding=encoding)


def sniff(data: bytes, file_name: str) -> Sniffed:
    """Classify the upload's bytes, or refuse them with one plain problem."""
    if not data:
        body = (
            f"「{file_name}」は空のファイルです（0 バイト）。"
            "件数を入力したファイルを選んでください。"
        )
        return formats.refuse(file_name, "件数の入った " + formats.EXPECTED_FILE, body)
    if len(data) > limits.MAX_UPLOAD_BYTES:
        return formats.refused(limits.too_large_upload(file_name, len(data)))
    if data.startswith(ZIP_MAGIC):
        return sniff_zip(data, file_name)
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, file_name)
    if data.startswith(_OLD_BIFF):
        return formats.ancient_xls(file_name)
    return _sniff_text(data, file_name)
