"""データ取込 and 取込履歴 in a real browser: download the template, fill it in, upload it,
read the preview or the problems, confirm, and undo; the 集計表 follows every step.

Each test that writes data runs on a server of its own (``fresh_app_server``), so its DB holds
only the sample data (2023-09..2025-09) and what the test uploads. The next quarter to report
is therefore R7Q3 (2025-10..2025-12), and a committed upload adds the 集計表 column R7.12.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from tests.html_table import HtmlTable, read_tables
from tests.office import convert

from .conftest import (
    AppServer,
    assert_no_exception,
    expect,
    goto_page,
    screenshot,
    sidebar_nav_link,
    wait_for_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

TEMPLATE_BUTTON = "入力用テンプレート（Excel）をダウンロード"
TEMPLATE_NAME = "kyosai_template_R7Q3.xlsx"
INPUT_SHEET = "入力"
HEADERS = ("制度", "手続", "年月", "オンライン件数", "全体件数")
TEMPLATE_ROWS = 21  # 7 procedures x 3 months
CONFIRM_BUTTON = re.compile(r"^この内容で登録する")
REGISTERED = re.compile(r"を取込 #(\d+) として登録しました")

NEW_COLUMN = "R7.12"
LAST_SAMPLE_COLUMN = "R7.9"
FY_COLUMN = "期間集計 R7.4~R7.12"
# The template row whose rate the 集計表 test checks, and its row label in the table.
CHECKED_ROW = ("小規模企業共済", "加入関係手続", "2025年12月")
CHECKED_LABEL = "(小) 加入手続き"
# 777 / 2000 = 38.85 %: half up gives 38.9 % where round-half-even would give 38.8 %.
CHECKED_COUNTS = (777, 2000)

# A wide viewport, so that the grid shows every column of the 集計表 at once (it virtualises
# columns out of view, and then their text is not in the page).
WIDE_VIEWPORT = {"width": 2400, "height": 1000}

Counts = dict[tuple[str, str, str], tuple[int, int]]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def rate_text(online: int, total: int) -> str:
    """online/total as the app shows it: a percentage rounded half up to 0.1, e.g. ``38.9%``."""
    rate = (Decimal(online) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rate}%"


def plausible_counts(index: int) -> tuple[int, int]:
    """Counts for the ``index``-th template row: online below total, rates 12 %..52 %."""
    total = 1200 + 53 * index
    online = total * (12 + 2 * index) // 100
    return online, total


def download_template(page: Page, server: AppServer, directory: Path) -> Path:
    """Open データ取込, download the template with the browser and save it in ``directory``."""
    goto_page(page, server, "upload")
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="データ取込")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=TEMPLATE_BUTTON).click()
    download = download_info.value
    assert download.suggested_filename == TEMPLATE_NAME
    path = directory / "downloaded" / download.suggested_filename
    path.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(path)
    return path


def fill_template(template: Path, dest: Path) -> Counts:
    """Fill every row of the 入力 sheet with plausible counts; returns what was written."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook[INPUT_SHEET]
    assert tuple(c.value for c in sheet[1][:5]) == HEADERS
    counts: Counts = {}
    for index, row in enumerate(sheet.iter_rows(min_row=2, max_col=5)):
        scheme, procedure, month = (cell.value for cell in row[:3])
        if not scheme:
            continue
        key = (str(scheme), str(procedure), str(month))
        online, total = CHECKED_COUNTS if key == CHECKED_ROW else plausible_counts(index)
        assert online < total
        row[3].value, row[4].value = online, total
        counts[key] = (online, total)
    assert len(counts) == TEMPLATE_ROWS, f"template rows: {sorted(counts)}"
    assert CHECKED_ROW in counts
    dest.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(dest)
    return counts


def good_file(page: Page, server: AppServer, tmp_path: Path) -> tuple[Path, Counts]:
    """The template downloaded in the browser and filled in, as staff would upload it."""
    template = download_template(page, server, tmp_path)
    dest = tmp_path / "filled" / TEMPLATE_NAME
    return dest, fill_template(template, dest)


