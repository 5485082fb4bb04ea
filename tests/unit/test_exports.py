"""Tests for kyosai.exports: the CSV and xlsx downloads of the rate table."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.charts import with_subtitle
from kyosai.exports import (
    PERIOD_GROUP_HEADING,
    safe_text,
    table_csv_bytes,
    table_rows,
    table_xlsx_bytes,
)
from kyosai.periods import Grain
from kyosai.rates import RateTable, rate_table

ROOT = Path(__file__).resolve().parents[2]
BOM = b"\xef\xbb\xbf"
HEADER_ROW = 3  # 1-based: title in row 1, 期間集計 in row 2, labels in row 3


def sample_table(con: duckdb.DuckDBPyConnection, grain: Grain = Grain.QUARTER_END) -> RateTable:
    return rate_table(store.read_counts(con), default_catalog(), grain)


def cli_csv(db: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "KYOSAI_DB"}
    result = subprocess.run(
        [sys.executable, "-m", "kyosai", "table", "--format", "csv", "--db", str(db), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# --- CSV ---------------------------------------------------------------------------------


def test_csv_starts_with_bom_and_matches_the_cli(
    sample_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = table_csv_bytes(sample_table(sample_con))
    assert data.startswith(BOM)
    assert not data[len(BOM) :].startswith(BOM)
    text = data.decode("utf-8-sig")
    from_cli = cli_csv(tmp_path / "cli.duckdb")
    assert parse(text) == parse(from_cli)
    assert text == from_cli
    assert "\r" not in text


def test_csv_month_columns_match_the_cli(
    sample_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = table_csv_bytes(sample_table(sample_con, Grain.MONTH)).decode("utf-8-sig")
    assert parse(text) == parse(cli_csv(tmp_path / "cli.duckdb", "--columns", "month"))


def test_csv_cells_agree_with_the_tenths(sample_con: duckdb.DuckDBPyConnection) -> None:
    table = sample_table(sample_con)
    records = parse(table_csv_bytes(table).decode("utf-8-sig"))
    assert records[0] == ["制度", "手続", *table.labels]
    wide = table.wide()
    assert len(records) == 1 + wide.height
    for record, row in zip(records[1:], wide.iter_rows(named=True), strict=True):
        assert record[:2] == [row["scheme"], row["procedure"]]
        for text, key in zip(record[2:], table.keys, strict=True):
            tenths = row[key]
            if tenths is None:
                assert text == ""
            else:
                assert text == f"{tenths // 10}.{tenths % 10}"
                assert round(float(text) * 10) == tenths


def test_csv_of_an_empty_db(empty_con: duckdb.DuckDBPyConnection) -> None:
    records = parse(table_csv_bytes(sample_table(empty_con)).decode("utf-8-sig"))
    assert records[0] == ["制度", "手続"]
    assert len(records) == 1 + len(default_catalog().procedures)
    assert all(len(r) == 2 for r in records)


# --- xlsx --------------------------------------------------------------------------------


def load_sheet(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["オンライン利用率"]
    return workbook["オンライン利用率"]


def test_xlsx_holds_percent_numbers(sample_con: duckdb.DuckDBPyConnection) -> None:
    table = sample_table(sample_con)
    sheet = load_sheet(table_xlsx_bytes(table, "オンライン利用率（資料3）"))
    assert sheet["A1"].value == "オンライン利用率（資料3）"
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == ["制度", "手続", *table.labels]
    wide = table.wide()
    numbers = 0
    for offset, row in enumerate(wide.iter_rows(named=True), start=1):
        cells = sheet[HEADER_ROW + offset]
        assert [cells[0].value, cells[1].value] == [row["scheme"], row["procedure"]]
        target = table.target_tenths(row["procedure_id"])
        for cell, key in zip(cells[2:], table.keys, strict=True):
            tenths = row[key]
            if tenths is None:
                assert cell.value is None, cell.coordinate
                continue
            numbers += 1
            assert cell.data_type == "n", cell.coordinate
            assert isinstance(cell.value, float | int), cell.coordinate
            assert cell.value == tenths / 1000, cell.coordinate
            assert round(cell.value * 1000) == tenths
            assert cell.number_format == "0.0%", cell.coordinate
            assert bool(cell.font.b) == (tenths >= target), cell.coordinate
    assert numbers == 48
    assert sheet.max_row == HEADER_ROW + wide.height


def test_xlsx_known_cells(sample_con: duckdb.DuckDBPyConnection) -> None:
    sheet = load_sheet(table_xlsx_bytes(sample_table(sample_con), "t"))
    # 小規模企業共済 加入関係手続: R7.9 38.2%, R5.12 7.3%; 倒産防止 加入: R5.9~R6.3 12.3%
    assert sheet["B4"].value == "加入関係手続"
    assert sheet["K4"].value == pytest.approx(0.382, abs=1e-12)
    assert sheet["D4"].value == pytest.approx(0.073, abs=1e-12)
    assert sheet["A8"].value == "中小企業倒産防止共済"
    assert sheet["L8"].value == pytest.approx(0.123, abs=1e-12)


def test_xlsx_merges_period_heading_over_fiscal_year_columns(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    table = sample_table(sample_con)
    sheet = load_sheet(table_xlsx_bytes(table, "t"))
    merged = [str(r) for r in sheet.merged_cells.ranges]
    assert merged == ["L2:N2"]  # over R5.9~R6.3, R6.4~R7.3, R7.4~R7.9
    assert sheet["L2"].value == PERIOD_GROUP_HEADING == "期間集計"
    assert [sheet.cell(HEADER_ROW, c).value for c in (12, 13, 14)] == [
        "R5.9~R6.3",
        "R6.4~R7.3",
        "R7.4~R7.9",
    ]
    assert sheet["K2"].value is None


def test_xlsx_merge_follows_the_grain(sample_con: duckdb.DuckDBPyConnection) -> None:
    table = sample_table(sample_con, Grain.MONTH)  # 25 months, then 3 fiscal years
    sheet = load_sheet(table_xlsx_bytes(table, "t"))
    assert [str(r) for r in sheet.merged_cells.ranges] == ["AB2:AD2"]
    assert sheet["AB2"].value == "期間集計"


def test_xlsx_single_fiscal_year_column_is_not_merged(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    counts = pl.DataFrame(
        {
            "procedure_id": ["tosan_kanyu"],
            "month": [date(2025, 10, 1)],
            "online": [1],
            "total": [8],
            "is_sample": [False],
        }
    )
    table = rate_table(counts, default_catalog(), Grain.FISCAL_YEAR)
    sheet = load_sheet(table_xlsx_bytes(table, "t"))
    assert list(sheet.merged_cells.ranges) == []
    assert sheet["C2"].value == "期間集計"
    assert sheet["C3"].value == "R7.10~R7.10"
    assert sheet["C8"].value == 0.125
    assert sheet["C8"].number_format == "0.0%"


# --- formula injection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+81-3-1234", "'+81-3-1234"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("加入関係手続", "加入関係手続"),
        ("a=b", "a=b"),
        ("1+1", "1+1"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_safe_text(value: str, expected: str) -> None:
    assert safe_text(value) == expected


def test_hostile_names_are_neutralised_in_csv_and_xlsx() -> None:
    catalog = default_catalog()
    hostile_scheme = dataclasses.replace(catalog.schemes[1], name="@SUM(1+1)")
    procedures = tuple(
        dataclasses.replace(p, name='=HYPERLINK("http://x","y")')
        if p.procedure_id == "tosan_kanyu"
        else p
        for p in catalog.procedures
    )
    hostile = dataclasses.replace(
        catalog, schemes=(catalog.schemes[0], hostile_scheme), procedures=procedures
    )
    counts = pl.DataFrame(
        {
            "procedure_id": ["tosan_kanyu"],
            "month": [date(2025, 9, 1)],
            "online": [1],
            "total": [4],
            "is_sample": [False],
        }
    )
    table = rate_table(counts, hostile)
    rows = table_rows(table)
    hostile_row = next(r for r in rows if r[1].startswith("'="))
    assert hostile_row[:2] == ["'@SUM(1+1)", '\'=HYPERLINK("http://x","y")']
    records = parse(table_csv_bytes(table).decode("utf-8-sig"))
    assert ["'@SUM(1+1)", '\'=HYPERLINK("http://x","y")', "25.0", "25.0"] in records
    sheet = load_sheet(table_xlsx_bytes(table, "t"))
    names = {(sheet.cell(r, 1).value, sheet.cell(r, 2).value) for r in range(4, sheet.max_row + 1)}
    assert ("'@SUM(1+1)", '\'=HYPERLINK("http://x","y")') in names
    for r in range(4, sheet.max_row + 1):
        assert sheet.cell(r, 1).data_type == "s"
        assert sheet.cell(r, 2).data_type == "s"


# --- what travels with an export ------------------------------------------------------------

NOTES = ["最新データ R7.9（令和7年9月）", "表示中の数値には「サンプルデータ」…", "作成 2026-12-01"]


def test_xlsx_carries_the_notes_and_prints_on_a4_landscape_one_page_wide(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    data = table_xlsx_bytes(sample_table(sample_con), "オンライン利用率", NOTES)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == NOTES
    header_row = HEADER_ROW + len(NOTES) + 1
    assert sheet.cell(header_row, 1).value == "制度"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth absent means 1 in OOXML (xlsxwriter leaves the default out); 0 tall = any.
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${header_row - 1}:${header_row}"
    assert "&P / &N" in sheet.oddFooter.right.text


def test_cli_table_out_writes_the_csv_for_excel_and_stdout_stays_plain(
    sample_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    db = tmp_path / "cli.duckdb"
    out = tmp_path / "集計表.csv"
    plain = cli_csv(db)
    assert plain.startswith("制度,手続,")
    written = cli_csv(db, "--out", str(out))
    assert written.strip() == str(out)
    data = out.read_bytes()
    assert data.startswith(BOM)
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "最新データ R7.9（令和7年9月）"
    assert lines[1].startswith("表示中の数値には「サンプルデータ」")
    assert lines[2].startswith("作成 ")
    assert "\n".join(lines[4:]) + "\n" == plain


def test_a_chart_picture_carries_the_notes_under_its_title() -> None:
    spec = with_subtitle({"title": "オンライン利用率の推移", "layer": []}, NOTES)
    assert spec["title"]["text"] == "オンライン利用率の推移"
    assert spec["title"]["subtitle"] == NOTES
