"""The downloadable upload template: the long layout pre-filled for a quarter, and instructions."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

from kyosai.calendar import FiscalQuarter, fiscal_year_label
from kyosai.catalog import Catalog, Procedure
from kyosai.ingest.problems import month_text

INPUT_SHEET = "入力"
GUIDE_SHEET = "記入方法"
HEADERS = ("制度", "手続", "年月", "オンライン件数", "全体件数")
WIDTHS = (24, 30, 14, 16, 14)
# Validation reaches well below the pre-filled rows, so rows staff add are checked too.
VALIDATED_ROWS = 1000
# xlsxwriter needs a fixed creation time for the same quarter to give the same bytes.
_FIXED_CREATED = datetime(2000, 1, 1)


def template_rows(catalog: Catalog, quarter: FiscalQuarter) -> list[tuple[Procedure, date]]:
    """The (procedure, month) pairs the template lists: the quarter's months, online ones only."""
    return [
        (procedure, month)
        for procedure in catalog.procedures
        for month in quarter.months
        if procedure.online_start_month <= month
    ]


def _quarter_title(quarter: FiscalQuarter) -> str:
    first, _, last = quarter.months
    return (
        f"{fiscal_year_label(quarter.fiscal_year)} 第{quarter.quarter}四半期（{quarter.label}："
        f"{month_text(first)}〜{month_text(last)}）"
    )


def _write_input(
    workbook: xlsxwriter.Workbook, sheet: Worksheet, catalog: Catalog, quarter: FiscalQuarter
) -> None:
    header = workbook.add_format(
        {
            "bold": True,
            "bg_color": "#1F4E79",
            "font_color": "#FFFFFF",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    label = workbook.add_format({"border": 1})
    month = workbook.add_format({"border": 1, "num_format": "@", "align": "center"})
    count = workbook.add_format(
        {"border": 1, "num_format": "#,##0", "bg_color": "#FFF2CC", "locked": False}
    )
    for column, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write_string(0, column, title, header)
        sheet.set_column(column, column, width)
    sheet.set_row(0, 24)
    rows = template_rows(catalog, quarter)
    for index, (procedure, when) in enumerate(rows, start=1):
        sheet.write_string(index, 0, catalog.scheme(procedure.scheme_id).name, label)
        sheet.write_string(index, 1, procedure.name, label)
        # Text, not a date: Excel would show a date cell as 2025/10/1 and staff retype it.
        sheet.write_string(index, 2, month_text(when), month)
        sheet.write_blank(index, 3, None, count)
        sheet.write_blank(index, 4, None, count)
    sheet.freeze_panes(1, 0)
    last = max(len(rows), 1)
    sheet.autofilter(0, 0, last, len(HEADERS) - 1)
    scheme_names = [scheme.name for scheme in catalog.schemes]
    procedure_names = list(dict.fromkeys(p.name for p in catalog.procedures))
    sheet.data_validation(
        1,
        0,
        VALIDATED_ROWS,
        0,
        {
            "validate": "list",
            "source": scheme_names,
            "error_title": "制度",
            "error_message": "一覧から制度を選んでください。",
        },
    )
    sheet.data_validation(
        1,
        1,
        VALIDATED_ROWS,
        1,
        {
            "validate": "list",
            "source": procedure_names,
            "error_title": "手続",
            "error_message": "一覧から手続を選んでください。",
        },
    )
    sheet.data_validation(
        1,
        3,
        VALIDATED_ROWS,
        4,
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": "件数",
            "error_message": "件数は0以上の整数で入力してください。",
            "input_title": "件数",
            "input_message": "0以上の整数（カンマなし）",
        },
    )


def _guide_lines(
    catalog: Catalog, quarter: FiscalQuarter, today: date | None
) -> list[tuple[str, str]]:
    schemes = "または".join(f"「{s.name}」" for s in catalog.schemes)
    first = month_text(quarter.months[0])
    lines = [
        (f"オンライン利用件数 入力テンプレート　{_quarter_title(quarter)}", ""),
        ("", ""),
        ("使い方", ""),
        (
            "1",
            "「入力」シートの黄色いセルに、手続・月ごとの件数を入力してください。制度・手続・年月は入力済みです。",
        ),
        ("2", "保存したファイルを、アプリの「データ取込」ページからアップロードしてください。"),
        (
            "3",
            "取り込む前に内容（新しい行・修正される行・利用率）が表示されます。確認してから「この内容で登録する」を押してください。",
        ),
        ("", ""),
        ("列", "説明"),
        (HEADERS[0], f"{schemes}。一覧から選べます。"),
        (
            HEADERS[1],
            "対象手続の名前。一覧から選べます（加入関係手続、保全関係手続（掛金月額変更）など）。",
        ),
        (
            HEADERS[2],
            f"件数の月。「{first}」のように書きます（2025/10、R7.10、令和7年10月 でも読めます）。",
        ),
        (HEADERS[3], "その月にオンラインで受け付けた件数。0以上の整数で入力します。"),
        (
            HEADERS[4],
            "その月に受け付けたすべての件数 ＝ オンライン＋書面＋その他。"
            "オンライン件数より少なくはなりません。",
        ),
        ("", ""),
        ("注意", ""),
        ("・", "合計の行は不要です（入力しても読み飛ばします）。"),
        (
            "・",
            "件数がまだ分からない月は、オンライン件数・全体件数とも空欄のままにしてください（その行は取り込みません）。",
        ),
        ("・", "まだ来ていない月や、オンライン受付開始前の月の件数は取り込めません。"),
        (
            "・",
            "同じ手続・同じ月の行は1行だけにしてください。行を追加するときは制度・手続・年月も入力してください。",
        ),
        ("・", "ファイルは .xlsx のまま保存してください（CSV で保存する場合は「CSV UTF-8」）。"),
    ]
    if today is not None:
        lines.append(("", f"作成日：{today.year}年{today.month}月{today.day}日"))
    return lines


def _write_guide(
    workbook: xlsxwriter.Workbook, sheet: Worksheet, lines: list[tuple[str, str]]
) -> None:
    title = workbook.add_format({"bold": True, "font_size": 14})
    heading = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 90)
    for row, (left, right) in enumerate(lines):
        if row == 0:
            sheet.write_string(row, 0, left, title)
        elif left in ("使い方", "列", "注意"):
            sheet.write_string(row, 0, left, heading)
            if right:
                sheet.write_string(row, 1, right, heading)
        else:
            if left:
                sheet.write_string(row, 0, left, wrap)
            if right:
                sheet.write_string(row, 1, right, wrap)


def template_xlsx(catalog: Catalog, quarter: FiscalQuarter, today: date | None = None) -> bytes:
    """The upload template for `quarter` as xlsx bytes (sheets 入力 and 記入方法)."""
    import xlsxwriter  # loads with the first template, not with the first page

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    created = datetime(today.year, today.month, today.day) if today else _FIXED_CREATED
    workbook.set_properties(
        {"title": f"オンライン利用件数 入力テンプレート {quarter.label}", "created": created}
    )
    _write_input(workbook, workbook.add_worksheet(INPUT_SHEET), catalog, quarter)
    _write_guide(
        workbook, workbook.add_worksheet(GUIDE_SHEET), _guide_lines(catalog, quarter, today)
    )
    workbook.close()
    return buffer.getvalue()
