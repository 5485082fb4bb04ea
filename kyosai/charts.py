"""Altair trend charts of online usage rates: one line per procedure, target, deadlines, events."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import altair as alt
import polars as pl

from kyosai.calendar import (
    MonthParseError,
    add_months,
    fiscal_year,
    fiscal_year_label,
    month_label,
    month_start,
    parse_month,
)
from kyosai.catalog import Catalog, Event
from kyosai.chart_marks import (
    FONT,
    LEGEND_COLUMNS,
    LEGEND_ROW_PX,
    LEGEND_SHOWN,
    TargetStep,
    configure_chart,
    target_layers,
    target_steps,
    with_halo,
)

# Every chart embeds its own rows (procedures × months). Altair's 5,000-row guard, meant for
# notebooks, made 利用率の推移 fail on a long history (30 procedures × 20 years monthly).
alt.data_transformers.disable_max_rows()

# Okabe–Ito, reordered so the first series get the strongest contrasts on white; yellow last.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
# Shapes let series be told apart without colour (projectors, grey-scale prints).
SHAPES = ["circle", "square", "diamond", "triangle-up", "cross", "triangle-right", "triangle-left"]
EMPTY_MESSAGE = "表示できるデータがありません"
# Above this many periods only some get a label, or they collide on a projector.
MAX_TICKS = 13
EVENT_COLOR = "#7b3294"


def _utc(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def _y_top(max_rate: float | None, target: float) -> float:
    # round() first so that 0.7 * 10 = 7.000000000000001 does not ceil up to 8.
    tenths = math.ceil(round((max_rate or 0.0) * 10, 9)) / 10
    # The target is kept inside the domain too, so its band and label never fall off the top.
    return min(1.0, round(max(0.5, tenths + 0.1, target + 0.1), 1))


def _period_end(label: str, start: date) -> date:
    # The last month of a period is written after "~" in its label (R7.7~R7.9).
    try:
        return parse_month(label.split("~")[-1])
    except MonthParseError:
        return start


def _tick_starts(starts: list[date]) -> list[date]:
    if len(starts) <= MAX_TICKS:
        return starts
    quarter_ends = [s for s in starts if s.month in (3, 6, 9, 12)]
    if 2 <= len(quarter_ends) <= MAX_TICKS:
        return quarter_ends
    return starts[:: math.ceil(len(starts) / (MAX_TICKS - 1))]


def _snap(day: date, starts: list[date], last_end: date) -> date | None:
    # Marks sit on the period that contains them; outside the data they would stretch the x axis.
    month = month_start(day)
    if month < starts[0] or month > last_end:
        return None
    return max(s for s in starts if s <= month)


# Labels stack downwards from the top of the plot, this many pixels apart, whatever its height.
LABEL_STEP = 19


def _deadline_layers(
    deadlines: Sequence[tuple[date, str]],
    starts: list[date],
    last_end: date,
    x: alt.X,
    top: float,
    taken: dict[date, int],
) -> list[alt.Chart]:
    def below(period: date) -> int:
        return max(taken.get(period, 0), 1 if taken else 0)

    rows = [
        # Below the event labels of its period, and below the first row of event labels
        # anywhere, which run sideways from their own period into this one.
        {"x": snapped.isoformat(), "label": label, "offset": 4 + LABEL_STEP * below(snapped)}
        for when, label in deadlines
        if (snapped := _snap(when, starts, last_end)) is not None
    ]
    if not rows:
        return []
    base = alt.Chart(pl.DataFrame(rows)).encode(x=x)
    rule = base.mark_rule(color="#444444", strokeDash=[6, 4], strokeWidth=1.5)
    text = base.mark_text(align="left", baseline="top", dx=5, color="#333333")
    offset = alt.YOffset("offset:Q", scale=None)
    return [rule, *with_halo(text, y=alt.datum(top), yOffset=offset, text="label:N")]


def _event_layers(
    events: Sequence[Event],
    starts: list[date],
    last_end: date,
    x: alt.X,
    top: float,
    stacked: dict[date, int],
) -> list[alt.Chart]:
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.when is None or (snapped := _snap(event.when, starts, last_end)) is None:
            continue
        # Several events in one period stack downwards, a line apart, each with its tooltip.
        index = stacked.get(snapped, 0)
        stacked[snapped] = index + 1
        rows.append(
            {
                "x": snapped.isoformat(),
                "offset": 10 + LABEL_STEP * index,
                "label": event.label,
                "detail": event.detail,
                "day": event.when.strftime("%Y-%m-%d" if event.precise_day else "%Y-%m"),
                # Labels point inwards so that events in the last periods stay inside the plot.
                "right": snapped > starts[len(starts) // 2],
            }
        )
    if not rows:
        return []
    base = alt.Chart(pl.DataFrame(rows)).encode(x=x)
    fields = (("label", "施策"), ("day", "時期"), ("detail", "内容"))
    tooltip = [alt.Tooltip(f"{field}:N", title=title) for field, title in fields]
    marker = base.mark_point(shape="triangle-down", filled=True, size=160, color=EVENT_COLOR)
    # A projector shows no tooltips, so each marker also carries its short label.
    text = base.mark_text(
        align=alt.expr("datum.right ? 'right' : 'left'"),
        dx=alt.expr("datum.right ? -10 : 10"),
        color="#5b2371",
        baseline="middle",
        limit=460,
    )
    # Offsets in pixels from the top of the plot: the stack keeps its spacing at any height.
    y, offset = alt.datum(top), alt.YOffset("offset:Q", scale=None)
    return [
        base.mark_rule(color=EVENT_COLOR, opacity=0.25, strokeWidth=1.5),
        marker.encode(y=y, yOffset=offset, tooltip=tooltip),
        *with_halo(text, y=y, yOffset=offset, text="label:N"),
    ]


def rate_tooltip(series_field: str, series_title: str, period_title: str) -> list[alt.Tooltip]:
    """A point's tooltip: its series and period, the counts and the exact rate text."""
    return [
        alt.Tooltip(f"{series_field}:N", title=series_title),
        alt.Tooltip("period_label:N", title=period_title),
        alt.Tooltip("online:Q", title="オンライン件数", format=","),
        alt.Tooltip("total:Q", title="全体件数", format=","),
        alt.Tooltip("rate_text:N", title="オンライン利用率"),
    ]


