"""What the pages ask for: each screen built once per data version, from the shared connection.

Every screen has a typed builder here, cached process-wide on (DB file, data version, today,
arguments). The data version belongs to the shared connection (kyosai.ui.pool): a write through
it starts a new version by construction, so every page shows new figures on its next run.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import duckdb
import streamlit as st

from kyosai import store, uploads, views
from kyosai.calendar import FiscalQuarter, fiscal_year
from kyosai.catalog import Catalog, Event, default_catalog
from kyosai.committee import CommitteeChoice, committee
from kyosai.ingest import UploadPlan, commit_plan, plan_upload, template_xlsx
from kyosai.ingest.worker import reader_pool
from kyosai.literal import markdown_literal
from kyosai.store import backups
from kyosai.store.wanted import is_wanted
from kyosai.ui import screens
from kyosai.ui.pool import SharedConnection


def _catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    # The shipped schemes and procedures with the 取組 staff keep in the database.
    return store.stored_catalog(con, default_catalog())


P = ParamSpec("P")
R = TypeVar("R")

# How long a page waits for the command line (another process) to let go of the file.
APP_WAIT_SECONDS = 15.0

_connections: dict[str, SharedConnection] = {}
_connections_lock = threading.Lock()

# What the first page does not need (altair with pandas and jsonschema, xlsxwriter): loaded
# a moment after it in the background, so that neither the first page nor the first chart
# or download waits for them.
LATER_MODULES = ("kyosai.charts", "kyosai.season", "kyosai.projections", "xlsxwriter")
LATER_AFTER_SECONDS = 2.0


def _import_later_modules() -> None:
    for name in LATER_MODULES:
        importlib.import_module(name)


def _shared(path: str) -> SharedConnection:
    # A plain dict, not st.cache_resource: its lookup hashed the path on every call.
    with _connections_lock:
        if not _connections:
            later = threading.Timer(LATER_AFTER_SECONDS, _import_later_modules)
            later.daemon = True
            later.start()
        if path not in _connections:
            _connections[path] = SharedConnection(
                lambda: store.connect(Path(path), wait_seconds=APP_WAIT_SECONDS),
                wanted=lambda: is_wanted(Path(path)),
            )
        return _connections[path]


def db_path() -> str:
    """The DB file this app uses ($KYOSAI_DB or data/kyosai.duckdb)."""
    return str(store.db_path_from_env())


def data_version() -> int:
    """The store's data version; a DB that is busy or damaged stops the page with a plain
    message rather than a traceback (every page asks for it first)."""
    try:
        return _shared(db_path()).data_version()
    except (store.BusyError, store.DamagedError, store.StorageFault) as error:
        st.error(markdown_literal(error))
        st.stop()


_caches: list[functools._lru_cache_wrapper[Any]] = []


def per_data_version(
    maxsize: int = 32,
) -> Callable[[Callable[Concatenate[duckdb.DuckDBPyConnection, date, P], R]], Callable[P, R]]:
    """Cache a screen builder `build(cursor, today, *args)` per data version; the page calls
    it with `*args` only.

    One copy per process, shared by every session and handed out without copying
    (st.cache_data hashed the arguments and unpickled the model on every rerun). Screens are
    frozen and never changed after they are built.
    """

    def decorate(
        build: Callable[Concatenate[duckdb.DuckDBPyConnection, date, P], R],
    ) -> Callable[P, R]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(
            path: str,
            version: int,
            today: date,
            args: tuple[Any, ...],
            kwargs: tuple[tuple[str, Any], ...],
        ) -> R:
            # `version` is part of the key only: a commit or undo makes every screen stale.
            with _shared(path).cursor() as cur:
                return build(cur, today, *args, **dict(kwargs))

        _caches.append(cached)

        @functools.wraps(build)
        def current(*args: P.args, **kwargs: P.kwargs) -> R:
            key = tuple(sorted(kwargs.items()))
            return cached(db_path(), data_version(), date.today(), args, key)

        return current

    return decorate


@per_data_version()
def filter_options(con: duckdb.DuckDBPyConnection, today: date) -> views.FilterOptions:
    """Choices for the filter widgets."""
    return views.filter_options(con, _catalog(con))


@per_data_version()
def overview(con: duckdb.DuckDBPyConnection, today: date) -> screens.OverviewScreen:
    """The 概要 page."""
    return screens.overview(views.overview(con, _catalog(con), today))


@per_data_version()
def trends(
    con: duckdb.DuckDBPyConnection, today: date, filters: views.Filters
) -> screens.TrendScreen:
    """The 利用率の推移 page for these filters."""
    return screens.trends(views.trends(con, _catalog(con), filters, today))


@per_data_version()
def season(
    con: duckdb.DuckDBPyConnection, today: date, filters: views.Filters
) -> list[tuple[str, dict[str, Any]]]:
    """The 年度比較 charts for these filters, one per procedure."""
    return views.season(con, _catalog(con), filters)


@per_data_version()
def table(
    con: duckdb.DuckDBPyConnection, today: date, filters: views.Filters
) -> screens.TableScreen:
    """The 集計表 page for these filters."""
    return screens.table(views.table(con, _catalog(con), filters, today))


@per_data_version()
def definitions(con: duckdb.DuckDBPyConnection, today: date) -> screens.DefinitionsScreen:
    """The データの定義 page."""
    return screens.definitions(views.definitions(con, _catalog(con), today))


@per_data_version()
def committee_screen(
    con: duckdb.DuckDBPyConnection, today: date, choice: CommitteeChoice
) -> screens.CommitteeScreen:
    """The 会議資料 page for the presenter's choices."""
    return screens.committee(committee(con, _catalog(con), choice, today))


