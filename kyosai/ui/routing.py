"""Keeps every page behind the router in app.py."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_router() -> None:
    """Rerun through app.py if Streamlit ran this page on its own.

    Streamlit 1.67 treats a project with a `pages/` folder as a legacy multipage app until
    `st.navigation` has run once in the process, so the first visit after a server start to a
    page URL (a bookmark, a reconnecting projector) would run the page without the router:
    file names in the sidebar and no page config. Switching the legacy mode off and rerunning
    sends that first visit through app.py like every other.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
