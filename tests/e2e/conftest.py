"""Fixtures and helpers for the end-to-end browser tests.

Every test under ``tests/e2e`` gets the ``e2e`` marker. The tests start the real app with
``streamlit run app.py`` on a free port (with ``KYOSAI_DB`` pointing at a fresh temp file) and
drive it with Debian's Chromium through the Playwright sync API (``playwright install`` cannot
download browsers on this machine).

Environment variables:

- ``KYOSAI_CHROMIUM``: Chromium binary (default ``/usr/bin/chromium``).
- ``KYOSAI_REQUIRE_BROWSER=1``: fail instead of skip when Chromium or Playwright is missing (CI).
- ``KYOSAI_APP_ROOT``: directory holding ``app.py`` (default: the project root). Screenshots go
  to ``<app root>/artifacts/screenshots/``.

Helpers for test modules (``from .conftest import ...``): ``wait_for_app``, ``goto_page``,
``screenshot``, ``assert_no_exception``, ``sidebar_nav_links``, ``sidebar_nav_labels``,
``sidebar_nav_link``, ``expect``, ``PAGES``. Tables are read with ``tests.html_table``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the tests are skipped (or fail) below with a clear reason
    expect = None  # type: ignore[assignment]
    sync_playwright = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

E2E_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = E2E_DIR.parents[1]
APP_ROOT = Path(os.environ.get("KYOSAI_APP_ROOT") or PROJECT_ROOT).resolve()
SCREENSHOT_DIR = APP_ROOT / "artifacts" / "screenshots"

CHROMIUM_PATH = os.environ.get("KYOSAI_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_BROWSER_REASON = "Chromium not installed: apt-get install -y chromium fonts-noto-cjk"

SERVER_START_TIMEOUT_S = 60.0
# The first script run creates and loads the sample DB, so allow it some time.
APP_READY_TIMEOUT_MS = 60_000
DEFAULT_TIMEOUT_MS = 15_000


class AppPage(NamedTuple):
    """One page of the app: its name (the file name), its title in st.navigation, and its URL
    path (the default page is served at ``/`` only; ``/overview`` is "Page not found")."""

    path: str
    title: str
    url: str


PAGES: tuple[AppPage, ...] = (
    AppPage("overview", "概要", ""),
    AppPage("trends", "利用率の推移", "trends"),
    AppPage("table", "集計表", "table"),
    AppPage("definitions", "データの定義", "definitions"),
)
DEFAULT_PAGE = PAGES[0]

if expect is not None:
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


# --------------------------------------------------------------------------------------
# Marker and browser availability
# --------------------------------------------------------------------------------------


def _is_e2e_item(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, so only mark the ones in this directory.
    for item in items:
        if _is_e2e_item(item):
            item.add_marker(pytest.mark.e2e)


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if not Path(CHROMIUM_PATH).is_file() or not os.access(CHROMIUM_PATH, os.X_OK):
        return f"{MISSING_BROWSER_REASON} (no executable at {CHROMIUM_PATH})"
    if sync_playwright is None:
        return f"{MISSING_BROWSER_REASON} (the playwright Python package is not importable)"
    return None


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    """Skip every e2e test when there is no browser; fail instead with KYOSAI_REQUIRE_BROWSER=1.

    Autouse session fixtures are set up first, so no server is started in that case.
    """
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("KYOSAI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; KYOSAI_REQUIRE_BROWSER=1 is set", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------
# Streamlit server
# --------------------------------------------------------------------------------------


@dataclass
class AppServer:
    url: str
    db_path: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, max_chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"<cannot read {self.log_path}: {exc}>"
        return text[-max_chars:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop (SIGTERM) and wait for it to exit."""
    if process.poll() is not None:
        return
    process.terminate()
    _wait_for_exit(process)


def _wait_for_exit(process: subprocess.Popen[bytes]) -> None:
    """Wait for a server asked to stop to exit; kill it if it takes more than 15 s."""
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


Stopper = Callable[[subprocess.Popen[bytes]], None]


class _PortTaken(Exception):
    pass


def _start_app_server(workdir: Path, app_root: Path, attempt: int) -> AppServer:
    port = _free_port()
    db_path = workdir / "kyosai-e2e.duckdb"
    log_path = workdir / (f"streamlit-{attempt}.log" if attempt else "streamlit.log")
    env = {**os.environ, "KYOSAI_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=app_root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}", db_path, log_path, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _health_ok(server.url):
            if process.poll() is not None:
                log_tail = server.log_tail()
                if f"Port {port} is not available" in log_tail:
                    raise _PortTaken(log_tail)
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before it was healthy.\n"
                    f"--- {log_path} ---\n{log_tail}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit was not healthy after {SERVER_START_TIMEOUT_S:.0f} s.\n"
                    f"--- {log_path} ---\n{server.log_tail()}",
                    pytrace=False,
                )
            time.sleep(0.2)
    except BaseException:
        _stop(process)
        raise
    return server


@contextlib.contextmanager
def run_app_server(
    workdir: Path, app_root: Path = APP_ROOT, stop: Stopper = _stop
) -> Iterator[AppServer]:
    """Start ``streamlit run app.py`` in ``app_root`` with its own DB and log in ``workdir``.

    The free port is probed before streamlit binds it, so another process can take it in
    between; streamlit then exits with "Port N is not available" and we retry on a new port.
    On leaving, ``stop`` is called with the server's process (by default: stop and wait).
    """
    if not (app_root / "app.py").is_file():
        pytest.fail(f"no app.py in {app_root} (set KYOSAI_APP_ROOT?)", pytrace=False)
    attempts = 3
    for attempt in range(attempts):
        try:
            server = _start_app_server(workdir, app_root, attempt)
            break
        except _PortTaken as exc:
            if attempt == attempts - 1:
                pytest.fail(f"no free port after {attempts} attempts:\n{exc}", pytrace=False)
    try:
        yield server
    finally:
        stop(server.process)