@per_data_version(maxsize=4)
def committee_pack(con: duckdb.DuckDBPyConnection, today: date, choice: CommitteeChoice) -> bytes:
    """The committee pack (xlsx with tables, counts, definitions and PNG charts)."""
    # Imported here: the pack renders PNGs with vl-convert, which no page needs until asked.
    from kyosai.pack import committee_pack_xlsx

    with st.spinner("会議資料を作成しています…"):
        model = committee_screen(choice).model
        return committee_pack_xlsx(model, uploads.upload_log(con), views.definitions_text())


@per_data_version(maxsize=4)
def committee_deck(con: duckdb.DuckDBPyConnection, today: date, choice: CommitteeChoice) -> bytes:
    """資料3 as a PowerPoint deck for the presenter's choices (raises ReportTextError when
    data/report.toml cannot be read)."""
    # Imported here: python-pptx and vl-convert load only when someone asks for the deck.
    from kyosai.deck import deck_pptx
    from kyosai.report import load_report_text

    with st.spinner("資料3（PowerPoint）を作成しています…"):
        model = committee_screen(choice).model
        return deck_pptx(model, _catalog(con), load_report_text(), today)


@per_data_version(maxsize=16)
def trend_png(con: duckdb.DuckDBPyConnection, today: date, filters: views.Filters) -> bytes | None:
    """The 利用率の推移 chart for these filters as a PNG with Japanese text."""
    # Imported here: vl-convert is only needed when someone asks for an image.
    from kyosai.chart_png import spec_to_png

    model = trends(filters).model
    if model.chart_spec is None:
        return None
    # The picture carries the data's date and, while it holds sample data, the sample note.
    from kyosai.charts import with_subtitle

    spec = with_subtitle(model.chart_spec, views.export_notes(model.freshness, today))
    with st.spinner("グラフの画像を作成しています…"):
        return spec_to_png(spec)


def storage_notice() -> str | None:
    """What staff must know before writing: the DB is read-only, or its backup is behind."""
    with _shared(db_path()).cursor() as cur:
        if store.is_read_only(cur):
            return store.read_only_notice(Path(db_path()))
        return backups.behind_message(cur)


def warm_reader() -> None:
    """Start a reader worker now, so the first preview does not wait for an interpreter."""
    reader_pool().warm()


# Uploaded files are kept for a few previews only: they can be megabytes each.
@per_data_version(maxsize=8)
def plan(con: duckdb.DuckDBPyConnection, today: date, content: bytes, name: str) -> UploadPlan:
    """The preview of an uploaded file against the current store (nothing is written)."""
    return plan_upload(con, content, name, _catalog(con), today)


@per_data_version()
def history(con: duckdb.DuckDBPyConnection, today: date) -> screens.HistoryScreen:
    """Every upload, newest first."""
    return screens.history(uploads.upload_log(con))


