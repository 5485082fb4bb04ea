"""Keeps every page behind the router in app.py."""

from __future__ import annotations

import functools
from pathlib import Path
from types import CodeType

import streamlit as st
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"


def require_router() -> None:
    """Run this page through app.py if Streamlit started it on its own.

    Streamlit 1.67 treats a project with a `pages/` folder as a legacy multipage app until
    `st.navigation` has run once in the process (and AppTest resets that before every run), so
    a first visit to a page URL runs the page without the router: file names in the sidebar and
    no page config. On a server, one rerun puts the router in charge for good (it happens once
    per process, on a first visit, which carries no clicks). AppTest resets the flag before
    every run, where a rerun would swallow the run's clicks, so there app.py runs in place
    (compiled once per process: recompiling it cost every AppTest run half a millisecond).
    """
    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    # Read through streamlit.config: AppTest patches config.get_option, not st.get_option.
    if config.get_option("global.appTest"):
        exec(_router_code(), {"__name__": "__main__", "__file__": str(APP_SCRIPT)})
        st.stop()
    st.rerun()


@functools.cache
def _router_code() -> CodeType:
    return compile(APP_SCRIPT.read_text(encoding="utf-8"), str(APP_SCRIPT), "exec")
