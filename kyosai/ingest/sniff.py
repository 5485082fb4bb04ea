"""Decide from the bytes themselves (never the file name) whether an upload is xlsx or CSV."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem

MAX_BYTES = 10 * 1024 * 1024
# A 10 MB zip can inflate to gigabytes; a real counts workbook is far below this.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF8_BOM = b"\xef\xbb\xbf"
EXPECTED_FILE = "Excel（.xlsx）または CSV ファイル"
_RESAVE = (
    "Excel で開き、「名前を付けて保存」で .xlsx 形式か CSV（UTF-8）形式を選んで"
    "保存し直してください。"
)
# C0 control characters other than tab, LF and CR never occur in a CSV a person saved.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: `xlsx` (data kept as is), `csv` (with its decoded text) or refused."""

    kind: str  # "xlsx" | "csv" | "refused"
    text: str = ""
    encoding: str = ""
    problem: Problem | None = None


def _refuse(found: str, expected: str, body: str) -> Sniffed:
    problem = make_problem(FILE_LOCATION, found, expected, body)
    return Sniffed(kind="refused", problem=problem)


def _not_a_table(file_name: str) -> Sniffed:
    body = f"「{file_name}」は{EXPECTED_FILE}ではありません。{_RESAVE}"
    return _refuse(file_name, EXPECTED_FILE, body)


def _sniff_zip(data: bytes, file_name: str) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        body = (
            f"「{file_name}」は Excel ファイルとして開けません"
            f"（ファイルが壊れている可能性があります）。{_RESAVE}"
        )
        return _refuse(file_name, EXPECTED_FILE, body)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        # A .docx or .pptx is also a zip with [Content_Types].xml, but has no xl/ part.
        return _not_a_table(file_name)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        body = (
            f"「{file_name}」はマクロ有効ブック（.xlsm）です。マクロを含むファイルは受け付けていません。"
            "Excel で .xlsx 形式（Excel ブック）を選んで保存し直してください。"
        )
        return _refuse(file_name, "マクロを含まない .xlsx ファイル", body)
    if any(info.flag_bits & 0x1 for info in infos):
        body = f"「{file_name}」は暗号化されています。パスワードを外して保存し直してください。"
        return _refuse(file_name, "パスワードのない .xlsx ファイル", body)
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        body = (
            f"「{file_name}」は展開すると大きすぎます。件数の表だけを残した .xlsx にしてください。"
        )
        return _refuse(file_name, "展開後 200 MB 以下の .xlsx ファイル", body)
    return Sniffed(kind="xlsx")


def _decode(data: bytes) -> tuple[str, str] | None:
    if data.startswith(UTF8_BOM):
        candidates = [("utf-8-sig", data)]
    else:
        candidates = [("utf-8", data), ("cp932", data)]
    for encoding, raw in candidates:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def sniff(data: bytes, file_name: str) -> Sniffed:
    """Classify the upload's bytes, or refuse them with one plain problem."""
    if not data:
        body = (
            f"「{file_name}」は空のファイルです（0 バイト）。"
            "件数を入力したファイルを選んでください。"
        )
        return _refuse(file_name, "件数の入った " + EXPECTED_FILE, body)
    if len(data) > MAX_BYTES:
        size = f"{len(data) / (1024 * 1024):.1f} MB"
        body = f"「{file_name}」は {size} あり、大きすぎます。10 MB 以下のファイルにしてください。"
        return _refuse(size, "10 MB 以下のファイル", body)
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data, file_name)
    if data.startswith(OLE_MAGIC):
        body = (
            f"「{file_name}」は古い形式の Excel ファイル（.xls）か、"
            "パスワードで保護されたファイルです。"
            "パスワードを外し、Excel で .xlsx 形式（Excel ブック）を選んで保存し直してください。"
        )
        return _refuse(file_name, "パスワードのない .xlsx ファイル", body)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = (
            f"「{file_name}」は UTF-16（Unicode テキスト）で保存されています。"
            "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"
        )
        return _refuse(file_name, "UTF-8 または Shift_JIS の CSV", body)
    if b"\x00" in data:
        return _not_a_table(file_name)
    decoded = _decode(data)
    if decoded is None:
        return _not_a_table(file_name)
    text, encoding = decoded
    # Some old tools end a text file with Ctrl-Z; that alone does not make it binary.
    text = text.rstrip("\x1a")
    if _CONTROL_RE.search(text):
        return _not_a_table(file_name)
    return Sniffed(kind="csv", text=text, encoding=encoding)
