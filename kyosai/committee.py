"""The committee view (会議資料): 資料3's tables, status and one chart per scheme, in one model.

The 会議資料 page and the committee pack (xlsx) are both built from this model, so what is
projected and what is handed out are the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from kyosai import store
from kyosai.calendar import fiscal_year, month_label, month_label_long
from kyosai.catalog import Catalog, Event, in_catalog_order
from kyosai.outlook import Outlook, outlook_line, outlooks
from kyosai.percent import format_points, format_target, format_tenths, tenths_expr
from kyosai.periods import Grain
from kyosai.rates import RateTable, rate_table, trend_series
from kyosai.scorecard import deadline_text, scorecard_frame
from kyosai.status import LOOKS, Status, procedure_status

REPORT_TITLE = "オンライン利用率引上げの基本計画に係る進捗状況"


@dataclass(frozen=True)
class CommitteeChoice:
    """What the presenter chose: schemes, months (None means all) and the 作成 month."""

    scheme_ids: tuple[str, ...]
    first: date | None = None
    last: date | None = None
    created: date | None = None


@dataclass(frozen=True)
class StatusLine:
    """One procedure's standing against its target, in words."""

    row_label: str
    status: Status
    detail: str

    @property
    def mark(self) -> str:
        """The status's mark, for example ◎."""
        return LOOKS[self.status].mark

    @property
    def style(self) -> str:
        """The status's CSS class and fill name, for example `met`."""
        return LOOKS[self.status].css


@dataclass(frozen=True)
class SchemeChart:
    """One scheme's trend chart (a Vega-Lite spec, ready to render or export)."""

    scheme_id: str
    scheme_name: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class CommitteeModel:
    """Everything the 会議資料 page and the committee pack show."""

    title: str
    as_of_label: str | None
    created_label: str
    is_sample: bool
    scorecard: pl.DataFrame
    status: list[StatusLine]
    rates: RateTable
    charts: list[SchemeChart]
    monthly: pl.DataFrame
    outlook_items: list[tuple[str, Outlook]] = field(default_factory=list)  # (row label, …)
    events: tuple[Event, ...] = ()  # the 取組 concerning the chosen procedures

    @property
    def outlook(self) -> list[tuple[str, str]]:
        """Each procedure's 見通し line, by its row label."""
        return [(label, outlook_line(item)) for label, item in self.outlook_items]


# Chart text on the projected page, against the pages read at a desk.
PROJECTOR_TEXT = 1.25


def default_created_month(latest: date | None, today: date) -> date:
    """The December the committee meets after the latest data (資料3: R7.9 → 令和7年12月)."""
    if latest is None:
        return date(today.year, today.month, 1)
    return date(latest.year, 12, 1)


def _status_lines(counts: pl.DataFrame, catalog: Catalog, chosen: list[str]) -> list[StatusLine]:
    lines = []
    for record in procedure_status(counts, catalog).iter_rows(named=True):
        if record["procedure_id"] not in chosen or record["fytd_tenths"] is None:
            continue
        status = Status(record["status"])
        # The plan of the year judged: a revision may have changed the target or deadline.
        procedure = catalog.procedure(record["procedure_id"]).in_year(
            fiscal_year(record["latest_month"])
        )
        period = f"{month_label(record['fytd_first'])}~{record['latest_label']}"
        detail = (
            f"年度累計（{period}）{format_tenths(record['fytd_tenths'])}、"
            f"目標 {format_target(record['target_tenths'])} との差 "
            f"{format_points(record['gap_tenths'])}、取組期間 {deadline_text(procedure)}"
        )
        lines.append(StatusLine(catalog.row_label(record["procedure_id"]), status, detail))
    return lines


def _monthly(counts: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    return in_catalog_order(counts, catalog, "month").select(
        pl.col("row_label").alias("手続"),
        pl.col("month"),
        pl.col("online").alias("オンライン件数"),
        pl.col("total").alias("全体件数"),
        tenths_expr().alias("tenths"),
    )


def committee(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, choice: CommitteeChoice, today: date
) -> CommitteeModel:
    """The committee view of the chosen schemes over the chosen months (default: all data)."""
    from kyosai import charts  # altair loads with the first chart, not with the first page

    first, last = choice.first, choice.last
    chosen = [p.procedure_id for p in catalog.procedures if p.scheme_id in choice.scheme_ids]
    counts = store.read_counts(con, chosen, first, last, ordered=False)
    with_data = sorted(set(counts["procedure_id"].to_list()), key=chosen.index)
    # Like 資料3, the rate table lists only procedures that have figures in the period.
    table = rate_table(counts, catalog, Grain.QUARTER_END, with_data, first, last)
    latest: date | None = counts["month"].max() if not counts.is_empty() else None  # type: ignore[assignment]
    created_month = choice.created or default_created_month(latest, today)
    per_scheme = []
    for scheme_id in choice.scheme_ids:
        mine = [pid for pid in with_data if catalog.procedure(pid).scheme_id == scheme_id]
        if mine:
            series = trend_series(counts, catalog, Grain.QUARTER_END, mine, first, last)
            per_scheme.append((scheme_id, mine, series))
    # One y scale for the committee's charts, so the schemes compare by eye.
    # Every target a chart may draw, revised ones included, stays inside the shared scale.
    targets = [
        t
        for pid in with_data
        for t in (
            catalog.procedure(pid).target,
            *(r.target for r in catalog.procedure(pid).revisions),
        )
    ] or [0.2]
    top = charts.shared_y_top([series for _, _, series in per_scheme], max(targets))
    scheme_charts = []
    for scheme_id, mine, series in per_scheme:
        name = catalog.scheme(scheme_id).name
        chart = charts.catalog_trend_chart(
            series,
            catalog,
            mine,
            title=name,
            height=340,
            y_top=top,
            x_title=charts.X_TITLES[Grain.QUARTER_END.value],
            text_scale=PROJECTOR_TEXT,
        )
        scheme_charts.append(SchemeChart(scheme_id, name, chart.to_dict()))
    return CommitteeModel(
        title=REPORT_TITLE,
        as_of_label=month_label(latest) if latest else None,
        created_label=month_label_long(created_month),
        is_sample=bool(counts["is_sample"].any()),
        # The scorecard of the plan in force in the year reported.
        scorecard=scorecard_frame(
            catalog.as_of(fiscal_year(latest or created_month)), chosen, short_scheme=True
        ),
        status=_status_lines(counts, catalog, chosen),
        rates=table,
        charts=scheme_charts,
        monthly=_monthly(counts, catalog),
        # As of the database's newest month whatever period is shown (DESIGN.md, 見通し), with
        # the year before it for the expected remaining totals.
        outlook_items=[
            (catalog.row_label(item.procedure_id), item)
            for item in outlooks(store.read_counts(con, chosen, ordered=False), catalog)
        ],
        events=tuple(catalog.events_for(chosen)),
    )
