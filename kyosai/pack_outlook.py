"""The committee pack's 見通し sheet: each procedure's outlook for the fiscal year, in numbers."""

from __future__ import annotations

import xlsxwriter

from kyosai.calendar import fiscal_year_label, month_label
from kyosai.committee import CommitteeModel
from kyosai.outlook import ASSUMPTIONS, OutlookStatus
from kyosai.pack_format import Formats, heading, page_setup

OUTLOOK_SHEET = "見通し"
HEADERS = (
    "手続", "年度", "基準月", "年度累計", "残り月数", "見込み", "利用目標",
    "必要オンライン件数", "月あたり", "見通し",
)  # fmt: skip
WIDTHS = (20, 11, 9, 11, 9, 11, 10, 17, 11, 14)
# The fills of the status vocabulary: on track as met, short as in progress, out of reach as
# missed (the word in the cell carries the meaning in grey-scale).
STATUS_LOOK = {
    OutlookStatus.ON_TRACK: "met",
    OutlookStatus.NEEDS_MORE: "progress",
    OutlookStatus.OUT_OF_REACH: "missed",
}


def write_outlook(book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats) -> None:
    """One row per procedure with figures this year; rates as the shown tenths."""
    sheet = book.add_worksheet(OUTLOOK_SHEET)
    header_row = heading(sheet, model, fmt, "今年度の見通し")
    for col, name in enumerate(HEADERS):
        sheet.write_string(header_row, col, name, fmt.header)
    for offset, (label, item) in enumerate(model.outlook_items, start=1):
        row = header_row + offset
        sheet.write_string(row, 0, label, fmt.text)
        sheet.write_string(row, 1, fiscal_year_label(item.fiscal_year), fmt.center)
        sheet.write_string(row, 2, month_label(item.as_of), fmt.center)
        for col, tenths in ((3, item.ytd_tenths), (5, item.projected_tenths)):
            if tenths is None:
                sheet.write_blank(row, col, None, fmt.text)
            else:
                sheet.write_number(row, col, tenths / 1000, fmt.percent)
        sheet.write_number(row, 4, item.remaining_months, fmt.integer)
        sheet.write_number(row, 6, float(item.target), fmt.percent)
        done = item.remaining_months == 0
        if done:
            sheet.write_blank(row, 7, None, fmt.text)
            sheet.write_blank(row, 8, None, fmt.text)
        else:
            sheet.write_number(row, 7, item.needed, fmt.count)
            sheet.write_number(row, 8, item.per_month or 0, fmt.count)
        sheet.write_string(row, 9, str(item.status), fmt.status[STATUS_LOOK[item.status]])
    note_row = header_row + len(model.outlook_items) + 2
    sheet.merge_range(note_row, 0, note_row, len(HEADERS) - 1, ASSUMPTIONS, fmt.wrap_note)
    sheet.set_row(note_row, 36)
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(header_row + 1, 1)
    page_setup(sheet, model, header_row)
