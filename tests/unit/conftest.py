"""Shared fixtures of the unit tests: a DuckDB file of each test's own and the published table."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kyosai import store
from tests.sample_db import copy_db, sample_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLISHED_CSV = FIXTURES / "published_rates.csv"


def _opened(path: Path, *, sample: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """store.connect(path) for the length of a test, then closed."""
    con = store.connect(path, sample=sample)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for this test's own DuckDB file (not created yet)."""
    return tmp_path / "k.duckdb"


@pytest.fixture(scope="session")
def sample_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample DB built once for the run (closed): tests copy it and never open it."""
    return sample_template(tmp_path_factory)


@pytest.fixture
def sample_db(db_path: Path, sample_db_template: Path) -> Path:
    """db_path holding the sample DB and its backup, as store.connect() leaves a new file."""
    return copy_db(sample_db_template, db_path)


@pytest.fixture
def sample_con(sample_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """This test's own copy of the sample DB (migrated, sample loaded, one backup), open."""
    yield from _opened(sample_db)


@pytest.fixture
def fresh_sample_con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new DB file made here by store.connect(): for tests of that creation and sample load."""
    yield from _opened(db_path)


@pytest.fixture
def empty_con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new DB file in tmp_path, migrated, with no data."""
    yield from _opened(db_path, sample=False)


@pytest.fixture(scope="session")
def published() -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    """The seed's published table: its period labels and, per (scheme, procedure), the cells."""
    with PUBLISHED_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        labels = list(reader.fieldnames[2:])
        rows = {(r["scheme"], r["procedure"]): r for r in reader}
    return labels, rows
