"""Tests for kyosai.ui.screens: page models turned once into what Streamlit sends."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from kyosai import uploads, views
from kyosai.catalog import Event, default_catalog
from kyosai.committee import CommitteeChoice, committee
from kyosai.periods import Grain
from kyosai.status import LOOKS
from kyosai.ui import screens
from tests.html_table import read_tables

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)


def test_overview_cards_and_scorecard(sample_con: duckdb.DuckDBPyConnection) -> None:
    screen = screens.overview(views.overview(sample_con, CATALOG, TODAY))
    assert screen.kpi_cards.count('<div class="kpi">') == 4
    assert '<div class="delta up">前四半期比 ▲ ' in screen.kpi_cards
    assert '<div class="month">R7.9 の利用率</div>' in screen.kpi_cards
    assert "（年度累計 R7.4~R7.9 34.5%で判定）" in screen.kpi_cards
    (table,) = read_tables(screen.scorecard_html, "scorecard")
    assert len(table.rows) == 7 and table.headers[-1] == "推移（直近24か月）"
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', screen.scorecard_html)
    assert len(images) == 4
    svg = base64.b64decode(images[0]).decode("ascii")
    # One scale for every line: 0 to 60 % here, so the 20 % target sits at 2/3 of 24 px.
    assert 'y1="16.0"' in svg


def test_trend_screen_sends_arrow_and_leaves_the_model_alone(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    model = views.trends(sample_con, CATALOG, views.Filters(grain=Grain.MONTH), TODAY)
    screen = screens.trends(model)
    assert isinstance(screen.points, pa.Table)
    assert screen.points.column_names == [
        "手続",
        "期間",
        "オンライン件数",
        "全体件数",
        "オンライン利用率",
    ]
    assert screen.chart_spec is not None and model.chart_spec is not None
    for name, data in screen.chart_spec["datasets"].items():
        assert isinstance(data, bytes)
        assert pa.ipc.open_stream(io.BytesIO(data)).read_all().num_rows == len(
            model.chart_spec["datasets"][name]
        )
    assert all(isinstance(v, list) for v in model.chart_spec["datasets"].values())
    assert screens.chart_spec(None) is None


def test_event_listing_puts_undated_measures_last() -> None:
    dated = Event(date(2025, 9, 22), True, None, (), "受付開始", "オンライン申請の開始")
    undated = Event(None, False, None, (), "チラシ", "郵送物にチラシを同封")
    markdown = screens.event_listing([dated], [undated])
    heading, listed, rest = markdown.split("\n\n", 2)
    assert heading == "### 利用率向上の取組"
    assert listed == "- **令和7年9月22日** 受付開始: オンライン申請の開始"
    assert rest.startswith("時期の記載がない取組") and rest.endswith(
        "- チラシ: 郵送物にチラシを同封"
    )
    assert screens.event_listing([], []) == "### 利用率向上の取組"


def test_history_labels_each_upload(sample_con: duckdb.DuckDBPyConnection) -> None:
    screen = screens.history(uploads.upload_log(sample_con))
    assert screen.labels == {1: "#1 サンプルデータ"} and not screen.is_empty
    assert screens.history(uploads.upload_log(sample_con).clear()).is_empty


def test_upload_detail_rows_as_arrow(sample_con: duckdb.DuckDBPyConnection) -> None:
    screen = screens.upload_detail(uploads.detail(sample_con, CATALOG, 1))
    assert screen.rows.num_rows == 100
    assert pl.from_arrow(screen.rows)["手続"].to_list()[0] == "(小) 加入手続き"  # type: ignore[index]


def test_committee_screen_marks_status_with_the_shared_look(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    model = committee(sample_con, CATALOG, CommitteeChoice(("shokibo", "tosan")), TODAY)
    screen = screens.committee(model)
    styles = re.findall(r'<div class="card (\w+)">', screen.status_html)
    assert styles == [line.style for line in model.status]
    assert set(styles) <= {look.css for look in LOOKS.values()}
    assert len(screen.chart_specs) == 2
    assert read_tables(screen.rates_html)[0].headers[0] == "手続"
