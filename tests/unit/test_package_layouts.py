"""xlsx packages laid out the ways other writers lay them out: the reader reads exactly the
parts the safety scan checked, so a hostile one is refused by name and a valid one imports."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import fastexcel
import pytest

from kyosai.catalog import default_catalog
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.sniff import sniff
from kyosai.ingest.worker import read_upload
from tests.quarter_files import long_rows, long_xlsx, quarter_counts
from tests.zip_files import (
    LAYOUTS,
    layout_package,
    lie_about_size,
    shared_strings,
    sheet_xml,
)

CATALOG = default_catalog()
TODAY = date(2026, 1, 15)
FAR_CELL = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'


def only_problem(result: ParseResult) -> str:
    assert len(result.problems) == 1, [p.message for p in result.problems]
    assert result.rows.is_empty()
    return result.problems[0].message


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if calamine is asked to open the file: the scan alone must refuse it."""

    def refuse(data: bytes) -> None:
        raise AssertionError("the spreadsheet reader was called")

    monkeypatch.setattr(fastexcel, "read_excel", refuse)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_cell_at_xfd1048576_is_refused_by_the_scan(layout: str, no_reader: None) -> None:
    data = layout_package(layout, sheet_xml([["x"]], extra=FAR_CELL))
    message = only_problem(parse_upload(data, "far.xlsx", CATALOG, TODAY))
    assert message.startswith("シート「件数」: セル XFD1048576 に値があり、ZZ 列を超えています")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_huge_unique_count_is_refused_by_the_scan(layout: str, no_reader: None) -> None:
    data = layout_package(layout, sheet_xml([["x"]]), strings=shared_strings(4_000_000_000))
    message = only_problem(parse_upload(data, "sst.xlsx", CATALOG, TODAY))
    assert "文字列の数が 4,000,000,000 個と記録されており" in message


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_sheet_that_inflates_past_its_directory_size_is_refused(
    layout: str, no_reader: None
) -> None:
    # 50 MB of XML whitespace in the sheet the workbook really uses; the directory says 2 kB.
    sheet = sheet_xml([["x"]]).replace("<sheetData>", "<sheetData>" + " " * 50_000_000)
    data = layout_package(layout, sheet)
    bomb = lie_about_size(data, LAYOUTS[layout]["sheet"], 2048)
    message = only_problem(parse_upload(bomb, "bomb.xlsx", CATALOG, TODAY))
    assert "ファイルが壊れている可能性があります" in message
    assert LAYOUTS[layout]["sheet"] in message


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_same_layouts_holding_a_valid_table_import(layout: str) -> None:
    counts = quarter_counts()
    expected = parse_upload(long_xlsx(counts), "q.xlsx", CATALOG, TODAY)
    data = layout_package(layout, sheet_xml(long_rows(counts)))
    result = read_upload(data, "q.xlsx", CATALOG, TODAY)
    assert result.ok, [p.message for p in result.problems]
    assert result.rows.equals(expected.rows)
    assert result.sheets == ["件数"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hostile_layouts_through_the_worker_are_named_not_crashed(layout: str) -> None:
    data = layout_package(layout, sheet_xml([["x"]], extra=FAR_CELL))
    message = only_problem(read_upload(data, "far.xlsx", CATALOG, TODAY))
    assert "XFD1048576" in message
    assert read_upload(long_xlsx(quarter_counts()), "q.xlsx", CATALOG, TODAY).ok


def test_two_members_that_differ_only_in_case_are_refused_not_guessed(no_reader: None) -> None:
    data = layout_package("absolute-target", sheet_xml(long_rows(quarter_counts())))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as package:
        package.writestr("DATA/Sheet1.xml", sheet_xml([["x"]], extra=FAR_CELL))
    message = only_problem(parse_upload(buffer.getvalue(), "twice.xlsx", CATALOG, TODAY))
    assert "同じ名前の部品が 2 つあり" in message


def test_parts_the_workbook_does_not_use_are_never_read(no_reader: None) -> None:
    # A far cell in a sheet no workbook lists: the reader never sees it, so it is no problem.
    data = layout_package("outside-xl", sheet_xml(long_rows(quarter_counts())))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as package:
        package.writestr("xl/worksheets/sheet9.xml", sheet_xml([["x"]], extra=FAR_CELL))
    sniffed = sniff(buffer.getvalue(), "q.xlsx")
    assert sniffed.problem is None
    with zipfile.ZipFile(io.BytesIO(sniffed.package)) as repacked:
        assert sorted(repacked.namelist()) == [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/_rels/workbook.xml.rels",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
        ]
        assert b"XFD1048576" not in repacked.read("xl/worksheets/sheet1.xml")
