"""The 資料3 deck's two native tables: the scorecard with 制度 merged down, and the quarterly
rate table with 期間集計 merged over its years, laid out to the slide's width."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from pptx.enum.text import PP_ALIGN
from pptx.shapes.shapetree import SlideShapes

from kyosai.calendar import fiscal_year, fiscal_year_label
from kyosai.deck_layout import (
    HEADER_FILL,
    INK,
    LABEL_FILL,
    MET_FILL,
    MET_INK,
    Style,
    add_table,
    fill_cell,
    text_width_em,
)
from kyosai.exports import PERIOD_GROUP_HEADING
from kyosai.html_tables import NO_FIGURE
from kyosai.percent import format_tenths
from kyosai.rates import RateTable

# The smallest type the rate table is set in; past it, the oldest fiscal years' columns go.
MIN_TABLE_SIZE = 9.5
SCORECARD_SHARES = (0.12, 0.34, 0.16, 0.12, 0.26)
# A row's height per point of type: one line of text and the cell's margins.
ROW_HEIGHT = 2.0


def scorecard_table(
    shapes: SlideShapes,
    frame: pl.DataFrame,
    box: tuple[float, float, float],
    size: float,
    font: str,
) -> None:
    """The scorecard at (left, top, width): 制度 merged down over its procedures."""
    left, top, width = box
    columns = list(frame.columns)
    rows = frame.rows(named=True)
    row_height = size * ROW_HEIGHT
    table = add_table(
        shapes,
        (left, top, width, row_height * (len(rows) + 1)),
        [width * share for share in SCORECARD_SHARES],
        [row_height] * (len(rows) + 1),
        name="スコアカード",
    )
    header = Style(size, bold=True, align=PP_ALIGN.CENTER)
    for col, name in enumerate(columns):
        fill_cell(table.cell(0, col), name, header, font, HEADER_FILL)
    start = 0
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and rows[end + 1]["制度"] == rows[start]["制度"]:
            end += 1
        if end > start:
            table.cell(start + 1, 0).merge(table.cell(end + 1, 0))
        fill_cell(table.cell(start + 1, 0), str(rows[start]["制度"]), header, font, LABEL_FILL)
        for spanned in range(start + 2, end + 2):
            fill_cell(table.cell(spanned, 0), "", header, font, LABEL_FILL)
        start = end + 1
    for offset, record in enumerate(rows, start=1):
        for col, name in enumerate(columns[1:], start=1):
            align = PP_ALIGN.LEFT if col == 1 else PP_ALIGN.CENTER
            fill_cell(table.cell(offset, col), str(record[name]), Style(size, align=align), font)


@dataclass(frozen=True)
class RateLayout:
    """How the rate table fits the slide: its type size, the columns shown (the periods'
    indices, months first, then 期間集計) and a note on any quarter-end months left out."""

    size: float
    columns: tuple[int, ...]
    label_width: float
    omitted_note: str = ""

    @property
    def height(self) -> float:
        """The height of one row."""
        return self.size * ROW_HEIGHT


def _label_width(labels: list[str], size: float) -> float:
    return max(text_width_em(label) for label in ["手続", *labels]) * size + 14


def _omitted(table: RateTable, left_out: list[int]) -> str:
    if not left_out:
        return ""
    first = fiscal_year_label(fiscal_year(table.periods[left_out[0]].first))
    last = fiscal_year_label(fiscal_year(table.periods[left_out[-1]].first))
    years = first if first == last else f"{first}〜{last}"
    return f"紙幅のため{years}の列を省略（全期間は会議資料（Excel）の「利用率」シート）。"


def rate_layout(
    table: RateTable, width: float, largest: float, sizes: tuple[float, ...]
) -> RateLayout:
    """The largest size (at most `largest`) at which every column's heading fits its width;
    where none down to MIN_TABLE_SIZE does, the oldest fiscal years' columns are left out, a
    year at a time, and the note says which."""
    labels = table.rows["row_label"].to_list()
    single = [i for i, p in enumerate(table.periods) if p.kind != "fy"]
    fy = [i for i, p in enumerate(table.periods) if p.kind == "fy"]
    years = sorted({fiscal_year(p.first) for p in table.periods})
    candidates = [s for s in sizes if MIN_TABLE_SIZE <= s <= largest] or [MIN_TABLE_SIZE]
    for dropped, year in enumerate(years):
        shown = [i for i in single + fy if fiscal_year(table.periods[i].first) >= year]
        widest = max(text_width_em(table.periods[i].label) for i in shown)
        for size in candidates if dropped == 0 else candidates[-1:]:
            label_width = _label_width(labels, size)
            # The last year is kept whatever its width: a year has at most five columns.
            if widest * size + 8 <= (width - label_width) / len(shown) or year == years[-1]:
                left_out = [i for i in single + fy if i not in shown]
                return RateLayout(size, tuple(shown), label_width, _omitted(table, left_out))
    size = candidates[-1]
    return RateLayout(size, tuple(single + fy), _label_width(labels, size))


def rate_table(
    shapes: SlideShapes, table: RateTable, layout: RateLayout, box: tuple[float, float, float],
    font: str,
) -> None:  # fmt: skip
    """The rate table at (left, top, width) as in 資料3 and 集計表: the months under merged
    two-row headings, 期間集計 merged over its years, cells at or above the target marked."""
    left, top, width = box
    size = layout.size
    single = [i for i in layout.columns if table.periods[i].kind != "fy"]
    fy = [i for i in layout.columns if table.periods[i].kind == "fy"]
    wide = table.wide()
    column_width = (width - layout.label_width) / max(1, len(layout.columns))
    shape = add_table(
        shapes,
        (left, top, width, layout.height * (wide.height + 2)),
        [layout.label_width] + [column_width] * len(layout.columns),
        [layout.height] * (wide.height + 2),
        name="オンライン利用率",
    )
    header = Style(size, bold=True, align=PP_ALIGN.CENTER)
    for col, index in enumerate([None, *single]):
        shape.cell(0, col).merge(shape.cell(1, col))
        label = "手続" if index is None else table.periods[index].label
        fill_cell(shape.cell(0, col), label, header, font, HEADER_FILL)
        fill_cell(shape.cell(1, col), "", header, font, HEADER_FILL)
    if fy:
        first = 1 + len(single)
        if len(fy) > 1:
            shape.cell(0, first).merge(shape.cell(0, first + len(fy) - 1))
        fill_cell(shape.cell(0, first), PERIOD_GROUP_HEADING, header, font, HEADER_FILL)
        for offset, index in enumerate(fy):
            if offset:
                fill_cell(shape.cell(0, first + offset), "", header, font, HEADER_FILL)
            label = table.periods[index].label
            fill_cell(shape.cell(1, first + offset), label, header, font, HEADER_FILL)
    for row, record in enumerate(wide.iter_rows(named=True), start=2):
        fill_cell(shape.cell(row, 0), record["row_label"], Style(size, bold=True), font, LABEL_FILL)
        for col, index in enumerate(layout.columns, start=1):
            tenths = record[table.keys[index]]
            met = table.meets_target(record["procedure_id"], tenths, table.periods[index])
            style = Style(size, bold=met, color=MET_INK if met else INK, align=PP_ALIGN.RIGHT)
            text = format_tenths(tenths) or NO_FIGURE
            fill_cell(shape.cell(row, col), text, style, font, MET_FILL if met else None)