def trend_chart(
    series: pl.DataFrame,
    *,
    target: float,
    deadlines: Sequence[tuple[date, str]],
    events: Sequence[Event],
    title: str = "",
    width: int | str = "container",
    height: int = 360,
    font: str = FONT,
    colours: Mapping[str, tuple[str, str]] | None = None,
    y_top: float | None = None,
    x_title: str = "年月",
    text_scale: float = 1.0,
    projections: Sequence[Projection] = (),
    target_by: Sequence[TargetStep] = (),
) -> alt.LayerChart:
    """Layered trend chart of rates per series with target band, deadline rules and events.

    `target_by` steps the target where a revised plan changed it (else `target` throughout).

    `projections` draw each series' 見通し as a dashed segment from its last point to March.

    `colours` fixes each series' (colour, shape), so a procedure looks the same on every page;
    `y_top` gives several charts one scale; `text_scale` enlarges the text for a projector.
    """
    size: dict[str, Any] = {"title": title, "width": width, "height": height}
    if series.is_empty():
        message = alt.Chart(pl.DataFrame({"message": [EMPTY_MESSAGE]}))
        text = message.mark_text(fontSize=18, color="#555555").encode(text="message:N")
        return configure_chart(alt.LayerChart(layer=[text], **size), font, text_scale)

    data = series.sort("period_start")
    starts: list[date] = data.get_column("period_start").unique(maintain_order=True).to_list()
    labels = dict(zip(data["period_start"].to_list(), data["period_label"].to_list(), strict=True))
    last_end = max(_period_end(labels[s], s) for s in starts)
    highest_target = max([target, *(step.target for step in target_by)])
    top = y_top or _y_top(cast(float | None, data.get_column("rate").max()), highest_target)
    order = series.get_column("series_label").unique(maintain_order=True).to_list()
    legend_rows = math.ceil(min(len(order), LEGEND_SHOWN) / LEGEND_COLUMNS)
    size["height"] = height + round(LEGEND_ROW_PX * text_scale * max(0, legend_rows - 2))

    # Vega cannot write 和暦, so the axis looks each tick up in a table built from the data.
    ends = sorted({p.to_month for p in projections} - set(starts))
    labels |= {end: month_label(end) for end in ends}
    lookup = json.dumps({s.isoformat(): labels[s] for s in starts + ends}, ensure_ascii=False)
    x_axis = alt.Axis(
        title=x_title,
        values=[_utc(s) for s in _tick_starts(starts) + ends],
        labelExpr=f"{lookup}[utcFormat(datum.value, '%Y-%m-%d')] || ''",
        labelAngle=0,
        labelOverlap="greedy",
        grid=False,
    )
    # Padding keeps the first and last points (and events on them) off the plot's edges.
    # A single period gets a month either side, or its domain would have no width.
    lo, hi = starts[0], max([starts[-1], *ends])
    if lo == hi:
        lo, hi = add_months(lo, -1), add_months(hi, 1)
    x_scale = alt.Scale(type="utc", domain=[_utc(lo), _utc(hi)], padding=24)
    x = alt.X("x:T", scale=x_scale, axis=x_axis)
    y_scale = alt.Scale(domain=[0, top], nice=False)
    y_axis = alt.Axis(title="オンライン利用率", format=".0%", tickCount=round(top * 10))

    steps = list(target_by) or [TargetStep(lo, target)]
    under, target_label = target_layers(steps, x_scale, y_scale, y_axis, top, lo, hi)

    # Vega parses date-only ISO strings as UTC midnight; with a UTC scale and utcFormat the
    # chart never shifts a month because of the viewer's time zone.
    points_data = data.with_columns(x=pl.col("period_start").dt.to_string()).drop("period_start")
    looks = [
        (colours or {}).get(name, (PALETTE[i % len(PALETTE)], SHAPES[i % len(SHAPES)]))
        for i, name in enumerate(order)
    ]
    colour_scale = alt.Scale(domain=order, range=[look[0] for look in looks])
    color = alt.Color("series_label:N", title="手続", scale=colour_scale)
    shape = alt.Shape(
        "series_label:N", scale=alt.Scale(domain=order, range=[look[1] for look in looks])
    )
    tooltip = rate_tooltip("series_label", "手続", "期間")
    y = alt.Y("rate:Q", scale=y_scale, axis=y_axis)
    base = alt.Chart(points_data).encode(x=x, y=y, color=color)
    # A period with no total breaks the line instead of bridging a gap nobody measured.
    lines = base.mark_line(strokeWidth=2.5, invalid="break-paths-filter-domains")
    points = base.mark_point(filled=True, size=90, opacity=1).encode(shape=shape, tooltip=tooltip)
    layers = [*under, lines, points]
    x_plain = alt.X("x:T", scale=x_scale)
    stacked: dict[date, int] = {}
    # Text last, over the lines: labels with a halo stay readable where a line crosses them.
    events_layers = _event_layers(events, starts, last_end, x_plain, top, stacked)
    layers += _deadline_layers(deadlines, starts, last_end, x_plain, top, stacked)
    layers += _projection_layers(projections, x_plain, color) + events_layers + target_label
    return configure_chart(alt.LayerChart(layer=layers, **size), font, text_scale)