def warm_up(browser: Browser, server: AppServer) -> None:
    """Open ``/`` once so that ``app.py`` has run (sample DB loaded, st.navigation registered).

    See ``test_deep_link_on_fresh_server_runs_app_py`` for why the first visit matters.
    """
    context = browser.new_context(locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(server.url)
        wait_for_app(page)
    finally:
        context.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[AppServer]:
    """The app, running for the whole session on a free port with a fresh KYOSAI_DB.

    It has been opened once at ``/`` before any test uses it.
    """
    with run_app_server(tmp_path_factory.mktemp("app_server")) as server:
        warm_up(browser, server)
        yield server


@pytest.fixture(scope="session")
def stop_in_background() -> Iterator[Stopper]:
    """Ask a server to stop without waiting; each one's exit is awaited at the session's end.

    A server that has been used exits only once its shared DB connection has been idle for a
    few seconds (kyosai.ui.pool), about 6 s; this lets the next tests run meanwhile.
    """
    stopping: list[subprocess.Popen[bytes]] = []

    def stop(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            stopping.append(process)

    yield stop
    for process in stopping:
        _wait_for_exit(process)


@pytest.fixture
def fresh_app_server(tmp_path: Path, stop_in_background: Stopper) -> Iterator[AppServer]:
    """A server of its own for one test, not yet visited by anyone (no warm-up)."""
    with run_app_server(tmp_path, stop=stop_in_background) as server:
        yield server


# --------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert sync_playwright is not None  # guaranteed by _require_browser
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """On a failed e2e test, save a screenshot and attach the server log to the report."""
    report = yield
    if report.when != "call" or not report.failed or not _is_e2e_item(item):
        return report
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    page = funcargs.get("page")
    if page is not None and not page.is_closed():
        name = "FAILED-" + re.sub(r"[^\w.-]+", "_", item.name)
        with contextlib.suppress(Exception):
            report.sections.append(("e2e screenshot", str(screenshot(page, name))))
    for fixture_name in ("fresh_app_server", "app_server"):
        server = funcargs.get(fixture_name)
        if isinstance(server, AppServer):
            report.sections.append((f"streamlit log ({server.log_path})", server.log_tail()))
            break
    return report


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def wait_for_app(page: Page, timeout_ms: float = APP_READY_TIMEOUT_MS) -> None:
    """Wait until the Streamlit app is mounted and its script run has finished.

    After ``page.goto`` the script state goes ``initial`` -> ``running`` -> ``notRunning``,
    so waiting for ``notRunning`` on a fresh load means the first run is done. After a click
    that triggers a rerun, first wait for something the rerun produces (URL, heading), because
    the state is still ``notRunning`` from the previous run for a moment.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms
    )


def goto_page(page: Page, server: AppServer, path: str = "") -> None:
    """Open ``path`` (e.g. ``"trends"`` or ``"/trends"``) of the app and wait for it."""
    page.goto(f"{server.url}/{path.lstrip('/')}")
    wait_for_app(page)


_CONTENT_HEIGHT_JS = """() => Math.max(
    document.querySelector('[data-testid="stMain"]')?.scrollHeight ?? 0,
    document.documentElement.scrollHeight,
)"""


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG to ``<app root>/artifacts/screenshots/<name>.png``.

    Streamlit scrolls inside ``<main data-testid="stMain">``, not the document, so Playwright's
    ``full_page`` alone stops at the viewport. The viewport is grown to the height of the main
    content for the shot and then restored.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    viewport = page.viewport_size or {"width": 1600, "height": 1000}
    content_height = int(page.evaluate(_CONTENT_HEIGHT_JS))
    grow = content_height > viewport["height"]
    if grow:
        page.set_viewport_size({"width": viewport["width"], "height": min(content_height, 16000)})
        page.wait_for_timeout(300)  # let charts and the layout settle at the new size
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if grow:
            page.set_viewport_size(viewport)
    return path


def assert_no_exception(page: Page) -> None:
    """No ``st.exception`` / uncaught-error box and no traceback text on the page."""
    exceptions = page.get_by_test_id("stException")
    count = exceptions.count()
    if count:
        details = "\n---\n".join(exceptions.all_inner_texts())
        pytest.fail(f"{count} stException element(s) on {page.url}:\n{details}", pytrace=False)
    body_text = page.locator("body").inner_text()
    assert "Traceback" not in body_text, f"'Traceback' shown on {page.url}:\n{body_text}"


def sidebar_nav_links(page: Page) -> Locator:
    """The page links of the sidebar navigation (``a[data-testid="stSidebarNavLink"]``).

    A link's own text includes the ligature name of a Material icon (``"dashboard概要"``),
    so compare titles with ``sidebar_nav_labels`` and pick a link with ``sidebar_nav_link``.
    """
    return page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")


def sidebar_nav_labels(page: Page) -> Locator:
    """The title label of each sidebar link, without the icon text."""
    return sidebar_nav_links(page).get_by_test_id("stMarkdownContainer")


def sidebar_nav_link(page: Page, title: str) -> Locator:
    """The sidebar link whose label is exactly ``title``."""
    return sidebar_nav_links(page).filter(
        has=page.get_by_test_id("stMarkdownContainer").get_by_text(title, exact=True)
    )
