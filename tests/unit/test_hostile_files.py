"""Hostile and broken uploads: each is refused in Japanese, cheaply, and nothing is written.

Every file is built for real in the test (xlsxwriter, zipfile, raw bytes). "Cheaply" is checked
without a stopwatch: the spreadsheet reader is never called for what the zip directory and the
streamed XML scan already refuse, and tracemalloc's peak stays far below the unzipped size.
"""

from __future__ import annotations

import io
import re
import tomllib
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import fastexcel
import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal
from xlsxwriter.workbook import Workbook

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.ingest import limits
from kyosai.ingest.grid import read_csv_grid, read_workbook_grids
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.plan import plan_upload
from tests.quarter_files import long_xlsx, quarter_counts
from tests.zip_files import lie_about_size

TODAY = date(2026, 1, 15)
CATALOG = default_catalog()
ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"/>'
)


# --- building files ---------------------------------------------------------------------------


def xlsx(build: Callable[[Workbook], None], path: Path | None = None) -> bytes:
    """A workbook from xlsxwriter: in memory, or through a file for constant_memory mode."""
    if path is not None:
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        build(workbook)
        workbook.close()
        return path.read_bytes()
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def small_xlsx() -> bytes:
    """One sheet 「入力」 with a few text cells (so it has a sharedStrings part)."""

    def build(workbook: Workbook) -> None:
        sheet = workbook.add_worksheet("入力")
        sheet.write_row(0, 0, ["制度", "手続"])
        sheet.write_row(1, 0, ["小規模企業共済", "加入関係手続"])

    return xlsx(build)


