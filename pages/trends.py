"""利用率の推移: trend lines against the target, with deadlines and outreach events."""

import streamlit as st

from kyosai.periods import Grain
from kyosai.ui import data, render
from kyosai.ui.filters import filter_bar
from kyosai.ui.routing import require_router

require_router()
filters = filter_bar("trends", default_grain=Grain.MONTH)
screen = data.trends(filters)
render.as_of(screen.model.freshness, nothing_chosen=filters.nothing_chosen)
by_year = st.toggle(
    "年度比較（4月〜3月の月ごとに、年度を重ねて表示）",
    key="trends_by_year",
    help="毎年の同じ月が低いのか、今年だけ低いのかを見比べます。",
)
if by_year and not filters.nothing_chosen:
    render.season_charts(data.season(filters))
elif not filters.nothing_chosen:
    render.trend(screen, lambda: data.trend_png(filters))
render.events(screen.events_markdown)
