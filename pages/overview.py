"""概要: the 資料3 scorecard with the latest rates, status and a small trend per procedure."""

import streamlit as st

from kyosai.ui import data, render
from kyosai.ui.routing import require_router

require_router()
screen = data.overview()
render.as_of(screen.model.freshness)
render.kpi_cards(screen.kpi_cards)
render.outlook(screen.model.outlook)
st.subheader("スコアカード")
render.html_table(screen.scorecard_html)
st.caption(
    "状況: ◎ 達成＝当年度累計が利用目標以上、△ 進行中＝取組期間内で目標未満、"
    "× 未達＝取組期間後で目標未満、— データなし＝件数が未登録。"
    "差・比は表示値（0.1ポイント単位）の差です。"
)
