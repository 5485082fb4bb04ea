"""The 会議資料 page on a projector-sized window: tables, status, charts, print layout."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from .conftest import AppServer, assert_no_exception, expect, goto_page, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_committee_page_at_1920x1080(page: Page, app_server: AppServer) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    goto_page(page, app_server, "committee")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("オンライン利用率引上げの基本計画に係る進捗状況")).to_be_visible()
    expect(main.get_by_text("最新データ R7.9　作成 令和7年12月")).to_be_visible()
    expect(main.get_by_role("columnheader", name="期間集計")).to_be_visible()
    row = main.get_by_role("row").filter(has_text="(小) 加入手続き").first
    expect(row).to_contain_text("38.2%")
    expect(row).to_contain_text("34.5%")
    expect(main.get_by_text("× 未達")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    assert_no_exception(page)
    path = screenshot(page, "committee-1920x1080")
    assert path.stat().st_size > 50_000


def test_committee_prints_to_a4_landscape(page: Page, app_server: AppServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    goto_page(page, app_server, "committee")
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    page.emulate_media(media="print")
    # The sidebar (the presenter's settings) is left out of the print.
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    pdf = tmp_path / "committee.pdf"
    page.pdf(path=str(pdf), landscape=True, print_background=True, prefer_css_page_size=True)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", content)
    assert boxes
    # Every page is A4 landscape: 842 × 595 points (the CSS @page rule, not the default).
    for width, height in boxes:
        assert abs(float(width) - 841.9) < 1.5 and abs(float(height) - 595.3) < 1.5
