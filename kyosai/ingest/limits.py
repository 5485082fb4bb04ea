"""How big an upload may be, the cheap XML scan that checks a sheet, and the problems saying so."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kyosai.ingest.problems import (
    FILE_LOCATION,
    Problem,
    cell_location,
    column_letters,
    make_problem,
)

MB = 1024 * 1024
# The same 10 MB as server.maxUploadSize in .streamlit/config.toml, so the CLI refuses what the
# browser would; a quarterly file is a few kB and ten years of history well under 1 MB.
MAX_UPLOAD_BYTES = 10 * MB
# A 10 MB zip can inflate to gigabytes. These are read from the zip directory, before anything
# is decompressed; a real counts workbook unzips to well under 1 MB.
MAX_UNZIPPED_BYTES = 50 * MB
MAX_MEMBER_BYTES = 30 * MB
# Sheet XML compresses 5-20x; a big member squeezed more than this is padding, not counts.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MB
# A workbook is ~10 parts plus ~5 per sheet; thousands of parts only cost time to list.
MAX_MEMBERS = 500
# calamine keeps every shared string in memory at open, used or not.
MAX_SHARED_STRINGS_BYTES = 5 * MB
MAX_SHEETS = 20
MAX_ROWS = 20_000
# Nobody keeps counts beyond column ZZ; a wider sheet or CSV line is damage.
MAX_COLUMNS = 702
# calamine allocates the whole used range (rows x columns) of a sheet, filled in or not.
MAX_CELLS = 500_000
MAX_CELL_CHARS = 1_000
# Scanning costs about a microsecond per XML element; a sheet at the cell limit has ~2 million.
MAX_XML_TAGS = 2_500_000
# Text this long is far over MAX_CELL_CHARS however it is encoded (`&#x10FFFF;` is 10 bytes);
# it is refused while scanning, and anything shorter is measured and named cell by cell later.
MAX_TEXT_RUN_BYTES = 64 * 1024

_RESAVE = "件数の表だけを残したファイルにしてください。"


def size_text(size: int) -> str:
    """A byte count as users read it, for example `12.3 MB`."""
    return f"{size / MB:.1f} MB"


def limit_mb(limit: int) -> str:
    """A limit in whole megabytes, for example `10 MB`."""
    return f"{limit // MB} MB"


def too_large_upload(file_name: str, size: int) -> Problem:
    """The upload itself is over MAX_UPLOAD_BYTES."""
    limit = limit_mb(MAX_UPLOAD_BYTES)
    body = (
        f"「{file_name}」は {size_text(size)} あり、大きすぎます。"
        f"{limit} 以下のファイルにしてください。"
    )
    return make_problem(FILE_LOCATION, size_text(size), f"{limit} 以下のファイル", body)


def too_many_sheets(count: int) -> Problem:
    """The workbook has more than MAX_SHEETS sheets."""
    body = (
        f"シートが {count} 枚あります（非表示のシートを含みます）。"
        f"1 ファイルは {MAX_SHEETS} 枚までです。"
        "不要なシートを削除するか、ファイルを分けてください。"
    )
    return make_problem(FILE_LOCATION, f"{count} シート", f"{MAX_SHEETS} シート以下", body)


def too_many_rows(
    sheet: str | None, row: int, column: int | None = None, shown: str | None = None
) -> Problem:
    """A sheet (or the CSV) goes past MAX_ROWS rows; `row` is the first row found beyond it."""
    if sheet is None:
        location = FILE_LOCATION
        found = f"{row:,} 行"
        body = f"CSV が {row:,} 行あります。1 ファイルは {MAX_ROWS:,} 行までです。{_RESAVE}"
    else:
        location = f"シート「{sheet}」"
        where = f"{row:,} 行目" if column is None else f"セル {shown or _cell(column, row)} "
        found = f"{where}に値"
        body = (
            f"{where}に値があり、{MAX_ROWS:,} 行を超えています。"
            f"1 シートは {MAX_ROWS:,} 行までです。"
            f"表の下の不要な行を削除するか、{_RESAVE}"
        )
    return make_problem(location, found, f"{MAX_ROWS:,} 行以下", body)


def _cell(column: int, row: int) -> str:
    # Past Excel's last cell the letters would mean nothing to anyone; say it is outside.
    return (
        f"{column_letters(column)}{row}" if column < 16_384 and row <= 1_048_576 else "（範囲外）"
    )


def too_wide(sheet: str, column: int, row: int | None, shown: str | None = None) -> Problem:
    """A sheet has a value beyond column MAX_COLUMNS (ZZ); `row` None when it is not known."""
    last = column_letters(MAX_COLUMNS - 1)
    cell = f"セル {shown or _cell(column, row)}" if row is not None else ""
    where = cell or f"{column_letters(column)} 列"
    body = (
        f"{where} に値があり、{last} 列を超えています。1 シートは {last} 列までです。"
        f"表の右の不要な列を削除するか、{_RESAVE}"
    )
    return make_problem(f"シート「{sheet}」", f"{where} に値", f"{last} 列以内", body)


def too_many_cells(cells: int) -> Problem:
    """The used ranges (rows x columns) of all sheets add up to more than MAX_CELLS."""
    body = (
        f"使われているセル範囲（行 × 列）が合わせて {cells:,} セルあり、"
        f"上限の {MAX_CELLS:,} セルを超えています。{_RESAVE}"
    )
    return make_problem(FILE_LOCATION, f"{cells:,} セル", f"{MAX_CELLS:,} セル以下", body)


def cell_too_long(sheet: str | None, column: int, row: int, length: int) -> Problem:
    """One cell (or CSV field) holds more than MAX_CELL_CHARS characters."""
    body = (
        f"{length:,} 文字の文字列が入っています。1 つのセルは {MAX_CELL_CHARS:,} 文字までです。"
        "件数の表に長い文章は要りません。削除してください。"
    )
    location = cell_location(sheet, column, row)
    return make_problem(location, f"{length:,} 文字", f"{MAX_CELL_CHARS:,} 文字以下", body)


def text_too_long(where: str) -> Problem:
    """A run of XML text longer than any cell may be, found before reading the sheet."""
    body = (
        f"{where}に {MAX_CELL_CHARS:,} 文字を大きく超える文字列があります。"
        f"1 つのセルは {MAX_CELL_CHARS:,} 文字までです。長い文章を削除してください。"
    )
    return make_problem(
        FILE_LOCATION,
        f"{MAX_TEXT_RUN_BYTES:,} バイト超の文字列",
        f"{MAX_CELL_CHARS:,} 文字以下",
        body,
    )


_QUOTED = rb"(?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')"
# A row, cell or sst tag (possibly prefixed, `<x:c>`), giving: the end-tag slash, the name, the
# quote of the unprefixed `r` attribute calamine reads (empty if there is none), that value as
# letters, digits and anything after them, and the self-closing slash. Quoted values may hold
# `>`; `<` never occurs inside a tag, so a failed match stops at the next `<`.
_TAG_RE = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|sst)(?=[\s/>])"
    rb"(?=(?:"
    + _QUOTED
    + rb"*?(?<![\w:.-])r\s*=\s*([\"'])([A-Za-z]*)([0-9]*)([^\"'<]*))?)"
    + _QUOTED
    + rb"*?(/?)>"
)
_UNIQUE_COUNT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s/>])" + _QUOTED + rb"*>")
_UNIQUE_COUNT_VALUE_RE = re.compile(rb"(?<![\w:.-])uniqueCount\s*=\s*[\"'](\d+)")
# Any run longer than MAX_TEXT_RUN_BYTES covers a whole block of this size, wherever blocks
# start: so looking at one byte range per block (a C `find` each) sees every long run.
_RUN_BLOCK = (MAX_TEXT_RUN_BYTES + 2) // 2
# Past this a number is simply "too big"; calamine adds digits up in a u32 that silently wraps,
# so `A4294967295` is a real (and ruinous) row to it, and int() of a huge string is itself slow.
_HUGE = 10**9


def _number(digits: bytes) -> int:
    return int(digits) if 0 < len(digits) <= 9 else _HUGE if digits else 0


@functools.lru_cache(maxsize=4096)
def column_index(letters: bytes) -> int:
    """The 0-based column of reference letters as calamine reads them (huge past 4 letters)."""
    if len(letters) > 4:
        return _HUGE
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def _marker(chunk: bytes, start: int, end: int) -> int:
    """The first `<` or `>` in chunk[start:end], or -1."""
    found = [at for at in (chunk.find(b"<", start, end), chunk.find(b">", start, end)) if at >= 0]
    return min(found, default=-1)


def _has_long_run(chunk: bytes, start: int) -> bool:
    """Whether chunk[start:] (which follows a marker) holds a run longer than the limit."""
    block = start
    while block + _RUN_BLOCK <= len(chunk):
        if _marker(chunk, block, block + _RUN_BLOCK) >= 0:
            block += _RUN_BLOCK
            continue
        # A block without markup: measure the run around it.
        left = max(start, chunk.rfind(b"<", start, block) + 1, chunk.rfind(b">", start, block) + 1)
        right = _marker(chunk, block + _RUN_BLOCK, len(chunk))
        right = len(chunk) if right < 0 else right
        if right - left > MAX_TEXT_RUN_BYTES:
            return True
        block = right + 1
    return False


class TextRuns:
    """Finds, across chunk boundaries, a run of text longer than MAX_TEXT_RUN_BYTES."""

    def __init__(self) -> None:
        """Start before any text."""
        self.open_run = 0

    def feed(self, chunk: bytes) -> bool:
        """Whether this chunk completes a run that is too long."""
        first = min((i for i in (chunk.find(b"<"), chunk.find(b">")) if i >= 0), default=-1)
        if first < 0:
            self.open_run += len(chunk)
            return self.open_run > MAX_TEXT_RUN_BYTES
        if self.open_run + first > MAX_TEXT_RUN_BYTES or _has_long_run(chunk, first + 1):
            return True
        self.open_run = len(chunk) - 1 - max(chunk.rfind(b"<"), chunk.rfind(b">"))
        return False


@dataclass
class XmlScan:
    """Where calamine will place a part's cells and what it will reserve, from a stream of XML."""

    sheet: str
    # 0-based, as calamine counts: <row r> sets the row, </row> (or <row/>) moves to the next and
    # back to column 0; a cell without r= goes at (row, column), and column then moves on.
    row: int = 0
    column: int = 0
    max_row: int = -1
    min_column: int = MAX_COLUMNS
    max_column: int = -1
    unique_strings: int = 0
    tag_budget: int = MAX_XML_TAGS  # what is left of the whole file's allowance
    carry: bytes = b""

    def feed(self, chunk: bytes) -> Problem | None:
        """Scan the next piece of the XML; a problem as soon as a limit is passed."""
        buffer = self.carry + chunk
        cut = buffer.rfind(b"<")
        # Keep an unfinished tag for the next chunk; '<' never occurs inside a tag.
        if cut >= 0 and buffer.find(b">", cut) < 0:
            self.carry, buffer = buffer[cut:], buffer[:cut]
        else:
            self.carry = b""
        # Counted in C before any Python work, so no file can make the scan itself slow.
        self.tag_budget -= buffer.count(b"<")
        if self.tag_budget < 0:
            return too_many_tags(self.sheet)
        # Only an <sst> tag can announce a count; the substring test skips the regex otherwise.
        for tag in _UNIQUE_COUNT_RE.findall(buffer) if b"sst" in buffer else ():
            # calamine reserves room for uniqueCount strings before reading a single one.
            for count in _UNIQUE_COUNT_VALUE_RE.findall(tag):
                # The exact count, so the refusal quotes what the file says.
                exact = int(count) if len(count) <= 30 else 10**30
                self.unique_strings = max(self.unique_strings, exact)
        # The hot loop of the scan: one pass, locals only.
        row, column = self.row, self.column
        max_row, min_column, max_column = self.max_row, self.min_column, self.max_column
        problem: Problem | None = None
        for end, name, quote, letters, digits, rest, empty in _TAG_RE.findall(buffer):
            if name == b"c":
                if end:
                    continue
                if quote:
                    if rest or not letters or _number(digits) == 0:
                        # calamine stops the sheet with an error here, so it places no cell.
                        column += 1
                        continue
                    row_at, column = _number(digits) - 1, column_index(letters)
                else:
                    row_at = row
                column += 1
                # calamine drops cells without a value: an empty element cannot widen the range.
                if empty:
                    continue
                max_row = max(max_row, row_at)
                max_column = max(max_column, column - 1)
                min_column = min(min_column, column - 1)
                if max_row >= MAX_ROWS or max_column >= MAX_COLUMNS:
                    problem = self._too_big(row_at, column - 1, letters + digits + rest)
                    break
            elif name == b"row":
                if quote and not end and not rest and _number(digits) > 0:
                    row = _number(digits) - 1
                if end or empty:
                    row, column = row + 1, 0
        self.row, self.column = row, column
        self.max_row, self.min_column, self.max_column = max_row, min_column, max_column
        return problem

    def _too_big(self, row: int, column: int, reference: bytes) -> Problem:
        shown = reference.decode("ascii", errors="replace")[:20] or None
        if column >= MAX_COLUMNS:
            return too_wide(self.sheet, column, row + 1, shown)
        return too_many_rows(self.sheet, row + 1, column, shown)

    @property
    def cells(self) -> int:
        """The size of the range calamine will allocate: every row above the last, full width."""
        if self.max_row < 0:
            return 0
        return (self.max_row + 1) * (self.max_column - self.min_column + 1)


