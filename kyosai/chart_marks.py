"""What the trend charts share: their fonts and legend, text with a white halo, and the
利用目標 — a band above the target, its rule and its label, stepping where a revision of the
plan changed the target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import polars as pl

from kyosai.calendar import add_months, fiscal_year, fiscal_year_label
from kyosai.percent import format_tenths

GREEN = "#1b7a1b"
# vl-convert's default font has no Japanese glyphs; browsers fall back to it when missing.
FONT = "Noto Sans CJK JP"
# The legend shares the chart's height with the plot: past two rows of procedures it took the
# plot's height, and seventy procedures squashed the plot flat. The plot keeps its height.
LEGEND_COLUMNS = 4
LEGEND_ROW_PX = 26
LEGEND_SHOWN = 30  # Vega-Lite's symbolLimit: the rest end in "…n entries"


def configure_chart(
    chart: alt.LayerChart, font: str = FONT, text_scale: float = 1.0
) -> alt.LayerChart:
    """Fonts and text sizes on every text element (a projector's page scales them)."""

    # Every text element names the font: vl-convert's default font has no Japanese glyphs.
    def size(points: float) -> float:
        return round(points * text_scale, 1)

    configured: alt.LayerChart = (
        chart.configure(font=font)
        .configure_title(font=font, fontSize=size(22), anchor="start")
        .configure_axis(
            labelFont=font, titleFont=font, labelFontSize=size(15), titleFontSize=size(16)
        )
        .configure_legend(
            labelFont=font,
            titleFont=font,
            labelFontSize=size(15),
            titleFontSize=size(15),
            orient="bottom",
            columns=LEGEND_COLUMNS,
            symbolSize=150,
            labelLimit=400,
        )
        .configure_text(font=font, fontSize=size(14))
        .configure_view(stroke=None)
    )
    return configured


def with_halo(mark: alt.Chart, **encoding: Any) -> list[alt.Chart]:
    """A text layer drawn twice, a white outline under the text, so a line crossing it does
    not make it unreadable."""
    # The same placement (align, dx, baseline …) as the text, plus the outline.
    props = {k: v for k, v in mark.to_dict()["mark"].items() if k != "type"}
    halo = mark.mark_text(**props, stroke="white", strokeWidth=4, strokeJoin="round")
    return [halo.encode(**encoding), mark.encode(**encoding)]


def target_text(target: float) -> str:
    """A target as the seed writes it: "20%", not "20.0%"."""
    tenths = round(target * 1000)
    return f"{tenths // 10}%" if tenths % 10 == 0 else format_tenths(tenths)


@dataclass(frozen=True)
class TargetStep:
    """The target from this month on (the first step holds from the chart's start)."""

    start: date
    target: float


def target_steps(targets_by_year: Sequence[tuple[int, float]]) -> list[TargetStep]:
    """Steps from (fiscal year, target) pairs in year order: one per change of target."""
    steps: list[TargetStep] = []
    for year, target in targets_by_year:
        if not steps or steps[-1].target != target:
            steps.append(TargetStep(date(year, 4, 1), target))
    return steps


def target_layers(
    steps: Sequence[TargetStep], x_scale: alt.Scale, y_scale: alt.Scale, y_axis: alt.Axis,
    top: float, first_month: date, last_month: date,
) -> tuple[list[alt.Chart], list[alt.Chart]]:  # fmt: skip
    """The band and rule (drawn under the lines) and the labels (over them)."""
    first = steps[0].target
    if len(steps) == 1:
        band = alt.Chart().mark_rect(color="#2ca02c", opacity=0.08)
        band = band.encode(y=alt.datum(first, scale=y_scale, axis=y_axis), y2=alt.datum(top))
        rule = alt.Chart().mark_rule(color=GREEN, strokeWidth=2).encode(y=alt.datum(first))
        # At the left: the right end is where the 見込み labels of the projections land.
        label = alt.Chart().mark_text(align="left", baseline="bottom", dx=4, dy=-4, color=GREEN)
        text = with_halo(
            label,
            y=alt.datum(first),
            x=alt.value(0),
            text=alt.datum(f"利用目標 {target_text(first)}"),
        )
        return [band, rule], text
    # A revised plan: each stretch at its own target, from a year before the data to after it
    # (clipped to the plot), each labelled where it starts.
    rows = []
    for index, step in enumerate(steps):
        start = add_months(step.start, -24) if index == 0 else step.start
        end = steps[index + 1].start if index + 1 < len(steps) else add_months(last_month, 24)
        since = "" if index == 0 else f"（{fiscal_year_label(fiscal_year(step.start))}〜）"
        rows.append({
            "x": start.isoformat(), "x2": end.isoformat(), "target": step.target, "top": top,
            "text": f"利用目標 {target_text(step.target)}{since}",
            "label_x": max(step.start, first_month).isoformat(),
            # Under a lowered target's rule, the lines that now meet it stay clear of it.
            "below": index > 0 and step.target < steps[index - 1].target,
        })  # fmt: skip
    frame = alt.Chart(pl.DataFrame(rows))
    x = alt.X("x:T", scale=x_scale)
    y = alt.Y("target:Q", scale=y_scale, axis=y_axis)
    band = frame.mark_rect(color="#2ca02c", opacity=0.08, clip=True).encode(
        x=x, x2="x2:T", y=y, y2="top:Q"
    )
    rule = frame.mark_rule(color=GREEN, strokeWidth=2, clip=True).encode(x=x, x2="x2:T", y=y)
    text = []
    for below in (False, True):
        label = frame.transform_filter(alt.datum.below == below).mark_text(
            align="left", dx=4, color=GREEN, baseline="top" if below else "bottom",
            dy=4 if below else -4,
        )  # fmt: skip
        text += with_halo(label, x=alt.X("label_x:T", scale=x_scale), y="target:Q", text="text:N")
    return [band, rule], text
