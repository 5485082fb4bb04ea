"""資料3 downloaded from 会議資料 in a real browser, with the presenter's choices."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.deck_reading import grid, open_deck, table_named

from .conftest import AppServer, assert_no_exception, expect, goto_page, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_the_deck_downloads_with_the_presenters_choices(
    page: Page, app_server: AppServer, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    goto_page(page, app_server, "committee")
    page.get_by_role("button", name="表示の設定（制度・期間・作成年月）").click()
    settings = page.get_by_test_id("stPopoverBody")
    settings.get_by_role("button", name="Remove 小規模企業共済").click()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(1)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="資料3（PowerPoint：編集して提出する下書き）を作成").click()
    download_button = page.get_by_role("button", name="資料3（PowerPoint）をダウンロード")
    expect(download_button).to_be_visible(timeout=60_000)
    screenshot(page, "committee-deck-offered")
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    assert download.suggested_filename == "資料3_オンライン利用率.pptx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    slides = list(open_deck(path.read_bytes()).slides)
    # Only 倒産防止 was chosen: its rows, its scorecard and its one chart.
    rates = grid(table_named(slides[2], "オンライン利用率"))
    assert [row[0] for row in rates[2:]] == ["(倒) 加入手続き", "(倒) 保全手続き"]
    assert rates[2][9] == "18.0%"  # R7.9, as published
    scorecard = grid(table_named(slides[1], "スコアカード"))
    assert [row[0] for row in scorecard[1:]] == ["倒産防止", "", ""]
    assert sum(1 for s in slides for shape in s.shapes if shape.shape_type == 13) == 1
    assert_no_exception(page)
