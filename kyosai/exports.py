"""CSV and xlsx downloads of the rate table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from kyosai.percent import format_tenths_number
from kyosai.rates import RateTable

PERIOD_GROUP_HEADING = "期間集計"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as typed: a leading = + - @ no longer starts a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def table_rows(table: RateTable) -> list[list[str]]:
    """The rate table as text: header 制度, 手続, period labels; cells like `38.2`."""
    rows = [["制度", "手続", *table.labels]]
    for record in table.wide().iter_rows(named=True):
        cells = [format_tenths_number(record[key]) for key in table.keys]
        rows.append([safe_text(record["scheme"]), safe_text(record["procedure"]), *cells])
    return rows


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text with Unix line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def table_csv_bytes(table: RateTable, notes: Sequence[str] = ()) -> bytes:
    """The rate table as CSV in UTF-8 with a BOM, so Excel opens the Japanese correctly; the
    notes (the data's date, the sample note) first, a line each, then a blank line."""
    head = [[note] for note in notes] + ([[]] if notes else [])
    return csv_text(head + table_rows(table)).encode("utf-8-sig")


def table_xlsx_bytes(table: RateTable, title: str, notes: Sequence[str] = ()) -> bytes:
    """The rate table as an xlsx sheet: rates as numbers with a 0.0% format, 期間集計 merged,
    the notes under the title, and a page set up to print (A4 landscape, one page wide, the
    headings repeated, page numbers)."""
    import xlsxwriter  # loads with the first download, not with the first page

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("オンライン利用率")
    heading = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}
    )
    text = workbook.add_format({"border": 1})
    percent = workbook.add_format({"num_format": "0.0%", "border": 1})
    met = workbook.add_format(
        {"num_format": "0.0%", "border": 1, "bold": True, "bg_color": "#E2EFDA"}
    )

    sheet.write(0, 0, title, heading)
    note_format = workbook.add_format({"font_color": "#5C4400"})
    for offset, note in enumerate(notes, start=1):
        sheet.write_string(offset, 0, safe_text(note), note_format)
    header_row = 2 + len(notes) + (1 if notes else 0)
    first_fy = next((i for i, p in enumerate(table.periods) if p.kind == "fy"), None)
    if first_fy is not None:
        fy_first_col, fy_last_col = 2 + first_fy, 1 + len(table.periods)
        if fy_last_col > fy_first_col:
            sheet.merge_range(
                header_row - 1,
                fy_first_col,
                header_row - 1,
                fy_last_col,
                PERIOD_GROUP_HEADING,
                header,
            )
        else:
            sheet.write(header_row - 1, fy_first_col, PERIOD_GROUP_HEADING, header)
    for col, label in enumerate(["制度", "手続", *table.labels]):
        sheet.write(header_row, col, label, header)
    wide = table.wide()
    for offset, record in enumerate(wide.iter_rows(named=True), start=1):
        row = header_row + offset
        sheet.write_string(row, 0, safe_text(record["scheme"]), text)
        sheet.write_string(row, 1, safe_text(record["procedure"]), text)
        for col, (key, period) in enumerate(zip(table.keys, table.periods, strict=True), start=2):
            tenths = record[key]
            if tenths is None:
                sheet.write_blank(row, col, None, text)
            else:
                # The shown figure, not the raw ratio: Excel must display exactly what kyosai does.
                hit = table.meets_target(record["procedure_id"], tenths, period)
                cell_format = met if hit else percent
                sheet.write_number(row, col, tenths / 1000, cell_format)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 1 + len(table.periods), 11)
    sheet.freeze_panes(header_row + 1, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row - 1, header_row)
    sheet.set_footer("&R&P / &N")
    workbook.close()
    return buffer.getvalue()