def upload(page: Page, path: Path) -> None:
    """Choose ``path`` in the page's file uploader, as a click on the drop zone would."""
    with page.expect_file_chooser() as chooser_info:
        page.get_by_test_id("stFileUploaderDropzone").click()
    chooser_info.value.set_files(path)
    expect(uploaded_files(page)).to_have_accessible_name(f"Remove {path.name}")


def uploaded_files(page: Page) -> Locator:
    """The files in the uploader, by their remove buttons (the chip has no test id in 1.67,
    and its text shortens long names to ``kyosai...e_R7Q3.xlsx``)."""
    return page.get_by_test_id("stFileUploader").get_by_role("button", name=re.compile("^Remove "))


def expect_count(page: Page, label: str, value: str) -> None:
    """The preview's big count under ``label`` (新規, 修正…, 変更なし) reads ``value``."""
    box = page.locator(".kpis.counts .kpi").filter(
        has=page.locator(".label").get_by_text(label, exact=True)
    )
    expect(box.locator(".value")).to_have_text(value)


def wait_for_preview(page: Page) -> None:
    """Wait until the preview of a valid upload is shown in full (the confirm button is last)."""
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="取込内容の確認")).to_be_visible()
    expect(page.get_by_role("button", name=CONFIRM_BUTTON)).to_be_visible()
    wait_for_app(page)


def confirm(page: Page) -> int:
    """Click the confirm button, wait for the success message; returns the upload number."""
    page.get_by_role("button", name=CONFIRM_BUTTON).click()
    success = page.get_by_test_id("stAlertContentSuccess").filter(has_text=REGISTERED)
    expect(success).to_be_visible()
    wait_for_app(page)
    match = REGISTERED.search(success.inner_text())
    assert match is not None
    return int(match.group(1))


def upload_and_confirm(page: Page, path: Path) -> int:
    upload(page, path)
    wait_for_preview(page)
    return confirm(page)


def shown_tables(page: Page, table_class: str) -> list[HtmlTable]:
    """The tables of that class now on the page, read from the tables the browser shows."""
    tables = page.get_by_test_id("stMain").locator(f"table.{table_class}")
    expect(tables.first).to_be_visible()
    return [
        table
        for html in tables.evaluate_all("(ts) => ts.map((t) => t.outerHTML)")
        for table in read_tables(html, table_class)
    ]


def shown_rate_tables(page: Page) -> list[HtmlTable]:
    """The rate tables now on the page."""
    return shown_tables(page, "rates")


def read_rate_table(page: Page) -> HtmlTable:
    """The rate table of the 集計表 page now shown."""
    assert_no_exception(page)
    grid = shown_rate_tables(page)[0]
    assert grid.headers[0] == "手続", grid.headers
    assert CHECKED_LABEL in grid.column("手続"), grid.rows
    return grid


def open_table(page: Page, server: AppServer) -> HtmlTable:
    """Load 集計表 (a new session, default filters) and read its rate table."""
    page.set_viewport_size(WIDE_VIEWPORT)
    goto_page(page, server, "table")
    return read_rate_table(page)


