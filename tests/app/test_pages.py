"""AppTest over every page: it renders, says when figures are sample data, and filters work."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from kyosai.ui import render
from tests.html_table import rate_frame, read_tables, sent_html

FY_LABELS = ["R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.9"]

PAGES = {
    "pages/overview.py": "概要",
    "pages/trends.py": "利用率の推移",
    "pages/table.py": "集計表",
    "pages/committee.py": None,  # its title is the report's heading, rendered as HTML
    "pages/definitions.py": "データの定義",
    "pages/upload.py": "データ取込",
    "pages/history.py": "取込履歴",
    "pages/events.py": "取組と対象手続",
}


VIEW_PAGES = ["pages/overview.py", "pages/trends.py", "pages/table.py", "pages/definitions.py"]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    if PAGES[page] is not None:
        assert [t.value for t in app.title] == [PAGES[page]]


@pytest.mark.parametrize("page", VIEW_PAGES)
def test_every_view_says_figures_are_sample_data(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert any("サンプルデータ" in w.value for w in app.warning)
    assert any("最新データ: **R7.9**" in c.value for c in app.caption)


def _html(app: AppTest) -> str:
    return sent_html(app)


def test_committee_view_reproduces_the_seed_tables(app: AppTest) -> None:
    app.switch_page("pages/committee.py").run()
    html = _html(app)
    assert "オンライン利用率引上げの基本計画に係る進捗状況" in html
    assert "最新データ R7.9　作成 令和7年12月" in html
    assert "サンプルデータ" in html
    assert '<th colspan="3">期間集計</th>' in html
    rates = read_tables(html)[0]
    assert rates.headers[:2] == ["手続", "R5.9"]
    assert rates.headers[-3:] == [f"期間集計 {fy}" for fy in FY_LABELS]
    assert rates.column("手続")[0] == "(小) 加入手続き"
    assert rates.cell("(小) 加入手続き", "R5.9") == "17.1%"
    assert rates.cell("(小) 加入手続き", "R7.9") == "38.2%"
    assert rates.cell("(小) 加入手続き", "期間集計 R5.9~R6.3") == "20.0%"
    assert rates.is_met("(小) 加入手続き", "期間集計 R5.9~R6.3")
    assert not rates.is_met("(倒) 加入手続き", "期間集計 R7.4~R7.9")
    assert "× 未達" in html and "(倒) 加入手続き" in html
    assert len(app.get("vega_lite_chart")) == 2


def test_committee_scheme_choice_changes_the_view(app: AppTest) -> None:
    app.switch_page("pages/committee.py").run()
    app.multiselect(key="committee_schemes").set_value(["tosan"]).run()
    html = _html(app)
    assert "(小) 加入手続き" not in html
    assert "(倒) 保全手続き" in html
    assert len(app.get("vega_lite_chart")) == 1


def test_overview_shows_latest_rates_and_status(app: AppTest) -> None:
    html = sent_html(app)
    found = re.findall(
        r'<div class="label">([^<]+)</div><div class="month">([^<]+)</div>'
        r'<div class="value">([^<]+)<',
        html,
    )
    cards = {label: (month, value) for label, month, value in found}
    assert cards["(小) 加入手続き"] == ("R7.9 の利用率", "38.2%")
    assert cards["(倒) 加入手続き"] == ("R7.9 の利用率", "18.0%")
    # The status says what it is judged on: the fiscal year to date, not the month shown.
    assert "◎ 達成</b>（年度累計 R7.4~R7.9 34.5%で判定）" in html
    assert len(cards) == 4  # the three procedures without counts get no card
    scorecard = rate_frame(app, "scorecard")
    assert len(scorecard) == 7
    assert scorecard.iloc[0]["制度"] == "小規模企業共済"
    assert html.count('<img class="spark"') == 4  # a trend line for each procedure with counts
    row = scorecard[scorecard["対象手続"] == "加入関係手続"].iloc[1]
    assert row["制度"] == "中小企業倒産防止共済"
    assert row["年度累計"] == "17.9%"
    assert row["状況"] == "× 未達"
    assert row["目標との差"] == "-2.1pt"


def _table(app: AppTest) -> pd.DataFrame:
    """The 集計表 as shown: merged 期間集計 headings joined to each column's name."""
    return rate_frame(app)


def test_table_defaults_to_the_seed_layout(app: AppTest) -> None:
    app.switch_page("pages/table.py").run()
    frame = _table(app)
    assert list(frame.columns)[:3] == ["手続", "R5.9", "R5.12"]
    assert list(frame.columns)[-3:] == [
        "期間集計 R5.9~R6.3",
        "期間集計 R6.4~R7.3",
        "期間集計 R7.4~R7.9",
    ]
    first = frame.iloc[0]
    assert first["手続"] == "(小) 加入手続き"
    assert first["R7.9"] == "38.2%"
    assert first["期間集計 R5.9~R6.3"] == "20.0%"


def test_table_scheme_filter_keeps_only_that_scheme(app: AppTest) -> None:
    app.switch_page("pages/table.py").run()
    assert len(_table(app)) == 7
    app.multiselect(key="table_schemes").set_value(["tosan"]).run()
    frame = _table(app)
    assert list(frame["手続"]) == ["(倒) 加入手続き", "(倒) 保全手続き", "(倒) 解約手続き"]


