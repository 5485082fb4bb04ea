"""The committee pack: one xlsx with 資料3's scorecard, rate table, counts, definitions, charts
and the upload record, built from the same CommitteeModel as the 会議資料 page."""

from __future__ import annotations

import io
import math
import re
import struct
import unicodedata
from datetime import date
from typing import Any

import duckdb
import polars as pl
import xlsxwriter

from kyosai import chart_png, charts
from kyosai.calendar import month_label
from kyosai.catalog import Catalog
from kyosai.committee import CommitteeChoice, CommitteeModel, committee
from kyosai.exports import PERIOD_GROUP_HEADING
from kyosai.pack_format import Formats, heading, page_setup
from kyosai.pack_outlook import OUTLOOK_SHEET, write_outlook
from kyosai.status import LOOKS, Status, legend, status_text
from kyosai.uploads import SHA_COLUMN, upload_log
from kyosai.views import definitions_text

SHEETS = ("スコアカード", "利用率", OUTLOOK_SHEET, "月次件数", "定義", "グラフ", "取込の記録")
SCORECARD_SHEET, RATES_SHEET, _, MONTHLY_SHEET, DEFINITIONS_SHEET, CHARTS_SHEET, UPLOADS_SHEET = (
    SHEETS
)
RATE_NOTE = (
    "オンライン利用率 ＝ Σオンライン件数 ÷ Σ全体件数（期間内の各月の件数を合計してから割る。"
    "各月の率の平均ではない）。0.1% 単位で四捨五入。R7.9 などは単月の値、期間集計は年度"
    "（4月〜翌3月）ごとの集計。空欄はデータなし。太字・網掛けは利用目標以上。"
)
# A4 landscape with 1.8 cm margins leaves about 26 cm of width, ~980 px at 96 dpi.
CHART_WIDTH_PX = 980
DEFAULT_ROW_PX = 20
DEFINITIONS_WIDTH = 110
SCORECARD_WIDTHS = (14, 30, 16, 12, 40)
UPLOAD_WIDTHS = {"番号": 7, "取込日時": 20, "取込者": 16, "ファイル名": 40, "状態": 34}


def _png_size(png: bytes) -> tuple[int, int, float, float]:
    """Width and height in pixels and the dpi (x, y) that Excel will size the image by."""
    width, height = struct.unpack(">II", png[16:24])
    dpi_x = dpi_y = 96.0
    offset = 8
    while offset + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        if kind == b"pHYs":
            per_x, per_y, unit = struct.unpack(">IIB", png[offset + 8 : offset + 17])
            if unit == 1 and per_x and per_y:
                dpi_x, dpi_y = per_x * 0.0254, per_y * 0.0254
            break
        if kind == b"IDAT":
            break
        offset += 12 + length
    return width, height, dpi_x, dpi_y


def _write_scorecard(book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats) -> None:
    sheet = book.add_worksheet(SCORECARD_SHEET)
    row = heading(sheet, model, fmt, "")
    columns = list(model.scorecard.columns)
    header_row = row
    for col, name in enumerate(columns):
        sheet.write_string(header_row, col, name, fmt.header)
    records = model.scorecard.rows(named=True)
    first = header_row + 1
    for offset, record in enumerate(records):
        for col, name in enumerate(columns[1:], start=1):
            sheet.write_string(first + offset, col, str(record[name]), fmt.text)
    # 制度 is merged down over its procedures, as in the seed's table.
    start = 0
    while start < len(records):
        end = start
        scheme = str(records[start]["制度"])
        while end + 1 < len(records) and records[end + 1]["制度"] == scheme:
            end += 1
        if end > start:
            sheet.merge_range(first + start, 0, first + end, 0, scheme, fmt.merged)
        else:
            sheet.write_string(first + start, 0, scheme, fmt.merged)
        start = end + 1

    row = first + len(records) + 1
    sheet.write_string(row, 0, "状況（当年度累計による判定）", fmt.heading)
    row += 1
    sheet.write_string(row, 0, "判定", fmt.header)
    sheet.write_string(row, 1, "手続", fmt.header)
    sheet.merge_range(row, 2, row, 4, "内容", fmt.header)
    row += 1
    for line in model.status:
        sheet.write_string(row, 0, status_text(line.status), fmt.status[line.style])
        sheet.write_string(row, 1, line.row_label, fmt.text)
        sheet.merge_range(row, 2, row, 4, line.detail, fmt.wrap)
        # A merged cell never grows on its own, so a long detail gets a second line here.
        if _display_width(line.detail) > sum(SCORECARD_WIDTHS[2:]) - 2:
            sheet.set_row(row, 32)
        row += 1
    missing = model.scorecard.height - len(model.status)
    if missing > 0:
        # The model judges only procedures with counts; the others are said to have none.
        no_data = LOOKS[Status.NO_DATA]
        sheet.write_string(row, 0, status_text(Status.NO_DATA), fmt.status[no_data.css])
        sheet.write_string(row, 1, f"上記以外の {missing} 手続", fmt.text)
        sheet.merge_range(
            row,
            2,
            row,
            4,
            "判定できる件数（全体件数が1件以上の月）がないため、判定しません",
            fmt.text,
        )
        row += 1
    sheet.write_string(row + 1, 0, legend(), fmt.note)
    sheet.write_string(row + 2, 0, "判定の基準は「定義」シートを参照。", fmt.note)

    for col, width in enumerate(SCORECARD_WIDTHS):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(header_row + 1, 0)
    page_setup(sheet, model, None)


