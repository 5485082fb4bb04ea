"""The columns of a rate table: which months each column aggregates, and its label."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import polars as pl

from kyosai.calendar import (
    FiscalQuarter,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_start,
    is_quarter_end,
    month_label,
    months_between,
    period_label,
)


class Grain(StrEnum):
    """The column choices of the rate table (the CLI's --columns values)."""

    QUARTER_END = "quarter-end"
    MONTH = "month"
    QUARTER = "quarter"
    FISCAL_YEAR = "fy"


GRAIN_LABELS: dict[Grain, str] = {
    Grain.QUARTER_END: "四半期末月（資料3の形式）",
    Grain.MONTH: "月次",
    Grain.QUARTER: "四半期",
    Grain.FISCAL_YEAR: "年度（期間集計のみ）",
}


@dataclass(frozen=True)
class Period:
    """One column: the months it aggregates (first..last) and how it is labelled."""

    label: str
    first: date
    last: date
    kind: str  # "month", "quarter" or "fy"
    caption: str = ""

    @property
    def is_aggregate(self) -> bool:
        """Whether the column sums several months (期間集計, quarters)."""
        return self.first != self.last or self.kind != "month"


def fiscal_year_periods(first: date, last: date) -> list[Period]:
    """The 期間集計 columns: each fiscal year, from the first data month or April to March or
    the last month."""
    periods = []
    for fy in range(fiscal_year(first), fiscal_year(last) + 1):
        start = max(first, fiscal_year_start(fy))
        end = min(last, fiscal_year_end(fy))
        periods.append(Period(period_label(start, end), start, end, "fy", fiscal_year_label(fy)))
    return periods


def _quarter_periods(first: date, last: date) -> list[Period]:
    periods = []
    quarter = FiscalQuarter.of(first)
    while quarter.months[0] <= last:
        start = max(first, quarter.months[0])
        end = min(last, quarter.months[2])
        label = month_label(start) if start == end else period_label(start, end)
        periods.append(Period(label, start, end, "quarter", quarter.label))
        quarter = quarter.next()
    return periods


def _month_period(month: date) -> Period:
    return Period(month_label(month), month, month, "month")


def table_periods(first: date, last: date, grain: Grain) -> list[Period]:
    """The columns of a rate table over first..last: the grain's columns, then 期間集計."""
    months = list(months_between(first, last))
    if grain is Grain.QUARTER_END:
        main = [_month_period(m) for m in months if is_quarter_end(m) or m == last]
    elif grain is Grain.MONTH:
        main = [_month_period(m) for m in months]
    elif grain is Grain.QUARTER:
        main = _quarter_periods(first, last)
    else:
        main = []
    return main + fiscal_year_periods(first, last)


def series_periods(first: date, last: date, grain: Grain) -> list[Period]:
    """The points of a trend line over first..last at one grain (no 期間集計 added)."""
    months = list(months_between(first, last))
    if grain is Grain.QUARTER_END:
        return [_month_period(m) for m in months if is_quarter_end(m) or m == last]
    if grain is Grain.MONTH:
        return [_month_period(m) for m in months]
    if grain is Grain.QUARTER:
        return _quarter_periods(first, last)
    return fiscal_year_periods(first, last)


def column_key(index: int) -> str:
    """The unique frame column name of table column `index` (labels can repeat)."""
    return f"p{index}"


def membership_frame(periods: list[Period]) -> pl.DataFrame:
    """One row per (column, month it aggregates): column_index, label, kind, period_start,
    month."""
    rows: dict[str, list[object]] = {
        "column_index": [],
        "label": [],
        "kind": [],
        "period_start": [],
        "month": [],
    }
    for index, period in enumerate(periods):
        for month in months_between(period.first, period.last):
            rows["column_index"].append(index)
            rows["label"].append(period.label)
            rows["kind"].append(period.kind)
            rows["period_start"].append(period.first)
            rows["month"].append(month)
    return pl.DataFrame(
        rows,
        schema={
            "column_index": pl.Int32,
            "label": pl.String,
            "kind": pl.String,
            "period_start": pl.Date,
            "month": pl.Date,
        },
    )