def test_table_procedure_filter_and_grain(app: AppTest) -> None:
    app.switch_page("pages/table.py").run()
    procedures = next(m for m in app.multiselect if m.label == "対象手続")
    procedures.set_value(["shokibo_hozen"]).run()
    assert list(_table(app)["手続"]) == ["(小) 保全手続き"]
    app.selectbox(key="table_grain").set_value("month").run()
    frame = _table(app)
    assert "R7.8" in frame.columns
    assert frame.iloc[0]["R6.12"] == "24.0%"


def test_table_period_filter_narrows_columns(app: AppTest) -> None:
    from datetime import date

    app.switch_page("pages/table.py").run()
    app.select_slider(key="table_period").set_value((date(2025, 4, 1), date(2025, 9, 1))).run()
    frame = _table(app)
    assert list(frame.columns) == ["手続", "R7.6", "R7.9", "期間集計 R7.4~R7.9"]
    assert frame.iloc[0]["期間集計 R7.4~R7.9"] == "34.5%"


def _chart_rows(app: AppTest) -> list[dict[str, object]]:
    """Every row of every dataset the chart was sent with."""
    rows: list[dict[str, object]] = []
    for dataset in app.get("vega_lite_chart")[0].proto.datasets:
        rows.extend(pa.ipc.open_stream(dataset.data.data).read_all().to_pylist())
    return rows


def _series(app: AppTest) -> set[object]:
    return {row["series_label"] for row in _chart_rows(app) if "period_label" in row}


def test_trends_filters_change_the_chart(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    assert len(app.get("vega_lite_chart")) == 1
    assert _series(app) == {
        "(小) 加入手続き",
        "(小) 保全手続き",
        "(倒) 加入手続き",
        "(倒) 保全手続き",
    }
    app.multiselect(key="trends_schemes").set_value(["shokibo"]).run()
    assert _series(app) == {"(小) 加入手続き", "(小) 保全手続き"}


def test_trends_grain_changes_the_points(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    monthly = {row["period_label"] for row in _chart_rows(app) if "period_label" in row}
    assert len(monthly) == 25
    app.selectbox(key="trends_grain").set_value("fy").run()
    points = [row for row in _chart_rows(app) if row.get("series_label") == "(小) 加入手続き"]
    assert sorted((row["period_label"], row["rate_text"]) for row in points) == [
        ("R5.9~R6.3", "20.0%"),
        ("R6.4~R7.3", "26.6%"),
        ("R7.4~R7.9", "34.5%"),
    ]


def test_trends_with_nothing_chosen_says_so(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    app.multiselect(key="trends_schemes").set_value([]).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 0
    assert [i.value for i in app.info] == [render.NOTHING_CHOSEN]
    assert "R7.9" in app.caption[0].value  # the data is there: only the choice is empty


def test_trend_chart_can_be_saved_as_png(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    assert not app.get("download_button")
    next(b for b in app.button if b.label == "グラフを画像（PNG）で保存").click().run()
    assert not app.exception
    downloads = [d for d in app.get("download_button") if "PNG" in d.proto.label]
    assert len(downloads) == 1


def test_trend_figures_table_on_request(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    assert not app.dataframe  # nothing sent until asked for
    app.toggle(key="trend_points").set_value(True).run()
    points = app.dataframe[0].value
    assert list(points.columns) == [
        "手続",
        "期間",
        "オンライン件数",
        "全体件数",
        "オンライン利用率",
    ]
    row = points[(points["手続"] == "(小) 加入手続き") & (points["期間"] == "R7.9")].iloc[0]
    assert row["オンライン利用率"] == "38.2%"
    assert round(1000 * row["オンライン件数"] / row["全体件数"]) == 382


def test_overview_states_each_outlook_and_its_assumptions(app: AppTest) -> None:
    assert "今年度の見通し" in [s.value for s in app.subheader]
    lines = next(m.value for m in app.markdown if "見込み" in m.value)
    # As shown: the Markdown escapes of literal text taken out.
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", lines)
    assert "- **(小) 加入手続き**: 見込み 35.2%（見込み達成）" in shown
    assert "(倒) 加入手続き**: 見込み 18.1% — 目標まで残り6か月で" in shown
    assert shown.count("\n- ") == 3  # the four procedures with counts this year
    assert any(c.value.startswith("見込みは、年度の残りの月の全体件数を") for c in app.caption)


def test_trends_by_fiscal_year_draws_one_chart_per_procedure(app: AppTest) -> None:
    app.switch_page("pages/trends.py").run()
    app.toggle(key="trends_by_year").set_value(True).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 4  # the procedures with counts


def test_the_outlook_is_on_the_committee_page_and_under_the_trend_chart(app: AppTest) -> None:
    committee = sent_html(app.switch_page("pages/committee.py").run())
    assert "<h2>今年度の見通し</h2>" in committee
    assert "<b>(倒) 加入手続き</b>: 見込み 18.1% — 目標まで残り6か月で 6,281 件" in committee
    trends = app.switch_page("pages/trends.py").run()
    assert any(c.value.startswith("破線は3月までの見込み") for c in trends.caption)