def open_page_via_sidebar(page: Page, title: str) -> None:
    """Click a page in the sidebar (same session, as staff move around) and wait for it."""
    sidebar_nav_link(page, title).click()
    expect(page.get_by_test_id("stMain").get_by_role("heading", name=title)).to_be_visible()
    wait_for_app(page)


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def test_upload_filled_template(page: Page, fresh_app_server: AppServer, tmp_path: Path) -> None:
    """The template from the page, filled in, previews as 21 new rows and, once confirmed,
    adds R7.12 to the 集計表 with the rate computed from the uploaded counts."""
    path, counts = good_file(page, fresh_app_server, tmp_path)

    upload(page, path)
    wait_for_preview(page)
    assert_no_exception(page)
    expect_count(page, "新規", f"{TEMPLATE_ROWS} 件")
    expect_count(page, "修正（登録済みの値を変更）", "0 件")
    expect_count(page, "変更なし", "0 件")
    expect(page.get_by_role("button", name=CONFIRM_BUTTON)).to_have_text(
        f"この内容で登録する（新規 {TEMPLATE_ROWS} 件・修正 0 件）"
    )
    # The rates after the upload, as the preview shows them, include the uploaded month.
    after = shown_rate_tables(page)[-1]
    assert after.cell(CHECKED_LABEL, NEW_COLUMN) == rate_text(*counts[CHECKED_ROW])
    screenshot(page, "upload-preview")

    upload_id = confirm(page)
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(f"「{path.name}」を取込 #{upload_id} として登録しました")
    expect(success).to_contain_text(f"新規 {TEMPLATE_ROWS} 件・修正 0 件・変更なし 0 件")
    # The uploader is emptied and the preview is gone.
    expect(uploaded_files(page)).to_have_count(0)
    expect(page.get_by_role("button", name=CONFIRM_BUTTON)).to_have_count(0)
    # The template offered next is the following quarter.
    expect(page.get_by_role("combobox", name="テンプレートの四半期")).to_have_value(
        "令和7年度第4四半期（R8.1~R8.3）"
    )
    assert_no_exception(page)
    screenshot(page, "upload-done")

    grid = open_table(page, fresh_app_server)
    assert NEW_COLUMN in grid.headers, grid.headers
    assert FY_COLUMN in grid.headers, grid.headers
    assert grid.headers.index(NEW_COLUMN) == grid.headers.index(LAST_SAMPLE_COLUMN) + 1
    expected = rate_text(*counts[CHECKED_ROW])
    assert expected == "38.9%"
    assert grid.cell(CHECKED_LABEL, NEW_COLUMN) == expected
    assert re.fullmatch(r"\d{1,3}\.\d%", grid.cell(CHECKED_LABEL, FY_COLUMN))
    screenshot(page, "table-after-upload")

    # The table's own CSV download carries the same figure (without the % sign).
    with page.expect_download() as download_info:
        page.get_by_role("button", name="CSV をダウンロード").click()
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    # The data's date travels with the download, above the table.
    assert rows[0] == ["最新データ R7.12（令和7年12月）"], rows[:3]
    header = next(row for row in rows if row[:1] == ["制度"])
    assert NEW_COLUMN in header, header
    checked = next(r for r in rows if r[:2] == [CHECKED_ROW[0], CHECKED_ROW[1]])
    assert checked[header.index(NEW_COLUMN)] == expected.removesuffix("%")


