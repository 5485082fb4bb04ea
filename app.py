"""kyosai: the router. Page config and navigation only; each page lives in pages/."""

import streamlit as st

from kyosai.ui import auth
from kyosai.ui.assets import PAGE_ICON

# The icon ships with the app and is set before the navigation: without it the browser takes
# the page's :material/…: icon as the favicon and fetches it from Google's font server, which a
# closed government network does not reach. (Streamlit's first image loads PIL and numpy,
# ~60 ms on a process's first page; numpy would load with pyarrow anyway.)
st.set_page_config(page_title="オンライン利用率", page_icon=str(PAGE_ICON), layout="wide")

committee = st.Page("pages/committee.py", title="会議資料", icon=":material/co_present:")
pages = [
    st.Page("pages/overview.py", title="概要", icon=":material/dashboard:", default=True),
    st.Page("pages/trends.py", title="利用率の推移", icon=":material/show_chart:"),
    st.Page("pages/table.py", title="集計表", icon=":material/table_chart:"),
    committee,
    st.Page("pages/definitions.py", title="データの定義", icon=":material/menu_book:"),
]
access = auth.access()
# Staff pages are absent from the navigation for everyone else (and check again inside).
if access.is_staff:
    pages += [
        st.Page("pages/upload.py", title="データ取込", icon=":material/upload_file:"),
        st.Page("pages/history.py", title="取込履歴", icon=":material/history:"),
        st.Page("pages/events.py", title="取組と対象手続", icon=":material/campaign:"),
    ]
navigation = st.navigation(pages)
# The heading goes out before the page loads its modules, so the first visit after a start
# names the page at once instead of showing a blank page while polars and duckdb import.
# 会議資料 makes its own heading: the meeting's, for the projector.
if navigation.url_path != committee.url_path:
    st.title(navigation.title)
auth.sign_in_panel(access)
navigation.run()
