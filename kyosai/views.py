"""Page models: everything a page shows, computed in one call from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from kyosai import charts, exports, store
from kyosai.aggregates import stored_rate_table
from kyosai.calendar import (
    add_months,
    fiscal_year_label,
    month_label,
    month_label_long,
    month_start,
    months_between,
)
from kyosai.catalog import DATA_DIR, Catalog, Event
from kyosai.percent import format_points, format_target, format_tenths
from kyosai.periods import Grain
from kyosai.rates import RateTable, procedure_status, trend_series

SAMPLE_NOTICE = (
    "表示中の数値には「サンプルデータ」（資料3の公表値を再現する合成データ）が含まれます。"
    "実績ではありません。"
)


@dataclass(frozen=True)
class Filters:
    """What a manager chose: schemes, procedures, months and grain (None means all)."""

    scheme_ids: tuple[str, ...] | None = None
    procedure_ids: tuple[str, ...] | None = None
    first: date | None = None
    last: date | None = None
    grain: Grain = Grain.QUARTER_END

    def chosen_procedures(self, catalog: Catalog) -> list[str]:
        """The procedure ids the filters keep, in catalogue order."""
        return [
            p.procedure_id
            for p in catalog.procedures
            if (self.scheme_ids is None or p.scheme_id in self.scheme_ids)
            and (self.procedure_ids is None or p.procedure_id in self.procedure_ids)
        ]


@dataclass(frozen=True)
class FilterOptions:
    """The choices the filter widgets offer."""

    schemes: list[tuple[str, str]]  # (scheme_id, name)
    procedures: list[tuple[str, str, str]]  # (procedure_id, scheme_id, row label)
    months: list[date]


@dataclass(frozen=True)
class Freshness:
    """How recent the stored figures are."""

    latest_label: str | None
    latest_long: str | None
    age_text: str | None
    is_sample: bool


@dataclass(frozen=True)
class Kpi:
    """One headline figure: a procedure's latest rate and its changes."""

    label: str
    value: str
    delta: str
    delta_caption: str
    status: str


@dataclass(frozen=True)
class OverviewModel:
    """The 概要 page."""

    freshness: Freshness
    kpis: list[Kpi]
    scorecard: pl.DataFrame
    targets: list[float]  # each scorecard row's target rate, for its trend line


@dataclass(frozen=True)
class TrendModel:
    """The 利用率の推移 page."""

    freshness: Freshness
    # The Vega-Lite spec, built once per data version and filter: Altair's to_dict() costs
    # ~40 ms, too much to pay on every rerun.
    chart_spec: dict[str, Any] | None
    points: pl.DataFrame
    dated_events: list[Event]
    undated_events: list[Event]


@dataclass(frozen=True)
class TableModel:
    """The 集計表 page: the rate table and its downloads."""

    freshness: Freshness
    rates: RateTable
    csv_bytes: bytes
    xlsx_bytes: bytes
    file_stem: str


@dataclass(frozen=True)
class DefinitionsModel:
    """The データの定義 page."""

    freshness: Freshness
    text: str
    catalogue: pl.DataFrame
    uploads: pl.DataFrame
    undated_events: list[Event] = field(default_factory=list)


def _age_text(latest: date, today: date) -> str:
    months = (today.year - latest.year) * 12 + today.month - latest.month
    if months <= 0:
        return "今月のデータ"
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years}年{rest}か月前の月"
    return f"{years}年前の月" if years else f"{rest}か月前の月"


def freshness(counts: pl.DataFrame, today: date) -> Freshness:
    """The latest month and whether any shown figure is sample data."""
    if counts.is_empty():
        return Freshness(None, None, None, False)
    latest: date = counts["month"].max()  # type: ignore[assignment]
    return Freshness(
        month_label(latest),
        month_label_long(latest),
        _age_text(latest, today),
        bool(counts["is_sample"].any()),
    )


def table_freshness(result: RateTable, today: date) -> Freshness:
    """Freshness of a rate table: its last column's month and whether any cell is sample."""
    if result.cells.is_empty():
        return Freshness(None, None, None, False)
    latest = max(period.last for period in result.periods)
    return Freshness(
        month_label(latest),
        month_label_long(latest),
        _age_text(latest, today),
        bool(result.cells["is_sample"].any()),
    )