def too_many_strings(count: int) -> Problem:
    """sharedStrings.xml announces more strings than any sheet could hold."""
    body = (
        f"ブック内の文字列の数が {count:,} 個と記録されており、"
        f"上限の {MAX_CELLS:,} 個を超えています。"
        f"ファイルが壊れているか、件数以外のデータが大量に入っています。{_RESAVE}"
    )
    return make_problem(FILE_LOCATION, f"文字列 {count:,} 個", f"{MAX_CELLS:,} 個以下", body)


_BOMB = "異常に圧縮されたファイルか、件数以外のデータ（画像など）が大量に入っています。"
_ONLY_TABLE = "件数の表だけを残した .xlsx にしてください。"


def too_many_members(file_name: str, count: int) -> Problem:
    """The zip holds more parts than any workbook of counts would."""
    body = (
        f"「{file_name}」の中に {count:,} 個のファイルが詰め込まれています。"
        f"Excel ブックとしては多すぎます（上限 {MAX_MEMBERS:,} 個）。{_ONLY_TABLE}"
    )
    return make_problem(FILE_LOCATION, f"{count:,} 個", f"{MAX_MEMBERS:,} 個以下", body)


def unzipped_too_big(file_name: str, total: int) -> Problem:
    """The zip directory says the parts add up to more than MAX_UNZIPPED_BYTES."""
    limit = limit_mb(MAX_UNZIPPED_BYTES)
    body = (
        f"「{file_name}」は展開すると {size_text(total)} になり、上限の {limit} を超えます。"
        f"{_BOMB}{_ONLY_TABLE}"
    )
    expected = f"展開後 {limit} 以下の .xlsx ファイル"
    return make_problem(FILE_LOCATION, f"展開後 {size_text(total)}", expected, body)


