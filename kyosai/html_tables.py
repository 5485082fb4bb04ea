"""Rate tables, scorecards and status cards as HTML, built once per data version.

The pages show these strings as they are: an HTML table costs a rerun a fraction of a
millisecond, where a styled `st.dataframe` cost 16 ms of marshalling on every click.
Every text from the store or the catalogue is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape

import polars as pl

from kyosai.exports import PERIOD_GROUP_HEADING
from kyosai.percent import format_tenths
from kyosai.rates import RateTable

NO_FIGURE = "—"


def rate_table_html(table: RateTable) -> str:
    """The rate table as in 資料3: one row per procedure, the 期間集計 columns under one
    merged header, cells at or above the procedure's target marked `met`."""
    fy = [i for i, p in enumerate(table.periods) if p.kind == "fy"]
    single = [i for i, p in enumerate(table.periods) if p.kind != "fy"]
    top = '<th rowspan="2" class="label">手続</th>' + "".join(
        f'<th rowspan="2">{escape(table.periods[i].label)}</th>' for i in single
    )
    if fy:
        top += f'<th colspan="{len(fy)}">{PERIOD_GROUP_HEADING}</th>'
    second = "".join(f"<th>{escape(table.periods[i].label)}</th>" for i in fy)
    keys = table.keys
    order = single + fy
    body = []
    for record in table.wide().iter_rows(named=True):
        cells = [f'<th scope="row" class="label">{escape(record["row_label"])}</th>']
        for index in order:
            tenths = record[keys[index]]
            met = table.meets_target(record["procedure_id"], tenths, table.periods[index])
            css = "num met" if met else "num"
            # A period without figures reads —, as on every other page.
            cells.append(f'<td class="{css}">{format_tenths(tenths) or NO_FIGURE}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="rates"><thead><tr>{top}</tr><tr>{second}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def grouped_table_html(
    frame: pl.DataFrame,
    group_column: str,
    *,
    group_header: str = "",
    markup_columns: frozenset[str] = frozenset(),
    css_class: str = "",
) -> str:
    """A text table whose first column is merged over runs of equal values (e.g. 制度).

    Cells of `markup_columns` are inserted as they are: only for markup this module made,
    such as `sparkline_svg`; every other cell is escaped.
    """
    groups = frame[group_column].to_list()
    others = [c for c in frame.columns if c != group_column]
    rows = []
    for index, record in enumerate(frame.iter_rows(named=True)):
        cells = []
        if index == 0 or groups[index - 1] != record[group_column]:
            span = 1
            while index + span < len(groups) and groups[index + span] == record[group_column]:
                span += 1
            cells.append(
                f'<td class="scheme" rowspan="{span}">{escape(str(record[group_column]))}</td>'
            )
        cells += [
            f"<td>{record[c]}</td>"
            if c in markup_columns
            else f"<td>{escape(_text(record[c]))}</td>"
            for c in others
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(f"<th>{escape(c)}</th>" for c in [group_header, *others])
    table_class = f' class="{escape(css_class)}"' if css_class else ""
    return (
        f"<table{table_class}><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def text_table_html(frame: pl.DataFrame, css_class: str, *, separators: bool = False) -> str:
    """A plain table of a frame's cells as text; numbers are right-aligned, and with `separators`
    integers get thousands separators (counts, not ID numbers)."""
    numeric = {name for name, dtype in frame.schema.items() if dtype.is_numeric()}
    shown = _with_separators if separators else _text
    header = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(shown(v))}</td>'
            if c in numeric
            else f"<td>{escape(_text(v))}</td>"
            for c, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.iter_rows()
    )
    return (
        f'<table class="{escape(css_class)}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def sparkline_img(values: list[float | None], *, y_max: float, target: float, label: str) -> str:
    """A small line of monthly rates with the target as a dashed line, as an <img> whose alt
    text is `label` (st.html's sanitiser removes inline <svg>, not an image of one)."""
    width, height = 90, 24
    points = [(index, value) for index, value in enumerate(values) if value is not None]
    if not points:
        return ""
    step = width / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return height - min(max(value, 0.0), y_max) / y_max * height

    line = " ".join(f"{index * step:.1f},{y(value):.1f}" for index, value in points)
    goal = y(target)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
        f'<line x1="0" x2="{width}" y1="{goal:.1f}" y2="{goal:.1f}" stroke="#b35806" '
        'stroke-dasharray="3 2" stroke-width="1"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="1.5"/></svg>'
    )
    source = base64.b64encode(svg.encode("ascii")).decode("ascii")
    return (
        f'<img class="spark" width="{width}" height="{height}" alt="{escape(label)}" '
        f'src="data:image/svg+xml;base64,{source}">'
    )


def cards_html(cards: Iterable[tuple[str, str, str, str]]) -> str:
    """Status cards: (css style, bold heading, the rest of the first line, detail line) each."""
    items = [
        f'<div class="card {escape(style)}"><b>{escape(bold)}</b>　{escape(rest)}'
        f"<br>{escape(detail)}</div>"
        for style, bold, rest, detail in cards
    ]
    return f'<div class="status">{"".join(items)}</div>'


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _with_separators(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else _text(value)


def counts_html(labels: Sequence[str], values: Sequence[int]) -> str:
    """Big counts (with 件) under their labels, a box each, in a row."""
    items = [
        f'<div class="kpi"><div class="label">{escape(label)}</div>'
        f'<div class="value">{value:,} 件</div></div>'
        for label, value in zip(labels, values, strict=True)
    ]
    return f'<div class="kpis counts">{"".join(items)}</div>'


KpiCard = tuple[str, str, str, Sequence[tuple[str, str]], str, str]


def kpi_cards_html(cards: Iterable[KpiCard]) -> str:
    """Headline cards: (label, month, value, [(comparison, change)], status, basis) each.

    The big number names its month, each comparison is its own line, and the status says what
    it is judged on. A rise is green with ▲ and a fall red with ▼, so it reads without colour.
    """
    items = []
    for label, month, value, changes, status, basis in cards:
        lines = []
        for name, change in changes:
            direction = "up" if change.startswith("+") else "down" if change.startswith("-") else ""
            arrow = {"up": "▲ ", "down": "▼ "}.get(direction, "")
            lines.append(
                f'<div class="delta {direction}">{escape(name)} {arrow}{escape(change)}</div>'
            )
        items.append(
            f'<div class="kpi"><div class="label">{escape(label)}</div>'
            f'<div class="month">{escape(month)} の利用率</div>'
            f'<div class="value">{escape(value)}</div>{"".join(lines)}'
            f'<div class="note"><b>{escape(status)}</b>（{escape(basis)}で判定）</div></div>'
        )
    return f'<div class="kpis">{"".join(items)}</div>'
