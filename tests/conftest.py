"""Fixtures for every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.streamlit_router import router_in_charge


@pytest.fixture(autouse=True)
def _router_in_charge() -> Iterator[None]:
    """AppTest runs start as a server does once app.py's st.navigation has taken over."""
    with router_in_charge():
        yield
