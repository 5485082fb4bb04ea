"""The 会議資料 page: projector-sized HTML tables, status, charts and print layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

import streamlit as st

from kyosai.calendar import add_months, month_label, month_label_long
from kyosai.committee import CommitteeChoice
from kyosai.exports import XLSX_MIME
from kyosai.literal import markdown_literal
from kyosai.outlook import ASSUMPTIONS
from kyosai.report import ReportTextError
from kyosai.status import LOOKS
from kyosai.ui.screens import CommitteeScreen
from kyosai.views import SAMPLE_NOTICE

# Large type and strong contrast for a projector, scaled to the window so that nothing runs
# past its right edge at 1366 px with the sidebar open; A4 landscape pages for the browser's
# print, three at most, each with a running header and page numbers (Chromium's page margin
# boxes), without the sidebar, the toolbar or the buttons.
STYLE = """
<style>
.kc {color: #111;}
.kc h1 {font-size: clamp(1.5rem, 2.1vw, 2.6rem); margin: 0 0 .2rem 0;}
.kc .asof {font-size: clamp(1rem, 1.2vw, 1.45rem); margin-bottom: .5rem;}
.kc .sample {font-size: clamp(.9rem, 1vw, 1.2rem); background: #fff3cd; color: #5c4400;
  padding: .35rem .8rem; border-left: 6px solid #e0a800; margin: .3rem 0 .8rem 0;}
.kc h2 {font-size: clamp(1.2rem, 1.5vw, 1.8rem); margin: 1rem 0 .45rem 0;
  border-bottom: 3px solid #1f5fa8;}
.kc table {border-collapse: collapse; font-size: clamp(.78rem, .98vw, 1.3rem);
  margin-bottom: .6rem; break-inside: avoid; page-break-inside: avoid;}
.kc table.rates {width: 100%;}
.kc th, .kc td {border: 1px solid #555; padding: .3em .4em; white-space: nowrap;}
.kc th {background: #dfe8f3; font-weight: 700; text-align: center;}
.kc td.num {text-align: right; font-variant-numeric: tabular-nums;}
.kc td.met {background: #d9f0d3; font-weight: 700;}
.kc td.scheme {font-weight: 700; text-align: center; background: #f2f5f9;}
.kc th.label {text-align: left; background: #f2f5f9;}
.kc .status {display: grid; grid-template-columns: repeat(auto-fill, minmax(22em, 1fr));
  gap: .5rem; break-inside: avoid;}
.kc .card {border: 3px solid; border-radius: 6px; padding: .4rem .7rem;
  font-size: clamp(.85rem, .95vw, 1.2rem);}
.kc .card b {font-size: 1.15em;}
@CARD_COLOURS@
.kc .note {font-size: clamp(.8rem, .85vw, 1rem); color: #333;}
.kc ul.outlook {font-size: clamp(.85rem, 1vw, 1.25rem); margin: .2rem 0 .4rem 1.2rem;}
/* On a wide screen the scorecard and the status sit side by side, so the rate table starts
   on the first screen at 1920 x 1080. */
@media (min-width: 1500px) {
  .kc .top {display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr);
    gap: 1.5rem; align-items: start;}
  .kc .top .status {grid-template-columns: 1fr;}
}
@media print {
  @page {
    size: A4 landscape;
    margin: 16mm 10mm 13mm 10mm;
    @top-left {content: "@HEADER@"; font-size: 9pt; color: #333;}
    @top-right {content: "@SAMPLE@"; font-size: 9pt; color: #5c4400;}
    @bottom-right {content: counter(page) " / " counter(pages); font-size: 9pt;}
  }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDownloadButton"], [data-testid="stButton"], [data-testid="stDecoration"],
  [data-testid="stPopover"], [data-testid="stSidebarCollapsedControl"]
    {display: none !important;}
  [data-testid="stMainBlockContainer"] {padding: 0 !important; max-width: 100% !important;}
  .kc h1 {font-size: 18pt;}
  .kc .asof, .kc .sample {font-size: 11pt;}
  .kc h2 {font-size: 14pt; break-after: avoid; margin-top: .4rem;}
  .kc table {font-size: 10.5pt;}
  .kc .top {display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr); gap: 6mm;}
  .kc .top .status {grid-template-columns: 1fr;}
  .kc .card {font-size: 9.5pt; border-width: 2px;}
  .kc .pagebreak {break-before: page;}
  /* A chart drawn for the screen is scaled to the page, keeping its shape, so both fit one. */
  [data-testid="stVegaLiteChart"] {break-inside: avoid; width: 100% !important;
    height: auto !important;}
  [data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg {
    max-width: 100% !important; max-height: 72mm !important;
    width: auto !important; height: auto !important;}
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
    """The presenter's choices, in a popover above the page: within reach, taking no width."""
    latest = months[-1] if months else None
    with st.popover("表示の設定（制度・期間・作成年月）", icon=":material/tune:"):
        names = dict(schemes)
        chosen = st.multiselect(
            "制度",
            options=list(names),
            default=list(names),
            format_func=names.__getitem__,
            key="committee_schemes",
            placeholder="制度を選んでください",
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


def _css_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def print_style(screen: CommitteeScreen) -> str:
    """The page's style, with this page's running header for the print."""
    model = screen.model
    as_of = f"最新データ {model.as_of_label}" if model.as_of_label else "データなし"
    header = f"{model.title}　{as_of}　作成 {model.created_label}"
    sample = "サンプルデータを含みます（実績ではありません）" if model.is_sample else ""
    return STYLE.replace("@HEADER@", _css_text(header)).replace("@SAMPLE@", _css_text(sample))


def header(screen: CommitteeScreen) -> None:
    """Title, as-of line, sample caveat, the seed's scorecard and each procedure's status."""
    model = screen.model
    as_of = f"最新データ {model.as_of_label}" if model.as_of_label else "データなし"
    sample = f'<div class="sample">⚠ {escape(SAMPLE_NOTICE)}</div>' if model.is_sample else ""
    st.html(
        print_style(screen)
        + f'<div class="kc"><h1>{escape(model.title)}</h1>'
        + f'<div class="asof">{escape(as_of)}　作成 {escape(model.created_label)}</div>{sample}'
        + '<div class="top"><div><h2>対象手続と利用目標</h2>'
        + screen.scorecard_html
        + "</div><div><h2>目標に対する状況</h2>"
        + screen.status_html
        + "</div></div></div>"
    )


def tables(screen: CommitteeScreen) -> None:
    """The quarterly rate table with 期間集計, as in 資料3."""
    st.html(
        '<div class="kc"><h2 class="pagebreak">オンライン利用率</h2>'
        + screen.rates_html
        + '<p class="note">R5.9 等は各月の値、期間集計は年度ごとに期間内の件数を合計して算出。'
        "0.1% 未満を四捨五入。緑・太字は利用目標以上。</p>"
        + _outlook_html(screen.model.outlook)
        + "</div>"
    )


def _outlook_html(lines: list[tuple[str, str]]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li><b>{escape(label)}</b>: {escape(line)}</li>" for label, line in lines)
    return (
        f'<h2>今年度の見通し</h2><ul class="outlook">{items}</ul>'
        f'<p class="note">{escape(ASSUMPTIONS)}</p>'
    )


def charts(screen: CommitteeScreen) -> None:
    """One trend chart per scheme."""
    st.html('<div class="kc"><h2 class="pagebreak">利用率の推移</h2></div>')
    for spec in screen.chart_specs:
        st.vega_lite_chart(spec, theme=None, width="stretch")


PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def downloads(
    choice: CommitteeChoice,
    pack: Callable[[CommitteeChoice], bytes],
    deck: Callable[[CommitteeChoice], bytes],
) -> None:
    """The committee pack (xlsx) and the 資料3 deck (pptx), each made on request (both render
    the charts), then offered for download."""
    left, right = st.columns(2)
    with left:
        _offer(
            choice,
            "pack",
            "会議資料（Excel：表・月次件数・定義・グラフ）を作成",
            "会議資料（Excel）をダウンロード",
            pack,
            ("kyosai_committee_pack.xlsx", XLSX_MIME),
        )
    with right:
        _offer(
            choice,
            "deck",
            "資料3（PowerPoint：編集して提出する下書き）を作成",
            "資料3（PowerPoint）をダウンロード",
            deck,
            ("資料3_オンライン利用率.pptx", PPTX_MIME),
        )


def _offer(
    choice: CommitteeChoice,
    kind: str,
    make_label: str,
    download_label: str,
    build: Callable[[CommitteeChoice], bytes],
    file: tuple[str, str],
) -> None:
    key = f"committee_{kind}_for"
    wanted = repr(choice)
    if st.session_state.get(key) != wanted:
        if st.button(make_label, icon=":material/description:", key=f"make_{kind}"):
            st.session_state[key] = wanted
            st.rerun()
        return
    try:
        data = build(choice)
    except ReportTextError as error:
        st.error(markdown_literal(f"資料3の文章のファイルを読めません。{error}"))
        return
    file_name, mime = file
    st.download_button(
        download_label, data=data, file_name=file_name, mime=mime, icon=":material/download:"
    )
