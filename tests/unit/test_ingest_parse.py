"""parse_upload on real files: xlsx written with xlsxwriter and CSV bytes, in both layouts."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kyosai.calendar import add_months
from kyosai.catalog import Catalog, default_catalog
from kyosai.ingest.parse import ParseResult, parse_upload

TODAY = date(2025, 12, 10)
LONG_HEADER = ("制度", "手続", "年月", "オンライン件数", "全体件数")
Cell = str | int | float | date | datetime | None


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def xlsx(build: Callable[[Workbook], None]) -> bytes:
    buffer = io.BytesIO()
    # Dates written without a format of their own still become real Excel date cells.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy/m"})
    build(workbook)
    workbook.close()
    return buffer.getvalue()


def write_rows(
    sheet: Worksheet, rows: Sequence[Sequence[Cell]], first_row: int = 0, first_col: int = 0
) -> None:
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(first_row + r, first_col + c, value)


def add_sheet(workbook: Workbook, name: str) -> Worksheet:
    return workbook.add_worksheet(name)


def long_xlsx(
    rows: Sequence[Sequence[Cell]], sheet: str = "入力", above: Sequence[Sequence[Cell]] = ()
) -> bytes:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, sheet)
        write_rows(ws, [*above, LONG_HEADER, *rows])

    return xlsx(build)


def parse(data: bytes, name: str = "f.xlsx") -> ParseResult:
    return parse_upload(data, name, default_catalog(), TODAY)


def as_tuples(result: ParseResult) -> list[tuple[str, date, int, int]]:
    return [
        (r["procedure_id"], r["month"], r["online"], r["total"])
        for r in result.rows.iter_rows(named=True)
    ]


def texts(result: ParseResult) -> list[str]:
    return [p.message for p in result.problems]


OCT, NOV, DEC = date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)


# --- long layout ------------------------------------------------------------------------------


def test_long_xlsx_with_title_rows_keeps_real_row_numbers() -> None:
    data = long_xlsx(
        [
            ("小規模企業共済", "加入関係手続", "2025年10月", 1200, 5000),
            ("小規模企業共済", "保全関係手続（掛金月額変更）", "2025年10月", 300, 900),
            ("中小企業倒産防止共済", "解約関係手続", "2025年10月", 40, 410),
        ],
        above=[("令和7年度 オンライン利用件数",), ("単位：件",), ()],
    )
    result = parse(data)
    assert result.ok, texts(result)
    assert result.layout == "long"
    assert result.sheets == ["入力"]
    assert as_tuples(result) == [
        ("shokibo_kanyu", OCT, 1200, 5000),
        ("shokibo_hozen", OCT, 300, 900),
        ("tosan_kaiyaku", OCT, 40, 410),
    ]
    assert result.rows["source"].to_list() == [f"シート「入力」{n}行目" for n in (5, 6, 7)]
    assert result.rows.schema == pl.Schema(
        {
            "procedure_id": pl.String,
            "month": pl.Date,
            "online": pl.Int64,
            "total": pl.Int64,
            "source": pl.String,
        }
    )


def test_long_accepts_aliases_month_forms_and_number_forms() -> None:
    data = long_xlsx(
        [
            ("小規模", "加入手続き", "2025-10", "１，２３４", " 5,000 "),
            ("(小)", "保全", "2025/10", 12.0, "１００"),
            ("小規模企業共済", "掛金月額変更", "R7.11", 7, 70),
            ("倒産防止", "加入", "令和7年11月", 3, 30),
            ("経営セーフティ共済", "保全手続き", datetime(2025, 12, 1), 1, 10),
            (None, "(倒) 解約手続き", date(2025, 12, 15), 2, 20),
            ("小規模企業共済", "通算申出", "2025年12月", 0, 0),
        ]
    )
    result = parse(data)
    assert result.ok, texts(result)
    assert as_tuples(result) == [
        ("shokibo_kanyu", OCT, 1234, 5000),
        ("shokibo_hozen", OCT, 12, 100),
        ("shokibo_hozen", NOV, 7, 70),
        ("tosan_kanyu", NOV, 3, 30),
        ("tosan_hozen", DEC, 1, 10),
        ("tosan_kaiyaku", DEC, 2, 20),
        ("shokibo_tsusan", DEC, 0, 0),
    ]


def test_row_label_with_scheme_prefix_and_no_scheme_column() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "data")
        write_rows(
            ws,
            [
                ("手続", "年月", "オンライン件数", "全体件数"),
                ("(小) 加入手続き", "R7.10", 5, 50),
                ("（倒）保全手続き", "R7.10", 6, 60),
            ],
        )

    result = parse(xlsx(build))
    assert result.ok, texts(result)
    assert as_tuples(result) == [("shokibo_kanyu", OCT, 5, 50), ("tosan_hozen", OCT, 6, 60)]


def test_merged_scheme_and_procedure_cells_in_long_layout_are_filled_down() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "入力")
        write_rows(ws, [LONG_HEADER])
        ws.merge_range("A2:A4", "小規模企業共済")
        ws.merge_range("B2:B3", "加入関係手続")
        ws.write("B4", "保全関係手続")
        write_rows(ws, [("2025年10月", 1, 10), ("2025年11月", 2, 20), ("2025年10月", 3, 30)], 1, 2)

    result = parse(xlsx(build))
    assert result.ok, texts(result)
    assert as_tuples(result) == [
        ("shokibo_kanyu", OCT, 1, 10),
        ("shokibo_kanyu", NOV, 2, 20),
        ("shokibo_hozen", OCT, 3, 30),
    ]


def test_paper_column_gives_total_as_online_plus_paper() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "入力")
        write_rows(
            ws,
            [("制度", "手続", "年月", "オンライン", "書面"), ("小規模", "加入", "R7.10", 10, 90)],
        )

    result = parse(xlsx(build))
    assert result.ok, texts(result)
    assert as_tuples(result) == [("shokibo_kanyu", OCT, 10, 100)]


def test_table_not_in_column_a_names_real_cells() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "入力")
        write_rows(
            ws, [LONG_HEADER, ("小規模", "加入", "R7.10", "abc", 10)], first_row=3, first_col=1
        )

    result = parse(xlsx(build))
    assert texts(result) == [
        "シート「入力」セル E5: 「abc」は件数として読めません。0以上の整数を入力してください。"
        "（(小) 加入手続き R7.10 の行）"
    ]


# --- CSV --------------------------------------------------------------------------------------

CSV_TEXT = (
    "オンライン利用件数（令和7年10月分）\n"
    "\n"
    "制度,手続,年月,オンライン件数,全体件数\n"
    '小規模企業共済,加入関係手続,2025年10月,"1,234",５０００\n'
    "倒産防止,保全,R7.10,12,100\n"
    "合計,,,1246,5100\n"
    "※ 全体件数はオンライン＋書面＋その他\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_long_csv_in_each_encoding(encoding: str) -> None:
    result = parse(CSV_TEXT.encode(encoding), "counts.csv")
    assert result.ok, texts(result)
    assert result.layout == "long"
    assert result.sheets == []
    assert as_tuples(result) == [("shokibo_kanyu", OCT, 1234, 5000), ("tosan_hozen", OCT, 12, 100)]
    assert result.rows["source"].to_list() == ["CSV 4行目", "CSV 5行目"]


def test_csv_problems_name_the_line() -> None:
    text = CSV_TEXT.replace("倒産防止,保全,R7.10,12,100", "倒産防止,保全,R7.10,120,100")
    result = parse(text.encode("cp932"), "counts.csv")
    assert texts(result) == [
        "CSV 5行目 D列: オンライン件数（120）が全体件数（100、E列）より多くなっています。"
        "全体件数はオンライン＋書面＋その他の合計です。（(倒) 保全手続き R7.10 の行）"
    ]
    assert result.problems[0].location == "CSV 5行目 D列"
    assert result.problems[0].found == "120"


def test_tab_separated_text_is_read() -> None:
    text = "制度\t手続\t年月\tオンライン件数\t全体件数\n小規模\t加入\t2025/11\t3\t9\n"
    result = parse(text.encode("utf-8"), "counts.csv")
    assert as_tuples(result) == [("shokibo_kanyu", NOV, 3, 9)]


# --- wide layout ------------------------------------------------------------------------------


def staff_wide(
    workbook: Workbook, name: str, months: Sequence[Cell], values: dict[str, list[Cell]]
) -> None:
    """A sheet as staff keep it: title, merged month headings, merged 制度, 合計 row, notes."""
    ws = add_sheet(workbook, name)
    ws.write("A1", "オンライン利用率の推移（件数）")
    ws.write("A2", "（単位：件）")
    ws.merge_range("A4:A5", "制度")
    ws.merge_range("B4:B5", "手続")
    for i, month in enumerate(months):
        ws.merge_range(3, 2 + 2 * i, 3, 3 + 2 * i, month)
        ws.write(4, 2 + 2 * i, "オンライン")
        ws.write(4, 3 + 2 * i, "全体")
    labels = [
        ("小規模企業共済", ["加入手続き", "保全手続き", "通算申出", "給付手続き"]),
        ("中小企業倒産防止共済", ["加入手続き", "保全手続き", "解約手続き"]),
    ]
    row = 5
    for scheme, procedures in labels:
        ws.merge_range(row, 0, row + len(procedures) - 1, 0, scheme)
        for procedure in procedures:
            ws.write(row, 1, procedure)
            write_rows(ws, [values.get(f"{scheme[:2]}{procedure}", [])], row, 2)
            row += 1
    ws.write(row, 0, "合計")
    write_rows(ws, [[999] * (2 * len(months))], row, 2)
    ws.write(row + 2, 0, "※ 全体件数はオンライン・書面・その他の合計")


def test_wide_staff_layout() -> None:
    values: dict[str, list[Cell]] = {
        "小規加入手続き": [10, 100, 11, 110, 12, 120],
        "小規保全手続き": [5, 50, 6, 60, 7, 70],
        "小規通算申出": [None, None, "-", "-", 1, 3],
        "中小加入手続き": [2, 20, 3, 30, "1,234", "5,678"],
        "中小解約手続き": [None, None, None, None, 4, 40],
    }
    data = xlsx(lambda wb: staff_wide(wb, "7-9月", ["R7.7", "2025年8月", "令和7年9月"], values))
    result = parse(data)
    assert result.ok, texts(result)
    assert result.layout == "wide"
    assert result.sheets == ["7-9月"]
    jul, aug, sep = date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)
    assert as_tuples(result) == [
        ("shokibo_kanyu", jul, 10, 100),
        ("shokibo_kanyu", aug, 11, 110),
        ("shokibo_kanyu", sep, 12, 120),
        ("shokibo_hozen", jul, 5, 50),
        ("shokibo_hozen", aug, 6, 60),
        ("shokibo_hozen", sep, 7, 70),
        ("shokibo_tsusan", sep, 1, 3),
        ("tosan_kanyu", jul, 2, 20),
        ("tosan_kanyu", aug, 3, 30),
        ("tosan_kanyu", sep, 1234, 5678),
        ("tosan_kaiyaku", sep, 4, 40),
    ]
    assert result.rows["source"][0] == "シート「7-9月」6行目"


def test_wide_values_before_online_start_are_problems() -> None:
    values: dict[str, list[Cell]] = {"中小解約手続き": [2, 20, 3, 30, 4, 40]}
    data = xlsx(lambda wb: staff_wide(wb, "7-9月", ["R7.7", "R7.8", "R7.9"], values))
    result = parse(data)
    assert texts(result) == [
        "シート「7-9月」セル C12: 2025年7月は解約関係手続（中小企業倒産防止共済）のオンライン受付"
        "開始"
        "（2025年9月）より前です。2025年9月以降の件数を入力してください。",
        "シート「7-9月」セル E12: 2025年8月は解約関係手続（中小企業倒産防止共済）のオンライン受付"
        "開始"
        "（2025年9月）より前です。2025年9月以降の件数を入力してください。",
    ]
    assert as_tuples(result) == [("tosan_kaiyaku", date(2025, 9, 1), 4, 40)]


def test_wide_quarter_sheets_next_to_an_instructions_sheet() -> None:
    def build(workbook: Workbook) -> None:
        guide = workbook.add_worksheet("記入方法")
        guide.write("A1", "手続")
        guide.write("B1", "手続の名前を書きます")
        guide.write("A2", "年月")
        guide.write("B2", "2025年10月 のように書きます")
        staff_wide(
            workbook, "7-9月", ["R7.7", "R7.8", "R7.9"], {"小規加入手続き": [1, 10, 2, 20, 3, 30]}
        )
        staff_wide(
            workbook,
            "10-12月",
            [date(2025, 10, 1), date(2025, 11, 1)],
            {"小規加入手続き": [4, 40, 5, 50]},
        )
        hidden = workbook.add_worksheet("old")
        write_rows(hidden, [LONG_HEADER, ("小規模", "加入", "R7.7", 99, 999)])
        hidden.hide()

    result = parse(xlsx(build))
    assert result.ok, texts(result)
    assert result.sheets == ["7-9月", "10-12月"]
    assert [(m.month, o) for _, m, o, _ in as_tuples(result)] == [
        (7, 1),
        (8, 2),
        (9, 3),
        (10, 4),
        (11, 5),
    ]


def test_wide_heading_that_is_not_a_month() -> None:
    data = xlsx(
        lambda wb: staff_wide(wb, "q", ["R7.7", "R7.13"], {"小規加入手続き": [1, 10, 2, 20]})
    )
    result = parse(data)
    assert texts(result) == [
        "シート「q」セル E4: 見出し「R7.13」は年月として読めません。2025年10月、2025/10、R7.10 の"
        "ように入力してください。"
    ]


# --- problems ---------------------------------------------------------------------------------


def test_every_problem_kind_is_listed_at_once_with_its_cell() -> None:
    data = long_xlsx(
        [
            ("小規模企業共済", "加入関係手続", "2025年10月", 10, 100),  # 2: fine
            ("小規模企業共済", "加入関係手続", "2025年11月", 10, 100),  # 3: fine
            ("小規模企業共済", "保全関係手続", "2025年10月", 10, 100),  # 4: fine
            ("小規模企業共済", "保全関係手続", "2025年11月", 10, 100),  # 5: fine
            ("小規模企業共済", "給付関係手続", "2025年10月", "abc", 100),  # 6
            ("小規模企業共済", "給付関係手続", "2025年11月", 12.5, 100),  # 7
            ("小規模企業共済", "給付関係手続", "2025年12月", -1, 100),  # 8
            ("小規模企業共済", "通算申出", "2025年10月", 200, 100),  # 9
            ("小規模企業共済", "通算申出", "2025年11月", 5, None),  # 10
            ("共済X", "加入関係手続", "2025年10月", 1, 2),  # 11
            ("小規模企業共済", "脱退", "2025年10月", 1, 2),  # 12
            ("小規模企業共済", "解約関係手続", "2025年10月", 1, 2),  # 13
            ("小規模企業共済", "加入関係手続", "2026年1月", 1, 2),  # 14
            ("小規模企業共済", "加入関係手続", "2023年8月", 1, 2),  # 15
            ("小規模企業共済", "加入関係手続", "2025年10月", 1, 2),  # 16: duplicate of 2
            ("小規模企業共済", "加入関係手続", "10月", 1, 2),  # 17
        ]
    )
    result = parse(data)
    assert not result.ok
    assert texts(result) == [
        "シート「入力」セル D6: 「abc」は件数として読めません。0以上の整数を入力してください。"
        "（(小) 給付手続き R7.10 の行）",
        "シート「入力」セル D7: 「12.5」は件数として読めません（小数です）。0以上の整数を入力して"
        "ください。（(小) 給付手続き R7.11 の行）",
        "シート「入力」セル D8: 「-1」はマイナスの数です。件数は0以上の整数で入力してください。"
        "（(小) 給付手続き R7.12 の行）",
        "シート「入力」セル D9: オンライン件数（200）が全体件数（100、セル E9）より多くなっていま"
        "す。"
        "全体件数はオンライン＋書面＋その他の合計です。（(小) 通算申出 R7.10 の行）",
        "シート「入力」セル E10: 全体件数が空欄です。0以上の整数を入力してください。"
        "（(小) 通算申出 R7.11 の行）",
        "シート「入力」セル A11: 「共済X」は制度名として読めません。「小規模企業共済」または「中"
        "小企業倒産防止共済」と入力してください。",
        "シート「入力」セル B12: 「脱退」は小規模企業共済の手続名として読めません。加入関係手続・"
        "保全関係手続（掛金月額変更）・"
        "掛金納付月数の通算申出・給付関係手続のいずれかを入力してください。",
        "シート「入力」セル B13: 「解約関係手続」は中小企業倒産防止共済の手続で、小規模企業共済に"
        "はありません。"
        "制度か手続を直してください（小規模企業共済の手続は 加入関係手続・保全関係手続（掛金月額"
        "変更）・"
        "掛金納付月数の通算申出・給付関係手続）。",
        "シート「入力」セル C14: 2026年1月はまだ来ていない月です（今日は 2025年12月10日）。2025年"
        "12月までの件数を入力してください。",
        "シート「入力」セル C15: 2023年8月は加入関係手続（小規模企業共済）のオンライン受付開始（2"
        "023年9月）より前です。"
        "2023年9月以降の件数を入力してください。",
        "シート「入力」16行目: 加入関係手続（小規模企業共済）2025年10月の件数が シート「入力」2行"
        "目 にもあります。"
        "同じ手続・年月は1行にまとめてください。",
        "シート「入力」セル C17: 「10月」は年月として読めません。2025年10月、2025/10、R7.10 のよ"
        "うに入力してください。",
    ]
    # The clean rows are still returned (for the preview), the damaged ones are not.
    assert len(result.rows) == 4
    abc = result.problems[0]
    assert (abc.location, abc.found, abc.expected) == (
        "シート「入力」セル D6",
        "abc",
        "0以上の整数",
    )


def test_paper_that_makes_the_total_impossible() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "入力")
        write_rows(
            ws,
            [
                ("制度", "手続", "年月", "オンライン件数", "書面件数", "全体件数"),
                ("小規模", "加入", "R7.10", 60, 50, 100),
                ("小規模", "保全", "R7.10", 60, 30, 100),
            ],
        )

    result = parse(xlsx(build))
    assert texts(result) == [
        "シート「入力」セル E2: オンライン件数（60）と書面件数（50）の合計 110 が全体件数（100、"
        "セル F2）を超えています。"
        "全体件数はオンライン＋書面＋その他の合計です。（(小) 加入手続き R7.10 の行）"
    ]
    assert as_tuples(result) == [("shokibo_hozen", OCT, 60, 100)]


def test_duplicates_across_sheets_name_both_sheets() -> None:
    def build(workbook: Workbook) -> None:
        for name in ("A", "B"):
            write_rows(add_sheet(workbook, name), [LONG_HEADER, ("小規模", "加入", "R7.10", 1, 2)])

    result = parse(xlsx(build))
    assert texts(result) == [
        "シート「B」2行目: 加入関係手続（小規模企業共済）2025年10月の件数が シート「A」2行目 にも"
        "あります。"
        "同じ手続・年月は1行にまとめてください。"
    ]


def test_scheme_missing_and_conflicting_prefix() -> None:
    data = long_xlsx([(None, "加入", "R7.10", 1, 2), ("小規模", "(倒) 加入", "R7.10", 1, 2)])
    assert texts(parse(data)) == [
        "シート「入力」セル A2: 制度が空欄です。「小規模企業共済」または「中小企業倒産防止共済」"
        "と入力するか、"
        "手続を「(小) 加入手続き」のように制度の略称を付けて書いてください。",
        "シート「入力」セル B3: 手続「(倒) 加入」は中小企業倒産防止共済の手続ですが、制度欄は「小"
        "規模企業共済」です。"
        "どちらかを直してください。",
    ]


def test_header_without_total_column() -> None:
    def build(workbook: Workbook) -> None:
        write_rows(
            add_sheet(workbook, "入力"),
            [("制度", "手続", "年月", "オンライン件数"), ("小規模", "加入", "R7.10", 1)],
        )

    assert texts(parse(xlsx(build))) == [
        "シート「入力」1行目: 見出し行に「全体件数（または書面件数）」の列がありません。"
        "見出しは 制度・手続・年月・オンライン件数・全体件数 としてください。"
    ]


def test_no_table_found() -> None:
    data = xlsx(lambda wb: write_rows(add_sheet(wb, "メモ"), [("こんにちは",), ("件数", 3)]))
    result = parse(data)
    assert [p.location for p in result.problems] == ["ファイル"]
    assert "どのシート（「メモ」）にも件数の表が見つかりません" in result.problems[0].message
    csv_result = parse(b"a,b\n1,2\n", "x.csv")
    assert "件数の表が見つかりません" in csv_result.problems[0].message


def test_table_without_any_counts() -> None:
    data = long_xlsx([("小規模", "加入", "R7.10", None, None)])
    assert texts(parse(data)) == [
        "シート「入力」: 表はありますが、件数が1件も入力されていません。オンライン件数と全体件数"
        "を入力してください。"
    ]


# --- what is not a spreadsheet ----------------------------------------------------------------


def zip_bytes(names: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


NOT_A_TABLE = "Excel（.xlsx・.xls・.xlsb）、OpenDocument（.ods）または CSV ファイルではありません"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "空のファイルです"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            NOT_A_TABLE,
        ),
        (bytes(range(128, 256)) * 4, NOT_A_TABLE),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "Excel ブックとして読めない Office 形式のファイル",
        ),
        (
            zip_bytes(["[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"]),
            "マクロ有効ブック",
        ),
        (
            zip_bytes(["[Content_Types].xml", "word/document.xml"]),
            NOT_A_TABLE,
        ),
        (b"PK\x03\x04" + b"garbage" * 20, "Excel ファイルとして開けません"),
        ("制度,手続\n".encode("utf-16"), "UTF-16"),
        (b"a,b\x01\x02,c\n", NOT_A_TABLE),
    ],
)
def test_refused_bytes(data: bytes, expected: str) -> None:
    result = parse(data, "upload.bin")
    assert len(result.problems) == 1
    assert result.problems[0].location == "ファイル"
    assert expected in result.problems[0].message
    assert result.rows.is_empty()


def test_zip_with_workbook_parts_but_broken_content_is_a_problem() -> None:
    data = zip_bytes(["[Content_Types].xml", "xl/workbook.xml"])
    result = parse(data)
    assert not result.ok
    assert result.problems[0].location == "ファイル"


def test_too_large_file() -> None:
    result = parse(b"a" * (10 * 1024 * 1024 + 1), "big.csv")
    assert "10 MB 以下" in texts(result)[0]


# --- speed ------------------------------------------------------------------------------------


def test_ten_years_of_seven_procedures_parse_fast(catalog: Catalog) -> None:
    rows: list[Sequence[Cell]] = []
    for procedure in catalog.procedures:
        scheme = catalog.scheme(procedure.scheme_id).name
        month = date(2015, 12, 1)
        for _ in range(120):
            rows.append((scheme, procedure.name, f"{month.year}年{month.month}月", 1, 2))
            month = add_months(month, 1)
    data = long_xlsx(rows)
    # Ten years back is before any procedure went online; move the start so the rows are clean.
    early = tuple(replace(p, online_start_month=date(2000, 1, 1)) for p in catalog.procedures)
    relaxed = replace(catalog, procedures=early)
    started = time.perf_counter()
    result = parse_upload(data, "ten_years.xlsx", relaxed, TODAY)
    elapsed = time.perf_counter() - started
    assert result.ok, texts(result)[:3]
    assert len(result.rows) == 840
    assert elapsed < 2.0


def test_wide_with_months_above_the_scheme_and_procedure_headings() -> None:
    def build(workbook: Workbook) -> None:
        ws = add_sheet(workbook, "推移")
        ws.write("A1", "件数")
        ws.merge_range("C2:D2", "R7.10")
        ws.merge_range("E2:F2", "R7.11")
        write_rows(
            ws,
            [
                ("制度", "対象手続", "件数", "うちオンライン", "件数", "うちオンライン"),
                ("小規模企業共済", "加入関係手続", 100, 10, 110, 11),
                (None, "給付関係手続", 50, 5, None, None),
            ],
            first_row=2,
        )

    result = parse(xlsx(build))
    assert result.ok, texts(result)
    assert result.layout == "wide"
    assert as_tuples(result) == [
        ("shokibo_kanyu", OCT, 10, 100),
        ("shokibo_kanyu", NOV, 11, 110),
        ("shokibo_kyufu", OCT, 5, 50),
    ]
    assert result.rows["source"].to_list()[-1] == "シート「推移」5行目"


def test_wide_csv_with_paper_sub_columns_and_a_repeated_row() -> None:
    text = (
        "制度,手続,2025年10月,,2025年11月,\n"
        ",,オンライン,書面,オンライン,書面\n"
        "小規模企業共済,加入,1,9,2,8\n"
        ",保全,3,7,4,6\n"
        ",加入,1,9,2,8\n"
    )
    result = parse(text.encode("utf-8"), "wide.csv")
    assert result.layout == "wide"
    assert texts(result) == [
        "CSV 5行目: 加入関係手続（小規模企業共済）2025年10月・2025年11月の件数が CSV 3行目 にもあ"
        "ります。"
        "同じ手続・年月は1行にまとめてください。"
    ]
    assert as_tuples(result) == [
        ("shokibo_kanyu", OCT, 1, 10),
        ("shokibo_kanyu", NOV, 2, 10),
        ("shokibo_hozen", OCT, 3, 10),
        ("shokibo_hozen", NOV, 4, 10),
    ]


def test_csv_line_numbers_survive_a_cell_with_a_line_break() -> None:
    text = (
        '"件数の表\n（令和7年10月分）"\n'
        "制度,手続,年月,オンライン件数,全体件数\n"
        "小規模,加入,R7.10,x,10\n"
    )
    assert texts(parse(text.encode("utf-8"), "c.csv")) == [
        "CSV 4行目 D列: 「x」は件数として読めません。0以上の整数を入力してください。"
        "（(小) 加入手続き R7.10 の行）"
    ]


def test_wide_month_heading_without_count_sub_columns() -> None:
    def build(workbook: Workbook) -> None:
        write_rows(
            add_sheet(workbook, "q"),
            [
                ("制度", "手続", "R7.10", None),
                (None, None, "オンライン", "備考"),
                ("小規模", "加入", 1, "x"),
            ],
        )

    assert texts(parse(xlsx(build))) == [
        "シート「q」セル C1: 月の見出し「R7.10」の下の行に「オンライン」と「全体」（または「書面"
        "」）の"
        "見出しがありません。各月の下に オンライン・全体 の2列を作ってください。"
    ]
