"""Cached access to the store for the pages: a shared, idle-closing connection and page models
cached per data version, so every page shows new figures as soon as anything is committed."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any, cast

import duckdb
import polars as pl
import streamlit as st

from kyosai import store, uploads, views
from kyosai.calendar import FiscalQuarter
from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeModel, committee
from kyosai.ingest import UploadPlan, commit_plan, plan_upload, template_xlsx
from kyosai.ui.pool import SharedConnection

# Each page model, built from a cursor, today's date and the page's own arguments.
_BUILDERS: dict[str, Callable[..., Any]] = {
    "filter_options": lambda con, today: views.filter_options(con, default_catalog()),
    "overview": lambda con, today: views.overview(con, default_catalog(), today),
    "trends": lambda con, today, filters: views.trends(con, default_catalog(), filters, today),
    "table": lambda con, today, filters: views.table(con, default_catalog(), filters, today),
    "definitions": lambda con, today: views.definitions(con, default_catalog(), today),
    "committee": lambda con, today, schemes, first, last, created: committee(
        con, default_catalog(), list(schemes), first, last, created, today
    ),
    "plan": lambda con, today, content, name: plan_upload(
        con, content, name, default_catalog(), today
    ),
}


# How long a page waits for the command line (another process) to let go of the file.
APP_WAIT_SECONDS = 15.0


@st.cache_resource(show_spinner=False)
def _shared(path: str) -> SharedConnection:
    return SharedConnection(lambda: store.connect(Path(path), wait_seconds=APP_WAIT_SECONDS))


def db_path() -> str:
    """The DB file this app uses ($KYOSAI_DB or data/kyosai.duckdb)."""
    return str(store.db_path_from_env())


def _cursor() -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    return _shared(db_path()).cursor()


def data_version() -> int:
    """The store's data version, read on every run so caches follow every upload.

    Every page asks for it first, so a database held by another process for too long stops
    the page here with a plain message rather than a traceback.
    """
    try:
        with _cursor() as cur:
            return store.data_version(cur)
    except (store.BusyError, store.DamagedError) as error:
        st.error(str(error))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=128)
def _model(name: str, path: str, version: int, today: date, args: tuple[Any, ...]) -> Any:
    # `version` is part of the cache key only: a commit or undo makes every model stale.
    with _shared(path).cursor() as cur:
        return _BUILDERS[name](cur, today, *args)


def _cached(name: str, *args: Any) -> Any:
    return _model(name, db_path(), data_version(), date.today(), args)


def filter_options() -> views.FilterOptions:
    """Choices for the filter widgets."""
    return cast(views.FilterOptions, _cached("filter_options"))


def overview() -> views.OverviewModel:
    """The 概要 page model."""
    return cast(views.OverviewModel, _cached("overview"))


def trends(filters: views.Filters) -> views.TrendModel:
    """The 利用率の推移 page model for these filters."""
    return cast(views.TrendModel, _cached("trends", filters))


def table(filters: views.Filters) -> views.TableModel:
    """The 集計表 page model for these filters."""
    return cast(views.TableModel, _cached("table", filters))


def definitions() -> views.DefinitionsModel:
    """The データの定義 page model."""
    return cast(views.DefinitionsModel, _cached("definitions"))


def committee_model(
    scheme_ids: tuple[str, ...], first: date | None, last: date | None, created: date | None
) -> CommitteeModel:
    """The 会議資料 model for the presenter's choices."""
    return cast(CommitteeModel, _cached("committee", scheme_ids, first, last, created))


@st.cache_data(show_spinner="会議資料を作成しています…", max_entries=4)
def _committee_pack(path: str, version: int, today: date, args: tuple[Any, ...]) -> bytes:
    # Imported here: the pack renders PNGs with vl-convert, which no other page needs.
    from kyosai.pack import committee_pack_xlsx

    model = _model("committee", path, version, today, args)
    with _shared(path).cursor() as cur:
        uploads_frame = store.read_uploads(cur)
    return committee_pack_xlsx(model, uploads_frame, views.definitions_text())


def committee_pack(
    scheme_ids: tuple[str, ...], first: date | None, last: date | None, created: date | None
) -> bytes:
    """The committee pack (xlsx with tables, counts, definitions and PNG charts)."""
    args = (scheme_ids, first, last, created)
    return _committee_pack(db_path(), data_version(), date.today(), args)


@st.cache_data(show_spinner="グラフの画像を作成しています…", max_entries=16)
def _trend_png(path: str, version: int, today: date, filters: views.Filters) -> bytes | None:
    # Imported here: vl-convert is only needed when someone asks for an image.
    from kyosai.charts import spec_to_png

    model = cast(views.TrendModel, _model("trends", path, version, today, (filters,)))
    return spec_to_png(model.chart_spec) if model.chart_spec else None


def trend_png(filters: views.Filters) -> bytes | None:
    """The 利用率の推移 chart for these filters as a PNG with Japanese text."""
    return _trend_png(db_path(), data_version(), date.today(), filters)


def plan(content: bytes, name: str) -> UploadPlan:
    """The preview of an uploaded file against the current store (nothing is written)."""
    return cast(UploadPlan, _cached("plan", content, name))


def _write(action: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    with _cursor() as cur:
        result = action(cur)
    # Models are keyed on the data version already; clearing also frees their memory.
    st.cache_data.clear()
    return result


def commit(upload_plan: UploadPlan, user: str) -> store.UploadResult:
    """Write a previewed upload; every page shows the new figures on its next run."""
    return cast(store.UploadResult, _write(lambda cur: commit_plan(cur, upload_plan, user)))


def undo(upload_id: int, user: str) -> None:
    """Undo an upload (raises StoreError with a Japanese message when refused)."""
    _write(lambda cur: store.undo_upload(cur, upload_id, user))


def history() -> pl.DataFrame:
    """Every upload, newest first."""
    with _cursor() as cur:
        return uploads.history(cur)


def upload_detail(upload_id: int) -> uploads.UploadDetail:
    """One upload's rows and whether it can be undone."""
    with _cursor() as cur:
        return uploads.detail(cur, default_catalog(), upload_id)


def next_quarter() -> FiscalQuarter:
    """The quarter after the latest stored month (the current quarter on an empty store)."""
    with _cursor() as cur:
        latest = store.latest_month(cur)
    return FiscalQuarter.of(latest).next() if latest else FiscalQuarter.of(date.today())


@st.cache_data(show_spinner=False, max_entries=8)
def template(quarter: FiscalQuarter) -> bytes:
    """The long-layout template for a quarter, as xlsx bytes."""
    return template_xlsx(default_catalog(), quarter)
