"""Cached access to the store for the pages: one connection per process, models per version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from kyosai import store, uploads, views
from kyosai.calendar import FiscalQuarter
from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeModel, committee
from kyosai.ingest import UploadPlan, commit_plan, plan_upload, template_xlsx
from kyosai.pack import committee_pack_xlsx
from kyosai.views import definitions_text


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


@st.cache_data(show_spinner=False, max_entries=16)
def _plan(path: str, version: int, content: bytes, name: str, today: date) -> UploadPlan:
    with _connection(path).cursor() as cur:
        return plan_upload(cur, content, name, default_catalog(), today)


def plan(content: bytes, name: str) -> UploadPlan:
    """The preview of an uploaded file against the current store (nothing is written)."""
    return _plan(db_path(), data_version(), content, name, date.today())


def commit(upload_plan: UploadPlan, user: str) -> store.UploadResult:
    """Write a previewed upload; every page shows the new figures on its next run."""
    with cursor() as cur:
        result = commit_plan(cur, upload_plan, user)
    st.cache_data.clear()
    return result


def history() -> pl.DataFrame:
    """Every upload, newest first."""
    with cursor() as cur:
        return uploads.history(cur)


def upload_detail(upload_id: int) -> uploads.UploadDetail:
    """One upload's rows and whether it can be undone."""
    with cursor() as cur:
        return uploads.detail(cur, default_catalog(), upload_id)


def undo(upload_id: int, user: str) -> None:
    """Undo an upload (raises StoreError with a Japanese message when refused)."""
    with cursor() as cur:
        store.undo_upload(cur, upload_id, user)
    st.cache_data.clear()


def next_quarter() -> FiscalQuarter:
    """The quarter after the latest stored month (the current quarter on an empty store)."""
    with cursor() as cur:
        latest = store.latest_month(cur)
    return FiscalQuarter.of(latest).next() if latest else FiscalQuarter.of(date.today())


@st.cache_data(show_spinner=False, max_entries=8)
def template(quarter: FiscalQuarter) -> bytes:
    """The long-layout template for a quarter, as xlsx bytes."""
    return template_xlsx(default_catalog(), quarter)


@st.cache_data(show_spinner=False, max_entries=16)
def _committee(
    path: str,
    version: int,
    scheme_ids: tuple[str, ...],
    first: date | None,
    last: date | None,
    created: date | None,
    today: date,
) -> CommitteeModel:
    with _connection(path).cursor() as cur:
        return committee(cur, default_catalog(), list(scheme_ids), first, last, created, today)


def committee_model(
    scheme_ids: tuple[str, ...], first: date | None, last: date | None, created: date | None
) -> CommitteeModel:
    """The 会議資料 model for the presenter's choices."""
    return _committee(db_path(), data_version(), scheme_ids, first, last, created, date.today())


@st.cache_data(show_spinner="会議資料を作成しています…", max_entries=4)
def _committee_pack(
    path: str,
    version: int,
    scheme_ids: tuple[str, ...],
    first: date | None,
    last: date | None,
    created: date | None,
    today: date,
) -> bytes:
    model = _committee(path, version, scheme_ids, first, last, created, today)
    with _connection(path).cursor() as cur:
        uploads_frame = store.read_uploads(cur)
    return committee_pack_xlsx(model, uploads_frame, definitions_text())


def committee_pack(
    scheme_ids: tuple[str, ...], first: date | None, last: date | None, created: date | None
) -> bytes:
    """The committee pack (xlsx with tables, counts, definitions and PNG charts)."""
    return _committee_pack(
        db_path(), data_version(), scheme_ids, first, last, created, date.today()
    )
