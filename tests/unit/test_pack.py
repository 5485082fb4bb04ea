"""Tests for kyosai.pack: the committee pack, read back with openpyxl and fastexcel."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.cli import main
from kyosai.exports import PERIOD_GROUP_HEADING
from kyosai.pack import (
    CHARTS_SHEET,
    DEFINITIONS_SHEET,
    MONTHLY_SHEET,
    RATES_SHEET,
    SCORECARD_SHEET,
    SHEETS,
    UPLOADS_SHEET,
    build_pack,
    definition_paragraphs,
)
from kyosai.rates import RateTable, rate_table
from kyosai.views import SAMPLE_NOTICE, definitions_text

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 12, 1)
INJECTIONS = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-1+1",
]
# The revised and the new row of the injected upload, so the pack must follow the store.
REVISED = ("tosan_kanyu", date(2025, 9, 1), 600, 1000)
ADDED = ("shokibo_tsusan", date(2025, 9, 1), 7, 40)

Published = tuple[list[str], dict[tuple[str, str], dict[str, str]]]


def _rows(*records: tuple[str, date, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(("procedure_id", "month", "online", "total"), r, strict=True)) for r in records]
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    """The pack of a fresh sample DB."""
    with store.connect(tmp_path_factory.mktemp("fresh") / "k.duckdb") as con:
        data = build_pack(con, default_catalog(), TODAY)
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, RateTable, pl.DataFrame]:
    """A pack after uploads with injection strings as file and user names, a revised row and
    a new one; with the rate table and counts of the same store."""
    with store.connect(tmp_path_factory.mktemp("injected") / "k.duckdb") as con:
        store.write_upload(
            con,
            _rows(REVISED, ADDED),
            file_name=INJECTIONS[0],
            sha256="a" * 64,
            uploaded_by=INJECTIONS[1],
        )
        store.write_upload(
            con, _rows(ADDED), file_name=INJECTIONS[2], sha256="b" * 64, uploaded_by=INJECTIONS[3]
        )
        store.undo_upload(con, 3, INJECTIONS[0])
        counts = store.read_counts(con)
        data = build_pack(con, default_catalog(), TODAY)
    return data, rate_table(counts, default_catalog()), counts


@pytest.fixture(scope="module")
def injected_book(injected: tuple[bytes, RateTable, pl.DataFrame]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(injected[0]))


def find(sheet: Worksheet, value: str) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell holding exactly `value`."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not on sheet {sheet.title}")


def rate_grid(sheet: Worksheet) -> tuple[int, list[str], dict[str, int]]:
    """The header row, its period labels (from column B) and the row of each procedure."""
    header, _ = find(sheet, "手続")
    labels = []
    for col in range(2, sheet.max_column + 1):
        value = sheet.cell(header, col).value
        if value is None:
            break
        labels.append(str(value))
    rows = {}
    for row in range(header + 1, sheet.max_row + 1):
        label = sheet.cell(row, 1).value
        if not isinstance(label, str) or not label.startswith("("):
            break
        rows[label] = row
    return header, labels, rows


def test_all_seven_sheets_in_order(fresh: openpyxl.Workbook) -> None:
    assert fresh.sheetnames == list(SHEETS)
    assert SHEETS == (
        "スコアカード",
        "利用率",
        "見通し",
        "月次件数",
        "定義",
        "グラフ",
        "取込の記録",
    )


def test_rate_cells_equal_rate_table_of_the_same_store(
    injected: tuple[bytes, RateTable, pl.DataFrame], injected_book: openpyxl.Workbook
) -> None:
    _, table, _ = injected
    sheet = injected_book[RATES_SHEET]
    header, labels, rows = rate_grid(sheet)
    assert labels == table.labels
    checked = 0
    for record in table.wide().iter_rows(named=True):
        row = rows.get(record["row_label"])
        if row is None:
            # Like 資料3, a procedure without any figure gets no row.
            assert all(record[key] is None for key in table.keys), record["row_label"]
            continue
        for col, key in enumerate(table.keys, start=2):
            cell = sheet.cell(row, col)
            expected = record[key]
            if expected is None:
                assert cell.value is None, (record["row_label"], key)
                continue
            assert cell.data_type == "n", cell.coordinate
            assert isinstance(cell.value, float | int), cell.coordinate
            assert "%" in cell.number_format and cell.number_format == "0.0%"
            assert cell.value == expected / 1000, cell.coordinate
            assert round(cell.value * 1000) == expected
            checked += 1
    assert checked == table.cells.height
    # The revised and the added month are what the pack shows, not the sample's figures.
    assert sheet.cell(rows["(倒) 加入手続き"], 2 + labels.index("R7.9")).value == 0.6
    tsusan = rows["(小) 通算申出"]
    assert sheet.cell(tsusan, 2 + labels.index("R7.9")).value == 0.175
    assert sheet.cell(tsusan, 2 + labels.index("R7.6")).value is None
    assert header > 1


def test_published_cells_on_a_fresh_sample_db(
    fresh: openpyxl.Workbook, published: Published
) -> None:
    catalog = default_catalog()
    sheet = fresh[RATES_SHEET]
    _, labels, rows = rate_grid(sheet)
    published_labels, published_rows = published
    assert labels == published_labels
    assert len(rows) == 4
    checked = 0
    for (scheme_name, procedure_name), record in published_rows.items():
        scheme = catalog.find_scheme(scheme_name)
        assert scheme is not None
        procedure = catalog.find_procedure(scheme.scheme_id, procedure_name)
        assert procedure is not None
        row = rows[catalog.row_label(procedure.procedure_id)]
        for label in published_labels:
            cell = sheet.cell(row, 2 + labels.index(label))
            tenths = int(record[label].replace(".", ""))
            assert cell.data_type == "n" and cell.number_format == "0.0%"
            assert round(cell.value * 1000) == tenths, (procedure_name, label)
            assert abs(cell.value * 1000 - tenths) < 1e-9
            checked += 1
    assert checked == 48


def test_period_group_is_merged_over_exactly_the_fiscal_year_columns(
    fresh: openpyxl.Workbook,
) -> None:
    sheet = fresh[RATES_SHEET]
    header, labels, _ = rate_grid(sheet)
    fy_cols = [2 + i for i, label in enumerate(labels) if "~" in label]
    assert len(fy_cols) == 3
    row, col = find(sheet, PERIOD_GROUP_HEADING)
    assert row == header - 1
    merged = [r for r in sheet.merged_cells.ranges if r.min_row == row and r.min_col == col]
    assert len(merged) == 1
    assert (merged[0].min_col, merged[0].max_col) == (fy_cols[0], fy_cols[-1])
    assert merged[0].max_row == row


def test_met_cells_bold_with_fill_and_a_computation_note(fresh: openpyxl.Workbook) -> None:
    sheet = fresh[RATES_SHEET]
    header, labels, rows = rate_grid(sheet)
    for row in rows.values():
        for col in range(2, 2 + len(labels)):
            cell = sheet.cell(row, col)
            met = cell.value >= 0.2
            assert bool(cell.font.bold) == met, cell.coordinate
            assert (cell.fill.fill_type == "solid") == met, cell.coordinate
    notes = [c.value for r in sheet.iter_rows(min_row=header) for c in r if c.value]
    note = next(v for v in notes if isinstance(v, str) and "Σオンライン" in v)
    assert "Σ全体件数" in note and "0.1%" in note and "四捨五入" in note


def test_monthly_sheet_has_every_month_as_numbers(
    injected: tuple[bytes, RateTable, pl.DataFrame], injected_book: openpyxl.Workbook
) -> None:
    _, _, counts = injected
    sheet = injected_book[MONTHLY_SHEET]
    header, _ = find(sheet, "手続")
    headers = ["手続", "年月", "オンライン件数", "全体件数", "オンライン利用率"]
    assert [sheet.cell(header, c).value for c in range(1, 6)] == headers
    body = list(sheet.iter_rows(min_row=header + 1, values_only=False))
    assert len(body) == counts.height
    for row in body:
        label, month, online, total, rate = row[:5]
        assert label.data_type == "s" and re.fullmatch(r"R\d+\.\d+", str(month.value))
        assert online.data_type == "n" and online.number_format == "#,##0"
        assert total.data_type == "n" and total.number_format == "#,##0"
        assert rate.data_type == "n" and rate.number_format == "0.0%"
        expected = (2000 * online.value + total.value) // (2 * total.value)
        assert rate.value == expected / 1000
    r79 = next(r for r in body if r[0].value == "(倒) 加入手続き" and r[1].value == "R7.9")
    assert (r79[2].value, r79[3].value) == (600, 1000)


def test_charts_sheet_holds_one_png_per_scheme(fresh: openpyxl.Workbook) -> None:
    sheet = fresh[CHARTS_SHEET]
    assert len(sheet._images) == 2
    names = {sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)}
    assert {"小規模企業共済", "中小企業倒産防止共済"} <= names
    # Each scheme name sits just above its chart.
    for image in sheet._images:
        above = sheet.cell(image.anchor._from.row, 1).value
        assert above in {"小規模企業共済", "中小企業倒産防止共済"}


def test_charts_are_scaled_to_a_landscape_page(
    injected: tuple[bytes, RateTable, pl.DataFrame],
) -> None:
    with zipfile.ZipFile(io.BytesIO(injected[0])) as archive:
        drawings = [n for n in archive.namelist() if n.startswith("xl/drawings/drawing")]
        xml = b"".join(archive.read(n) for n in drawings if n.endswith(".xml"))
    sizes = [(int(cx), int(cy)) for cx, cy in re.findall(rb'<a:ext cx="(\d+)" cy="(\d+)"', xml)]
    assert len(sizes) == 2
    for cx, cy in sizes:
        # ~980 px wide at 96 dpi (EMU / 9525), not the 2060 px of the 2x render.
        assert 900 <= cx / 9525 <= 1100
        assert 0.3 < cy / cx < 0.8


def test_pack_zip_holds_png_media(injected: tuple[bytes, RateTable, pl.DataFrame]) -> None:
    with zipfile.ZipFile(io.BytesIO(injected[0])) as archive:
        media = [n for n in archive.namelist() if re.fullmatch(r"xl/media/.+\.png", n)]
        assert len(media) == 2
        for name in media:
            assert archive.read(name).startswith(b"\x89PNG\r\n\x1a\n")


def test_injection_strings_stay_inert_text(
    injected: tuple[bytes, RateTable, pl.DataFrame], injected_book: openpyxl.Workbook
) -> None:
    sheet = injected_book[UPLOADS_SHEET]
    header, _ = find(sheet, "番号")
    names = [sheet.cell(header, c).value for c in range(1, 10)]
    assert names == [
        "番号", "取込日時", "取込者", "ファイル名", "新規", "修正", "変更なし", "削除", "状態",
    ]  # fmt: skip
    by_id = {sheet.cell(r, 1).value: r for r in range(header + 1, sheet.max_row + 1)}
    assert set(by_id) == {1, 2, 3}
    cells: dict[int, dict[str, Any]] = {
        upload_id: {name: sheet.cell(row, c + 1) for c, name in enumerate(names)}
        for upload_id, row in by_id.items()
    }
    for upload_id, file_name, user in ((2, INJECTIONS[0], INJECTIONS[1]), (3, *INJECTIONS[2:])):
        assert cells[upload_id]["ファイル名"].data_type == "s"
        assert cells[upload_id]["ファイル名"].value == file_name
        assert cells[upload_id]["取込者"].data_type == "s"
        assert cells[upload_id]["取込者"].value == user
    assert (cells[2]["新規"].value, cells[2]["修正"].value) == (1, 1)
    assert cells[3]["状態"].value.startswith("取消済み")
    assert INJECTIONS[0] in cells[3]["状態"].value
    assert cells[1]["ファイル名"].value == store.SAMPLE_UPLOAD_NAME


def test_no_formula_anywhere(
    injected: tuple[bytes, RateTable, pl.DataFrame], injected_book: openpyxl.Workbook
) -> None:
    for sheet in injected_book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}"
    # The raw XML as well: no <f> element in any worksheet.
    with zipfile.ZipFile(io.BytesIO(injected[0])) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_scorecard_layout_and_status_words(fresh: openpyxl.Workbook) -> None:
    sheet = fresh[SCORECARD_SHEET]
    assert sheet["A1"].value == "オンライン利用率引上げの基本計画に係る進捗状況"
    texts = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert "最新データ R7.9、作成 令和7年12月" in texts
    assert SAMPLE_NOTICE in texts
    header, _ = find(sheet, "制度")
    headers = ["制度", "対象手続", "取組期間", "利用目標", "対応状況"]
    assert [sheet.cell(header, c).value for c in range(1, 6)] == headers
    merged = sorted(
        (r.min_row - header, r.max_row - header)
        for r in sheet.merged_cells.ranges
        if r.min_col == r.max_col == 1
    )
    assert merged == [(1, 4), (5, 7)]
    assert sheet.cell(header + 1, 1).value == "小規模"
    assert sheet.cell(header + 5, 1).value == "倒産防止"
    status = {sheet.cell(r, 2).value: sheet.cell(r, 1) for r in range(header + 9, sheet.max_row)}
    assert status["(小) 加入手続き"].value == "◎ 達成"
    assert status["(倒) 加入手続き"].value == "× 未達"
    assert status["(倒) 加入手続き"].fill.fill_type == "solid"
    assert any(str(v).startswith("— データなし") for v in texts)


def test_definitions_are_plain_paragraphs(fresh: openpyxl.Workbook) -> None:
    sheet = fresh[DEFINITIONS_SHEET]
    values = [str(c.value) for c in sheet["A"] if c.value is not None]
    assert "オンライン利用率" in values and "状況の判定" in values
    assert not any("**" in v or v.startswith("#") for v in values)
    assert sheet.column_dimensions["A"].width >= 80
    paragraph = next(c for c in sheet["A"] if str(c.value).startswith("最初に入っている"))
    assert paragraph.alignment.wrap_text
    assert "合成データ" in str(paragraph.value) and "実績ではありません" in str(paragraph.value)


def test_definition_paragraphs_strip_markdown() -> None:
    text = "### 見出し\n**太字** の文。\n続きの行。\n\n- 項目 **一**\n  続き\n"
    assert definition_paragraphs(text) == [
        ("見出し", True),
        ("太字 の文。続きの行。", False),
        ("・項目 一続き", False),
    ]
    assert len(definition_paragraphs(definitions_text())) > 10


def test_every_sheet_prints_a4_landscape_one_page_wide(fresh: openpyxl.Workbook) -> None:
    for sheet in fresh:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # fitToWidth is omitted from the file when it is the default, 1.
        assert (int(setup.fitToWidth or 1), int(setup.fitToHeight)) == (1, 0), sheet.title
    for name in (RATES_SHEET, MONTHLY_SHEET, UPLOADS_SHEET):
        assert fresh[name].print_title_rows, name
        assert fresh[name].freeze_panes, name


def test_cli_export_writes_a_readable_pack(tmp_path: Path) -> None:
    out = tmp_path / "pack.xlsx"
    db = tmp_path / "cli.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "KYOSAI_DB"}
    result = subprocess.run(
        [sys.executable, "-m", "kyosai", "export", "--out", str(out), "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert db.exists()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == list(SHEETS)
    header, _ = find(book[RATES_SHEET], "手続")
    # Another real reader (calamine via fastexcel) sees the rates as float fractions.
    frame = pl.read_excel(
        out, sheet_name=RATES_SHEET, read_options={"header_row": header - 1, "n_rows": 4}
    )
    assert frame.schema["R5.9"] == pl.Float64
    assert frame["R5.9"].to_list() == [0.171, 0.151, 0.061, 0.108]


def test_cli_export_without_out_is_a_usage_error() -> None:
    assert main(["export"]) == 2