def test_upload_with_problems_registers_nothing(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    """A file with an online count above the total and a count that is text lists both
    problems by sheet and cell, offers no confirm button and changes nothing."""
    template = download_template(page, fresh_app_server, tmp_path)
    path = tmp_path / "filled" / "kyosai_R7Q3_errors.xlsx"
    fill_template(template, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[INPUT_SHEET]
    total_e2 = sheet["E2"].value
    online_d2 = total_e2 + 5  # online above total
    sheet["D2"] = online_d2
    sheet["D9"] = "約120"  # not a number
    workbook.save(path)

    upload(page, path)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("何も登録していません")
    expect(error).to_contain_text(f"「{path.name}」に 2 件の問題があるため、取り込めません。")
    wait_for_app(page)
    assert_no_exception(page)
    # One list item per problem, each starting with the sheet and cell.
    problems = page.get_by_test_id("stMain").get_by_role("listitem")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("シート「入力」セル D2")
    expect(problems.nth(0)).to_contain_text(
        f"オンライン件数（{online_d2}）が全体件数（{total_e2}、セル E2）"
    )
    expect(problems.nth(1)).to_contain_text("シート「入力」セル D9")
    expect(problems.nth(1)).to_contain_text("「約120」は件数として読めません")
    expect(page.get_by_role("button", name=CONFIRM_BUTTON)).to_have_count(0)
    expect(
        page.get_by_test_id("stMain").get_by_role("heading", name="取込内容の確認")
    ).to_have_count(0)
    screenshot(page, "upload-problems")

    grid = open_table(page, fresh_app_server)
    assert NEW_COLUMN not in grid.headers, grid.headers
    assert grid.headers[-1] == "期間集計 R7.4~R7.9", grid.headers


def test_an_html_table_named_xls_is_explained_and_a_real_xls_imports(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    """What a web system exports as "Excel" (HTML) gets how to save it as .xlsx; the same
    template saved as a real .xls by an office suite imports and adds R7.12."""
    path, _ = good_file(page, fresh_app_server, tmp_path)
    xls = tmp_path / "R7Q3.xls"
    xls.write_bytes(convert(path.read_bytes(), ".xlsx", "xls"))
    fake = tmp_path / "web_export.xls"
    fake.write_text("<html><body><table><tr><td>制度</td></tr></table></body></html>", "utf-8")
    upload(page, fake)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("何も登録していません")
    problem = page.get_by_test_id("stMain").get_by_role("listitem")
    expect(problem).to_contain_text("「web_export.xls」は Web ページ（HTML）形式のファイルで")
    expect(problem).to_contain_text("Excel ブック（*.xlsx）")
    wait_for_app(page)
    screenshot(page, "upload-html-as-xls")

    upload(page, xls)
    wait_for_preview(page)
    expect_count(page, "新規", f"{TEMPLATE_ROWS} 件")
    confirm(page)
    grid = open_table(page, fresh_app_server)
    assert NEW_COLUMN in grid.headers, grid.headers


def test_same_file_twice_is_refused(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    """Uploading a file that was already registered says so and offers nothing to confirm."""
    path, _ = good_file(page, fresh_app_server, tmp_path)
    upload_id = upload_and_confirm(page, path)

    upload(page, path)
    info = page.get_by_test_id("stAlertContentInfo").filter(has_text="既に取り込まれています")
    expect(info).to_be_visible()
    expect(info).to_contain_text(f"取込 #{upload_id}")
    wait_for_app(page)
    expect(page.get_by_role("button", name=CONFIRM_BUTTON)).to_have_count(0)
    assert_no_exception(page)
    screenshot(page, "upload-duplicate")


def test_undo_in_history(page: Page, fresh_app_server: AppServer, tmp_path: Path) -> None:
    """取込履歴 undoes an upload after the tick box, and the 集計表 loses R7.12 again.

    The pages are reached through the sidebar, in one session, as staff would move around:
    the 集計表 follows the upload and the undo without a reload.
    """
    path, _ = good_file(page, fresh_app_server, tmp_path)
    upload_id = upload_and_confirm(page, path)
    page.set_viewport_size(WIDE_VIEWPORT)
    open_page_via_sidebar(page, "集計表")
    assert NEW_COLUMN in read_rate_table(page).headers

    page.set_viewport_size({"width": 1600, "height": 1000})
    open_page_via_sidebar(page, "取込履歴")
    main = page.get_by_test_id("stMain")
    # The newest upload is chosen by default.
    expect(main.get_by_role("combobox", name="内容を見る取込")).to_have_value(
        f"#{upload_id} {path.name}"
    )
    undo_button = main.get_by_role("button", name="取り消す", exact=True)
    expect(undo_button).to_be_disabled()
    main.get_by_test_id("stCheckbox").filter(has_text=f"取込 #{upload_id} を取り消します").click()
    expect(undo_button).to_be_enabled()
    undo_button.click()
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(f"取込 #{upload_id} を取り消しました")
    wait_for_app(page)
    expect(main.get_by_text(f"取込 #{upload_id} は取り消し済みです。")).to_be_visible()
    uploads = shown_tables(page, "log")[0]
    assert uploads.cell(str(upload_id), "状態").startswith("取消済み"), uploads.rows
    assert_no_exception(page)
    screenshot(page, "history-undone")

    page.set_viewport_size(WIDE_VIEWPORT)
    open_page_via_sidebar(page, "集計表")
    grid = read_rate_table(page)
    assert NEW_COLUMN not in grid.headers, grid.headers
    assert FY_COLUMN not in grid.headers, grid.headers
    # A new session sees the same.
    assert NEW_COLUMN not in open_table(page, fresh_app_server).headers
