"""Runs the app under AppTest the way a server runs it once `st.navigation` has taken over.

AppTest resets Streamlit's pages-directory flag before every run, and with a `pages/` folder
next to app.py every run would then start as a legacy multipage app; a real server leaves
that mode after the first run (kyosai.ui.routing). Pinning the flag off keeps that knowledge
in the test harness, not in the app. The fresh-server deep-link e2e test covers the real path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from streamlit.runtime.pages_manager import PagesManager


@contextmanager
def router_in_charge() -> Iterator[None]:
    """While active, every PagesManager starts with the pages-directory mode off."""
    original: Callable[..., None] = PagesManager.__init__

    def pinned(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    PagesManager.__init__ = pinned  # type: ignore[method-assign]
    try:
        yield
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]
