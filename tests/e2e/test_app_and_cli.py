"""Staff upload in the browser while someone imports with the CLI: both land, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kyosai import store
from tests.quarter_files import long_xlsx

from .conftest import PROJECT_ROOT, AppServer, expect, goto_page, wait_for_app
from .test_upload import CONFIRM_BUTTON, REGISTERED, good_file, upload, wait_for_preview

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

OUTDATED = "別の取込または取消でデータが変わりました"


def _confirm_until_registered(page: Page, server: AppServer, path: Path) -> None:
    """Confirm; if the CLI landed between preview and confirm, look again and confirm again,
    as staff would after reading the message."""
    for _ in range(3):
        page.get_by_role("button", name=CONFIRM_BUTTON).click()
        done = page.get_by_test_id("stAlertContentSuccess").filter(has_text=REGISTERED)
        outdated = page.get_by_test_id("stAlertContentError").filter(has_text=OUTDATED)
        expect(done.or_(outdated)).to_be_visible(timeout=60_000)
        if done.count():
            wait_for_app(page)
            return
        goto_page(page, server, "upload")
        upload(page, path)
        wait_for_preview(page)
    pytest.fail("the browser upload never registered")


def test_browser_and_cli_uploads_both_land(
    page: Page, fresh_app_server: AppServer, tmp_path: Path
) -> None:
    browser_file, _ = good_file(page, fresh_app_server, tmp_path)
    cli_file = tmp_path / "cli-revision.xlsx"
    cli_file.write_bytes(long_xlsx({("tosan_kanyu", date(2025, 9, 1)): (999, 4702)}))

    goto_page(page, fresh_app_server, "upload")  # the app now holds the database file
    cli = subprocess.Popen(
        [
            *(sys.executable, "-m", "kyosai", "import", str(cli_file)),
            *("--db", str(fresh_app_server.db_path), "--by", "cli"),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "KYOSAI_DB_WAIT_SECONDS": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    upload(page, browser_file)
    wait_for_preview(page)
    _confirm_until_registered(page, fresh_app_server, browser_file)
    out, err = cli.communicate(timeout=180)
    assert cli.returncode == 0, err
    assert "として登録しました" in out
    assert "Traceback" not in err

    # Read the result as a third party would: wait for the app to let the file go.
    with store.session(fresh_app_server.db_path, wait_seconds=60) as con:
        uploads = store.read_uploads(con)
        counts = store.read_counts(con)
    live = uploads.filter(uploads["undone_at"].is_null())
    assert live.height == 3, (uploads, out, err)
    assert "cli" in live["uploaded_by"].to_list()
    assert counts.height == 100 + 21
    revised = counts.filter(
        (counts["procedure_id"] == "tosan_kanyu") & (counts["month"] == date(2025, 9, 1))
    )
    assert revised["online"].to_list() == [999]
