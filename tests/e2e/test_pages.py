"""Every page opens without errors, shows its title and the sample-data notice, and the
sidebar navigation moves between them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from .conftest import (
    APP_ROOT,
    DEFAULT_PAGE,
    PAGES,
    AppPage,
    AppServer,
    assert_no_exception,
    expect,
    goto_page,
    screenshot,
    sidebar_nav_labels,
    sidebar_nav_link,
    wait_for_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SAMPLE_NOTICE = "サンプルデータ"
NAV_TITLES = [p.title for p in PAGES]


def page_url_pattern(server: AppServer, app_page: AppPage) -> re.Pattern[str]:
    """The URL of a page (the default page's is the app's root)."""
    base = re.escape(server.url)
    path = re.escape(app_page.url)
    if app_page == DEFAULT_PAGE:
        return re.compile(rf"^{base}/?([?#].*)?$")
    return re.compile(rf"^{base}/{path}/?([?#].*)?$")


def assert_nav_titles(page: Page, hint: str = "") -> None:
    """The sidebar lists the page titles from st.navigation, in order (more pages are allowed,
    e.g. staff-only ones), not the file names of MPA v1."""
    labels = sidebar_nav_labels(page).all_inner_texts()
    assert [t for t in labels if t in NAV_TITLES] == NAV_TITLES, (
        f"sidebar navigation: {labels}, expected the titles {NAV_TITLES}{hint}"
    )


def expect_page_shown(page: Page, app_page: AppPage) -> None:
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=app_page.title).first).to_be_visible()
    expect(page.get_by_text(SAMPLE_NOTICE).filter(visible=True).first).to_be_visible()


@pytest.mark.parametrize("app_page", PAGES, ids=[p.path for p in PAGES])
def test_page_renders(page: Page, app_server: AppServer, app_page: AppPage) -> None:
    goto_page(page, app_server, app_page.url)

    assert_no_exception(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect_page_shown(page, app_page)
    expect(page).to_have_url(page_url_pattern(app_server, app_page))
    screenshot(page, app_page.path)


def test_sidebar_navigation(page: Page, app_server: AppServer) -> None:
    goto_page(page, app_server, "/")
    expect_page_shown(page, DEFAULT_PAGE)
    for title in NAV_TITLES:
        expect(sidebar_nav_link(page, title)).to_be_visible()
    assert_nav_titles(page)

    # Visit every other page, then come back to the default page.
    for app_page in [*PAGES[1:], DEFAULT_PAGE]:
        link = sidebar_nav_link(page, app_page.title)
        link.click()
        expect(page).to_have_url(page_url_pattern(app_server, app_page))
        expect_page_shown(page, app_page)
        expect(link).to_have_attribute("aria-current", "page")
        wait_for_app(page)
        assert_no_exception(page)


@pytest.mark.parametrize("target", [PAGES[0], PAGES[1]], ids=["default-page", "other-page"])
def test_deep_link_on_fresh_server_runs_app_py(
    page: Page, fresh_app_server: AppServer, target: AppPage
) -> None:
    """The very first visitor after a server start may open a bookmarked page directly.

    Streamlit 1.67 decides per process whether the app is a "pages/ directory" (MPA v1) app:
    ``PagesManager.uses_pages_directory`` is True while ``pages/`` exists next to ``app.py``
    and becomes False only once some session has run ``app.py`` and called ``st.navigation``.
    Until then a request for ``/trends`` runs ``pages/trends.py`` on its own, skipping
    ``app.py`` (no set_page_config, no DB setup, sidebar lists file names). The app guards
    against this with ``kyosai.ui.routing.require_router()`` at the top of every page.
    """
    goto_page(page, fresh_app_server, target.url)

    hint = ""
    if (APP_ROOT / "pages").is_dir():
        hint = (
            "\nStreamlit ran the page file without app.py because a pages/ directory sits "
            "next to app.py (MPA v1 fallback). Call require_router() at the top of the page "
            "or rename the directory (e.g. app_pages/); the URL paths stay the same."
        )
    assert_nav_titles(page, hint)
    assert_no_exception(page)
    # Not Streamlit's "Page not found" dialog either.
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect_page_shown(page, target)
    expect(page).to_have_url(page_url_pattern(fresh_app_server, target))
