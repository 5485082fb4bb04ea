"""Cached access to the store for the pages: a shared, idle-closing connection and page screens
cached per data version, so every page shows new figures as soon as anything is committed."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import duckdb
import streamlit as st

from kyosai import store, uploads, views
from kyosai.calendar import FiscalQuarter
from kyosai.catalog import default_catalog
from kyosai.committee import committee
from kyosai.ingest import UploadPlan, commit_plan, plan_upload, template_xlsx
from kyosai.ui import screens
from kyosai.ui.pool import SharedConnection

# Each page screen, built from a cursor, today's date and the page's own arguments.
_BUILDERS: dict[str, Callable[..., Any]] = {
    "filter_options": lambda con, today: views.filter_options(con, default_catalog()),
    "overview": lambda con, today: screens.overview(views.overview(con, default_catalog(), today)),
    "trends": lambda con, today, filters: screens.trends(
        views.trends(con, default_catalog(), filters, today)
    ),
    "table": lambda con, today, filters: screens.table(
        views.table(con, default_catalog(), filters, today)
    ),
    "definitions": lambda con, today: screens.definitions(
        views.definitions(con, default_catalog(), today)
    ),
    "committee": lambda con, today, schemes, first, last, created: screens.committee(
        committee(con, default_catalog(), list(schemes), first, last, created, today)
    ),
    "history": lambda con, today: screens.history(uploads.upload_log(con)),
    "upload_detail": lambda con, today, upload_id: screens.upload_detail(
        uploads.detail(con, default_catalog(), upload_id)
    ),
    "next_quarter": lambda con, today: _quarter_after(store.latest_month(con), today),
}


def _quarter_after(latest: date | None, today: date) -> FiscalQuarter:
    return FiscalQuarter.of(latest).next() if latest else FiscalQuarter.of(today)


# How long a page waits for the command line (another process) to let go of the file.
APP_WAIT_SECONDS = 15.0


_connections: dict[str, SharedConnection] = {}
_connections_lock = threading.Lock()


def _shared(path: str) -> SharedConnection:
    # A plain dict, not st.cache_resource: its lookup hashed the path on every call.
    with _connections_lock:
        if path not in _connections:
            _connections[path] = SharedConnection(
                lambda: store.connect(Path(path), wait_seconds=APP_WAIT_SECONDS)
            )
        return _connections[path]


def db_path() -> str:
    """The DB file this app uses ($KYOSAI_DB or data/kyosai.duckdb)."""
    return str(store.db_path_from_env())


def _cursor() -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    return _shared(db_path()).cursor()


@dataclass(frozen=True)
class _KnownVersion:
    connection: SharedConnection
    opening: int
    writes: int
    version: int


# The version last read, per DB file. While the shared connection stays open no other process
# can open the file (DuckDB locks it), so only this process's own writes can change the data;
# the version is read again after a write here and after every reopening.
_known_versions: dict[str, _KnownVersion] = {}
_writes = itertools.count()
_writes_seen = 0


def data_version() -> int:
    """The store's data version, checked on every run so caches follow every upload.

    Every page asks for it first, so a database held by another process for too long stops
    the page here with a plain message rather than a traceback.
    """
    path = db_path()
    shared = _shared(path)
    writes = _writes_seen
    known = _known_versions.get(path)
    if (
        known
        and shared.is_open
        and known.connection is shared
        and known.opening == shared.openings
        and known.writes == writes
    ):
        return known.version
    try:
        with shared.cursor() as cur:
            version = store.data_version(cur)
            _known_versions[path] = _KnownVersion(shared, shared.openings, writes, version)
            return version
    except (store.BusyError, store.DamagedError) as error:
        st.error(str(error))
        st.stop()


# One copy per process, shared by every session and handed out without copying: st.cache_data
# hashed the arguments and unpickled the whole model on every rerun, several milliseconds a
# click. Screens are frozen and never changed after they are built.
@functools.lru_cache(maxsize=128)
def _model(name: str, path: str, version: int, today: date, args: tuple[Any, ...]) -> Any:
    # `version` is part of the cache key only: a commit or undo makes every screen stale.
    with _shared(path).cursor() as cur:
        return _BUILDERS[name](cur, today, *args)


def _cached(name: str, *args: Any) -> Any:
    return _model(name, db_path(), data_version(), date.today(), args)


def filter_options() -> views.FilterOptions:
    """Choices for the filter widgets."""
    return cast(views.FilterOptions, _cached("filter_options"))


def overview() -> screens.OverviewScreen:
    """The 概要 page."""
    return cast(screens.OverviewScreen, _cached("overview"))


def trends(filters: views.Filters) -> screens.TrendScreen:
    """The 利用率の推移 page for these filters."""
    return cast(screens.TrendScreen, _cached("trends", filters))


def table(filters: views.Filters) -> screens.TableScreen:
    """The 集計表 page for these filters."""
    return cast(screens.TableScreen, _cached("table", filters))


def definitions() -> screens.DefinitionsScreen:
    """The データの定義 page."""
    return cast(screens.DefinitionsScreen, _cached("definitions"))


def committee_screen(
    scheme_ids: tuple[str, ...], first: date | None, last: date | None, created: date | None
) -> screens.CommitteeScreen:
    """The 会議資料 page for the presenter's choices."""
    return cast(screens.CommitteeScreen, _cached("committee", scheme_ids, first, last, created))


