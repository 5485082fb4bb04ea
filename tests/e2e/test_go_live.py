"""Going live in a real browser: a real upload revises sample months, 取込履歴 removes the
sample after the tick box, and 集計表 shows only the uploaded figures, without the notice."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.quarter_files import long_xlsx

from .conftest import AppServer, assert_no_exception, expect, goto_page, screenshot, wait_for_app
from .test_upload import (
    WIDE_VIEWPORT,
    confirm,
    open_page_via_sidebar,
    shown_rate_tables,
    upload,
    wait_for_preview,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

# R7.7–R7.9 of (倒) 加入手続き, revising the sample: 900 / 4,000 in R7.9 is 22.5%.
REVISION = {("tosan_kanyu", date(2025, m, 1)): (900 + m, 4000) for m in (7, 8)} | {
    ("tosan_kanyu", date(2025, 9, 1)): (900, 4000)
}


def test_going_live_keeps_the_uploaded_figures_only(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    path = tmp_path / "R7Q2_修正.xlsx"
    path.write_bytes(long_xlsx(REVISION))
    page.set_viewport_size({"width": 1600, "height": 1000})
    goto_page(page, fresh_app_server, "upload")
    upload(page, path)
    wait_for_preview(page)
    upload_id = confirm(page)

    open_page_via_sidebar(page, "取込履歴")
    main = page.get_by_test_id("stMain")
    main.get_by_text("本番運用の開始：サンプルデータの削除").click()
    expect(main.get_by_text("サンプルデータのまま残っている件数 97 件を削除します")).to_be_visible()
    remove = main.get_by_role("button", name="サンプルデータを削除する")
    expect(remove).to_be_disabled()
    main.get_by_test_id("stCheckbox").filter(has_text="サンプルデータを削除します").click()
    expect(remove).to_be_enabled()
    screenshot(page, "history-remove-sample")
    remove.click()
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(f"97 件を削除しました（取込 #{upload_id + 1}）")
    wait_for_app(page)

    page.set_viewport_size(WIDE_VIEWPORT)
    open_page_via_sidebar(page, "集計表")
    grid = shown_rate_tables(page)[0]
    assert grid.cell("(倒) 加入手続き", "R7.9") == "22.5%", grid.rows
    # Only the uploaded quarter is left: every sample month is gone.
    assert grid.headers == ["手続", "R7.9", "期間集計 R7.7~R7.9"], grid.headers
    shokibo = next(row for row in grid.rows if row[0] == "(小) 加入手続き")
    assert set(shokibo[1:]) == {"—"}, grid.rows
    expect(page.get_by_text("サンプルデータ", exact=False)).to_have_count(0)
    screenshot(page, "table-after-go-live")
    assert_no_exception(page)
