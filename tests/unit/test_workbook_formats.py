"""The formats staff actually have: .xls and .ods saved by an office suite and .xlsb import the
same rows as the .xlsx; their problems still name sheet and cell; a password-protected .xls and
the text files that only look like spreadsheets are told apart in plain words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.catalog import default_catalog
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.worker import read_upload
from tests.cli_run import run_cli
from tests.office import convert
from tests.quarter_files import QUARTER_MONTHS, long_rows, long_xlsx, quarter_counts
from tests.xlsb_files import BEGIN_SHEET, grid_cells, record, xlsb
from tests.xml_strategies import damage

CATALOG = default_catalog()
TODAY = date(2026, 1, 15)
COUNTS = quarter_counts()
FIRST = next(iter(COUNTS))
# One count typed as text, and one total below its online count: two located problems.
BAD = {FIRST: ("abc", COUNTS[FIRST][1]), (FIRST[0], QUARTER_MONTHS[1]): (50, 10)}


def messages(result: ParseResult) -> list[str]:
    return [problem.message for problem in result.problems]


@pytest.fixture(scope="module")
def xlsx_files() -> dict[str, bytes]:
    return {"good": long_xlsx(COUNTS), "bad": long_xlsx(COUNTS, BAD)}


@pytest.fixture(scope="module")
def expected(xlsx_files: dict[str, bytes]) -> dict[str, ParseResult]:
    return {name: parse_upload(data, "q.xlsx", CATALOG, TODAY) for name, data in xlsx_files.items()}


@pytest.fixture(scope="module")
def office_files(xlsx_files: dict[str, bytes]) -> dict[tuple[str, str], bytes]:
    """Each xlsx saved by LibreOffice as .xls (Excel 97-2003) and as .ods."""
    return {
        (name, target): convert(data, ".xlsx", target)
        for name, data in xlsx_files.items()
        for target in ("xls", "ods")
    }


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_office_saved_files_import_the_same_rows(
    target: str, office_files: dict[tuple[str, str], bytes], expected: dict[str, ParseResult]
) -> None:
    result = read_upload(office_files[("good", target)], f"q.{target}", CATALOG, TODAY)
    assert result.ok, messages(result)
    assert result.rows.equals(expected["good"].rows)
    assert result.sheets == ["件数"]


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_problems_in_office_files_name_the_same_sheet_and_cell(
    target: str, office_files: dict[tuple[str, str], bytes], expected: dict[str, ParseResult]
) -> None:
    result = read_upload(office_files[("bad", target)], f"q.{target}", CATALOG, TODAY)
    assert messages(result) == messages(expected["bad"])
    assert any(message.startswith("シート「件数」セル D4") for message in messages(result))


def test_an_xlsb_imports_the_same_rows_and_names_cells(expected: dict[str, ParseResult]) -> None:
    good = read_upload(xlsb({"件数": grid_cells(long_rows(COUNTS))}), "q.xlsb", CATALOG, TODAY)
    assert good.ok, messages(good)
    assert good.rows.equals(expected["good"].rows)
    bad = read_upload(xlsb({"件数": grid_cells(long_rows(COUNTS, BAD))}), "q.xlsb", CATALOG, TODAY)
    assert messages(bad) == messages(expected["bad"])


def test_the_cli_imports_an_xls(tmp_path: Path, office_files: dict[tuple[str, str], bytes]) -> None:
    path = tmp_path / "四半期.xls"
    path.write_bytes(office_files[("good", "xls")])
    db = tmp_path / "k.duckdb"
    assert run_cli("init", "--empty", "--db", db).returncode == 0
    result = run_cli("import", path, "--db", db)
    assert result.returncode == 0, result.stderr
    table = run_cli("table", "--db", db, "--columns", "month", "--format", "csv")
    assert table.returncode == 0, table.stderr
    assert "新規 21 件" in result.stdout
    # 300 of 1,000 (and 303 of 1,010, 306 of 1,020): the counts the .xls holds.
    assert "小規模企業共済,加入関係手続,30.0,30.0,30.0,30.0" in table.stdout.splitlines()


def test_size_limits_hold_for_binary_formats() -> None:
    # 25,000 rows in an .xlsb: no scan reads its records, the check after loading refuses it.
    cells = [(0, 0, "制度"), (24_999, 0, "x")]
    result = read_upload(xlsb({"件数": cells}), "big.xlsb", CATALOG, TODAY)
    (message,) = messages(result)
    assert message.startswith("シート「件数」") and "20,000 行" in message


def password_xls(data: bytes, encryption: int) -> bytes:
    """An .xls as Excel writes it with a password to open: FilePass right after the BOF.

    LibreOffice cannot save with a password headless, so the record after the globals BOF
    (InterfaceHdr, also two bytes long) is turned into a FilePass of that encryption type
    (0: XOR obfuscation, 1: RC4).
    """
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    after = bof + 4 + 16
    assert data[after : after + 4] == b"\xe1\x00\x02\x00", data[after : after + 8]
    return data[:after] + b"\x2f\x00\x02\x00" + bytes([encryption, 0]) + data[after + 6 :]


@pytest.mark.parametrize("encryption", [0, 1], ids=["xor", "rc4"])
def test_a_password_protected_xls_gets_the_password_message(
    office_files: dict[tuple[str, str], bytes], encryption: int
) -> None:
    data = password_xls(office_files[("good", "xls")], encryption)
    (message,) = messages(read_upload(data, "保護.xls", CATALOG, TODAY))
    assert "「保護.xls」はパスワードで保護（暗号化）された .xls ファイルです" in message
    assert "パスワードを消してから" in message


def test_an_xls_whose_stream_is_named_in_capitals_imports(
    office_files: dict[tuple[str, str], bytes], expected: dict[str, ParseResult]
) -> None:
    # Some writers name the stream WORKBOOK; Excel and calamine read it all the same.
    name = "Workbook".encode("utf-16-le")
    data = office_files[("good", "xls")]
    assert data.count(name) == 1
    shouted = data.replace(name, "WORKBOOK".encode("utf-16-le"))
    result = read_upload(shouted, "q.xls", CATALOG, TODAY)
    assert result.ok, messages(result)
    assert result.rows.equals(expected["good"].rows)


def test_an_excel_4_file_is_named_as_such() -> None:
    # BIFF4: a BOF record (0x0409) straight at the start, no OLE container.
    data = b"\x09\x04\x06\x00\x00\x00\x10\x00\x00\x00" + bytes(200)
    (message,) = messages(parse_upload(data, "old.xls", CATALOG, TODAY))
    assert "Excel 4.0 以前の古い形式の Excel ファイル" in message


def test_an_xlsb_chart_sheet_is_skipped_but_a_broken_worksheet_is_named(
    expected: dict[str, ParseResult],
) -> None:
    counts = grid_cells(long_rows(COUNTS))
    broken = record(BEGIN_SHEET)  # calamine cannot load this part ("failed to fill buffer")
    with_chart = read_upload(xlsb({"件数": counts}, {"グラフ": broken}), "c.xlsb", CATALOG, TODAY)
    assert with_chart.ok, messages(with_chart)
    assert with_chart.rows.equals(expected["good"].rows)
    # The same bytes as a worksheet: it might hold counts, so it is named, never skipped.
    result = read_upload(xlsb({"件数": counts, "壊れ": broken}), "d.xlsb", CATALOG, TODAY)
    (message,) = messages(result)
    assert message.startswith(
        "シート「壊れ」: このシートを読み込めませんでした（シートの中身が壊れて"
    )
    assert "Error" not in message


HTML_TABLE = (
    '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
    "<body><table><tr><td>制度</td><td>手続</td></tr></table></body></html>"
)
SPREADSHEET_2003 = (
    '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="件数"><Table>'
    '<Row><Cell><Data ss:Type="String">制度</Data></Cell></Row></Table></Worksheet></Workbook>'
)


@pytest.mark.parametrize(
    ("text", "name", "what"),
    [
        (HTML_TABLE, "export.xls", "Web ページ（HTML）形式"),
        ("<table><tr><td>制度</td></tr></table>", "export.xls", "Web ページ（HTML）形式"),
        (SPREADSHEET_2003, "book.xml", "XML スプレッドシート 2003（Excel 2003 XML）形式"),
        ("MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n", "a.mht", "単一ファイル Web"),
    ],
    ids=["html-as-xls", "bare-table", "excel-2003-xml", "mht"],
)
def test_lookalikes_are_named_with_how_to_save_as_xlsx(text: str, name: str, what: str) -> None:
    (message,) = messages(parse_upload(text.encode("utf-8"), name, CATALOG, TODAY))
    assert message.startswith(f"ファイル: 「{name}」は {what}")
    assert "Excel ブック（*.xlsx）" in message


@pytest.mark.parametrize(
    ("target", "what"),
    [("fods", "OpenDocument のフラット XML（.fods）形式"), ("html", "Web ページ（HTML）形式")],
)
def test_lookalikes_saved_by_an_office_suite_are_named(
    target: str, what: str, xlsx_files: dict[str, bytes]
) -> None:
    data = convert(xlsx_files["good"], ".xlsx", target)
    (message,) = messages(parse_upload(data, f"q.{target}", CATALOG, TODAY))
    assert what in message and ".xlsx" in message


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_damaged_office_files_through_the_worker_never_crash_anything(
    office_files: dict[tuple[str, str], bytes], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(["xls", "ods"]))
    body = damage(data, office_files[("good", target)])
    result = read_upload(body, f"damaged.{target}", CATALOG, TODAY)
    assert result.ok or all(p.message.startswith(p.location) for p in result.problems)
    assert read_upload(office_files[("good", target)], f"q.{target}", CATALOG, TODAY).ok
