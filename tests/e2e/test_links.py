"""Links that keep their filters in a real browser: a pasted address opens its view on a fresh
server, a changed filter changes the address, and a bad value gets a note."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import AppServer, assert_no_exception, expect, goto_page, screenshot, wait_for_app
from .test_upload import shown_rate_tables

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

LINK = "table?scheme=tosan&grain=month&from=2024-04&to=2024-06"


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_a_pasted_link_opens_the_same_view(page: Page, fresh_app_server: AppServer) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    goto_page(page, fresh_app_server, LINK)
    grid = shown_rate_tables(page)[0]
    assert grid.headers == ["手続", "R6.4", "R6.5", "R6.6", "期間集計 R6.4~R6.6"], grid.headers
    assert [row[0] for row in grid.rows] == [
        "(倒) 加入手続き",
        "(倒) 保全手続き",
        "(倒) 解約手続き",
    ]
    assert _query(page) == {
        "scheme": ["tosan"], "grain": ["month"], "from": ["2024-04"], "to": ["2024-06"],
    }  # fmt: skip
    screenshot(page, "table-deep-link")
    # Changing a filter changes the address, for the next colleague.
    page.get_by_test_id("stSelectbox").filter(has_text="表示単位").click()
    page.get_by_role("option", name="年度（期間集計のみ）").click()
    expect(page).to_have_url(re.compile(r"grain=fy"))
    wait_for_app(page)
    assert shown_rate_tables(page)[0].headers == ["手続", "期間集計 R6.4~R6.6"]
    assert_no_exception(page)


def test_a_bad_link_value_gets_a_note(page: Page, app_server: AppServer) -> None:
    goto_page(page, app_server, "table?scheme=tosan&grain=weekly")
    note = page.get_by_test_id("stCaptionContainer").filter(has_text="無視しました")
    expect(note).to_contain_text("grain=weekly")
    assert shown_rate_tables(page)[0].rows[0][0] == "(倒) 加入手続き"
    assert _query(page) == {"scheme": ["tosan"]}
    assert_no_exception(page)
