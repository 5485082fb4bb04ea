"""AppTest fixtures: each test runs app.py on its own copy of the sample DB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.sample_db import copy_db, sample_template

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in tests/app as an AppTest test."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.app)


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample DB built once for the run (closed): tests copy it and never open it."""
    return sample_template(tmp_path_factory)


@pytest.fixture
def db_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_db_template: Path
) -> Iterator[Path]:
    """$KYOSAI_DB: this test's copy of the sample DB, Streamlit's process caches emptied around."""
    path = copy_db(sample_db_template, tmp_path / "kyosai.duckdb")
    monkeypatch.setenv("KYOSAI_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(db_path: Path) -> AppTest:
    """app.py, run once (the 概要 page)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()