def member_too_big(file_name: str, part: str, size: int, ratio: float) -> Problem:
    """One part is over MAX_MEMBER_BYTES, or big and compressed more than MAX_RATIO times."""
    limit = f"1 部品 {limit_mb(MAX_MEMBER_BYTES)}・圧縮率 {MAX_RATIO} 倍"
    body = (
        f"「{file_name}」の中の「{part}」は展開すると {size_text(size)}"
        f"（圧縮率 {ratio:,.0f} 倍）になり、上限（{limit}）を超えます。{_BOMB}{_ONLY_TABLE}"
    )
    return make_problem(FILE_LOCATION, f"{part} {size_text(size)}", f"{limit}まで", body)


def shared_strings_too_big(file_name: str, size: int) -> Problem:
    """sharedStrings.xml is over MAX_SHARED_STRINGS_BYTES."""
    limit = limit_mb(MAX_SHARED_STRINGS_BYTES)
    body = (
        f"「{file_name}」の文字列データ（sharedStrings.xml）は展開すると {size_text(size)} あり、"
        f"上限の {limit} を超えます。長い文章や件数以外の表を削除した .xlsx にしてください。"
    )
    return make_problem(FILE_LOCATION, f"文字列データ {size_text(size)}", f"{limit} 以下", body)


def too_many_tags(part: str) -> Problem:
    """The XML holds more elements than MAX_XML_TAGS, whatever they are."""
    body = (
        f"「{part}」の中の要素（セルや書式など）が {MAX_XML_TAGS:,} 個を超えています。"
        f"ファイルが壊れているか、件数以外のデータが大量に入っています。{_ONLY_TABLE}"
    )
    return make_problem(
        FILE_LOCATION, f"{MAX_XML_TAGS:,} 個超の要素", f"{MAX_XML_TAGS:,} 個以下", body
    )