def filter_options(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> FilterOptions:
    """Schemes, procedures and the months that have data."""
    counts = store.read_counts(con)
    months = (
        list(months_between(counts["month"].min(), counts["month"].max()))  # type: ignore[arg-type]
        if not counts.is_empty()
        else []
    )
    return FilterOptions(
        schemes=[(s.scheme_id, s.name) for s in catalog.schemes],
        procedures=[
            (p.procedure_id, p.scheme_id, catalog.row_label(p.procedure_id))
            for p in catalog.procedures
        ],
        months=months,
    )


def overview(con: duckdb.DuckDBPyConnection, catalog: Catalog, today: date) -> OverviewModel:
    """The scorecard of 資料3 extended with the latest rates, status and trends."""
    counts = store.read_counts(con)
    status = procedure_status(counts, catalog)
    sparkline_first = add_months(month_start(today), -24)
    spark = (
        counts.filter(pl.col("month") >= sparkline_first)
        .sort("month")
        .group_by("procedure_id", maintain_order=True)
        .agg((pl.col("online") / pl.col("total")).alias("trend"))
    )
    rows = []
    kpis = []
    for procedure, record in zip(catalog.procedures, status.iter_rows(named=True), strict=True):
        scheme = catalog.scheme(procedure.scheme_id)
        trend = spark.filter(pl.col("procedure_id") == procedure.procedure_id)["trend"]
        fytd_period = (
            f"{month_label(record['fytd_first'])}~{record['latest_label']}"
            if record["fytd_first"]
            else ""
        )
        rows.append(
            {
                "制度": scheme.name,
                "対象手続": procedure.name,
                "取組期間": f"{fiscal_year_label(procedure.deadline_fy)}内",
                "利用目標": format_target(procedure.target_tenths),
                "対応状況": f"{month_label_long(procedure.online_start_month)}より開始",
                "最新月": record["latest_label"] or "",
                "利用率（最新月）": format_tenths(record["latest_tenths"]),
                "年度累計": format_tenths(record["fytd_tenths"]),
                "年度累計の期間": fytd_period,
                "状況": _status_text(record["status"]),
                "目標との差": format_points(record["gap_tenths"]),
                "前四半期比": format_points(record["change_quarter_tenths"]),
                "前年同月比": format_points(record["change_year_tenths"]),
                "推移": trend[0].to_list() if trend.len() else [],
            }
        )
        if record["latest_tenths"] is not None:
            kpis.append(
                Kpi(
                    label=f"{catalog.row_label(procedure.procedure_id)}（{record['latest_label']}）",
                    value=format_tenths(record["latest_tenths"]),
                    delta=format_points(record["change_quarter_tenths"]),
                    delta_caption="前四半期比（前年同月比 "
                    + format_points(record["change_year_tenths"])
                    + "）",
                    status=_status_text(record["status"]),
                )
            )
    scorecard = pl.DataFrame(rows, schema_overrides={"推移": pl.List(pl.Float64)})
    targets = [procedure.target for procedure in catalog.procedures]
    return OverviewModel(freshness(counts, today), kpis, scorecard, targets)


STATUS_MARKS = {
    "達成": "◎ 達成",
    "未達": "× 未達",
    "進行中": "△ 進行中",
    "データなし": "— データなし",
}


def _status_text(status: str) -> str:
    # A symbol as well as a word, so the status reads without colour.
    return STATUS_MARKS.get(status, status)


def _events_for(catalog: Catalog, procedure_ids: list[str]) -> list[Event]:
    return [
        event for event in catalog.events if any(event.applies_to(pid) for pid in procedure_ids)
    ]


def trends(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters, today: date
) -> TrendModel:
    """Trend lines of the chosen procedures against the target, with deadlines and events."""
    chosen = filters.chosen_procedures(catalog)
    counts = store.read_counts(con, chosen, filters.first, filters.last)
    series = trend_series(counts, catalog, filters.grain, chosen, filters.first, filters.last)
    series = series.with_columns(
        rate_text=pl.col("tenths").map_elements(format_tenths, pl.String, skip_nulls=False)
    )
    relevant = _events_for(catalog, chosen)
    deadlines = sorted(
        {
            (p.deadline_month, f"取組期限 {fiscal_year_label(p.deadline_fy)}末")
            for p in map(catalog.procedure, chosen)
        }
    )
    targets = {catalog.procedure(pid).target for pid in chosen}
    chart = (
        charts.trend_chart(
            series,
            target=max(targets) if targets else 0.2,
            deadlines=deadlines,
            events=[e for e in relevant if e.when is not None],
            title="オンライン利用率の推移",
        )
        if chosen
        else None
    )
    return TrendModel(
        freshness=freshness(counts, today),
        chart_spec=chart.to_dict() if chart is not None else None,
        points=series,
        dated_events=[e for e in relevant if e.when is not None],
        undated_events=[e for e in relevant if e.when is None],
    )


def table(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters, today: date
) -> TableModel:
    """The rate table at the chosen grain, as text cells, with downloads."""
    chosen = filters.chosen_procedures(catalog)
    result = stored_rate_table(con, catalog, filters.grain, chosen, filters.first, filters.last)
    stem = f"online_rates_{filters.grain.value}"
    fresh = table_freshness(result, today)
    title = f"オンライン利用率（最新データ {fresh.latest_label or 'なし'}）"
    return TableModel(
        freshness=fresh,
        rates=result,
        csv_bytes=exports.table_csv_bytes(result),
        xlsx_bytes=exports.table_xlsx_bytes(result, title),
        file_stem=stem,
    )


def definitions_text() -> str:
    """The definitions page text (markdown), from data/definitions.md."""
    return (DATA_DIR / "definitions.md").read_text(encoding="utf-8")


def _start_text(month: date, day: date | None) -> str:
    long = month_label_long(month)
    return f"{long}{day.day}日" if day else long


def definitions(con: duckdb.DuckDBPyConnection, catalog: Catalog, today: date) -> DefinitionsModel:
    """Definitions, the catalogue and the upload record."""
    counts = store.read_counts(con)
    uploads = store.read_uploads(con).select(
        pl.col("upload_id").alias("番号"),
        pl.col("uploaded_at").dt.strftime("%Y-%m-%d %H:%M").alias("取込日時"),
        pl.col("uploaded_by").alias("取込者"),
        pl.col("file_name").alias("ファイル名"),
        pl.col("rows_new").alias("新規"),
        pl.col("rows_revised").alias("修正"),
        pl.col("rows_unchanged").alias("変更なし"),
    )
    catalogue = pl.DataFrame(
        [
            {
                "制度": catalog.scheme(p.scheme_id).name,
                "対象手続": p.name,
                "表の略称": catalog.row_label(p.procedure_id),
                "利用目標": format_target(p.target_tenths),
                "取組期間": f"{fiscal_year_label(p.deadline_fy)}内",
                "オンライン受付開始": _start_text(p.online_start_month, p.online_start_day),
            }
            for p in catalog.procedures
        ]
    )
    return DefinitionsModel(
        freshness=freshness(counts, today),
        text=definitions_text(),
        catalogue=catalogue,
        uploads=uploads,
        undated_events=[e for e in catalog.events if e.when is None],
    )
