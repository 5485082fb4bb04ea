"""取組と対象手続 in a real browser, through the router: a measure added in the form is on the
利用率の推移 chart and its list, a revised target marks 集計表, and each undo takes it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import AppServer, assert_no_exception, expect, goto_page, screenshot, wait_for_app
from .test_upload import open_page_via_sidebar

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

LABEL = "勧奨チラシ（倒産防止・加入）"


def test_a_measure_added_and_undone_in_the_browser(page: Page, fresh_app_server: AppServer) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    goto_page(page, fresh_app_server, "events")
    main = page.get_by_test_id("stMain")
    add = page.get_by_role("button", name="追加する", exact=True)
    form = main.get_by_test_id("stForm").filter(has=add)
    form.get_by_test_id("stTextInputField").nth(0).fill(LABEL)
    form.get_by_test_id("stTextInputField").nth(1).fill("2024-06")
    form.get_by_role("button", name="追加する", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"「{LABEL}」を追加しました"
    )
    wait_for_app(page)
    screenshot(page, "events-added")

    open_page_via_sidebar(page, "利用率の推移")
    # On the chart (an SVG text mark, with its halo) and in the list of measures under it.
    expect(main.locator("svg text", has_text=LABEL).first).to_be_visible()
    expect(main.locator("li", has_text=f"令和6年6月 {LABEL}")).to_be_visible()

    open_page_via_sidebar(page, "取組と対象手続")
    main.get_by_test_id("stCheckbox").filter(has_text="変更 #1 を取り消します").click()
    main.get_by_role("button", name="取り消す", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "取組の変更 #1 を取り消しました"
    )
    wait_for_app(page)
    open_page_via_sidebar(page, "利用率の推移")
    expect(main.locator("svg text", has_text="利用目標").first).to_be_visible()
    expect(main.get_by_text(LABEL)).to_have_count(0)
    assert_no_exception(page)


def _pick(page: Page, box: Locator, text: str) -> None:
    """Choose an option of a selectbox by typing it, as a keyboard user does."""
    box.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_revised_target_marks_the_table_and_its_undo_unmarks_it(
    page: Page, fresh_app_server: AppServer
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    goto_page(page, fresh_app_server, "table?scheme=tosan")
    met = page.get_by_test_id("stMain").locator("td.met", has_text="18.0%")
    expect(met).to_have_count(0)  # (倒) 加入 R7.9 is under 20%

    goto_page(page, fresh_app_server, "events")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="計画を変更する")
    )
    boxes = form.get_by_test_id("stSelectbox")
    _pick(page, boxes.nth(0), "(倒) 加入")
    _pick(page, boxes.nth(1), "令和7年度")
    form.get_by_test_id("stNumberInputField").fill("15")
    _pick(page, boxes.nth(2), "令和8年度")
    form.get_by_role("button", name="計画を変更する").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "計画の変更 #1 を登録しました"
    )
    wait_for_app(page)
    screenshot(page, "events-plan-revised")

    open_page_via_sidebar(page, "集計表")
    expect(met).to_have_count(1)  # judged against 令和7年度's 15%
    open_page_via_sidebar(page, "取組と対象手続")
    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stCheckbox").filter(has_text="計画の変更 #1 を取り消します").click()
    main.get_by_role("button", name="計画の変更を取り消す").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "計画の変更 #1 を取り消しました"
    )
    wait_for_app(page)
    open_page_via_sidebar(page, "集計表")
    expect(met).to_have_count(0)
    assert_no_exception(page)
