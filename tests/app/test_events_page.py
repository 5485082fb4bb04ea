"""取組と対象手続 in AppTest: a measure added in the form is on 利用率の推移, a bad one is named
and not stored, an edit and its undo are recorded.

The page runs on its own here: under app.py's st.navigation, AppTest (Streamlit 1.67) drops the
click of a form's submit button in the main area, though a browser sends it (tests/e2e covers
the page through the router).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kyosai import store
from tests.app.conftest import ROOT
from tests.html_table import sent_html


@pytest.fixture
def page(db_path: Path) -> AppTest:
    """pages/events.py, run once on this test's DB."""
    return AppTest.from_file(str(ROOT / "pages/events.py"), default_timeout=60).run()


def _events(db_path: Path) -> list[str]:
    con = store.connect(db_path)
    try:
        return [e.label for e in store.read_events(con)]
    finally:
        con.close()


def _add_form(app: AppTest) -> dict[str, object]:
    form = {w.label: w for w in app.text_input if w.form_id == "event_add"} | {
        w.label: w for w in app.text_area if w.form_id == "event_add"
    }
    form |= {w.label: w for w in app.multiselect if w.form_id == "event_add"}
    return form


def _submit(app: AppTest, label: str) -> AppTest:
    return next(b for b in app.button if b.label == label).click().run()


def _success(app: AppTest) -> str:
    # Success messages are Markdown with the user's text escaped (#7 is written \\#7).
    return " ".join(s.value.replace("\\", "") for s in app.success)


def test_a_measure_added_in_the_form_is_on_the_trend_page(page: AppTest, db_path: Path) -> None:
    assert not page.exception
    form = _add_form(page)
    form["取組の名前（グラフに表示）"].input("勧奨チラシ（倒産防止・加入）")  # type: ignore[attr-defined]
    form["日付"].input("2024-06")  # type: ignore[attr-defined]
    form["対象手続（空欄: 制度のすべての手続）"].set_value(["tosan_kanyu"])  # type: ignore[attr-defined]
    form["内容"].input("加入案内にチラシを同封")  # type: ignore[attr-defined]
    _submit(page, "追加する")
    assert "取組 #7「勧奨チラシ（倒産防止・加入）」を追加しました" in _success(page)
    assert _events(db_path)[-1] == "勧奨チラシ（倒産防止・加入）"
    assert "勧奨チラシ（倒産防止・加入）" in sent_html(page)  # the list and the change record
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    trends = app.switch_page("pages/trends.py").run()
    listing = " ".join(m.value for m in trends.markdown)
    assert "**令和6年6月** 勧奨チラシ（倒産防止・加入）" in listing


def test_a_bad_measure_is_named_and_not_stored(page: AppTest, db_path: Path) -> None:
    form = _add_form(page)
    form["日付"].input("2019-04")  # type: ignore[attr-defined]
    _submit(page, "追加する")
    errors = " ".join(e.value for e in page.error)
    assert "何も登録していません" in errors
    assert "取組の名前（ラベル）が空です" in errors and "2019" in errors
    assert len(_events(db_path)) == 6


def test_an_edit_is_recorded_and_undone(page: AppTest, db_path: Path) -> None:
    name = next(
        w for w in page.text_input
        if w.form_id == "event_edit_1" and w.label.startswith("取組の名前")
    )  # fmt: skip
    name.input("オンライン受付開始")
    _submit(page, "変更する")
    assert "取組 #1 を変更しました" in _success(page)
    assert _events(db_path)[0] == "オンライン受付開始"
    record = sent_html(page)
    assert "オンライン受付開始（加入・保全）" in record and "<td>変更</td>" in record
    page.checkbox(key="event_undo_sure_1").check().run()
    page.button(key="event_undo_1").click().run()
    assert "取組の変更 #1 を取り消しました" in _success(page)
    assert _events(db_path)[0] == "オンライン受付開始（加入・保全）"


def test_a_revised_target_is_recorded_shown_and_undone(page: AppTest, db_path: Path) -> None:
    form = [w for w in page.selectbox if w.form_id == "plan_revise"]
    procedure, from_fy, deadline = form
    procedure.set_value("tosan_kanyu")
    from_fy.set_value(2025)
    deadline.set_value(2026)
    next(n for n in page.number_input if n.form_id == "plan_revise").set_value(15.0)
    _submit(page, "計画を変更する")
    assert "計画の変更 #1 を登録しました" in _success(page)
    html = sent_html(page)
    assert "令和7年度から" in html and "<td>15%</td>" in html
    # The scorecard shows the plan of 令和7年度, the year of the newest figures.
    assert "令和8年度内" in html
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    table = app.switch_page("pages/table.py").run()
    assert '<td class="num met">18.0%</td>' in sent_html(table)  # (倒) 加入 R7.9 against 15%
    page.checkbox(key="plan_undo_sure_1").check().run()
    page.button(key="plan_undo_1").click().run()
    assert "計画の変更 #1 を取り消しました" in _success(page)
    table = app.switch_page("pages/table.py").run()
    assert '<td class="num met">18.0%</td>' not in sent_html(table)


def test_a_procedure_added_on_the_page_is_in_the_filters(page: AppTest, db_path: Path) -> None:
    form = {w.label: w for w in page.text_input if w.form_id == "procedure_add"}
    next(w for w in page.selectbox if w.form_id == "procedure_add").set_value("tosan")
    form["ID（英小文字・数字・_。例: tosan_henko）"].input("tosan_henko")
    form["名称（スコアカードの対象手続）"].input("変更関係手続")
    form["略称（表とグラフ。例: 変更手続き）"].input("変更手続き")
    form["オンライン受付開始"].input("2025-10")
    _submit(page, "対象手続を追加する")
    assert "対象手続「変更関係手続」を追加しました" in _success(page)
    assert "変更関係手続（変更手続き）" in sent_html(page)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    table = app.switch_page("pages/table.py").run()
    labels = {o for m in table.multiselect if m.label == "対象手続" for o in m.options}
    assert "(倒) 変更手続き" in labels
