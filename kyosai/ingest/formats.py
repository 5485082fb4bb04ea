"""What an upload's bytes turned out to be, and the plain words for the files that are refused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem

EXPECTED_FILE = "Excel（.xlsx・.xls・.xlsb）、OpenDocument（.ods）または CSV ファイル"
RESAVE = (
    "Excel で開き、「名前を付けて保存」で .xlsx 形式か CSV（UTF-8）形式を選んで"
    "保存し直してください。"
)
# What the upload page lets staff pick. Besides the formats that are read, it takes the text
# files that only look like spreadsheets (.html, .xml, .fods …) and tab-separated text, so that
# they get this app's own words for what to do, not the browser's "file type not allowed".
UPLOAD_SUFFIXES = (
    "xlsx",
    "xls",
    "xlsb",
    "ods",
    "csv",
    "txt",
    "tsv",
    "htm",
    "html",
    "mht",
    "mhtml",
    "xml",
    "fods",
)
XLSX_ONLY = "Excel で .xlsx 形式（Excel ブック）を選んで保存し直してください。"
_SAVE_AS_XLSX = (
    "Excel で開き、「ファイル」→「名前を付けて保存」で「ファイルの種類」を"
    "「Excel ブック（*.xlsx）」にして保存し直してから、アップロードしてください。"
)


class Kind(StrEnum):
    """How the bytes are read: the xlsx package kyosai checked and rebuilt, a binary workbook
    calamine reads directly (.xls, .xlsb, .ods), decoded CSV text, or not at all."""

    XLSX = "xlsx"
    NATIVE = "native"
    CSV = "csv"
    REFUSED = "refused"


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are, with what the reader gets: a package, the CSV text, or a problem."""

    kind: Kind
    package: bytes = b""
    text: str = ""
    encoding: str = ""
    problem: Problem | None = None
    # Sheets the workbook declares chart sheets (.xlsb): skipped if the reader cannot load them.
    chart_sheets: frozenset[str] = frozenset()


def accepted_xlsx(package: bytes) -> Sniffed:
    """An xlsx whose scanned parts were repacked into `package`."""
    return Sniffed(kind=Kind.XLSX, package=package)


def accepted_native(data: bytes, chart_sheets: frozenset[str] = frozenset()) -> Sniffed:
    """A .xls, .xlsb or .ods file: read as it is, inside the worker's limits."""
    return Sniffed(kind=Kind.NATIVE, package=data, chart_sheets=chart_sheets)


def refused(problem: Problem) -> Sniffed:
    """Bytes that are not read at all, for `problem`."""
    return Sniffed(kind=Kind.REFUSED, problem=problem)


def refuse(found: str, expected: str, body: str) -> Sniffed:
    """Refused with a problem about the whole file."""
    return refused(make_problem(FILE_LOCATION, found, expected, body))


def not_a_table(file_name: str, detail: str = "") -> Sniffed:
    """Bytes that are no spreadsheet or CSV at all."""
    body = f"「{file_name}」は{EXPECTED_FILE}ではありません。{detail}{RESAVE}"
    return refuse(detail.rstrip("。") or file_name, EXPECTED_FILE, body)


def broken_zip(file_name: str, part: str = "") -> Problem:
    """A zip whose directory or one of whose parts is damaged."""
    where = f"（「{part}」）" if part else ""
    body = (
        f"「{file_name}」は Excel ファイルとして開けません"
        f"（ファイルが壊れている可能性があります）{where}。{RESAVE}"
    )
    return make_problem(FILE_LOCATION, part or file_name, EXPECTED_FILE, body)


def ambiguous_part(file_name: str, part: str) -> Problem:
    """Two parts of the zip share one name (differing only in case or slashes)."""
    body = (
        f"「{file_name}」の中に「{part}」と同じ名前の部品が 2 つあり、"
        f"どちらが正しいか決められません（ファイルが壊れている可能性があります）。{RESAVE}"
    )
    return make_problem(FILE_LOCATION, part, "部品の名前が重ならない .xlsx", body)


def macro(file_name: str) -> Problem:
    """A macro-enabled workbook."""
    body = (
        f"「{file_name}」はマクロ有効ブック（.xlsm）です。マクロを含むファイルは受け付けていません。"
        + XLSX_ONLY
    )
    return make_problem(FILE_LOCATION, file_name, "マクロを含まない .xlsx ファイル", body)


def encrypted_zip(file_name: str) -> Sniffed:
    """A zip whose parts are encrypted."""
    body = f"「{file_name}」は暗号化されています。パスワードを外して保存し直してください。"
    return refuse(file_name, "パスワードのない .xlsx ファイル", body)


def password_protected(file_name: str, kind: str) -> Sniffed:
    """A workbook (`kind` is .xlsx or .xls) that opens only with a password."""
    body = (
        f"「{file_name}」はパスワードで保護（暗号化）された {kind} ファイルです。"
        "Excel で開き、「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」で"
        "パスワードを消してから、.xlsx 形式で保存し直してください。"
    )
    return refuse("パスワード付きファイル", "パスワードのない Excel ファイル", body)


def ancient_xls(file_name: str) -> Sniffed:
    """An .xls from Excel 4.0 or earlier (BIFF2-4), which no reader here understands."""
    body = (
        f"「{file_name}」は Excel 4.0 以前の古い形式の Excel ファイルで、読み込めません。"
        f"{_SAVE_AS_XLSX}"
    )
    return refuse("Excel 4.0 以前の .xls", ".xlsx ファイル", body)


def other_ole(file_name: str) -> Sniffed:
    """An OLE compound file that is no Excel workbook (a .doc, a .msg, or a damaged file)."""
    body = (
        f"「{file_name}」は Excel ブックとして読めない Office 形式のファイル（Word の .doc など）"
        f"か、壊れたファイルです。件数を入力した Excel ブックを選ぶか、{_SAVE_AS_XLSX}"
    )
    return refuse(file_name, EXPECTED_FILE, body)


def wide_text(file_name: str, encoding: str) -> Sniffed:
    """Text saved as UTF-16 or UTF-32."""
    body = (
        f"「{file_name}」は {encoding}（Unicode テキスト）で保存されています。"
        "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"
    )
    return refuse(encoding, "UTF-8 または Shift_JIS の CSV", body)


def lookalike(file_name: str, what: str, hint: str = "") -> Sniffed:
    """A text file that only looks like a spreadsheet: an HTML table, Excel 2003 XML, flat ODS."""
    body = (
        f"「{file_name}」は {what}のファイルで、Excel ブックではありません。{hint}"
        f"Excel で開くことはできますが、このままでは読み込めません。{_SAVE_AS_XLSX}"
    )
    return refuse(what, ".xlsx ファイル", body)
