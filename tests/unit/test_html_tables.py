"""Tests for kyosai.html_tables: the HTML rate table shows the published cells, marks the cells
at or above target, merges the 期間集計 heading, and escapes every text."""

from __future__ import annotations

import base64
import re

import duckdb
import polars as pl

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.html_tables import (
    cards_html,
    counts_html,
    grouped_table_html,
    rate_table_html,
    sparkline_img,
    text_table_html,
)
from kyosai.percent import format_tenths
from kyosai.periods import Grain
from kyosai.rates import rate_table
from tests.html_table import read_tables

Published = tuple[list[str], dict[tuple[str, str], dict[str, str]]]
FY_LABELS = ["R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.9"]


def test_rate_table_shows_the_48_published_cells(
    sample_con: duckdb.DuckDBPyConnection, published: Published
) -> None:
    catalog = default_catalog()
    html = rate_table_html(rate_table(store.read_counts(sample_con), catalog, Grain.QUARTER_END))
    assert html.count('<th colspan="3">期間集計</th>') == 1
    (table,) = read_tables(html)
    labels, rows = published
    fy = set(FY_LABELS)
    assert table.headers == ["手続"] + [f"期間集計 {x}" if x in fy else x for x in labels]
    checked = 0
    for (scheme_name, procedure_name), record in rows.items():
        scheme = catalog.find_scheme(scheme_name)
        assert scheme is not None
        procedure = catalog.find_procedure(scheme.scheme_id, procedure_name)
        assert procedure is not None
        row_label = catalog.row_label(procedure.procedure_id)
        for label in labels:
            header = f"期間集計 {label}" if label in fy else label
            assert table.cell(row_label, header) == f"{record[label]}%", (row_label, header)
            met = float(record[label]) >= 20.0
            assert table.is_met(row_label, header) == met, (row_label, header)
            checked += 1
    assert checked == 48


def test_rate_table_cells_equal_the_rates_module(sample_con: duckdb.DuckDBPyConnection) -> None:
    catalog = default_catalog()
    result = rate_table(store.read_counts(sample_con), catalog, Grain.MONTH)
    (table,) = read_tables(rate_table_html(result))
    wide = result.wide()
    single = [i for i, p in enumerate(result.periods) if p.kind != "fy"]
    order = single + [i for i, p in enumerate(result.periods) if p.kind == "fy"]
    for shown, record in zip(table.rows, wide.iter_rows(named=True), strict=True):
        target = result.target_tenths(record["procedure_id"])
        assert shown[0] == record["row_label"]
        for column, index in enumerate(order, start=1):
            tenths = record[result.keys[index]]
            assert shown[column] == (format_tenths(tenths) or "—")
            assert table.met[table.rows.index(shown)][column] == (
                tenths is not None and tenths >= target
            )


def test_texts_are_escaped() -> None:
    frame = pl.DataFrame(
        {"制度": ["<b>A</b>", "<b>A</b>", "B"], "手続": ["<script>x</script>", "y&z", None]}
    )
    html = grouped_table_html(frame, "制度")
    assert "<script>" not in html and "<b>A</b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "y&amp;z" in html
    assert html.count('rowspan="2"') == 1  # the two equal 制度 cells are merged
    cards = cards_html([("met", "◎ 達成", "<i>label</i>", "detail & more")])
    assert "<i>" not in cards and "&lt;i&gt;label&lt;/i&gt;" in cards
    assert "detail &amp; more" in cards


def _svg_of(img: str) -> str:
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', img)
    assert source is not None, img
    return base64.b64decode(source.group(1)).decode("ascii")


def test_sparkline_draws_every_month_and_the_target() -> None:
    img = sparkline_img([0.1, None, 0.3, 0.6], y_max=0.6, target=0.2, label="<加入>の推移")
    assert 'alt="&lt;加入&gt;の推移"' in img
    svg = _svg_of(img)
    points = re.search(r'polyline points="([^"]+)"', svg)
    assert points is not None
    coordinates = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    # Three months with a rate; the gap keeps its place on the x axis; 60 % is the top edge.
    assert [x for x, _ in coordinates] == [0.0, 60.0, 90.0]
    assert coordinates[-1][1] == 0.0
    target = re.search(r'y1="([0-9.]+)"', svg)
    assert target is not None and abs(float(target.group(1)) - 24 * (1 - 0.2 / 0.6)) < 0.06
    assert sparkline_img([None, None], y_max=0.6, target=0.2, label="x") == ""


def test_text_table_escapes_and_right_aligns_numbers() -> None:
    frame = pl.DataFrame({"番号": [2, 1], "ファイル名": ["<img src=x>.xlsx", "a&b.csv"]})
    html = text_table_html(frame, "log")
    assert "<img" not in html and "&lt;img src=x&gt;.xlsx" in html
    assert '<td class="num">2</td>' in html
    (table,) = read_tables(html, "log")
    assert table.headers == ["番号", "ファイル名"]
    assert table.rows == [["2", "<img src=x>.xlsx"], ["1", "a&b.csv"]]


def test_counts_show_each_label_over_its_count_with_separators() -> None:
    html = counts_html(["新規", "修正<b>"], [1234, 0])
    assert html.count('<div class="kpi">') == 2
    assert '<div class="label">新規</div><div class="value">1,234 件</div>' in html
    assert "修正&lt;b&gt;" in html and "<b>" not in html
