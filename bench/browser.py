"""What a user feels, in headless Chromium: kyosai against a bare Streamlit app, alternating
A B A B in one run. Figures only; nothing here asserts a time.

- click: choosing an option to the page settled (the script done and the DOM quiet for
  500 ms), measured to the DOM's last change; also after a reading pause (diagnostic);
- cold start: `streamlit run` to the first page's heading painted, and to the page settled;
- upload preview: a file chosen in the uploader to its preview painted.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
QUIET_MS = 500
PYCACHE = Path(tempfile.gettempdir()) / "kyosai-bench-pycache"
# Records the time of the DOM's last change, so a settle is timed to it, not to the wait.
OBSERVE_JS = """() => {
  window.__lastChange = performance.now();
  new MutationObserver(() => { window.__lastChange = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
}"""
SETTLED_JS = """async ([since, quiet]) => {
  const app = () => document.querySelector('[data-testid="stApp"]');
  for (;;) {
    await new Promise(r => setTimeout(r, 50));
    const state = app() && app().getAttribute('data-test-script-state');
    if (state === 'notRunning' && window.__lastChange > since
        && performance.now() - window.__lastChange >= quiet) {
      return window.__lastChange - since;
    }
  }
}"""


@dataclass
class Server:
    """A running `streamlit run` and when it was asked to start."""

    url: str
    process: subprocess.Popen[bytes]
    started: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def server(script: Path, db: Path | None) -> Iterator[Server]:
    """`streamlit run script` on a free port (kyosai's settings from ROOT), until healthy."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    # As deployed: the app's modules are compiled once and read from their cache afterwards
    # (this machine's environment turns the writing off, so every start compiled them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if db is not None:
        env["KYOSAI_DB"] = str(db)
    command = [
        sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} did not start")
            time.sleep(0.02)
        yield Server(url, process, started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _settle(page: Any, since: float) -> float:
    return float(page.evaluate(SETTLED_JS, [since, QUIET_MS]))


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.evaluate(OBSERVE_JS)
    _settle(page, -1.0)


def _choose(page: Any, label: str, option: str) -> float:
    """Choose `option` in the selectbox `label`; ms from the choice to the page settled."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    try:
        box.wait_for(timeout=30_000)
    except Exception:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "kyosai-bench-failed.png"))
        raise
    box.click()
    since = float(page.evaluate("() => performance.now()"))
    page.get_by_role("option", name=option, exact=True).click()
    elapsed = _settle(page, since)
    _refuse_errors(page, f"{label} → {option}")
    return elapsed


def _refuse_errors(page: Any, what: str) -> None:
    # An error page settles fast: timing one would flatter the app.
    if page.get_by_test_id("stException").count():
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "kyosai-bench-failed.png"))
        raise RuntimeError(f"the page showed an error after {what}")


@dataclass(frozen=True)
class Click:
    """A filter change on one page: its path and the two options it alternates between."""

    path: str
    label: str
    options: tuple[str, str]
    before: Callable[[Any], None] | None = None


def _open_settings(page: Any) -> None:
    page.get_by_role("button", name="表示の設定（制度・期間・作成年月）").click()
    page.get_by_test_id("stPopoverBody").wait_for()


CLICKS = {
    "集計表": Click("table", "表示単位", ("月次", "四半期末月（資料3の形式）")),
    "利用率の推移": Click("trends", "表示単位", ("四半期", "月次")),
    # Months offered for both the sample (R7.9) and the 20-year DB (R8.3).
    "会議資料": Click("committee", "作成年月", ("令和8年1月", "令和8年2月"), _open_settings),
}
BARE_CLICK = Click("", "表示単位", ("月次", "四半期末月"))


def _clicks(page: Any, url: str, click: Click, runs: int) -> list[float]:
    _open(page, f"{url}/{click.path}")
    if click.before is not None:
        click.before(page)
    timings = []
    for index in range(runs + 1):
        elapsed = _choose(page, click.label, click.options[index % 2])
        if index:  # the first choice warms the page's caches for both options
            timings.append(elapsed)
        if click.before is not None and not page.get_by_test_id("stPopoverBody").is_visible():
            click.before(page)
    return timings


def _upload(page: Any, url: str, path: Path, painted: str) -> float:
    _open(page, url)
    since = float(page.evaluate("() => performance.now()"))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text(painted).first.wait_for()
    elapsed = _settle(page, since)
    _refuse_errors(page, f"dropping {path.name}")
    return elapsed


# Notes the frame that first paints `text` in the page's main area (and keeps the DOM's last
# change): timed inside the page, as Playwright's polling lags while the browser is busy drawing.
HEADING_JS = """(text) => {
  window.__lastChange = performance.now();
  const seen = () => {
    window.__lastChange = performance.now();
    const main = document.querySelector('[data-testid="stMain"]');
    if (window.__heading === undefined && main && main.textContent.includes(text)) {
      window.__heading = null;
      requestAnimationFrame(() => { window.__heading = performance.now(); });
    }
  };
  new MutationObserver(seen).observe(document, {subtree: true, childList: true,
                                                attributes: true, characterData: true});
}"""


def _cold_start(browser: Any, script: Path, db: Path | None, painted: str) -> tuple[float, float]:
    """ms from `streamlit run` to the page's heading painted, and to the whole page settled."""
    with server(script, db) as running:
        page = browser.new_page()
        page.add_init_script(script=f"({HEADING_JS})({json.dumps(painted)})")
        try:
            navigated = time.perf_counter()
            page.goto(running.url)
            page.wait_for_function("() => typeof window.__heading === 'number'", timeout=60_000)
            # The page's clock counts from the navigation, which began at `navigated`.
            before = (navigated - running.started) * 1000
            heading = before + float(page.evaluate("() => window.__heading"))
            return heading, before + _settle(page, -1.0)
        finally:
            page.close()


def _summary(timings: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(timings),
        "min_ms": min(timings),
        "max_ms": max(timings),
    }


def _ratio(kyosai: list[float], bare: list[float]) -> float:
    return statistics.median(kyosai) / statistics.median(bare)


def _click_figures(page: Any, kyosai: str, bare: str, runs: int) -> dict[str, Any]:
    by_page: dict[str, Any] = {}
    bare_ms: list[float] = []
    for name, click in CLICKS.items():
        mine: list[float] = []
        theirs: list[float] = []
        for _ in range(2):  # A B A B
            mine += _clicks(page, kyosai, click, max(1, runs // 2))
            theirs += _clicks(page, bare, BARE_CLICK, max(1, runs // 2))
        by_page[name] = _summary(mine) | {"ratio": _ratio(mine, theirs)}
        bare_ms += theirs
    return {
        "click_by_page": by_page,
        "bare_click": _summary(bare_ms),
        "click_ratio": max(v["ratio"] for v in by_page.values()),
    }


# Longer than the app keeps its DB connection while nobody clicks (kyosai.ui.pool): a manager
# who reads the table before the next click meets a closed file.
READING_PAUSE_S = 4.0


def _paused_clicks(page: Any, url: str, click: Click, runs: int) -> list[float]:
    _open(page, f"{url}/{click.path}")
    for option in reversed(click.options):  # both options cached, as for the other clicks
        _choose(page, click.label, option)
    timings = []
    for index in range(runs):
        time.sleep(READING_PAUSE_S)
        timings.append(_choose(page, click.label, click.options[(index + 1) % 2]))
    return timings


def _paused_click_figures(page: Any, kyosai: str, bare: str, runs: int) -> dict[str, Any]:
    # Diagnostic: what a reading user feels. The timed clicks above follow each other within
    # a second, which keeps every connection and cache warm.
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(2):  # A B A B
        mine += _paused_clicks(page, kyosai, CLICKS["集計表"], max(3, runs // 4))
        theirs += _paused_clicks(page, bare, BARE_CLICK, max(3, runs // 4))
    return {
        "paused_click": _summary(mine),
        "bare_paused_click": _summary(theirs),
        "paused_click_ratio": _ratio(mine, theirs),
    }


def _upload_figures(
    page: Any, kyosai: str, bare: str, files: list[Path], runs: int
) -> dict[str, Any]:
    # A new file each time, as staff drop one: kyosai keeps the last previews, and a file it
    # has already read would be timed without its reading.
    mine, theirs = [], []
    for file in files[: max(2, runs // 2)]:
        mine.append(_upload(page, f"{kyosai}/upload", file, "取込内容の確認"))
        theirs.append(_upload(page, bare, file, "bytes"))
    return {
        "upload_preview": _summary(mine),
        "bare_upload": _summary(theirs),
        "upload_preview_ratio": _ratio(mine, theirs),
    }


def _cold_start_figures(browser: Any, db: Path, work: Path, starts: int) -> dict[str, Any]:
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(starts):
        app_db = work / "cold.duckdb"
        shutil.copyfile(db, app_db)
        mine.append(_cold_start(browser, ROOT / "app.py", app_db, "概要"))
        theirs.append(_cold_start(browser, BENCH / "bare_select.py", None, "bare"))
    painted, settled = ([timing[i] for timing in mine] for i in (0, 1))
    bare_painted, bare_settled = ([timing[i] for timing in theirs] for i in (0, 1))
    return {
        "cold_start": _summary(painted),
        "bare_cold_start": _summary(bare_painted),
        "cold_start_ratio": _ratio(painted, bare_painted),
        # The heading comes first; this is to the whole first page, its figures drawn.
        "cold_start_settled": _summary(settled),
        "bare_cold_start_settled": _summary(bare_settled),
        "cold_start_settled_ratio": _ratio(settled, bare_settled),
    }


def measure(db: Path, quarter_files: list[Path], runs: int, starts: int) -> dict[str, Any]:
    """The browser figures on a copy of `db`, each beside its bare counterpart; each upload
    drops the next of `quarter_files` (the same counts, different files)."""
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="kyosai-browser-"))
    app_db = work / "app.duckdb"
    shutil.copyfile(db, app_db)
    figures: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with (
                server(ROOT / "app.py", app_db) as kyosai,
                server(BENCH / "bare_select.py", None) as bare,
                server(BENCH / "bare_upload.py", None) as bare_upload,
            ):
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                figures |= _click_figures(page, kyosai.url, bare.url, runs)
                figures |= _paused_click_figures(page, kyosai.url, bare.url, runs)
                figures |= _upload_figures(page, kyosai.url, bare_upload.url, quarter_files, runs)
                page.close()
            figures |= _cold_start_figures(browser, db, work, starts)
        finally:
            browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return figures
