"""Upload text is text, in a real browser: Markdown and HTML in a file name, an uploader's name,
a sheet name and a cell value are shown as typed on every page, and no browser fetches the
images they name (requests to a loopback port are counted)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest
import xlsxwriter

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.ingest.parse import parse_upload
from tests.quarter_files import long_rows, long_xlsx, quarter_counts

from .conftest import AppServer, expect, goto_page, screenshot, wait_for_app
from .test_upload import upload

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

TODAY = date(2026, 1, 15)
PAGES = ("", "trends", "table", "committee", "definitions", "upload", "history")


class Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Counter.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trap() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that counts every request: the URL the payloads point at."""
    Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], Counter.hits
    finally:
        server.shutdown()


def payloads(port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    return {
        "file": f"![f]({base}/file.png) <img src={base}/file-html.png> **太字**.xlsx",
        "uploader": f"![u]({base}/uploader.png) :red[赤] <b>b</b>",
        "cell": f"![c]({base}/cell.png)",
    }


def test_markup_from_files_and_people_is_shown_as_typed_and_never_fetched(
    page: Page, fresh_app_server: AppServer, tmp_path: Path, trap: tuple[int, list[str]]
) -> None:
    port, hits = trap
    text = payloads(port)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    # An upload recorded with the file name and uploader name, before the app opens the file.
    parsed = parse_upload(long_xlsx(quarter_counts()), "q.xlsx", default_catalog(), TODAY)
    with store.session(fresh_app_server.db_path) as con:
        store.write_upload(
            con, parsed.rows, file_name=text["file"], sha256="payload", uploaded_by=text["uploader"]
        )
    for path in PAGES:
        goto_page(page, fresh_app_server, path)
    goto_page(page, fresh_app_server, "definitions")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text(f"最終取込: #2 {text['file']}")
    expect(main).to_contain_text(text["uploader"])
    screenshot(page, "user-text-definitions")
    goto_page(page, fresh_app_server, "history")
    expect(page.get_by_test_id("stMain")).to_contain_text(text["file"])

    # A sheet name and a cell value, in a file uploaded in the browser: named in the problem.
    bad = tmp_path / "bad.xlsx"
    workbook = xlsxwriter.Workbook(str(bad))
    sheet = workbook.add_worksheet("<b>件数<b> __x__ `y` $z$")
    rows = long_rows(quarter_counts())
    rows[3][3] = text["cell"]
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    workbook.close()
    goto_page(page, fresh_app_server, "upload")
    upload(page, bad)
    problem = page.get_by_test_id("stMain").get_by_role("listitem").first
    expect(problem).to_contain_text("シート「<b>件数<b> __x__ `y` $z$」セル D4")
    expect(problem).to_contain_text(f"「{text['cell']}」")
    wait_for_app(page)
    screenshot(page, "user-text-problem")

    assert not [url for url in requested if f":{port}" in url], requested
    assert hits == []
