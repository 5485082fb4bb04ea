"""The committee view (会議資料): 資料3's tables, status and one chart per scheme, in one model.

The 会議資料 page and the committee pack (xlsx) are both built from this model, so what is
projected and what is handed out are the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import polars as pl

from kyosai import charts, store
from kyosai.aggregates import stored_rate_table
from kyosai.calendar import fiscal_year_label, month_label, month_label_long
from kyosai.catalog import Catalog
from kyosai.percent import format_points, format_target, format_tenths, rate_expr, tenths_expr
from kyosai.periods import Grain
from kyosai.rates import (
    STATUS_IN_PROGRESS,
    STATUS_MET,
    STATUS_MISSED,
    RateTable,
    procedure_status,
    trend_series,
)

REPORT_TITLE = "オンライン利用率引上げの基本計画に係る進捗状況"
# Words, a symbol and a colour: the status reads in grey-scale and for colour-blind viewers.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    STATUS_MET: ("◎", "met"),
    STATUS_MISSED: ("×", "missed"),
    STATUS_IN_PROGRESS: ("△", "progress"),
}


@dataclass(frozen=True)
class StatusLine:
    """One procedure's standing against its target, in words."""

    row_label: str
    status: str
    mark: str
    style: str
    detail: str


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


def default_created_month(latest: date | None, today: date) -> date:
    """The December the committee meets after the latest data (資料3: R7.9 → 令和7年12月)."""
    if latest is None:
        return date(today.year, today.month, 1)
    return date(latest.year, 12, 1)


def _scorecard(catalog: Catalog, scheme_ids: list[str]) -> pl.DataFrame:
    rows = []
    for procedure in catalog.procedures:
        if procedure.scheme_id not in scheme_ids:
            continue
        rows.append(
            {
                "制度": catalog.scheme(procedure.scheme_id).table_label,
                "対象手続": procedure.name,
                "取組期間": f"{fiscal_year_label(procedure.deadline_fy)}内",
                "利用目標": format_target(procedure.target_tenths),
                "対応状況": f"{month_label_long(procedure.online_start_month)}より開始",
            }
        )
    return pl.DataFrame(
        rows,
        schema={k: pl.String for k in ("制度", "対象手続", "取組期間", "利用目標", "対応状況")},
    )


def _status_lines(counts: pl.DataFrame, catalog: Catalog, chosen: list[str]) -> list[StatusLine]:
    lines = []
    for record in procedure_status(counts, catalog).iter_rows(named=True):
        if record["procedure_id"] not in chosen or record["fytd_tenths"] is None:
            continue
        mark, style = STATUS_STYLE[record["status"]]
        procedure = catalog.procedure(record["procedure_id"])
        period = f"{month_label(record['fytd_first'])}~{record['latest_label']}"
        detail = (
            f"年度累計（{period}）{format_tenths(record['fytd_tenths'])}、"
            f"目標 {format_target(procedure.target_tenths)} との差 "
            f"{format_points(record['gap_tenths'])}、取組期間 "
            f"{fiscal_year_label(procedure.deadline_fy)}内"
        )
        lines.append(
            StatusLine(
                catalog.row_label(record["procedure_id"]), record["status"], mark, style, detail
            )
        )
    return lines


def _monthly(counts: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    labels = {p.procedure_id: catalog.row_label(p.procedure_id) for p in catalog.procedures}
    order = {p.procedure_id: i for i, p in enumerate(catalog.procedures)}
    return (
        counts.with_columns(
            pl.col("procedure_id").replace_strict(order, return_dtype=pl.Int32).alias("order"),
            tenths=tenths_expr(),
            rate=rate_expr(),
        )
        .sort("order", "month")
        .select(
            pl.col("procedure_id").replace_strict(labels, return_dtype=pl.String).alias("手続"),
            pl.col("month"),
            pl.col("online").alias("オンライン件数"),
            pl.col("total").alias("全体件数"),
            "tenths",
        )
    )


def committee(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    scheme_ids: list[str],
    first: date | None,
    last: date | None,
    created: date | None,
    today: date,
) -> CommitteeModel:
    """The committee view of the chosen schemes over first..last (default: all data)."""
    chosen = [p.procedure_id for p in catalog.procedures if p.scheme_id in scheme_ids]
    counts = store.read_counts(con, chosen, first, last)
    with_data = sorted(set(counts["procedure_id"].to_list()), key=chosen.index)
    # Like 資料3, the rate table lists only procedures that have figures in the period.
    table = stored_rate_table(con, catalog, Grain.QUARTER_END, with_data, first, last)
    latest: date | None = counts["month"].max() if not counts.is_empty() else None  # type: ignore[assignment]
    created_month = created or default_created_month(latest, today)
    scheme_charts = []
    for scheme_id in scheme_ids:
        mine = [pid for pid in with_data if catalog.procedure(pid).scheme_id == scheme_id]
        if not mine:
            continue
        series = trend_series(counts, catalog, Grain.QUARTER_END, mine, first, last)
        series = series.with_columns(
            rate_text=pl.col("tenths").map_elements(format_tenths, pl.String, skip_nulls=False)
        )
        procedures = [catalog.procedure(pid) for pid in mine]
        chart = charts.trend_chart(
            series,
            target=max(p.target for p in procedures),
            deadlines=sorted(
                {
                    (p.deadline_month, f"取組期限 {fiscal_year_label(p.deadline_fy)}末")
                    for p in procedures
                }
            ),
            events=[
                e
                for e in catalog.events
                if e.when is not None and any(e.applies_to(pid) for pid in mine)
            ],
            title=catalog.scheme(scheme_id).name,
            height=380,
        )
        scheme_charts.append(
            SchemeChart(scheme_id, catalog.scheme(scheme_id).name, chart.to_dict())
        )
    return CommitteeModel(
        title=REPORT_TITLE,
        as_of_label=month_label(latest) if latest else None,
        created_label=month_label_long(created_month),
        is_sample=bool(counts["is_sample"].any()) if not counts.is_empty() else False,
        scorecard=_scorecard(catalog, scheme_ids),
        status=_status_lines(counts, catalog, chosen),
        rates=table,
        charts=scheme_charts,
        monthly=_monthly(counts, catalog),
    )
