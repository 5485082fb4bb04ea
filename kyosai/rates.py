"""The rate engine: period sums and rates from monthly counts, in Polars, for every table,
trend line and preview.

A period's rate is always Σonline ÷ Σtotal over its months; a period whose total is 0 has no
rate (null, shown empty), never NaN. Shown percentages are tenths of a percent rounded half up
in integers (kyosai.percent), and every change or gap in points is the difference of the shown
figures, so the numbers on screen always add up. Pages read counts from DuckDB
(store.read_counts, filtered there) and hand them to this one engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.calendar import fiscal_year
from kyosai.catalog import Catalog
from kyosai.percent import format_tenths, rate_expr, tenths_expr
from kyosai.periods import (
    Grain,
    Period,
    column_key,
    membership_frame,
    series_periods,
    table_periods,
)
from kyosai.status import meets_target

CELL_SCHEMA = {
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


def aggregate(counts: pl.DataFrame, periods: list[Period]) -> pl.DataFrame:
    """Σonline, Σtotal and the rate per (procedure, period); only cells with data, unsorted."""
    if not periods or counts.is_empty():
        return pl.DataFrame(schema=CELL_SCHEMA)
    membership = membership_frame(periods)
    columns = membership.select("column_index", "label", "kind", "period_start").unique(
        "column_index"
    )
    # Grouped on the two keys only, the labels joined after: half the time of grouping by all.
    return (
        counts.lazy()
        .select("procedure_id", "month", "online", "total", "is_sample")
        .join(membership.lazy().select("month", "column_index"), on="month", how="inner")
        .group_by("procedure_id", "column_index")
        .agg(
            pl.col("online").sum(),
            pl.col("total").sum(),
            pl.col("is_sample").any(),
            pl.len().cast(pl.UInt32).alias("months_with_data"),
        )
        .join(columns.lazy(), on="column_index")
        .with_columns(tenths=tenths_expr(), rate=rate_expr())
        .select(list(CELL_SCHEMA))
        .collect()
        .cast(CELL_SCHEMA)  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class RateTable:
    """A rate table: one row per procedure, one column per period."""

    periods: list[Period]
    cells: pl.DataFrame  # long: procedure_id, column_index, label, online, total, tenths, rate
    rows: pl.DataFrame  # Catalog.frame rows shown, in order
    # The catalogue the table was made from, whose revisions give each year's target.
    catalog: Catalog | None = None

    @property
    def labels(self) -> list[str]:
        """The column labels, in order (a label can repeat, e.g. a quarter and its FY)."""
        return [p.label for p in self.periods]

    @property
    def keys(self) -> list[str]:
        """The unique frame column names of the periods, in order."""
        return [column_key(index) for index in range(len(self.periods))]

    @property
    def latest_month(self) -> date | None:
        """The last month any column covers, or None for an empty table."""
        return max((p.last for p in self.periods), default=None)

    @property
    def is_sample(self) -> bool:
        """Whether any cell includes sample data."""
        return bool(self.cells["is_sample"].any())

    def target_tenths(self, procedure_id: str, period: Period | None = None) -> int:
        """The target of one row's procedure in tenths of a percent: the one in force in the
        period's fiscal year (a 期間集計 column is its year), else the first planned."""
        if period is not None and self.catalog is not None:
            return self.catalog.target_tenths_in(procedure_id, fiscal_year(period.first))
        return int(self.rows.filter(pl.col("procedure_id") == procedure_id)["target_tenths"][0])

    def meets_target(
        self, procedure_id: str, tenths: int | None, period: Period | None = None
    ) -> bool:
        """Whether a cell of this row is at or above its procedure's target in that period."""
        return meets_target(tenths, self.target_tenths(procedure_id, period))

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
    rows = catalog.frame
    if procedure_ids is None:
        return rows
    return rows.filter(pl.col("procedure_id").is_in(procedure_ids))


def data_range(counts: pl.DataFrame) -> tuple[date, date] | None:
    """The first and last month with data, or None when there is none."""
    if counts.is_empty():
        return None
    return counts["month"].min(), counts["month"].max()  # type: ignore[return-value]


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
        return RateTable([], pl.DataFrame(schema=CELL_SCHEMA), rows, catalog)
    periods = table_periods(bounds[0], bounds[1], grain)
    return RateTable(periods, aggregate(chosen, periods), rows, catalog)


SERIES_SCHEMA = {
    "procedure_id": pl.String,
    "series_label": pl.String,
    "period_start": pl.Date,
    "period_label": pl.String,
    "online": pl.Int64,
    "total": pl.Int64,
    "rate": pl.Float64,
    "tenths": pl.Int64,
    "rate_text": pl.String,
    "is_sample": pl.Boolean,
}


def trend_series(
    counts: pl.DataFrame,
    catalog: Catalog,
    grain: Grain,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> pl.DataFrame:
    """Points of the trend lines in catalogue order: series_label, period, counts, rate and the
    rate as shown (rate_text, empty where the total is 0)."""
    rows = chosen_rows(catalog, procedure_ids)
    chosen = _within(counts, rows["procedure_id"].to_list(), first, last)
    bounds = data_range(chosen)
    if bounds is None:
        return pl.DataFrame(schema=SERIES_SCHEMA)
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
            pl.col("tenths")
            .map_elements(format_tenths, pl.String, skip_nulls=False)
            .alias("rate_text"),
            "is_sample",
        )
    )