@dataclass(frozen=True)
class Projection:
    """A series' 見通し: from its last shown point to the projected rate in March."""

    series_label: str
    from_month: date
    from_rate: float
    to_month: date
    to_rate: float
    label: str  # 見込み 35.2%


def _projection_layers(
    projections: Sequence[Projection], x: alt.X, color: alt.Color
) -> list[alt.Chart]:
    if not projections:
        return []
    rows = [
        {"series_label": p.series_label, "x": month.isoformat(), "rate": rate}
        | {"label": p.label if end else "", "end": end}
        for p in projections
        for month, rate, end in ((p.from_month, p.from_rate, False), (p.to_month, p.to_rate, True))
    ]
    base = alt.Chart(pl.DataFrame(rows)).encode(x=x, y=alt.Y("rate:Q"), color=color)
    line = base.mark_line(strokeDash=[7, 5], strokeWidth=2.5).encode(detail="series_label:N")
    ends = base.transform_filter("datum.end")
    text = ends.mark_text(align="right", baseline="bottom", dx=-6, dy=-6)
    return [line, *with_halo(text, text="label:N")]


def with_subtitle(spec: dict[str, Any], lines: Sequence[str]) -> dict[str, Any]:
    """A copy of a chart's spec whose title carries these lines under it."""
    title = spec.get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else title
    return {
        **spec,
        "title": {"text": text, "subtitle": list(lines), "subtitleFontSize": 13, "anchor": "start"},
    }