@st.cache_data(show_spinner="会議資料を作成しています…", max_entries=4)
def _committee_pack(path: str, version: int, today: date, args: tuple[Any, ...]) -> bytes:
    # Imported here: the pack renders PNGs with vl-convert, which no other page needs.
    from kyosai.pack import committee_pack_xlsx

    screen = cast(screens.CommitteeScreen, _model("committee", path, version, today, args))
    with _shared(path).cursor() as cur:
        uploads_frame = store.read_uploads(cur)
    return committee_pack_xlsx(screen.model, uploads_frame, views.definitions_text())


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

    screen = cast(screens.TrendScreen, _model("trends", path, version, today, (filters,)))
    spec = screen.model.chart_spec
    return spec_to_png(spec) if spec else None


def trend_png(filters: views.Filters) -> bytes | None:
    """The 利用率の推移 chart for these filters as a PNG with Japanese text."""
    return _trend_png(db_path(), data_version(), date.today(), filters)


# Uploaded files are kept for a few previews only: they can be megabytes each.
@st.cache_data(show_spinner=False, max_entries=8)
def _plan(path: str, version: int, today: date, content: bytes, name: str) -> UploadPlan:
    with _shared(path).cursor() as cur:
        return plan_upload(cur, content, name, default_catalog(), today)


def plan(content: bytes, name: str) -> UploadPlan:
    """The preview of an uploaded file against the current store (nothing is written)."""
    return _plan(db_path(), data_version(), date.today(), content, name)


def _write(action: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    global _writes_seen
    try:
        with _cursor() as cur:
            result = action(cur)
    finally:
        # Counted after the write, refused or not: a version read before this point may
        # predate the write, and is not trusted again.
        _writes_seen = next(_writes) + 1
    # Screens are keyed on the data version already; clearing also frees their memory.
    _model.cache_clear()
    st.cache_data.clear()
    return result


def commit(upload_plan: UploadPlan, user: str) -> store.UploadResult:
    """Write a previewed upload; every page shows the new figures on its next run."""
    return cast(store.UploadResult, _write(lambda cur: commit_plan(cur, upload_plan, user)))


def undo(upload_id: int, user: str) -> None:
    """Undo an upload (raises StoreError with a Japanese message when refused)."""
    _write(lambda cur: store.undo_upload(cur, upload_id, user))


def history() -> screens.HistoryScreen:
    """Every upload, newest first."""
    return cast(screens.HistoryScreen, _cached("history"))


def upload_detail(upload_id: int) -> screens.UploadDetailScreen:
    """One upload's rows and whether it can be undone."""
    return cast(screens.UploadDetailScreen, _cached("upload_detail", upload_id))


def next_quarter() -> FiscalQuarter:
    """The quarter after the latest stored month (the current quarter on an empty store)."""
    return cast(FiscalQuarter, _cached("next_quarter"))


# A plain cache: st.cache_data would hash the argument and unpickle the bytes on every rerun.
@functools.lru_cache(maxsize=8)
def template(quarter: FiscalQuarter) -> bytes:
    """The long-layout template for a quarter, as xlsx bytes."""
    return template_xlsx(default_catalog(), quarter)
