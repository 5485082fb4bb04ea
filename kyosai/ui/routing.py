"""Keeps every page behind the router in app.py."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"


def require_router() -> None:
    """Run this page through app.py if Streamlit started it on its own.

    Streamlit 1.67 treats a project with a `pages/` folder as a legacy multipage app until
    `st.navigation` has run once in the process (and AppTest resets that before every run), so
    a first visit to a page URL runs the page without the router: file names in the sidebar and
    no page config. Running app.py here, in the same script run, puts the router back in charge
    without a rerun, so widget events of this run (a button click) are not lost.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()
