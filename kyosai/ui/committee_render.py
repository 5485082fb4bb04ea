"""The 会議資料 page: projector-sized HTML tables, status, charts and print layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

import streamlit as st

from kyosai.calendar import add_months, month_label, month_label_long
from kyosai.committee import CommitteeChoice
from kyosai.exports import XLSX_MIME
from kyosai.status import LOOKS
from kyosai.ui.screens import CommitteeScreen
from kyosai.views import SAMPLE_NOTICE

# Large type and strong contrast for a projector; A4 landscape pages without cut tables for
# the browser's print to PDF (sidebar, toolbar and buttons are left out of the print).
STYLE = """
<style>
.kc h1 {font-size: 2.4rem; margin: 0 0 .2rem 0;}
.kc .asof {font-size: 1.35rem; color: #111; margin-bottom: .6rem;}
.kc .sample {font-size: 1.1rem; background: #fff3cd; color: #5c4400; padding: .4rem .8rem;
  border-left: 6px solid #e0a800; margin: .4rem 0 1rem 0;}
.kc h2 {font-size: 1.7rem; margin: 1.2rem 0 .5rem 0; border-bottom: 3px solid #1f5fa8;}
.kc table {border-collapse: collapse; font-size: 1.25rem; color: #111; margin-bottom: .8rem;
  break-inside: avoid; page-break-inside: avoid;}
.kc th, .kc td {border: 1px solid #555; padding: .35rem .6rem; white-space: nowrap;}
.kc th {background: #dfe8f3; font-weight: 700; text-align: center;}
.kc td.num {text-align: right; font-variant-numeric: tabular-nums;}
.kc td.met {background: #d9f0d3; font-weight: 700;}
.kc td.scheme {font-weight: 700; text-align: center; background: #f2f5f9;}
.kc th.label {text-align: left; background: #f2f5f9;}
.kc .status {display: flex; flex-wrap: wrap; gap: .6rem; break-inside: avoid;}
.kc .card {border: 3px solid; border-radius: 6px; padding: .5rem .8rem; min-width: 22rem;
  font-size: 1.15rem; color: #111;}
.kc .card b {font-size: 1.35rem;}
@CARD_COLOURS@
.kc .note {font-size: 1rem; color: #333;}
@media print {
  @page {size: A4 landscape; margin: 10mm;}
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDownloadButton"], [data-testid="stButton"], [data-testid="stDecoration"]
    {display: none !important;}
  [data-testid="stMainBlockContainer"] {padding: 0 !important; max-width: 100% !important;}
  .kc table {font-size: 11pt;}
  .kc h2 {break-after: avoid;}
  .kc .pagebreak {break-before: page;}
  [data-testid="stVegaLiteChart"] {break-inside: avoid;}
  .kc .status .card {min-width: 0; font-size: 10pt;}
}
</style>
"""


# The status colours come from the one vocabulary (kyosai.status), as in the pack.
STYLE = STYLE.replace(
    "@CARD_COLOURS@",
    "\n".join(
        f".kc .card.{look.css} {{border-color: {look.border}; background: {look.fill};}}"
        for look in LOOKS.values()
    ),
)


def controls(months: list[date], schemes: list[tuple[str, str]]) -> CommitteeChoice:
    """The presenter's choices, in the sidebar so the projected page stays uncluttered."""
    latest = months[-1] if months else None
    with st.sidebar:
        st.markdown("### 表示の設定")
        names = dict(schemes)
        chosen = st.multiselect(
            "制度",
            options=list(names),
            default=list(names),
            format_func=names.__getitem__,
            key="committee_schemes",
        )
        first = last = None
        if len(months) >= 2:
            first, last = st.select_slider(
                "期間",
                options=months,
                value=(months[0], months[-1]),
                format_func=month_label,
                key="committee_period",
            )
        anchor = date(latest.year, 12, 1) if latest else date.today().replace(day=1)
        created_options = [add_months(anchor, offset) for offset in range(-12, 13)]
        created = st.selectbox(
            "作成年月",
            options=created_options,
            index=12,
            format_func=month_label_long,
            key="committee_created",
        )
    return CommitteeChoice(tuple(chosen), first, last, created)


def header(screen: CommitteeScreen) -> None:
    """Title, as-of line, sample caveat, the seed's scorecard and each procedure's status."""
    model = screen.model
    as_of = f"最新データ {model.as_of_label}" if model.as_of_label else "データなし"
    sample = f'<div class="sample">⚠ {escape(SAMPLE_NOTICE)}</div>' if model.is_sample else ""
    st.html(
        STYLE
        + f'<div class="kc"><h1>{escape(model.title)}</h1>'
        + f'<div class="asof">{escape(as_of)}　作成 {escape(model.created_label)}</div>{sample}'
        + "<h2>対象手続と利用目標</h2>"
        + screen.scorecard_html
        + "<h2>目標に対する状況</h2>"
        + screen.status_html
        + "</div>"
    )


def tables(screen: CommitteeScreen) -> None:
    """The quarterly rate table with 期間集計, as in 資料3."""
    st.html(
        '<div class="kc"><h2 class="pagebreak">オンライン利用率</h2>'
        + screen.rates_html
        + '<p class="note">R5.9 等は各月の値、期間集計は年度ごとに期間内の件数を合計して算出。'
        "0.1% 未満を四捨五入。緑・太字は利用目標以上。</p></div>"
    )


def charts(screen: CommitteeScreen) -> None:
    """One trend chart per scheme."""
    st.html('<div class="kc"><h2 class="pagebreak">利用率の推移</h2></div>')
    for spec in screen.chart_specs:
        st.vega_lite_chart(spec, theme=None, width="stretch")


def pack_section(choice: CommitteeChoice, build: Callable[[CommitteeChoice], bytes]) -> None:
    """Make the committee pack on request (it renders the charts), then offer it."""
    key = "committee_pack_for"
    wanted = repr(choice)
    if st.session_state.get(key) != wanted:
        if st.button(
            "会議資料（Excel：表・月次件数・定義・グラフ）を作成", icon=":material/description:"
        ):
            st.session_state[key] = wanted
            st.rerun()
        return
    st.download_button(
        "会議資料（Excel）をダウンロード",
        data=build(choice),
        file_name="kyosai_committee_pack.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
    )
