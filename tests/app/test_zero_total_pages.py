"""Every page with a month whose total is 0: no NaN or infinity anywhere, the month's cell is
empty, and a procedure whose only month has a total of 0 is shown as having no data."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages import APP_PAGES
from tests.html_table import rate_frame, sent_html
from tests.zero_total import add_zero_months, not_numbers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def zero_app(db_path: Path) -> AppTest:
    """The app on the sample data plus R7.10 with months of total 0."""
    add_zero_months(db_path)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def shown_text(app: AppTest) -> str:
    """Everything a run sent as text: HTML bodies, markdown, captions, notices, metrics."""
    parts = [sent_html(app)]
    for kind in ("markdown", "caption", "warning", "info", "error", "success", "title"):
        parts += [str(element.value) for element in app.get(kind)]
    parts += [f"{m.value} {m.delta}" for m in app.get("metric")]
    return "\n".join(parts)


def chart_rates(app: AppTest) -> list[object]:
    """The `rate` values of every dataset of every chart the run sent."""
    values: list[object] = []
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all()
            if "rate" in table.column_names:
                values += table.column("rate").to_pylist()
    return values


@pytest.mark.parametrize("page", APP_PAGES)
def test_no_page_shows_nan_for_a_month_of_total_0(zero_app: AppTest, page: str) -> None:
    zero_app.switch_page(page).run()
    assert not zero_app.exception, [e.value for e in zero_app.exception]
    assert not_numbers(shown_text(zero_app)) == []
    rates = [v for v in chart_rates(zero_app) if isinstance(v, float)]
    assert all(v == v and 0.0 <= v <= 1.0 for v in rates), rates  # v == v: not NaN


def test_table_leaves_the_month_empty(zero_app: AppTest) -> None:
    zero_app.switch_page("pages/table.py").run()
    zero_app.selectbox(key="table_grain").set_value("month").run()
    frame = rate_frame(zero_app).set_index("手続")
    assert frame.loc["(倒) 加入手続き", "R7.10"] == "—"
    assert frame.loc["(倒) 加入手続き", "R7.9"] == "18.0%"
    assert frame.loc["(小) 加入手続き", "R7.10"] == "50.0%"
    # The year to date still sums the other months: the empty month adds nothing.
    assert frame.loc["(倒) 加入手続き", "期間集計 R7.4~R7.10"] not in ("", "—")
    assert set(frame.loc["(倒) 解約手続き"]) == {"—"}


def test_overview_has_no_rate_and_no_status_for_a_total_of_0(zero_app: AppTest) -> None:
    scorecard = rate_frame(zero_app, "scorecard").set_index("対象手続")
    tosan = scorecard[scorecard["制度"] == "中小企業倒産防止共済"]
    assert tosan.loc["加入関係手続", "最新月"] == "R7.10"
    assert tosan.loc["加入関係手続", "利用率（最新月）"] == ""
    assert tosan.loc["解約関係手続", "状況"] == "— データなし"
    assert tosan.loc["解約関係手続", "年度累計"] == ""


def test_trend_figures_keep_the_month_without_a_rate(zero_app: AppTest) -> None:
    zero_app.switch_page("pages/trends.py").run()
    zero_app.toggle(key="trend_points").set_value(True).run()
    (points,) = zero_app.dataframe
    frame = points.value
    month = frame[(frame["手続"] == "(倒) 加入手続き") & (frame["期間"] == "R7.10")]
    assert list(month["全体件数"]) == [0]
    assert list(month["オンライン利用率"]) == [""]
