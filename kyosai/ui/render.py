"""Rendering helpers shared by the pages: headers, notices, KPI cards and tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import streamlit as st

from kyosai.exports import XLSX_MIME
from kyosai.html_tables import counts_html
from kyosai.literal import markdown_literal
from kyosai.outlook import ASSUMPTIONS
from kyosai.ui.screens import DefinitionsScreen, TrendScreen
from kyosai.views import SAMPLE_NOTICE, Freshness, TableModel

KPI_STYLE = """
<style>
.kpis {display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 1rem;}
.kpi {border: 1px solid #c8d0da; border-radius: .5rem; padding: .75rem 1rem; color: #1a1a1a;}
.kpi .label {font-size: .95rem; font-weight: 700;}
.kpi .month {font-size: .85rem; color: #444;}
.kpi .value {font-size: 2.2rem; line-height: 1.25; font-variant-numeric: tabular-nums;}
.kpi .delta {font-size: .95rem; font-weight: 600; color: #555;}
.kpi .delta.up {color: #137333;}
.kpi .delta.down {color: #b3261e;}
.kpi .note {font-size: .85rem; color: #555; margin-top: .25rem;}
.kpis.counts {grid-template-columns: repeat(3, minmax(0, 1fr));}
@media (max-width: 900px) {.kpis {grid-template-columns: repeat(2, minmax(0, 1fr));}}
</style>
"""

# Wide tables scroll sideways with the procedure names kept in view.
TABLE_STYLE = """
<style>
.kt {overflow-x: auto; max-width: 100%;}
.kt table {border-collapse: collapse; font-size: 0.95rem; color: #1a1a1a;}
.kt th, .kt td {border: 1px solid #c8d0da; padding: .3rem .55rem; white-space: nowrap;}
.kt thead th {background: #dfe8f3; font-weight: 700; text-align: center;}
.kt th.label {text-align: left; background: #f2f5f9; position: sticky; left: 0; z-index: 1;}
.kt td.num {text-align: right; font-variant-numeric: tabular-nums;}
.kt td.met {background: #d9f0d3; font-weight: 700; color: #0b4f0b;}
.kt td.scheme {font-weight: 700; background: #f2f5f9; vertical-align: top;}
.kt table.scorecard {font-size: .8rem;}
.kt table.scorecard th, .kt table.scorecard td {padding: .25rem .4rem;}
.kt table.scorecard th {white-space: normal; min-width: 3.6em;}
.kt table.scorecard td.scheme {white-space: normal; min-width: 5.5rem;}
.kt table.log td {white-space: normal;}
.kt table.events {width: 100%;}
.kt table.events td {white-space: normal; vertical-align: top;}
.kt table.events td:nth-child(-n+2) {white-space: nowrap;}
.kt img.spark {display: block;}
.kt.scroll {max-height: 26rem; overflow-y: auto;}
.kt.scroll thead th {position: sticky; top: 0; z-index: 2;}
</style>
"""


NOTHING_CHOSEN = "対象手続が選ばれていません。上の「制度」「対象手続」から選んでください。"


def as_of(freshness: Freshness, *, nothing_chosen: bool = False) -> None:
    """The as-of line and, while sample data is shown, the sample-data notice; or that no
    procedure is chosen, or that the database holds no data yet."""
    if nothing_chosen:
        st.info(NOTHING_CHOSEN)
    if freshness.latest_label is None:
        st.info("まだデータがありません。")
        return
    st.caption(
        f"最新データ: **{freshness.latest_label}**（{freshness.latest_long}、{freshness.age_text}）"
    )
    if freshness.is_sample:
        # A material icon: an emoji makes Streamlit compile its emoji catalogue (~130 ms) on
        # the first page a process shows.
        st.warning(SAMPLE_NOTICE, icon=":material/warning:")


def trend(screen: TrendScreen, make_png: Callable[[], bytes | None]) -> None:
    """The trend chart with what its dashes mean, its PNG download and its figures."""
    if screen.chart_spec is None or screen.points.num_rows == 0:
        st.info("選んだ条件に当てはまるデータがありません。制度・対象手続・期間を変えてください。")
        return
    st.vega_lite_chart(screen.chart_spec, theme=None, width="stretch")
    if screen.model.projected:
        st.caption(f"破線は3月までの見込み（年度累計の利用率）です。{ASSUMPTIONS}")
    png_download(make_png, "online_rate_trend.png", "trend_png")
    points_table(screen.points)


def season_charts(charts: list[tuple[str, dict[str, Any]]]) -> None:
    """One 年度比較 chart per procedure."""
    if not charts:
        st.info("選んだ条件に当てはまるデータがありません。制度・対象手続・期間を変えてください。")
    for _, spec in charts:
        st.vega_lite_chart(spec, theme=None, width="stretch")


def outlook(lines: list[tuple[str, str]]) -> None:
    """今年度の見通し: one line per procedure, and the assumptions in one sentence."""
    if not lines:
        return
    st.subheader("今年度の見通し")
    st.markdown(
        "\n".join(
            f"- **{markdown_literal(label)}**: {markdown_literal(line)}" for label, line in lines
        )
    )
    st.caption(ASSUMPTIONS)


def counts(labels: Sequence[str], values: Sequence[int]) -> None:
    """A row of big counts under their labels (件), in one HTML block: three `st.metric`
    cost the upload preview three elements and a component the browser loads on first use."""
    st.html(KPI_STYLE + counts_html(labels, values))


def kpi_cards(cards_html: str) -> None:
    """One card per procedure with data: latest rate, change and status (four to a row)."""
    st.html(KPI_STYLE + cards_html)


def html_table(table_html: str, *, scroll: bool = False) -> None:
    """A table built by kyosai.html_tables, in the app's own table style; with `scroll`, a
    long table scrolls inside a box of its own, its headings kept in view."""
    box = "kt scroll" if scroll else "kt"
    st.html(f'{TABLE_STYLE}<div class="{box}">{table_html}</div>')


def points_table(points: pa.Table) -> None:
    """The figures behind the chart, on request.

    A toggle rather than an expander: a closed expander still sends the whole table on every
    rerun, which cost the page as much as the one-line page's entire rerun.
    """
    if st.toggle("グラフの数値（件数と利用率）を表で見る", key="trend_points"):
        st.dataframe(
            points,
            hide_index=True,
            width="stretch",
            column_config={
                "オンライン件数": st.column_config.NumberColumn(format="localized"),
                "全体件数": st.column_config.NumberColumn(format="localized"),
            },
        )


def events(markdown: str) -> None:
    """The outreach measures: those with a date (marked on the chart) and those without."""
    st.markdown(markdown)


def downloads(model: TableModel) -> None:
    """CSV (UTF-8 with BOM, for Excel) and xlsx downloads of the shown table."""
    # One horizontal container (one block) rather than columns (four blocks): same row.
    row = st.container(horizontal=True)
    row.download_button(
        "CSV をダウンロード",
        data=model.csv_bytes,
        file_name=f"{model.file_stem}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    row.download_button(
        "Excel をダウンロード",
        data=model.xlsx_bytes,
        file_name=f"{model.file_stem}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
    )


def definitions(screen: DefinitionsScreen) -> None:
    """The definitions, the catalogue, the sources and the last uploads."""
    model = screen.model
    st.markdown(model.text)
    st.subheader("対象手続と利用目標")
    html_table(screen.catalogue_html)
    if screen.undated_events:
        st.subheader("時期の記載がない取組")
        st.markdown(screen.undated_events)
    st.subheader("取込の記録")
    if model.uploads.is_empty():
        st.info("取込の記録はまだありません。")
    else:
        last = model.uploads.row(0, named=True)
        when_who = markdown_literal(f"{last['取込日時']}、{last['取込者']}")
        name = markdown_literal(last["ファイル名"])
        st.markdown(f"最終取込: **#{last['番号']} {name}**（{when_who}）")
        html_table(screen.uploads_html)


def png_download(make: Callable[[], bytes | None], file_name: str, key: str) -> None:
    """A button that renders the chart as a PNG on request, then offers it for download."""
    if not st.session_state.get(key):
        if st.button("グラフを画像（PNG）で保存", icon=":material/image:", key=f"{key}_make"):
            st.session_state[key] = True
            st.rerun()
        return
    content = make()
    if content is not None:
        st.download_button(
            "グラフの画像（PNG）をダウンロード",
            data=content,
            file_name=file_name,
            mime="image/png",
            icon=":material/download:",
            key=f"{key}_download",
            on_click="ignore",
        )
