"""Every file the app writes, with a month whose total is 0: the cell is empty (never NaN, inf
or 0.0%), and the rest of the figures are unchanged."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from kyosai import views
from kyosai.catalog import default_catalog
from kyosai.chart_png import spec_to_png
from kyosai.cli import main
from kyosai.pack import MONTHLY_SHEET, RATES_SHEET, build_pack
from kyosai.periods import Grain
from tests.zero_total import add_zero_months, not_numbers

TODAY = date(2025, 12, 10)
MONTHLY = views.Filters(grain=Grain.MONTH)


@pytest.fixture
def zero_con(db_path: Path) -> duckdb.DuckDBPyConnection:
    """The sample data plus R7.10 with months of total 0, open."""
    add_zero_months(db_path)
    return duckdb.connect(str(db_path))


def csv_rows(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """A rate-table CSV as {(制度, 手続): {column: cell}}, past any notes above the table."""
    lines = list(csv.reader(io.StringIO(text)))
    start = next(i for i, row in enumerate(lines) if row[:1] == ["制度"])
    header, *rows = lines[start:]
    return {(row[0], row[1]): dict(zip(header, row, strict=True)) for row in rows}


def test_table_csv_leaves_the_month_empty(zero_con: duckdb.DuckDBPyConnection) -> None:
    model = views.table(zero_con, default_catalog(), MONTHLY, TODAY)
    text = model.csv_bytes.decode("utf-8-sig")
    assert text.startswith("最新データ ")  # the download's notes come first
    assert not_numbers(text.split("\n\n", 1)[1]) == []
    rows = csv_rows(text)
    tosan = rows[("中小企業倒産防止共済", "加入関係手続")]
    assert (tosan["R7.10"], tosan["R7.9"]) == ("", "18.0")
    assert rows[("小規模企業共済", "加入関係手続")]["R7.10"] == "50.0"
    kaiyaku = rows[("中小企業倒産防止共済", "解約関係手続")]
    assert set(list(kaiyaku.values())[2:]) == {""}


def test_table_xlsx_leaves_the_cell_blank(zero_con: duckdb.DuckDBPyConnection) -> None:
    model = views.table(zero_con, default_catalog(), MONTHLY, TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(model.xlsx_bytes)).active
    assert sheet is not None
    # The heading row comes after the title and the notes under it.
    at = next(row[0].row for row in sheet.iter_rows() if row[0].value == "制度")
    header = [cell.value for cell in sheet[at]]
    column = header.index("R7.10") + 1
    rows = {(r[0].value, r[1].value): r for r in sheet.iter_rows(min_row=at + 1)}
    assert rows[("中小企業倒産防止共済", "加入関係手続")][column - 1].value is None
    assert rows[("小規模企業共済", "加入関係手続")][column - 1].value == 0.5
    assert all(c.value is None for c in rows[("中小企業倒産防止共済", "解約関係手続")][2:])


def test_cli_table_prints_an_empty_field(
    zero_con: duckdb.DuckDBPyConnection, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zero_con.close()
    for grain in ("month", "quarter-end", "quarter", "fy"):
        assert main(["table", "--db", str(db_path), "--columns", grain]) == 0
        text = capsys.readouterr().out
        assert not_numbers(text) == [], grain
    assert main(["table", "--db", str(db_path), "--columns", "month"]) == 0
    tosan = csv_rows(capsys.readouterr().out)[("中小企業倒産防止共済", "加入関係手続")]
    assert (tosan["R7.10"], tosan["R7.9"]) == ("", "18.0")


def test_committee_pack_leaves_the_cells_blank(zero_con: duckdb.DuckDBPyConnection) -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_pack(zero_con, default_catalog(), TODAY)))
    for sheet in book.worksheets:
        texts = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        assert not_numbers(texts) == [], sheet.title
    rates = book[RATES_SHEET]
    header_row = next(r for r in rates.iter_rows() if r[0].value == "手続")
    column = [c.value for c in header_row].index("R7.10")
    row = next(r for r in rates.iter_rows() if r[0].value == "(倒) 加入手続き")
    assert row[column].value is None
    monthly = book[MONTHLY_SHEET]
    zero = [
        r for r in monthly.iter_rows() if r[0].value == "(倒) 加入手続き" and r[1].value == "R7.10"
    ]
    assert len(zero) == 1 and zero[0][3].value == 0 and zero[0][4].value is None


def test_trend_png_renders(zero_con: duckdb.DuckDBPyConnection) -> None:
    model = views.trends(zero_con, default_catalog(), MONTHLY, TODAY)
    assert model.chart_spec is not None
    assert spec_to_png(model.chart_spec, scale=1.0)[:8] == b"\x89PNG\r\n\x1a\n"
