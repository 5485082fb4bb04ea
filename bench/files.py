"""Benchmark inputs: a staff-style wide quarterly workbook and a ten-year long history file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import xlsxwriter

from kyosai.calendar import add_months, month_label_long, months_between
from kyosai.catalog import Catalog, Procedure


def _counts(procedure: Procedure, month: date) -> tuple[int, int]:
    total = 1000 + 37 * (month.month + procedure.sort_order) + 11 * (month.year - 2015)
    return total * (15 + (month.month * 7 + procedure.sort_order) % 30) // 100, total


def wide_quarter_xlsx(
    catalog: Catalog, months: tuple[date, date, date], note: str = "※ 共済事業推進部 作成"
) -> bytes:
    """3 months × every procedure, as staff keep it: title, merged headings, 合計 row (a
    different `note` gives a different file with the same counts)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("四半期")
    sheet.write(0, 0, "オンライン利用率 四半期集計表")
    sheet.write(1, 0, note)
    sheet.merge_range(3, 0, 4, 0, "制度")
    sheet.merge_range(3, 1, 4, 1, "手続")
    for index, month in enumerate(months):
        column = 2 + 2 * index
        sheet.merge_range(3, column, 3, column + 1, month_label_long(month))
        sheet.write(4, column, "オンライン")
        sheet.write(4, column + 1, "全体")
    row = 5
    for scheme in catalog.schemes:
        procedures = catalog.procedures_of(scheme.scheme_id)
        sheet.merge_range(row, 0, row + len(procedures) - 1, 0, scheme.name)
        for procedure in procedures:
            sheet.write(row, 1, procedure.name)
            for index, month in enumerate(months):
                online, total = _counts(procedure, month)
                sheet.write(row, 2 + 2 * index, online)
                sheet.write(row, 3 + 2 * index, total)
            row += 1
    sheet.write(row, 0, "合計")
    workbook.close()
    return buffer.getvalue()


def _history_rows(catalog: Catalog, last: date, years: int) -> Iterator[tuple[str, str, date]]:
    first = add_months(last, -12 * years + 1)
    for procedure in catalog.procedures:
        start = max(first, procedure.online_start_month)
        for month in months_between(start, last):
            yield catalog.scheme(procedure.scheme_id).name, procedure.procedure_id, month


def long_history_xlsx(catalog: Catalog, last: date, years: int = 10) -> tuple[bytes, int]:
    """Ten years × every procedure in the long layout; returns the bytes and the row count.

    Procedures are written from their online start, since earlier months are refused.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("履歴")
    for column, heading in enumerate(["制度", "手続", "年月", "オンライン件数", "全体件数"]):
        sheet.write(0, column, heading)
    count = 0
    for row, (scheme, procedure_id, month) in enumerate(_history_rows(catalog, last, years), 1):
        procedure = catalog.procedure(procedure_id)
        online, total = _counts(procedure, month)
        sheet.write_row(row, 0, [scheme, procedure.name, f"{month:%Y-%m}", online, total])
        count = row
    workbook.close()
    return buffer.getvalue(), count