def _write_rates(book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats) -> None:
    sheet = book.add_worksheet(RATES_SHEET)
    table = model.rates
    group_row = heading(sheet, model, fmt, "オンライン利用率")
    header_row = group_row + 1
    last_col = len(table.periods)
    fy_cols = [col for col, p in enumerate(table.periods, start=1) if p.kind == "fy"]
    if len(fy_cols) > 1:
        sheet.merge_range(
            group_row, fy_cols[0], group_row, fy_cols[-1], PERIOD_GROUP_HEADING, fmt.header
        )
    elif fy_cols:
        sheet.write_string(group_row, fy_cols[0], PERIOD_GROUP_HEADING, fmt.header)
    sheet.write_string(header_row, 0, "手続", fmt.header)
    for col, label in enumerate(table.labels, start=1):
        sheet.write_string(header_row, col, label, fmt.header)
    wide = table.wide()
    for offset, record in enumerate(wide.iter_rows(named=True), start=1):
        row = header_row + offset
        sheet.write_string(row, 0, record["row_label"], fmt.text)
        for col, (key, period) in enumerate(zip(table.keys, table.periods, strict=True), start=1):
            tenths = record[key]
            if tenths is None:
                sheet.write_blank(row, col, None, fmt.text)
            else:
                # The shown figure (tenths / 1000), so Excel displays exactly what kyosai does.
                met = table.meets_target(record["procedure_id"], tenths, period)
                sheet.write_number(row, col, tenths / 1000, fmt.met if met else fmt.percent)
    note_row = header_row + wide.height + 2
    sheet.merge_range(note_row, 0, note_row, max(last_col, 1), RATE_NOTE, fmt.wrap_note)
    sheet.set_row(note_row, 48)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, max(last_col, 1), 10.5)
    sheet.freeze_panes(header_row + 1, 1)
    page_setup(sheet, model, header_row)


def _write_monthly(book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats) -> None:
    sheet = book.add_worksheet(MONTHLY_SHEET)
    header_row = heading(sheet, model, fmt, "月次件数")
    headers = ["手続", "年月", "オンライン件数", "全体件数", "オンライン利用率"]
    for col, name in enumerate(headers):
        sheet.write_string(header_row, col, name, fmt.header)
    for offset, record in enumerate(model.monthly.iter_rows(named=True), start=1):
        row = header_row + offset
        sheet.write_string(row, 0, record["手続"], fmt.text)
        sheet.write_string(row, 1, month_label(record["month"]), fmt.center)
        sheet.write_number(row, 2, record["オンライン件数"], fmt.count)
        sheet.write_number(row, 3, record["全体件数"], fmt.count)
        if record["tenths"] is None:
            sheet.write_blank(row, 4, None, fmt.text)
        else:
            sheet.write_number(row, 4, record["tenths"] / 1000, fmt.percent)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 4, 16)
    sheet.freeze_panes(header_row + 1, 0)
    page_setup(sheet, model, header_row)


def definition_paragraphs(markdown: str) -> list[tuple[str, bool]]:
    """The markdown as plain paragraphs (text, is_heading): markers stripped, lines joined."""
    paragraphs: list[tuple[str, bool]] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            text = current[0]
            for part in current[1:]:
                # Japanese lines join without a space; Latin words keep one.
                text += part if not text.isascii() or not part.isascii() else f" {part}"
            paragraphs.append((text, False))
            current.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        plain = re.sub(r"\*\*|__|`", "", line)
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            paragraphs.append((plain.lstrip("#").strip(), True))
        elif re.match(r"[-*+] ", line):
            flush()
            current.append("・" + plain[2:].strip())
        else:
            current.append(plain)
    flush()
    return paragraphs


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_definitions(
    book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats, definitions: str
) -> None:
    sheet = book.add_worksheet(DEFINITIONS_SHEET)
    sheet.write_string(0, 0, "定義と出典", fmt.title)
    row = 2
    for text, is_heading in definition_paragraphs(definitions):
        if is_heading:
            row += 1 if row > 2 else 0
            sheet.write_string(row, 0, text, fmt.paragraph_heading)
        else:
            sheet.write_string(row, 0, text, fmt.paragraph)
            # Not every viewer fits wrapped rows on open, so the height is set from the text.
            lines = max(1, math.ceil(_display_width(text) / (DEFINITIONS_WIDTH - 4)))
            sheet.set_row(row, 17 * lines)
        row += 1
    sheet.set_column(0, 0, DEFINITIONS_WIDTH)
    page_setup(sheet, model, None)


