"""AppTest of the upload flow: preview, confirm, already loaded, bad file, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from kyosai import store
from tests.html_table import rate_frame, shown_counts
from tests.quarter_files import long_xlsx, quarter_counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _open_upload(app: AppTest) -> AppTest:
    return app.switch_page("pages/upload.py").run()


def _uploader(app: AppTest):  # type: ignore[no-untyped-def]
    return next(u for u in app.get("file_uploader") if u.key and u.key.startswith("uploader_"))


def _drop(app: AppTest, name: str, content: bytes) -> AppTest:
    _uploader(app).set_value((name, content, XLSX))
    return app.run()


def _counts(db_path: Path) -> pl.DataFrame:
    con = store.connect(db_path)
    try:
        return store.read_counts(con)
    finally:
        con.close()


def _confirm(app: AppTest) -> AppTest:
    button = next(b for b in app.button if b.label.startswith("この内容で登録する"))
    return button.click().run()


def test_upload_preview_confirm_and_new_month_on_table(app: AppTest) -> None:
    _open_upload(app)
    _drop(app, "r7q3.xlsx", long_xlsx(quarter_counts()))
    assert not app.exception
    metrics = shown_counts(app)
    assert metrics["新規"] == "21 件"
    assert metrics["修正（登録済みの値を変更）"] == "0 件"
    new_rows = rate_frame(app, "rows")
    assert len(new_rows) == 21
    online, total = quarter_counts()[("shokibo_kanyu", date(2025, 10, 1))]
    first = new_rows[new_rows["年月"] == "R7.10"].iloc[0]
    assert (first["オンライン件数"], first["全体件数"]) == (f"{online:,}", f"{total:,}")
    _confirm(app)
    assert not app.exception
    assert any("取込 #2 として登録しました" in s.value for s in app.success)
    # The uploader was replaced by a fresh one: a rerun cannot load the file twice.
    assert _uploader(app).value is None
    app.switch_page("pages/table.py").run()
    frame = rate_frame(app)
    assert "R7.12" in frame.columns
    online, total = quarter_counts()[("shokibo_kanyu", date(2025, 12, 1))]
    expected = (2000 * online + total) // (2 * total)
    assert frame.iloc[0]["R7.12"] == f"{expected // 10}.{expected % 10}%"


def test_same_file_twice_is_recognised(app: AppTest, db_path: Path) -> None:
    content = long_xlsx(quarter_counts())
    _open_upload(app)
    _drop(app, "r7q3.xlsx", content)
    _confirm(app)
    before = _counts(db_path)
    _drop(app, "copy-of-r7q3.xlsx", content)
    assert any("既に取り込まれています" in i.value for i in app.info)
    assert not [b for b in app.button if b.label.startswith("この内容で登録する")]
    assert _counts(db_path).equals(before)


def test_bad_file_lists_problems_and_writes_nothing(app: AppTest, db_path: Path) -> None:
    before = _counts(db_path)
    overrides = {
        ("shokibo_kanyu", date(2025, 10, 1)): (900, 100),  # online > total
        ("tosan_hozen", date(2025, 11, 1)): ("abc", 100),  # not a number
    }
    _open_upload(app)
    _drop(app, "bad.xlsx", long_xlsx(quarter_counts(), overrides))
    assert not app.exception
    assert any("取り込めません" in e.value and "2 件の問題" in e.value for e in app.error)
    listed = next(m.value for m in app.markdown if m.value.startswith("- **"))
    lines = listed.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("- **シート「件数」セル D") for line in lines)
    assert any("「abc」は件数として読めません" in line for line in lines)
    assert not [b for b in app.button if b.label.startswith("この内容で登録する")]
    assert _counts(db_path).equals(before)


def test_revision_is_shown_before_confirm(app: AppTest) -> None:
    counts = {("tosan_kanyu", date(2025, 9, 1)): (999, 4702)}
    _open_upload(app)
    _drop(app, "fix.xlsx", long_xlsx(counts))
    metrics = shown_counts(app)
    assert metrics["修正（登録済みの値を変更）"] == "1 件"
    revised = rate_frame(app, "rows")  # the only table of rows: nothing new
    assert revised.iloc[0]["年月"] == "R7.9"
    assert revised.iloc[0]["変更前の利用率"] == "18.0%"
    assert revised.iloc[0]["利用率"] == "21.2%"
    assert revised.iloc[0]["オンライン件数"] == "999"
    assert revised.iloc[0]["全体件数"] == "4,702"
    assert revised.iloc[0]["変更前（オンライン/全体）"] == "845 / 4,702"  # data/sample_counts.csv


def test_history_undo_restores_the_figures(app: AppTest, db_path: Path) -> None:
    before = _counts(db_path)
    _open_upload(app)
    _drop(app, "r7q3.xlsx", long_xlsx(quarter_counts()))
    _confirm(app)
    app.switch_page("pages/history.py").run()
    assert rate_frame(app, "log")["番号"].tolist() == ["2", "1"]
    app.checkbox(key="undo_sure_2").check().run()
    app.button(key="undo_2").click().run()
    assert any("取込 #2 を取り消しました" in s.value for s in app.success)
    assert _counts(db_path).equals(before)


def test_going_live_removes_the_sample_and_its_notice(app: AppTest, db_path: Path) -> None:
    _open_upload(app)
    _drop(app, "r7q3.xlsx", long_xlsx(quarter_counts()))
    _confirm(app)
    app.switch_page("pages/history.py").run()
    expander = next(e for e in app.expander if e.label == "本番運用の開始：サンプルデータの削除")
    assert "サンプルデータのまま残っている件数 100 件を削除します" in expander.markdown[0].value
    button = app.button(key="remove_sample")
    assert button.disabled  # until the checkbox says so
    app.checkbox(key="remove_sample_sure").check().run()
    app.button(key="remove_sample").click().run()
    assert any("100 件を削除しました（取込 #3）" in s.value for s in app.success)
    counts = _counts(db_path)
    assert counts.height == 21 and not counts["is_sample"].any()  # the real quarter only
    assert not [e for e in app.expander if e.label.startswith("本番運用の開始")]
    overview = app.switch_page("pages/overview.py").run()
    assert not [w for w in overview.warning if "サンプルデータ" in w.value]
    assert not any("サンプルデータ" in m.value for m in overview.markdown)
