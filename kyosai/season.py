"""年度比較: the months of the fiscal year (4月 … 3月) across, one line per fiscal year, so staff
can see whether a month is low every year (December's paper rush in 加入) or only this year."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from kyosai.calendar import fiscal_year, fiscal_year_label
from kyosai.chart_marks import GREEN, configure_chart
from kyosai.charts import PALETTE, SHAPES, rate_tooltip, shared_y_top

FISCAL_MONTHS = [
    "4月",
    "5月",
    "6月",
    "7月",
    "8月",
    "9月",
    "10月",
    "11月",
    "12月",
    "1月",
    "2月",
    "3月",
]


def season_frame(series: pl.DataFrame) -> pl.DataFrame:
    """Monthly rate points with their fiscal year's label and their month's place in it."""
    if series.is_empty():
        return series.with_columns(fy=pl.lit(""), fiscal_month=pl.lit(""))
    months = series.get_column("period_start").to_list()
    return series.with_columns(
        fy=pl.Series([fiscal_year_label(fiscal_year(m)) for m in months]),
        fiscal_month=pl.Series([f"{m.month}月" for m in months]),
    )


def season_chart(
    series: pl.DataFrame, title: str, target: float, *, height: int = 300
) -> dict[str, Any]:
    """One procedure's monthly rates with the fiscal years overlaid, as a Vega-Lite spec."""
    data = season_frame(series).drop("period_start")
    years = sorted(set(data.get_column("fy").to_list()))
    # The newest year strongest and last in the legend; older years in the palette's order.
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(years))]
    top = shared_y_top([data], target)
    x = alt.X(
        "fiscal_month:O",
        sort=FISCAL_MONTHS,
        title="月（年度の4月〜3月）",
        axis=alt.Axis(labelAngle=0),
    )
    y_scale = alt.Scale(domain=[0, top], nice=False)
    y = alt.Y("rate:Q", scale=y_scale, axis=alt.Axis(title="オンライン利用率", format=".0%"))
    colour = alt.Color("fy:N", title="年度", scale=alt.Scale(domain=years, range=colours))
    shapes = [SHAPES[i % len(SHAPES)] for i in range(len(years))]
    shape = alt.Shape("fy:N", scale=alt.Scale(domain=years, range=shapes))
    tooltip = rate_tooltip("fy", "年度", "年月")
    base = alt.Chart(data).encode(x=x, y=y, color=colour)
    lines = base.mark_line(strokeWidth=2.5, invalid="break-paths-filter-domains")
    points = base.mark_point(filled=True, size=80, opacity=1).encode(shape=shape, tooltip=tooltip)
    rule = alt.Chart().mark_rule(color=GREEN, strokeWidth=2).encode(y=alt.datum(target))
    chart = alt.LayerChart(
        layer=[rule, lines, points], title=title, width="container", height=height
    )
    spec: dict[str, Any] = configure_chart(chart).to_dict()
    return spec
