"""The upload template: pre-filled rows, drop-downs, instructions, the round trip through parse."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kyosai.calendar import FiscalQuarter, parse_fiscal_quarter
from kyosai.catalog import default_catalog
from kyosai.ingest.parse import parse_upload
from kyosai.ingest.template import template_xlsx

R7Q3 = FiscalQuarter(2025, 3)
AFTER_R7Q3 = date(2026, 1, 15)


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def data_rows(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]


def test_r7q3_lists_every_procedure_for_october_to_december() -> None:
    assert parse_fiscal_quarter("R7Q3") == R7Q3
    book = load(template_xlsx(default_catalog(), R7Q3))
    assert book.sheetnames == ["入力", "記入方法"]
    sheet = book["入力"]
    assert [c.value for c in sheet[1]] == ["制度", "手続", "年月", "オンライン件数", "全体件数"]
    rows = data_rows(sheet)
    assert len(rows) == 7 * 3
    assert {row[2] for row in rows} == {"2025年10月", "2025年11月", "2025年12月"}
    catalog = default_catalog()
    expected = {
        (catalog.scheme(p.scheme_id).name, p.name, f"2025年{m}月")
        for p in catalog.procedures
        for m in (10, 11, 12)
    }
    assert {row[:3] for row in rows} == expected
    assert all(row[3] is None and row[4] is None for row in rows)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 25


def test_procedures_not_yet_online_are_left_out() -> None:
    sheet = load(template_xlsx(default_catalog(), FiscalQuarter(2025, 2)))["入力"]
    rows = data_rows(sheet)
    # Four procedures for July–September, the three opened on 2025-09-22 for September only.
    assert len(rows) == 4 * 3 + 3
    september_only = {row[1] for row in rows if row[2] != "2025年9月"}
    assert "解約関係手続" not in september_only
    assert "給付関係手続" not in september_only


def test_drop_downs_and_whole_number_validation() -> None:
    sheet = load(template_xlsx(default_catalog(), R7Q3))["入力"]
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    scheme, procedure, counts = (
        validations["A2:A1001"],
        validations["B2:B1001"],
        validations["D2:E1001"],
    )
    assert scheme.type == "list"
    assert scheme.formula1 == '"小規模企業共済,中小企業倒産防止共済"'
    assert procedure.type == "list"
    names = procedure.formula1.strip('"').split(",")
    assert names == [
        "加入関係手続",
        "保全関係手続（掛金月額変更）",
        "掛金納付月数の通算申出",
        "給付関係手続",
        "解約関係手続",
    ]
    assert (counts.type, counts.operator, counts.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert counts.error


def test_instructions_sheet() -> None:
    sheet = load(template_xlsx(default_catalog(), R7Q3, today=date(2025, 12, 10)))["記入方法"]
    text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    for phrase in (
        "R7Q3",
        "2025年10月",
        "全体件数",
        "オンライン＋書面＋その他",
        "合計の行は不要",
        "データ取込",
        "R7.10",
        "作成日：2025年12月10日",
    ):
        assert phrase in text


def test_same_quarter_gives_the_same_bytes() -> None:
    catalog = default_catalog()
    assert template_xlsx(catalog, R7Q3) == template_xlsx(catalog, R7Q3)


def fill(data: bytes, values: dict[int, tuple[int, int]]) -> bytes:
    book = load(data)
    sheet = book["入力"]
    for row, (online, total) in values.items():
        sheet.cell(row=row, column=4, value=online)
        sheet.cell(row=row, column=5, value=total)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_filled_template_round_trips_exactly() -> None:
    catalog = default_catalog()
    data = template_xlsx(catalog, R7Q3)
    rows = data_rows(load(data)["入力"])
    values = {n: (n * 7, n * 31 + 5) for n in range(2, len(rows) + 2)}
    result = parse_upload(fill(data, values), "template.xlsx", catalog, AFTER_R7Q3)
    assert result.ok, [p.message for p in result.problems]
    assert result.layout == "long"
    assert result.sheets == ["入力"]
    by_name = {
        (catalog.scheme(p.scheme_id).name, p.name): p.procedure_id for p in catalog.procedures
    }
    expected = [
        (by_name[(str(r[0]), str(r[1]))], date(2025, int(str(r[2])[5:-1]), 1), *values[n])
        for n, r in enumerate(rows, start=2)
    ]
    got = [
        (r["procedure_id"], r["month"], r["online"], r["total"])
        for r in result.rows.iter_rows(named=True)
    ]
    assert got == expected


def test_partly_filled_template_reads_only_the_filled_months() -> None:
    catalog = default_catalog()
    data = template_xlsx(catalog, R7Q3)
    # Mid-November: only October is known; November and December stay empty.
    values = {n: (1, 2) for n in range(2, 23) if (n - 2) % 3 == 0}
    result = parse_upload(fill(data, values), "t.xlsx", catalog, date(2025, 11, 20))
    assert result.ok, [p.message for p in result.problems]
    assert set(result.rows["month"].to_list()) == {date(2025, 10, 1)}
    assert len(result.rows) == 7


@pytest.mark.parametrize("quarter", [FiscalQuarter(2023, 2), FiscalQuarter(2024, 4)])
def test_any_quarter_round_trips(quarter: FiscalQuarter) -> None:
    catalog = default_catalog()
    data = template_xlsx(catalog, quarter)
    count = len(data_rows(load(data)["入力"]))
    result = parse_upload(
        fill(data, {n: (0, 0) for n in range(2, count + 2)}), "t.xlsx", catalog, AFTER_R7Q3
    )
    assert result.ok, [p.message for p in result.problems]
    assert len(result.rows) == count


def test_empty_template_says_nothing_was_entered() -> None:
    result = parse_upload(
        template_xlsx(default_catalog(), R7Q3), "t.xlsx", default_catalog(), AFTER_R7Q3
    )
    assert [p.location for p in result.problems] == ["シート「入力」"]
    assert "件数が1件も入力されていません" in result.problems[0].message
