"""集計表: the rate table in the seed's layout or another grain, with downloads."""

import streamlit as st

from kyosai.ui import data, render
from kyosai.ui.filters import filter_bar
from kyosai.ui.routing import require_router

require_router()
filters = filter_bar("table")
screen = data.table(filters)
render.as_of(screen.model.freshness, nothing_chosen=filters.nothing_chosen)
if not filters.nothing_chosen:
    render.html_table(screen.table_html)
st.caption(
    "色付き・太字のセルは、その年度の利用目標（基本計画では20%）以上。"
    "「期間集計」は各年度の期間内の全月を合計した件数から算出（各月の率の平均ではありません）。"
)
render.downloads(screen.model)
