"""Real quarterly upload files for the tests, written with xlsxwriter."""

from __future__ import annotations

import io
from datetime import date

import xlsxwriter

from kyosai.calendar import month_label_long
from kyosai.catalog import default_catalog

QUARTER_MONTHS = (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1))


def quarter_counts(seed: int = 0) -> dict[tuple[str, date], tuple[int, int]]:
    """Plausible counts for R7.10–R7.12 for every procedure: (online, total)."""
    counts = {}
    for index, procedure in enumerate(default_catalog().procedures):
        for offset, month in enumerate(QUARTER_MONTHS):
            total = 1000 + 100 * index + 10 * offset + seed
            counts[(procedure.procedure_id, month)] = (total * (30 + index) // 100, total)
    return counts


HEADERS = ["制度", "手続", "年月", "オンライン件数", "全体件数"]
TITLE = "オンライン利用率 四半期報告"


def long_rows(
    counts: dict[tuple[str, date], tuple[int, int]],
    overrides: dict[tuple[str, date], tuple[object, object]] | None = None,
) -> list[list[object]]:
    """The cells of a long-layout sheet, top to bottom: a title, a blank row, headers, counts."""
    catalog = default_catalog()
    rows: list[list[object]] = [[TITLE], [], list(HEADERS)]
    for (procedure_id, month), values in counts.items():
        procedure = catalog.procedure(procedure_id)
        online, total = (overrides or {}).get((procedure_id, month), values)
        scheme = catalog.scheme(procedure.scheme_id).name
        rows.append([scheme, procedure.name, month_label_long(month), online, total])
    return rows


def long_xlsx(
    counts: dict[tuple[str, date], tuple[int, int]],
    overrides: dict[tuple[str, date], tuple[object, object]] | None = None,
) -> bytes:
    """A long-layout workbook (制度, 手続, 年月, オンライン件数, 全体件数) with a title row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("件数")
    for row, cells in enumerate(long_rows(counts, overrides)):
        for col, value in enumerate(cells):
            sheet.write(row, col, value)
    workbook.close()
    return buffer.getvalue()
