"""Shared fixtures of the unit tests: a fresh DuckDB file per test and the published table."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kyosai import store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLISHED_CSV = FIXTURES / "published_rates.csv"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for this test's own DuckDB file (not created yet)."""
    return tmp_path / "k.duckdb"


@pytest.fixture
def sample_con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new DB file in tmp_path, migrated and loaded with the sample data."""
    con = store.connect(db_path)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def empty_con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new DB file in tmp_path, migrated, with no data."""
    con = store.connect(db_path, sample=False)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture(scope="session")
def published() -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    """The seed's published table: its period labels and, per (scheme, procedure), the cells."""
    with PUBLISHED_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        labels = list(reader.fieldnames[2:])
        rows = {(r["scheme"], r["procedure"]): r for r in reader}
    return labels, rows