def deadline_label(fiscal_year: int) -> str:
    """The label of a deadline rule, for example `取組期限 令和7年度末`."""
    return f"取組期限 {fiscal_year_label(fiscal_year)}末"


def catalog_trend_chart(
    series: pl.DataFrame,
    catalog: Catalog,
    procedure_ids: list[str],
    *,
    title: str,
    height: int = 360,
    y_top: float | None = None,
    x_title: str = "年月",
    text_scale: float = 1.0,
    projections: Sequence[Projection] = (),
) -> alt.LayerChart:
    """The trend chart of these procedures: the highest of their targets, their deadlines and
    the dated events that concern them, from the catalogue; each procedure in its own colour
    and shape, the same on every page and in every picture."""
    procedures = [catalog.procedure(pid) for pid in procedure_ids]
    steps: list[TargetStep] = []
    if not series.is_empty() and any(p.revisions for p in procedures):
        first, last = series["period_start"].min(), series["period_start"].max()
        years = range(fiscal_year(first), fiscal_year(last) + 1)  # type: ignore[arg-type]
        steps = target_steps([(y, max(p.in_year(y).target for p in procedures)) for y in years])
        deadline_plans = {p.in_year(y) for p in procedures for y in years}
    else:
        deadline_plans = set(procedures)
    return trend_chart(
        series,
        target=max((p.target for p in procedures), default=0.2),
        target_by=steps if len(steps) > 1 else (),
        deadlines=sorted(
            {(p.deadline_month, deadline_label(p.deadline_fy)) for p in deadline_plans}
        ),
        events=[e for e in catalog.events_for(procedure_ids) if e.when is not None],
        title=title,
        height=height,
        colours=procedure_looks(catalog),
        y_top=y_top,
        x_title=x_title,
        text_scale=text_scale,
        projections=projections,
    )


def procedure_looks(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Each procedure's row label → its (colour, shape), by its place in the catalogue."""
    return {
        catalog.row_label(p.procedure_id): (PALETTE[i % len(PALETTE)], SHAPES[i % len(SHAPES)])
        for i, p in enumerate(catalog.procedures)
    }


def shared_y_top(series: Sequence[pl.DataFrame], target: float) -> float:
    """One y-axis top for several charts, so their lines compare by eye."""
    highest = [cast(float | None, s.get_column("rate").max()) for s in series if not s.is_empty()]
    return _y_top(max((h for h in highest if h is not None), default=None), target)


X_TITLES = {"month": "年月", "quarter": "四半期", "fy": "年度", "quarter-end": "四半期末月"}
