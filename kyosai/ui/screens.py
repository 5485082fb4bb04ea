"""Page models turned into what Streamlit sends, once per data version and filter.

A rerun then only hands finished pieces to Streamlit: HTML strings, Arrow tables and chart
specs whose datasets are already Arrow bytes. Converting Polars frames through pandas, or
chart rows to Arrow, on every click cost the pages most of their rerun time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa
from streamlit import dataframe_util

from kyosai import views
from kyosai.calendar import month_label_long
from kyosai.catalog import Catalog, Event
from kyosai.committee import CommitteeModel
from kyosai.event_changes import additions_frame, changes_frame, plan_changes_frame
from kyosai.events import events_frame
from kyosai.html_tables import (
    cards_html,
    grouped_table_html,
    kpi_cards_html,
    rate_table_html,
    sparkline_img,
    text_table_html,
)
from kyosai.literal import markdown_literal
from kyosai.scorecard import scorecard_frame
from kyosai.status import status_text
from kyosai.uploads import SHA_COLUMN, UploadDetail

# The sparklines share one scale, 0-60 % or up to the highest rate shown if that is higher, so
# the rows compare at a glance and no line is ever cut off.
SPARK_MIN_TOP = 0.6


@dataclass(frozen=True)
class OverviewScreen:
    """The 概要 page, ready to send."""

    model: views.OverviewModel
    kpi_cards: str
    scorecard_html: str


@dataclass(frozen=True)
class TrendScreen:
    """The 利用率の推移 page, ready to send."""

    model: views.TrendModel
    chart_spec: dict[str, Any] | None
    points: pa.Table
    events_markdown: str  # a heading, the measures with a date, then those without


@dataclass(frozen=True)
class TableScreen:
    """The 集計表 page, ready to send."""

    model: views.TableModel
    table_html: str


@dataclass(frozen=True)
class DefinitionsScreen:
    """The データの定義 page, ready to send."""

    model: views.DefinitionsModel
    catalogue_html: str
    uploads_html: str
    undated_events: str


@dataclass(frozen=True)
class CommitteeScreen:
    """The 会議資料 page, ready to send."""

    model: CommitteeModel
    scorecard_html: str
    status_html: str
    rates_html: str
    chart_specs: list[dict[str, Any]]


@dataclass(frozen=True)
class HistoryScreen:
    """The 取込履歴 list: the table, and a label per upload number for the chooser."""

    table_html: str
    labels: dict[int, str]

    @property
    def is_empty(self) -> bool:
        """Whether nothing was uploaded yet."""
        return not self.labels


def chart_spec(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """A Vega-Lite spec whose datasets are already the Arrow bytes Streamlit would make.

    `st.vega_lite_chart` copies the spec before it takes the datasets out, so the cached spec
    is never changed by a render.
    """
    if spec is None:
        return None
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(values)
        for name, values in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets} if datasets else dict(spec)


def overview(model: views.OverviewModel) -> OverviewScreen:
    """The 概要 screen."""
    cards = [(k.label, k.month, k.value, k.changes, k.status, k.basis) for k in model.kpis]
    frame = model.scorecard
    highest = max((v for row in frame["推移"].to_list() for v in row if v is not None), default=0)
    top = max(SPARK_MIN_TOP, math.ceil(highest * 10) / 10)
    lines = [
        sparkline_img(list(values), y_max=top, target=target, label=f"{name}の直近24か月の利用率")
        for values, target, name in zip(
            frame["推移"].to_list(), model.targets, frame["対象手続"].to_list(), strict=True
        )
    ]
    shown = frame.with_columns(pl.Series("推移（直近24か月）", lines, dtype=pl.String)).drop("推移")
    scorecard = grouped_table_html(
        shown,
        "制度",
        group_header="制度",
        markup_columns=frozenset({"推移（直近24か月）"}),
        css_class="scorecard",
    )
    return OverviewScreen(model, kpi_cards_html(cards), scorecard)


def trends(model: views.TrendModel) -> TrendScreen:
    """The 利用率の推移 screen."""
    points = model.points.select(
        pl.col("series_label").alias("手続"),
        pl.col("period_label").alias("期間"),
        pl.col("online").alias("オンライン件数"),
        pl.col("total").alias("全体件数"),
        pl.col("rate_text").alias("オンライン利用率"),
    )
    # Arrow, so that `st.dataframe` sends the table without converting it again.
    listing = event_listing(model.dated_events, model.undated_events)
    return TrendScreen(model, chart_spec(model.chart_spec), points.to_arrow(), listing)


def _event_line(event: Event) -> str:
    return f"- {markdown_literal(event.label)}: {markdown_literal(event.detail)}"


def event_listing(dated: list[Event], undated: list[Event]) -> str:
    """The measures with a date (marked on the chart), then those the seed gives no date."""
    lines = []
    for event in dated:
        assert event.when is not None
        when = month_label_long(event.when)
        when += f"{event.when.day}日" if event.precise_day else ""
        lines.append(
            f"- **{when}** {markdown_literal(event.label)}: {markdown_literal(event.detail)}"
        )
    undated_text = ""
    if undated:
        undated_text = (
            "時期の記載がない取組（資料3より。グラフには表示していません）:\n\n"
            + "\n".join(_event_line(event) for event in undated)
        )
    parts = ["### 利用率向上の取組", "\n".join(lines), undated_text]
    return "\n\n".join(part for part in parts if part)


def table(model: views.TableModel) -> TableScreen:
    """The 集計表 screen."""
    return TableScreen(model, rate_table_html(model.rates))


def definitions(model: views.DefinitionsModel) -> DefinitionsScreen:
    """The データの定義 screen."""
    undated = "\n".join(_event_line(event) for event in model.undated_events)
    catalogue = grouped_table_html(
        model.catalogue, "制度", group_header="制度", css_class="catalogue"
    )
    uploads = text_table_html(model.uploads, "log")
    return DefinitionsScreen(model, catalogue, uploads, undated)


def committee(model: CommitteeModel) -> CommitteeScreen:
    """The 会議資料 screen."""
    cards = [
        (line.style, status_text(line.status), line.row_label, line.detail) for line in model.status
    ]
    return CommitteeScreen(
        model,
        scorecard_html=grouped_table_html(model.scorecard, "制度"),
        status_html=cards_html(cards),
        rates_html=rate_table_html(model.rates),
        chart_specs=[s for s in (chart_spec(c.spec) for c in model.charts) if s is not None],
    )


def history(frame: pl.DataFrame) -> HistoryScreen:
    """The 取込履歴 screen (newest first)."""
    labels = {
        number: f"#{number} {name}"
        for number, name in zip(frame["番号"].to_list(), frame["ファイル名"].to_list(), strict=True)
    }
    # The file's fingerprint is for tracing a figure to its file: the detail view shows it.
    return HistoryScreen(text_table_html(frame.drop(SHA_COLUMN, strict=False), "log"), labels)


@dataclass(frozen=True)
class UploadDetailScreen:
    """One upload on 取込履歴: its record and whether it can be undone, and its rows."""

    detail: UploadDetail
    rows: pa.Table


def upload_detail(detail: UploadDetail) -> UploadDetailScreen:
    """The 取込履歴 detail of one upload."""
    return UploadDetailScreen(detail, detail.rows.to_arrow())


@dataclass(frozen=True)
class EventsScreen:
    """取組と対象手続: the measures, the change record, and the catalogue they draw from."""

    catalog: Catalog
    events_html: str
    changes_html: str
    has_changes: bool
    live_changes: dict[int, str]  # change id → its line, for the undo choice
    scorecard_html: str
    plan_changes_html: str
    live_plan_changes: dict[int, str]
    fiscal_year: int  # the year whose plan the scorecard shows
    additions_html: str
    live_additions: dict[int, str]


def events(
    catalog: Catalog,
    changes: pl.DataFrame,
    plan_changes: pl.DataFrame,
    additions: pl.DataFrame,
    fiscal_year: int,
) -> EventsScreen:
    """The 取組と対象手続 screen; the scorecard is the plan in force in `fiscal_year`."""
    record = changes_frame(changes, catalog)
    live = record.filter(pl.col("状態") == "有効")
    plans = plan_changes_frame(plan_changes, catalog)
    added = additions_frame(additions, catalog)
    return EventsScreen(
        catalog=catalog,
        events_html=text_table_html(events_frame(catalog.events, catalog), "events"),
        changes_html=text_table_html(record, "log"),
        has_changes=not record.is_empty(),
        live_changes={
            row["変更"]: f"#{row['変更']} {row['操作']} 取組 #{row['取組']} "
            f"{row['変更後'] or row['変更前']}"
            for row in live.iter_rows(named=True)
        },
        scorecard_html=grouped_table_html(scorecard_frame(catalog.as_of(fiscal_year)), "制度"),
        plan_changes_html=text_table_html(plans, "log") if not plans.is_empty() else "",
        live_plan_changes={
            row["変更"]: f"#{row['変更']} {row['対象手続']} {row['適用開始']} 利用目標 "
            f"{row['利用目標']}・取組期間 {row['取組期間']}"
            for row in plans.filter(pl.col("状態") == "有効").iter_rows(named=True)
        },
        fiscal_year=fiscal_year,
        additions_html=text_table_html(added, "log") if not added.is_empty() else "",
        live_additions={
            row["変更"]: f"#{row['変更']} {row['制度']} {row['対象手続']}"
            for row in added.filter(pl.col("状態") == "有効").iter_rows(named=True)
        },
    )
