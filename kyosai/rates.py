"""Rate tables, trend series and target status, computed in Polars from monthly counts.

A period's rate is always Σonline ÷ Σtotal over its months. Shown percentages are tenths of a
percent rounded half up in integers (kyosai.percent), and every change or gap in points is the
difference of the shown figures, so the numbers on screen always add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.calendar import add_months, fiscal_year, month_label
from kyosai.catalog import Catalog
from kyosai.percent import rate_expr, tenths_expr
from kyosai.periods import (
    Grain,
    Period,
    column_key,
    membership_frame,
    series_periods,
    table_periods,
)

STATUS_MET = "達成"
STATUS_MISSED = "未達"
STATUS_IN_PROGRESS = "進行中"
STATUS_NO_DATA = "データなし"


def catalog_frame(catalog: Catalog) -> pl.DataFrame:
    """One row per procedure in display order, with its scheme and target."""
    return pl.DataFrame(
        {
            "row_order": list(range(len(catalog.procedures))),
            "procedure_id": [p.procedure_id for p in catalog.procedures],
            "scheme_id": [p.scheme_id for p in catalog.procedures],
            "scheme": [catalog.scheme(p.scheme_id).name for p in catalog.procedures],
            "procedure": [p.name for p in catalog.procedures],
            "row_label": [catalog.row_label(p.procedure_id) for p in catalog.procedures],
            "target_tenths": [p.target_tenths for p in catalog.procedures],
        },
        schema_overrides={"row_order": pl.Int32, "target_tenths": pl.Int64},
    )


def aggregate(counts: pl.DataFrame, periods: list[Period]) -> pl.DataFrame:
    """Σonline, Σtotal and the rate per (procedure, period); only cells with data."""
    membership = membership_frame(periods)
    return (
        counts.select("procedure_id", "month", "online", "total", "is_sample")
        .join(membership, on="month", how="inner")
        .group_by("procedure_id", "column_index", "label", "kind", "period_start")
        .agg(
            pl.col("online").sum(),
            pl.col("total").sum(),
            pl.col("is_sample").any(),
            pl.len().alias("months_with_data"),
        )
        .with_columns(tenths=tenths_expr(), rate=rate_expr())
        .sort("procedure_id", "column_index")
    )


@dataclass(frozen=True)
class RateTable:
    """A rate table: one row per procedure, one column per period."""

    periods: list[Period]
    cells: pl.DataFrame  # long: procedure_id, column_index, label, online, total, tenths, rate
    rows: pl.DataFrame  # catalog_frame rows shown, in order

    @property
    def labels(self) -> list[str]:
        """The column labels, in order (a label can repeat, e.g. a quarter and its FY)."""
        return [p.label for p in self.periods]

    @property
    def keys(self) -> list[str]:
        """The unique frame column names of the periods, in order."""
        return [column_key(index) for index in range(len(self.periods))]

    def target_tenths(self, procedure_id: str) -> int:
        """The target of one row's procedure, in tenths of a percent."""
        return int(self.rows.filter(pl.col("procedure_id") == procedure_id)["target_tenths"][0])

    def wide(self, value: str = "tenths") -> pl.DataFrame:
        """One row per procedure: scheme, procedure, row_label, then one column per period,
        named by `keys`."""
        base = self.rows.select("row_order", "procedure_id", "scheme", "procedure", "row_label")
        dtype = self.cells.schema[value]
        values = self.cells.select(
            "procedure_id", pl.format("p{}", "column_index").alias("column_index"), value
        ).pivot(on="column_index", index="procedure_id", values=value, aggregate_function="first")
        missing = [key for key in self.keys if key not in values.columns]
        values = values.with_columns(pl.lit(None, dtype=dtype).alias(key) for key in missing)
        return (
            base.join(values, on="procedure_id", how="left")
            .sort("row_order")
            .select("procedure_id", "scheme", "procedure", "row_label", *self.keys)
        )


def chosen_rows(catalog: Catalog, procedure_ids: list[str] | None) -> pl.DataFrame:
    """The catalogue rows of the chosen procedures (all when None), in display order."""
    rows = catalog_frame(catalog)
    if procedure_ids is None:
        return rows
    return rows.filter(pl.col("procedure_id").is_in(procedure_ids))


def data_range(counts: pl.DataFrame) -> tuple[date, date] | None:
    """The first and last month with data, or None when there is none."""
    if counts.is_empty():
        return None
    return counts["month"].min(), counts["month"].max()  # type: ignore[return-value]