@per_data_version()
def upload_detail(
    con: duckdb.DuckDBPyConnection, today: date, upload_id: int
) -> screens.UploadDetailScreen:
    """One upload's rows and whether it can be undone."""
    return screens.upload_detail(uploads.detail(con, _catalog(con), upload_id))


@per_data_version()
def next_quarter(con: duckdb.DuckDBPyConnection, today: date) -> FiscalQuarter:
    """The quarter after the latest stored month (the current quarter on an empty store)."""
    return FiscalQuarter.to_report(store.latest_month(con), today)


def _write(action: Callable[[duckdb.DuckDBPyConnection], R]) -> R:
    try:
        return _shared(db_path()).write(action)
    finally:
        # Screens are keyed on the data version already; clearing frees their memory.
        for cache in _caches:
            cache.cache_clear()


def commit(upload_plan: UploadPlan, user: str) -> store.UploadResult:
    """Write a previewed upload; every page shows the new figures on its next run."""
    return _write(lambda cur: commit_plan(cur, upload_plan, user))


def undo(upload_id: int, user: str) -> None:
    """Undo an upload (raises StoreError with a Japanese message when refused)."""
    _write(lambda cur: store.undo_upload(cur, upload_id, user))


@per_data_version()
def events_screen(con: duckdb.DuckDBPyConnection, today: date) -> screens.EventsScreen:
    """The 取組と対象手続 page: the live measures and every change to them."""
    catalog = _catalog(con)
    latest = store.latest_month(con)
    year = fiscal_year(latest or today)
    changes, plans = store.read_event_changes(con), store.read_plan_changes(con)
    return screens.events(catalog, changes, plans, store.read_addition_changes(con), year)


def add_procedure(item: store.NewProcedure, user: str) -> store.Addition:
    """Add a procedure that went online (StoreError naming each problem when refused)."""
    return _write(lambda cur: store.add_procedure(cur, default_catalog(), item, user))


def undo_addition(change_id: int, user: str) -> store.Addition:
    """Take an added procedure back (StoreError while counts or revisions refer to it)."""
    return _write(lambda cur: store.undo_addition(cur, change_id, user))


def revise_plan(
    procedure_id: str, from_fy: int, target_tenths: int, deadline_fy: int, user: str
) -> store.PlanChange:
    """Revise a procedure's target and deadline from a fiscal year on (StoreError if refused)."""
    return _write(
        lambda cur: store.revise_plan(
            cur, default_catalog(), procedure_id, from_fy, target_tenths, deadline_fy, user
        )
    )


def undo_revision(change_id: int, user: str) -> store.PlanChange:
    """Take one revision of the plan back (StoreError when refused)."""
    return _write(lambda cur: store.undo_revision(cur, change_id, user))


def add_event(event: Event, user: str) -> store.EventChange:
    """Store a checked new measure."""
    return _write(lambda cur: store.add_event(cur, event, user))


def edit_event(event_id: int, event: Event, user: str) -> store.EventChange:
    """Replace a measure's fields (raises StoreError when nothing changes)."""
    return _write(lambda cur: store.edit_event(cur, event_id, event, user))


def remove_event(event_id: int, user: str) -> store.EventChange:
    """Take a measure off every chart and list, undoably."""
    return _write(lambda cur: store.remove_event(cur, event_id, user))


def undo_event_change(change_id: int, user: str) -> store.EventChange:
    """Undo one change to a measure (raises StoreError when refused)."""
    return _write(lambda cur: store.undo_event_change(cur, change_id, user))


@per_data_version()
def sample_left(con: duckdb.DuckDBPyConnection, today: date) -> store.SampleLeft:
    """How many counts a removal of the sample would delete, and keep."""
    return store.sample_left(con)


def remove_sample(user: str) -> store.Removal:
    """Remove the sample counts no real upload replaced (raises StoreError when refused)."""
    return _write(lambda cur: store.remove_sample(cur, user))


@per_data_version(maxsize=8)
def template(con: duckdb.DuckDBPyConnection, today: date, quarter: FiscalQuarter) -> bytes:
    """The long-layout template for a quarter, as xlsx bytes (with any procedure staff added)."""
    return template_xlsx(_catalog(con), quarter)