def _write_charts(book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats) -> None:
    sheet = book.add_worksheet(CHARTS_SHEET)
    row = heading(sheet, model, fmt, "推移")
    breaks: list[int] = []
    last_col = 15
    if not model.charts:
        sheet.write_string(row, 0, charts.EMPTY_MESSAGE, fmt.note)
    for index, chart in enumerate(model.charts):
        if index:
            breaks.append(row)
        sheet.write_string(row, 0, chart.scheme_name, fmt.heading)
        png = chart_png.spec_to_png(chart.spec)
        width, height, dpi_x, dpi_y = _png_size(png)
        # Excel sizes an image by its dpi; the scale brings it to one landscape page width.
        shown_width = width * 96 / dpi_x
        scale = CHART_WIDTH_PX / shown_width
        shown_height = height * 96 / dpi_y * scale
        options: dict[str, Any] = {
            "image_data": io.BytesIO(png),
            "x_scale": scale,
            "y_scale": scale,
            "object_position": 3,
            "description": f"{chart.scheme_name} のオンライン利用率の推移",
        }
        sheet.insert_image(row + 1, 0, f"{chart.scheme_id}.png", options)
        row += 1 + math.ceil(shown_height / DEFAULT_ROW_PX) + 2
        last_col = max(last_col, math.ceil(CHART_WIDTH_PX / 64))
    if breaks:
        sheet.set_h_pagebreaks(breaks)
    # Images lie outside the used cells, so the print area is set to cover them.
    sheet.print_area(0, 0, max(row, 1), last_col)
    page_setup(sheet, model, None)


def _write_uploads(
    book: xlsxwriter.Workbook, model: CommitteeModel, fmt: Formats, uploads: pl.DataFrame
) -> None:
    sheet = book.add_worksheet(UPLOADS_SHEET)
    sheet.write_string(0, 0, "取込の記録", fmt.title)
    sheet.write_string(1, 0, "各数値がどのファイルから来たかの記録（新しい順）", fmt.note)
    header_row = 3
    # The printed record names files, not hashes: 取込履歴 shows those.
    uploads = uploads.drop(SHA_COLUMN, strict=False)
    for col, name in enumerate(uploads.columns):
        sheet.write_string(header_row, col, name, fmt.header)
    numeric = {name for name, dtype in uploads.schema.items() if dtype.is_numeric()}
    for offset, record in enumerate(uploads.iter_rows(named=True), start=1):
        row = header_row + offset
        for col, (name, value) in enumerate(record.items()):
            if name in numeric:
                sheet.write_number(row, col, value, fmt.integer if col == 0 else fmt.count)
            else:
                # Names and file names come from users: write_string keeps "=..." inert text.
                sheet.write_string(row, col, str(value or ""), fmt.wrap)
    for col, width in enumerate(UPLOAD_WIDTHS.get(name, 12) for name in uploads.columns):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(header_row + 1, 0)
    page_setup(sheet, model, header_row)


def committee_pack_xlsx(model: CommitteeModel, uploads: pl.DataFrame, definitions: str) -> bytes:
    """The committee pack as xlsx bytes: scorecard, rates, 見通し, counts, definitions, charts
    and uploads (the upload log as kyosai.uploads.upload_log lists it)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": model.title, "subject": "共済小委員会 資料（オンライン利用率）"})
    fmt = Formats(book)
    _write_scorecard(book, model, fmt)
    _write_rates(book, model, fmt)
    write_outlook(book, model, fmt)
    _write_monthly(book, model, fmt)
    _write_definitions(book, model, fmt, definitions)
    _write_charts(book, model, fmt)
    _write_uploads(book, model, fmt, uploads)
    book.close()
    return buffer.getvalue()


def build_pack(con: duckdb.DuckDBPyConnection, catalog: Catalog, today: date) -> bytes:
    """The default pack: every scheme, all data, with the upload record and definitions."""
    choice = CommitteeChoice(tuple(scheme.scheme_id for scheme in catalog.schemes))
    model = committee(con, catalog, choice, today)
    return committee_pack_xlsx(model, upload_log(con), definitions_text())
