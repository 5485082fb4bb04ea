"""Cached access to the store for the pages: one connection per process, models per version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from kyosai import store, views
from kyosai.catalog import default_catalog


@st.cache_resource(show_spinner=False)
def _connection(db_path: str) -> duckdb.DuckDBPyConnection:
    # One read-write connection per process and DB file; each call below takes its own cursor,
    # because a DuckDB connection is not safe to share between Streamlit's session threads.
    return store.connect(Path(db_path))


def db_path() -> str:
    """The DB file this app uses ($KYOSAI_DB or data/kyosai.duckdb)."""
    return str(store.db_path_from_env())


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the process-wide connection."""
    return _connection(db_path()).cursor()


def data_version() -> int:
    """The store's data version, read on every run so caches follow every upload."""
    with cursor() as cur:
        return store.data_version(cur)


@st.cache_data(show_spinner=False, max_entries=8)
def _filter_options(path: str, version: int) -> views.FilterOptions:
    with _connection(path).cursor() as cur:
        return views.filter_options(cur, default_catalog())


def filter_options() -> views.FilterOptions:
    """Choices for the filter widgets."""
    return _filter_options(db_path(), data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(path: str, version: int, today: date) -> views.OverviewModel:
    with _connection(path).cursor() as cur:
        return views.overview(cur, default_catalog(), today)


def overview() -> views.OverviewModel:
    """The 概要 page model."""
    return _overview(db_path(), data_version(), date.today())


@st.cache_data(show_spinner=False, max_entries=64)
def _trends(path: str, version: int, filters: views.Filters, today: date) -> views.TrendModel:
    with _connection(path).cursor() as cur:
        return views.trends(cur, default_catalog(), filters, today)


def trends(filters: views.Filters) -> views.TrendModel:
    """The 利用率の推移 page model for these filters."""
    return _trends(db_path(), data_version(), filters, date.today())


@st.cache_data(show_spinner=False, max_entries=64)
def _table(path: str, version: int, filters: views.Filters, today: date) -> views.TableModel:
    with _connection(path).cursor() as cur:
        return views.table(cur, default_catalog(), filters, today)


def table(filters: views.Filters) -> views.TableModel:
    """The 集計表 page model for these filters."""
    return _table(db_path(), data_version(), filters, date.today())


@st.cache_data(show_spinner=False, max_entries=8)
def _definitions(path: str, version: int, today: date) -> views.DefinitionsModel:
    with _connection(path).cursor() as cur:
        return views.definitions(cur, default_catalog(), today)


def definitions() -> views.DefinitionsModel:
    """The データの定義 page model."""
    return _definitions(db_path(), data_version(), date.today())