def rewrite(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The same zip with each member passed through `change` (None drops the member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = change(info.filename, source.read(info))
            if body is not None:
                target.writestr(info.filename, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def in_sheet(old: bytes, new: bytes) -> Callable[[str, bytes], bytes]:
    """A rewrite of the first worksheet's XML, replacing `old` (a regex) with `new` once."""

    def change(name: str, body: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return body
        changed, count = re.subn(old, new, body, count=1)
        assert count == 1, body[:400]
        return changed

    return change


RELS = b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
OFFICE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def zeros_zip(size: int, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook whose one sheet (listed, so the reader would read it) is `size` zero bytes."""
    buffer = io.BytesIO()
    chunk = bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            RELS + b'<Relationship Id="rId1" Type="' + OFFICE + b'/officeDocument" '
            b'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            b'<workbook xmlns:r="' + OFFICE + b'"><sheets>'
            b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            RELS
            + b'<Relationship Id="rId1" Type="'
            + OFFICE
            + b'/worksheet" Target="/'
            + member.encode()
            + b'"/></Relationships>',
        )
        with archive.open(member, "w") as handle:
            for _ in range(size // MB):
                handle.write(chunk)
            handle.write(bytes(size % MB))
    return buffer.getvalue()


def ole(*names: str) -> bytes:
    """An OLE compound file header followed by directory entry names (UTF-16LE, as stored)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + b"".join(name.encode("utf-16-le") + bytes(2) for name in names) + bytes(512)


# --- checking refusals ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One real DB with the sample data, shared: every refusal must leave it as it was."""
    connection = store.connect(tmp_path_factory.mktemp("hostile") / "k.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if calamine is asked to open the file at all."""

    def refuse(data: bytes) -> None:
        raise AssertionError("the spreadsheet reader was called")

    monkeypatch.setattr(fastexcel, "read_excel", refuse)


def parse(data: bytes, name: str = "upload.xlsx") -> ParseResult:
    return parse_upload(data, name, CATALOG, TODAY)


def peak_parse(data: bytes, name: str = "upload.xlsx") -> tuple[ParseResult, int]:
    """Parse, and the peak of Python memory allocated while doing it."""
    tracemalloc.start()
    try:
        result = parse(data, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def refused(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    expected: str,
    location: str = "ファイル",
    name: str = "upload.xlsx",
) -> str:
    """Assert that the file is refused with one problem and that planning it writes nothing."""
    counts, version = store.read_counts(con), store.data_version(con)
    plan = plan_upload(con, data, name, CATALOG, TODAY)
    problems = plan.parsed.problems
    assert len(problems) == 1, [p.message for p in problems]
    assert problems[0].location == location, problems[0].message
    assert expected in problems[0].message, problems[0].message
    assert problems[0].message.startswith(location)
    assert plan.parsed.rows.is_empty()
    assert not plan.can_commit
    assert store.data_version(con) == version
    assert_frame_equal(store.read_counts(con), counts)
    return problems[0].message


# --- size and zip bombs -----------------------------------------------------------------------


def test_upload_limit_is_the_one_the_browser_enforces(con: duckdb.DuckDBPyConnection) -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * MB == limits.MAX_UPLOAD_BYTES
    text = refused(con, b"a" * (limits.MAX_UPLOAD_BYTES + 1), "10 MB 以下", name="big.csv")
    assert "10.0 MB あり" in text


def test_zip_bomb_is_refused_from_the_directory(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    data = zeros_zip(200 * MB)
    assert len(data) < MB  # 200 MB of zeros deflates to ~200 kB
    result, peak = peak_parse(data)
    assert peak < 2 * MB  # nothing was inflated
    text = refused(con, data, "展開すると 200.0 MB になり、上限の 50 MB を超えます")
    assert "異常に圧縮された" in text
    assert result.problems[0].message == text


def test_one_oversized_part_is_refused(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    refused(con, zeros_zip(35 * MB), "「xl/worksheets/sheet1.xml」は展開すると 35.0 MB")


def test_big_part_compressed_too_well_is_refused(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    text = refused(con, zeros_zip(5 * MB), "圧縮率")
    assert "上限（1 部品 30 MB・圧縮率 100 倍）" in text


def test_zip_directory_that_understates_a_part_is_caught_while_inflating(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    # The directory claims 1 kB; the deflate stream holds 200 MB. Inflating stops at the claim.
    data = lie_about_size(zeros_zip(200 * MB), "xl/worksheets/sheet1.xml", 1024)
    result, peak = peak_parse(data)
    assert peak < 2 * MB
    refused(con, data, "ファイルが壊れている可能性があります")
    assert "xl/worksheets/sheet1.xml" in result.problems[0].message


def test_zip_with_too_many_members(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        for index in range(600):
            archive.writestr(f"xl/media/image{index}.png", b"x")
    text = refused(con, buffer.getvalue(), "601 個のファイルが詰め込まれています")
    assert "（上限 500 個）" in text


# --- sheets, rows, cells ----------------------------------------------------------------------


def many_sheets(workbook: Workbook) -> None:
    for index in range(25):
        workbook.add_worksheet(f"第{index + 1}四半期").write(0, 0, "制度")


def test_workbook_with_25_sheets(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    text = refused(con, xlsx(many_sheets), "シートが 25 枚あります")
    assert "20 枚まで" in text


def long_sheet(rows: int) -> Callable[[Workbook], None]:
    def build(workbook: Workbook) -> None:
        sheet = workbook.add_worksheet("入力")
        sheet.write_row(0, 0, ["制度", "手続", "年月", "オンライン件数", "全体件数"])
        for row in range(1, rows):
            sheet.write_row(row, 0, ["小規模企業共済", "加入関係手続", "2025年10月", row, 2 * row])

    return build


@pytest.fixture(scope="module")
def rows_25000(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return xlsx(long_sheet(25_000), tmp_path_factory.mktemp("rows") / "rows.xlsx")


def test_sheet_with_25000_rows_is_refused_before_reading(
    con: duckdb.DuckDBPyConnection, rows_25000: bytes, no_reader: None
) -> None:
    with zipfile.ZipFile(io.BytesIO(rows_25000)) as archive:
        unzipped = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    result, peak = peak_parse(rows_25000)
    assert unzipped > 4 * MB
    assert peak < unzipped / 4  # streamed in 64 kB pieces, never held whole
    text = refused(
        con, rows_25000, "セル A20001 に値があり、20,000 行を超えています", "シート「入力」"
    )
    assert result.problems[0].message == text


def test_grid_guard_refuses_a_long_sheet_even_without_the_scan(rows_25000: bytes) -> None:
    grids, problems = read_workbook_grids(rows_25000)
    assert grids == []
    assert [p.location for p in problems] == ["シート「入力」"]
    assert "25,000 行目に値があり" in problems[0].message


def test_grid_guard_refuses_too_many_sheets() -> None:
    grids, problems = read_workbook_grids(xlsx(many_sheets))
    assert grids == []
    assert "シートが 25 枚あります" in problems[0].message


def test_lying_dimension_does_not_hide_rows(
    con: duckdb.DuckDBPyConnection, rows_25000: bytes, no_reader: None
) -> None:
    data = rewrite(rows_25000, in_sheet(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>'))
    refused(con, data, "20,000 行を超えています", "シート「入力」")


def test_huge_dimension_over_a_small_table_is_not_trusted_either() -> None:
    # Excel counts formatted blank cells in <dimension>; calamine ignores it. So do we.
    data = rewrite(
        long_xlsx(quarter_counts()),
        in_sheet(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>'),
    )
    result = parse(data)
    assert result.ok, [p.message for p in result.problems]
    assert len(result.rows) == len(quarter_counts())


def test_used_range_over_the_cell_limit(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.add_worksheet("入力")
        for row in range(1_000):
            sheet.write(row, 0, row)
        sheet.write(0, 700, "右端")  # column ZY: 1,000 rows x 701 columns

    text = refused(con, xlsx(build), "合わせて 701,000 セルあり、上限の 500,000 セル")
    assert "行 × 列" in text


def test_value_beyond_column_zz(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    def build(workbook: Workbook) -> None:
        workbook.add_worksheet("入力").write(0, 702, "x")

    refused(con, xlsx(build), "セル AAA1 に値があり、ZZ 列を超えています", "シート「入力」")


def test_rows_placed_by_row_number_without_cell_references(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    # Counting <row> elements is not enough: calamine places cells without r= by the row's r=
    # and their order, so this 2-row sheet loads as 900,000 rows. The scan places them the same.
    data = rewrite(
        small_xlsx(), in_sheet(rb'<row r="2"([^>]*)><c r="A2"', rb'<row r="900000"\1><c')
    )
    refused(con, data, "セル A900000 に値があり", "シート「入力」")


# Each of these few-kB files made calamine ask for 100+ GB and abort the whole process (a Rust
# allocation failure cannot be caught): the Streamlit server died with the upload.
def test_regression_two_far_apart_cells_aborted_the_process(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.add_worksheet("入力")
        sheet.write(0, 0, "制度")
        sheet.write(1_048_575, 16_383, "x")

    data = xlsx(build)
    assert len(data) < 10_000
    refused(con, data, "セル XFD1048576 に値があり", "シート「入力」")


def test_regression_wrapping_row_number_aborted_the_process(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    # calamine adds the digits up in a u32; 4294967295 stays 4294967295 and becomes a row.
    data = rewrite(small_xlsx(), in_sheet(rb'<c r="A2"', b'<c r="A4294967295"'))
    refused(con, data, "セル A4294967295 に値があり", "シート「入力」")


def test_regression_shared_string_count_aborted_the_process(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    # calamine reserves uniqueCount strings up front; the tag is pushed past the first 200 kB.
    # The refusal quotes the count the file gives, not a capped one.
    def change(name: str, body: bytes) -> bytes:
        if name != "xl/sharedStrings.xml":
            return body
        body = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', body)
        return body.replace(b"<sst ", b"<x/>" * 50_000 + b"<sst ")

    refused(con, rewrite(small_xlsx(), change), "文字列の数が 4,000,000,000 個")


# --- long text --------------------------------------------------------------------------------


def test_cell_with_5000_characters_is_named(con: duckdb.DuckDBPyConnection) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.add_worksheet("入力")
        sheet.write_row(0, 0, ["制度", "手続"])
        sheet.write(2, 1, "あ" * 5_000)

    text = refused(con, xlsx(build), "5,000 文字の文字列", "シート「入力」セル B3")
    assert "1,000 文字まで" in text


def test_cell_far_too_long_is_refused_before_reading(
    con: duckdb.DuckDBPyConnection, no_reader: None
) -> None:
    def build(workbook: Workbook) -> None:
        # Excel caps a cell at 32,767 characters; in UTF-8 these are 90 kB of XML text.
        workbook.add_worksheet("入力").write(0, 0, "あ" * 30_000)

    refused(con, xlsx(build), "1,000 文字を大きく超える文字列")


def test_shared_strings_over_5_mb(con: duckdb.DuckDBPyConnection, no_reader: None) -> None:
    # Distinct strings, so the part does not trip the compression-ratio check first.
    strings = b"".join(
        b"<si><t>%08x%08x</t></si>" % (i, i * 2654435761 % 2**32) for i in range(260_000)
    )

    def change(name: str, body: bytes) -> bytes:
        if name != "xl/sharedStrings.xml":
            return body
        return body.replace(b"</sst>", strings + b"</sst>")

    text = refused(con, rewrite(small_xlsx(), change), "sharedStrings.xml）は展開すると 7.9 MB")
    assert "上限の 5 MB を超えます" in text


# --- formats that are not a plain xlsx --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), "パスワードで保護（暗号化）"),
        (ole("Root Entry", "WordDocument"), "Excel ブックとして読めない Office 形式のファイル"),
    ],
    ids=["encrypted-xlsx", "other-ole"],
)
def test_ole_files(
    con: duckdb.DuckDBPyConnection, no_reader: None, data: bytes, expected: str
) -> None:
    text = refused(con, data, expected)
    assert ".xlsx" in text


def test_an_xls_that_is_no_workbook_is_one_plain_problem(con: duckdb.DuckDBPyConnection) -> None:
    # Named like an .xls, but the reader finds no workbook in it: refused, never a crash.
    text = refused(con, ole("Root Entry", "Workbook", "SummaryInformation"), "読み込めませんでした")
    assert "Excel ファイルとして読み込めませんでした（ファイルが壊れているか" in text
    assert "Error" not in text


def test_xlsm_with_vba_project(
    con: duckdb.DuckDBPyConnection, no_reader: None, tmp_path: Path
) -> None:
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(ole("Root Entry", "VBA", "PROJECT"))

    def build(workbook: Workbook) -> None:
        workbook.add_worksheet("入力").write(0, 0, "制度")
        workbook.add_vba_project(str(vba))

    data = xlsx(build)
    refused(con, data, "マクロ有効ブック（.xlsm）")
    # The macro content type alone, with the VBA part gone, is refused too.
    without_vba = rewrite(data, lambda name, body: None if name.endswith(".bin") else body)
    refused(con, without_vba, "マクロ有効ブック（.xlsm）")


# --- text that is not UTF-8 or Shift_JIS ------------------------------------------------------

CSV_TEXT = "制度,手続,年月,オンライン件数,全体件数\n小規模企業共済,加入関係手続,2025年10月,1,2\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (CSV_TEXT.encode("utf-16"), "UTF-16（Unicode テキスト）"),
        (CSV_TEXT.encode("utf-16-le"), "UTF-16（Unicode テキスト）"),
        (CSV_TEXT.encode("utf-32"), "UTF-32（Unicode テキスト）"),
        (b"a,b\nc,\x00d\n", "2 行目に NUL 文字（0x00）"),
        (b"a,b\nc,d\n\x80\x81\xff\n", "3 行目に UTF-8 としても Shift_JIS としても読めないバイト"),
        (b"a,b\nc,d\x07\n", "2 行目に制御文字（0x07）"),
    ],
    ids=["utf-16-bom", "utf-16-no-bom", "utf-32", "nul", "junk", "control"],
)
def test_wrong_encodings(
    con: duckdb.DuckDBPyConnection, no_reader: None, data: bytes, expected: str
) -> None:
    refused(con, data, expected, name="upload.csv")


def test_csv_with_25000_lines_is_counted_before_parsing(con: duckdb.DuckDBPyConnection) -> None:
    data = (CSV_TEXT + "小規模企業共済,加入関係手続,2025年10月,1,2\n" * 24_999).encode()
    refused(con, data, "CSV が 25,001 行あります。1 ファイルは 20,000 行まで", name="u.csv")


def test_csv_field_with_5000_characters_is_named(con: duckdb.DuckDBPyConnection) -> None:
    data = (CSV_TEXT + f"小規模企業共済,{'x' * 5_000},2025年11月,1,2\n").encode()
    refused(con, data, "5,000 文字の文字列", "CSV 3行目 B列", name="u.csv")


def test_csv_field_over_the_csv_module_limit(con: duckdb.DuckDBPyConnection) -> None:
    data = (CSV_TEXT + '小規模企業共済,"' + "x," * 100_000 + '"\n').encode()
    refused(con, data, "1,000 文字を大きく超える項目", "CSV 3行目", name="u.csv")


def test_csv_with_too_many_cells(con: duckdb.DuckDBPyConnection) -> None:
    data = ("a," * 59 + "a\n").encode() * 10_000
    refused(con, data, "合わせて 500,", name="u.csv")


def test_csv_blank_lines_after_the_table_are_not_counted() -> None:
    # Excel exports ",,,," down to the last formatted row; 30,000 of them are still no data.
    grid, problems = read_csv_grid(CSV_TEXT + ",,,,\n" * 30_000)
    assert problems == []
    assert grid.frame.height == 2
    assert grid.frame.get_column("row").to_list() == [1, 2]


def test_valid_files_still_pass(con: duckdb.DuckDBPyConnection) -> None:
    plan = plan_upload(con, long_xlsx(quarter_counts()), "q.xlsx", CATALOG, TODAY)
    assert plan.ok, [p.message for p in plan.parsed.problems]
    assert plan.can_commit
    assert isinstance(plan.parsed.rows, pl.DataFrame)
