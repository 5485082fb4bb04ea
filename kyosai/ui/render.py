"""Rendering helpers shared by the pages: headers, notices, KPI cards and tables."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import polars as pl
import streamlit as st

from kyosai.calendar import month_label_long
from kyosai.catalog import Event
from kyosai.views import SAMPLE_NOTICE, DefinitionsModel, Freshness, Kpi, TableModel

MET_STYLE = "background-color: #d9f0d3; font-weight: 700; color: #0b4f0b"


def as_of(freshness: Freshness) -> None:
    """The as-of line and, while sample data is shown, the sample-data notice."""
    if freshness.latest_label is None:
        st.info("まだデータがありません。")
        return
    st.caption(
        f"最新データ: **{freshness.latest_label}**（{freshness.latest_long}、{freshness.age_text}）"
    )
    if freshness.is_sample:
        st.warning(SAMPLE_NOTICE, icon="⚠️")


def kpi_cards(kpis: list[Kpi]) -> None:
    """One metric per procedure with data: latest rate, change and status."""
    for start in range(0, len(kpis), 4):
        columns = st.columns(4)
        for column, kpi in zip(columns, kpis[start : start + 4], strict=False):
            column.metric(
                kpi.label,
                kpi.value,
                delta=kpi.delta or None,
                help=kpi.delta_caption,
                border=True,
            )
            column.caption(f"{kpi.status}　{kpi.delta_caption}")


def highlighted_table(display: pl.DataFrame, met: pl.DataFrame) -> None:
    """A text table whose cells at or above target are shaded and bold."""
    frame = display.to_pandas()
    mask = met.to_pandas()

    def style(_: pd.DataFrame) -> pd.DataFrame:
        return mask.map(lambda hit: MET_STYLE if hit else "")

    st.dataframe(frame.style.apply(style, axis=None), hide_index=True, width="stretch")


def points_table(points: pl.DataFrame) -> None:
    """The figures behind the chart, in an expander."""
    with st.expander("グラフの数値（件数と利用率）"):
        st.dataframe(
            points.select(
                pl.col("series_label").alias("手続"),
                pl.col("period_label").alias("期間"),
                pl.col("online").alias("オンライン件数"),
                pl.col("total").alias("全体件数"),
                pl.col("rate_text").alias("オンライン利用率"),
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "オンライン件数": st.column_config.NumberColumn(format="localized"),
                "全体件数": st.column_config.NumberColumn(format="localized"),
            },
        )


def events(dated: list[Event], undated: list[Event]) -> None:
    """The outreach measures: those with a date (marked on the chart) and those without."""
    st.subheader("利用率向上の取組")
    for event in dated:
        assert event.when is not None
        when = (
            f"{month_label_long(event.when)}{event.when.day}日"
            if event.precise_day
            else month_label_long(event.when)
        )
        st.markdown(f"- **{when}** {event.label}: {event.detail}")
    if undated:
        st.markdown("時期の記載がない取組（資料3より。グラフには表示していません）:")
        for event in undated:
            st.markdown(f"- {event.label}: {event.detail}")


def downloads(model: TableModel) -> None:
    """CSV (UTF-8 with BOM, for Excel) and xlsx downloads of the shown table."""
    csv_col, xlsx_col, _ = st.columns([1, 1, 3])
    csv_col.download_button(
        "CSV をダウンロード",
        data=model.csv_bytes,
        file_name=f"{model.file_stem}.csv",
        mime="text/csv",
        icon="⬇️",
    )
    xlsx_col.download_button(
        "Excel をダウンロード",
        data=model.xlsx_bytes,
        file_name=f"{model.file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon="⬇️",
    )


def definitions(model: DefinitionsModel) -> None:
    """The definitions, the catalogue, the sources and the last uploads."""
    st.markdown(model.text)
    st.subheader("対象手続と利用目標")
    st.dataframe(model.catalogue, hide_index=True, width="stretch")
    if model.undated_events:
        st.subheader("時期の記載がない取組")
        for event in model.undated_events:
            st.markdown(f"- {event.label}: {event.detail}")
    st.subheader("取込の記録")
    if model.uploads.is_empty():
        st.info("取込の記録はまだありません。")
    else:
        last = model.uploads.row(0, named=True)
        when_who = f"{last['取込日時']}、{last['取込者']}"
        st.markdown(f"最終取込: **#{last['番号']} {last['ファイル名']}**（{when_who}）")
        st.dataframe(model.uploads, hide_index=True, width="stretch")


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
