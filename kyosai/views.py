"""Page models: everything a page shows, computed in one call from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from kyosai import store
from kyosai.calendar import (
    add_months,
    fiscal_year,
    month_label,
    month_label_long,
    month_start,
    months_between,
)
from kyosai.catalog import DATA_DIR, Catalog, Event
from kyosai.outlook import outlook_line, outlooks
from kyosai.percent import format_points, format_tenths
from kyosai.periods import Grain
from kyosai.rates import RateTable, data_range, rate_table, trend_series
from kyosai.scorecard import scorecard_row
from kyosai.status import procedure_status, status_text
from kyosai.uploads import upload_log

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

    @property
    def nothing_chosen(self) -> bool:
        """Whether the viewer has taken every procedure out of the filter."""
        return self.procedure_ids == ()

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
    """One headline figure: a procedure's rate in its latest month, the comparisons that have
    data, and the status with what it is judged on (the fiscal year to date, not the month)."""

    label: str  # (小) 加入手続き
    month: str  # R7.12: the month of the big number
    value: str
    changes: tuple[tuple[str, str], ...]  # (前四半期比, +4.7pt), … only those with data
    status: str  # ◎ 達成
    basis: str  # 年度累計 R7.4~R7.12 34.5%


@dataclass(frozen=True)
class OverviewModel:
    """The 概要 page."""

    freshness: Freshness
    kpis: list[Kpi]
    scorecard: pl.DataFrame
    targets: list[float]  # each scorecard row's target rate, for its trend line
    outlook: list[tuple[str, str]] = field(default_factory=list)  # (row label, 見通し line)


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
    projected: bool = False  # whether the chart draws 見通し to March


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


def freshness(latest: date | None, is_sample: bool, today: date) -> Freshness:
    """How recent the latest shown month is, and whether any shown figure is sample data."""
    if latest is None:
        return Freshness(None, None, None, False)
    return Freshness(
        month_label(latest), month_label_long(latest), _age_text(latest, today), is_sample
    )


def counts_freshness(counts: pl.DataFrame, today: date) -> Freshness:
    """The freshness of the figures computed from these counts."""
    bounds = data_range(counts)
    return freshness(bounds[1] if bounds else None, bool(counts["is_sample"].any()), today)


def export_notes(fresh: Freshness, today: date) -> list[str]:
    """What travels with every download: the data's date, the sample note, the day made."""
    notes = [
        f"最新データ {fresh.latest_label}（{fresh.latest_long}）"
        if fresh.latest_label
        else "データなし"
    ]
    if fresh.is_sample:
        notes.append(SAMPLE_NOTICE)
    notes.append(f"作成 {today:%Y-%m-%d}")
    return notes


def shown_freshness(con: duckdb.DuckDBPyConnection, shown: pl.DataFrame, today: date) -> Freshness:
    """The newest month in the database (not the end of the chosen period), and whether the
    figures shown include sample data."""
    return freshness(store.latest_month(con), bool(shown["is_sample"].any()), today)


