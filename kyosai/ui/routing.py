"""Keeps every page behind the router in app.py."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_router() -> None:
    """Send a first visit to a page URL through app.py.

    Streamlit 1.67 treats a project with a `pages/` folder as a legacy multipage app until
    `st.navigation` has run once in the process, so a first visit to a page URL runs the page
    without the router: file names in the sidebar and no page config. One rerun puts the router
    in charge for good; it happens once per process, on a first visit, which carries no clicks.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