def rate_table(
    counts: pl.DataFrame,
    catalog: Catalog,
    grain: Grain = Grain.QUARTER_END,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> RateTable:
    """The rate table of the chosen procedures over first..last (default: all data)."""
    rows = chosen_rows(catalog, procedure_ids)
    chosen = _within(counts, rows["procedure_id"].to_list(), first, last)
    bounds = data_range(chosen)
    if bounds is None:
        return RateTable([], empty_cells(), rows)
    periods = table_periods(bounds[0], bounds[1], grain)
    return RateTable(periods, aggregate(chosen, periods), rows)


def _within(
    counts: pl.DataFrame, procedure_ids: list[str], first: date | None, last: date | None
) -> pl.DataFrame:
    # Columns run from the first to the last month with data among the chosen procedures and
    # months, so a table never ends in columns that can only be empty.
    chosen = counts.filter(pl.col("procedure_id").is_in(procedure_ids))
    if first is not None:
        chosen = chosen.filter(pl.col("month") >= first)
    if last is not None:
        chosen = chosen.filter(pl.col("month") <= last)
    return chosen


def empty_cells() -> pl.DataFrame:
    """A cells frame with no rows, in the shape aggregate() returns."""
    return pl.DataFrame(
        schema={
            "procedure_id": pl.String,
            "column_index": pl.Int32,
            "label": pl.String,
            "kind": pl.String,
            "period_start": pl.Date,
            "online": pl.Int64,
            "total": pl.Int64,
            "is_sample": pl.Boolean,
            "months_with_data": pl.UInt32,
            "tenths": pl.Int64,
            "rate": pl.Float64,
        }
    )


def trend_series(
    counts: pl.DataFrame,
    catalog: Catalog,
    grain: Grain,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> pl.DataFrame:
    """Points of the trend lines: series_label, period_start, period_label, counts and rate."""
    rows = chosen_rows(catalog, procedure_ids)
    chosen = _within(counts, rows["procedure_id"].to_list(), first, last)
    bounds = data_range(chosen)
    if bounds is None:
        return _empty_series()
    cells = aggregate(chosen, series_periods(bounds[0], bounds[1], grain))
    return (
        cells.join(rows, on="procedure_id")
        .sort("row_order", "column_index")
        .select(
            "procedure_id",
            pl.col("row_label").alias("series_label"),
            "period_start",
            pl.col("label").alias("period_label"),
            "online",
            "total",
            "rate",
            "tenths",
            "is_sample",
        )
    )


def _empty_series() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "procedure_id": pl.String,
            "series_label": pl.String,
            "period_start": pl.Date,
            "period_label": pl.String,
            "online": pl.Int64,
            "total": pl.Int64,
            "rate": pl.Float64,
            "tenths": pl.Int64,
            "is_sample": pl.Boolean,
        }
    )


def _month_tenths(counts: pl.DataFrame, procedure_id: str, month: date) -> int | None:
    hit = counts.filter((pl.col("procedure_id") == procedure_id) & (pl.col("month") == month))
    if hit.is_empty():
        return None
    value = hit.select(tenths_expr()).item()
    return int(value) if value is not None else None


def _difference(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def procedure_status(
    counts: pl.DataFrame, catalog: Catalog, as_of: date | None = None
) -> pl.DataFrame:
    """Per procedure: latest and fiscal-year-to-date rates, status against target, changes."""
    bounds = data_range(counts)
    as_of = as_of or (bounds[1] if bounds else None)
    records = []
    for procedure in catalog.procedures:
        mine = counts.filter(pl.col("procedure_id") == procedure.procedure_id)
        if as_of is not None:
            mine = mine.filter(pl.col("month") <= as_of)
        latest: date | None = mine["month"].max() if not mine.is_empty() else None  # type: ignore[assignment]
        latest_tenths = _month_tenths(mine, procedure.procedure_id, latest) if latest else None
        fytd_tenths = None
        fy_first = None
        if latest is not None:
            fy = fiscal_year(latest)
            in_fy = mine.filter(pl.col("month") >= date(fy, 4, 1))
            fy_first = in_fy["month"].min() if not in_fy.is_empty() else None
            sums = in_fy.select(pl.col("online").sum(), pl.col("total").sum())
            fytd_tenths = sums.select(tenths_expr()).item()
        judged_month = as_of or latest
        past_deadline = judged_month is not None and judged_month > procedure.deadline_month
        if fytd_tenths is None:
            # No figure, no judgement: a procedure without counts is never called 進行中.
            status = STATUS_NO_DATA
        elif fytd_tenths >= procedure.target_tenths:
            status = STATUS_MET
        else:
            status = STATUS_MISSED if past_deadline else STATUS_IN_PROGRESS
        prev_q = add_months(latest, -3) if latest else None
        prev_y = add_months(latest, -12) if latest else None
        records.append(
            {
                "procedure_id": procedure.procedure_id,
                "latest_month": latest,
                "latest_label": month_label(latest) if latest else None,
                "latest_tenths": latest_tenths,
                "fytd_first": fy_first,
                "fytd_tenths": fytd_tenths,
                "target_tenths": procedure.target_tenths,
                "gap_tenths": _difference(fytd_tenths, procedure.target_tenths),
                "status": status,
                "change_quarter_tenths": _difference(
                    latest_tenths,
                    _month_tenths(mine, procedure.procedure_id, prev_q) if prev_q else None,
                ),
                "change_year_tenths": _difference(
                    latest_tenths,
                    _month_tenths(mine, procedure.procedure_id, prev_y) if prev_y else None,
                ),
            }
        )
    return pl.DataFrame(
        records,
        schema={
            "procedure_id": pl.String,
            "latest_month": pl.Date,
            "latest_label": pl.String,
            "latest_tenths": pl.Int64,
            "fytd_first": pl.Date,
            "fytd_tenths": pl.Int64,
            "target_tenths": pl.Int64,
            "gap_tenths": pl.Int64,
            "status": pl.String,
            "change_quarter_tenths": pl.Int64,
            "change_year_tenths": pl.Int64,
        },
    )