def filter_options(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> FilterOptions:
    """Schemes, procedures and the months that have data."""
    bounds = data_range(store.read_counts(con, ordered=False))
    return FilterOptions(
        schemes=[(s.scheme_id, s.name) for s in catalog.schemes],
        procedures=[
            (p.procedure_id, p.scheme_id, catalog.row_label(p.procedure_id))
            for p in catalog.procedures
        ],
        months=list(months_between(*bounds)) if bounds else [],
    )


SPARKLINE_MONTHS = 24


def overview(con: duckdb.DuckDBPyConnection, catalog: Catalog, today: date) -> OverviewModel:
    """The scorecard of 資料3 extended with the latest rates, status and trends."""
    counts = store.read_counts(con, ordered=False)
    status = procedure_status(counts, catalog)
    # The scorecard shows the plan in force in the fiscal year of the newest figures.
    latest: date | None = counts["month"].max() if not counts.is_empty() else None  # type: ignore[assignment]
    catalog = catalog.as_of(fiscal_year(latest or month_start(today)))
    # Monthly rates from the rate engine: a month whose total is 0 has no rate (a gap).
    spark = trend_series(
        counts, catalog, Grain.MONTH, first=add_months(month_start(today), -SPARKLINE_MONTHS)
    )
    rows = []
    kpis = []
    for procedure, record in zip(catalog.procedures, status.iter_rows(named=True), strict=True):
        trend = spark.filter(pl.col("procedure_id") == procedure.procedure_id)["rate"]
        fytd_period = (
            f"{month_label(record['fytd_first'])}~{record['latest_label']}"
            if record["fytd_first"]
            else ""
        )
        rows.append(
            scorecard_row(catalog, procedure)
            | {
                "最新月": record["latest_label"] or "",
                "利用率（最新月）": format_tenths(record["latest_tenths"]),
                "年度累計": format_tenths(record["fytd_tenths"]),
                "年度累計の期間": fytd_period,
                "状況": status_text(record["status"]),
                "目標との差": format_points(record["gap_tenths"]),
                "前四半期比": format_points(record["change_quarter_tenths"]),
                "前年同月比": format_points(record["change_year_tenths"]),
                "推移": trend.to_list(),
            }
        )
        if record["latest_tenths"] is not None:
            changes = tuple(
                (name, format_points(record[key]))
                for name, key in (
                    ("前四半期比", "change_quarter_tenths"),
                    ("前年同月比", "change_year_tenths"),
                )
                if record[key] is not None
            )
            kpis.append(
                Kpi(
                    label=catalog.row_label(procedure.procedure_id),
                    month=record["latest_label"],
                    value=format_tenths(record["latest_tenths"]),
                    changes=changes,
                    status=status_text(record["status"]),
                    basis=f"年度累計 {fytd_period} {format_tenths(record['fytd_tenths'])}",
                )
            )
    scorecard = pl.DataFrame(rows, schema_overrides={"推移": pl.List(pl.Float64)})
    targets = [procedure.target for procedure in catalog.procedures]
    outlook = [
        (catalog.row_label(item.procedure_id), outlook_line(item))
        for item in outlooks(counts, catalog)
    ]
    return OverviewModel(counts_freshness(counts, today), kpis, scorecard, targets, outlook)


def _chosen_counts(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters
) -> tuple[list[str], pl.DataFrame]:
    # Filtered where the counts live, so only the chosen rows reach the rate engine.
    chosen = filters.chosen_procedures(catalog)
    return chosen, store.read_counts(con, chosen, filters.first, filters.last, ordered=False)


def season(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters
) -> list[tuple[str, dict[str, Any]]]:
    """年度比較: for each chosen procedure with counts, its months with the years overlaid."""
    from kyosai.season import season_chart  # altair loads with the first chart

    chosen, counts = _chosen_counts(con, catalog, filters)
    series = trend_series(counts, catalog, Grain.MONTH, chosen, filters.first, filters.last)
    if not counts.is_empty():
        catalog = catalog.as_of(fiscal_year(counts["month"].max()))  # type: ignore[arg-type]
    found = []
    for procedure_id in chosen:
        mine = series.filter(pl.col("procedure_id") == procedure_id)
        if not mine.is_empty():
            label = catalog.row_label(procedure_id)
            spec = season_chart(mine, label, catalog.procedure(procedure_id).target)
            found.append((label, spec))
    return found


def trends(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters, today: date
) -> TrendModel:
    """Trend lines of the chosen procedures against the target, with deadlines and events."""
    # Altair (with pandas and jsonschema) loads with the first chart, not with the first page.
    from kyosai import charts
    from kyosai.projections import chart_projections

    chosen, counts = _chosen_counts(con, catalog, filters)
    series = trend_series(counts, catalog, filters.grain, chosen, filters.first, filters.last)
    relevant = catalog.events_for(chosen)
    latest = store.latest_month(con)
    projections = chart_projections(
        con, catalog, chosen, series, latest, grain=filters.grain, last=filters.last
    )
    chart = (
        charts.catalog_trend_chart(
            series,
            catalog,
            chosen,
            title="オンライン利用率の推移",
            x_title=charts.X_TITLES[filters.grain.value],
            projections=projections,
        )
        if chosen
        else None
    )
    return TrendModel(
        freshness=freshness(latest, bool(counts["is_sample"].any()), today),
        chart_spec=chart.to_dict() if chart is not None else None,
        points=series,
        dated_events=[e for e in relevant if e.when is not None],
        undated_events=[e for e in relevant if e.when is None],
        projected=bool(projections),
    )


def table(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, filters: Filters, today: date
) -> TableModel:
    """The rate table at the chosen grain, as text cells, with downloads."""
    from kyosai import exports  # xlsxwriter loads with the first table, not the first page

    chosen, counts = _chosen_counts(con, catalog, filters)
    result = rate_table(counts, catalog, filters.grain, chosen, filters.first, filters.last)
    fresh = shown_freshness(con, counts, today)
    title = f"オンライン利用率（最新データ {fresh.latest_label or 'なし'}）"
    return TableModel(
        freshness=fresh,
        rates=result,
        csv_bytes=exports.table_csv_bytes(result, export_notes(fresh, today)),
        xlsx_bytes=exports.table_xlsx_bytes(result, title, export_notes(fresh, today)),
        file_stem=f"online_rates_{filters.grain.value}",
    )


def definitions_text() -> str:
    """The definitions page text (markdown), from data/definitions.md."""
    return (DATA_DIR / "definitions.md").read_text(encoding="utf-8")


def _start_day_text(month: date, day: date | None) -> str:
    long = month_label_long(month)
    return f"{long}{day.day}日" if day else long


# The upload record as データの定義 lists it: who loaded which file, when, and what it did.
DEFINITIONS_UPLOAD_COLUMNS = (
    "番号",
    "取込日時",
    "取込者",
    "ファイル名",
    "新規",
    "修正",
    "変更なし",
)


def definitions(con: duckdb.DuckDBPyConnection, catalog: Catalog, today: date) -> DefinitionsModel:
    """Definitions, the catalogue and the upload record."""
    rows = []
    for p in catalog.procedures:
        row = scorecard_row(catalog, p) | {"表の略称": catalog.row_label(p.procedure_id)}
        # The day itself where the seed gives it, in place of the month-only 対応状況.
        del row["対応状況"]
        rows.append(
            row | {"オンライン受付開始": _start_day_text(p.online_start_month, p.online_start_day)}
        )
    catalogue = pl.DataFrame(rows)
    return DefinitionsModel(
        freshness=counts_freshness(store.read_counts(con, ordered=False), today),
        text=definitions_text(),
        catalogue=catalogue,
        uploads=upload_log(con).select(DEFINITIONS_UPLOAD_COLUMNS),
        undated_events=[e for e in catalog.events if e.when is None],
    )
