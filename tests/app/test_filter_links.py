"""Links that keep their filters, in AppTest: a URL opens its view, the URL follows the filters,
the choice carries between 利用率の推移 and 集計表, and a bad value gets a note."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from kyosai import store
from kyosai.calendar import months_between
from kyosai.catalog import default_catalog
from tests.html_table import rate_frame

ROOT = Path(__file__).resolve().parents[2]


def _opened(page: str, params: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params = dict(params)
    return app.switch_page(page).run()


def test_a_link_opens_its_view(db_path: Path) -> None:
    app = _opened(
        "pages/table.py", {"scheme": "tosan", "grain": "month", "from": "2024-04", "to": "2024-06"}
    )
    assert not app.exception
    frame = rate_frame(app)
    assert list(frame["手続"]) == ["(倒) 加入手続き", "(倒) 保全手続き", "(倒) 解約手続き"]
    assert list(frame.columns) == ["手続", "R6.4", "R6.5", "R6.6", "期間集計 R6.4~R6.6"]
    assert app.multiselect(key="table_schemes").value == ["tosan"]
    assert app.selectbox(key="table_grain").value == "month"
    assert not [c for c in app.caption if "無視しました" in c.value]


def test_the_url_follows_the_filters(db_path: Path) -> None:
    app = _opened("pages/table.py", {})
    assert app.query_params == {}
    app.multiselect(key="table_schemes").set_value(["tosan"]).run()
    app.selectbox(key="table_grain").set_value("fy").run()
    assert app.query_params == {"scheme": "tosan", "grain": "fy"}
    app.multiselect(key="table_procedures_tosan").set_value(["tosan_hozen"]).run()
    assert app.query_params["procedure"] == "tosan_hozen"
    assert list(rate_frame(app)["手続"]) == ["(倒) 保全手続き"]


def test_the_choice_carries_between_the_explorer_pages(db_path: Path) -> None:
    app = _opened("pages/table.py", {"scheme": "tosan", "from": "2024-04", "to": "2025-03"})
    app.switch_page("pages/trends.py").run()
    assert not app.exception
    assert app.multiselect(key="trends_schemes").value == ["tosan"]
    period = app.select_slider(key="trends_period").value
    assert [f"{m:%Y-%m}" for m in period] == ["2024-04", "2025-03"]
    app.multiselect(key="trends_procedures_tosan").set_value(["tosan_kanyu"]).run()
    app.switch_page("pages/table.py").run()
    assert list(rate_frame(app)["手続"]) == ["(倒) 加入手続き"]


def test_bad_values_are_ignored_with_a_note(db_path: Path) -> None:
    app = _opened("pages/table.py", {"scheme": "tosan", "grain": "weekly", "from": "R6.4"})
    assert not app.exception
    # The caption is Markdown with every special character escaped.
    notes = [c.value.replace("\\", "") for c in app.caption if "無視しました" in c.value]
    assert len(notes) == 1
    assert "grain=weekly" in notes[0] and "from=R6.4" in notes[0]
    assert rate_frame(app)["手続"].iloc[0] == "(倒) 加入手続き"
    # The URL keeps what was used, and drops what was not.
    assert app.query_params == {"scheme": "tosan"}


def _long_history(db_path: Path) -> None:
    """A procedure online since 平成22年度 with counts to R7.9 (sixteen fiscal years)."""
    con = store.connect(db_path)
    try:
        added = store.NewProcedure(
            "shokibo_henko", "shokibo", "契約内容の変更", "変更", 200, 2027, date(2010, 4, 1)
        )
        store.add_procedure(con, default_catalog(), added, "山田")
        catalog = store.stored_catalog(con, default_catalog())
        months = list(months_between(date(2010, 4, 1), date(2025, 9, 1)))
        frame = pl.DataFrame(
            {
                "procedure_id": ["shokibo_henko"] * len(months),
                "month": months,
                "online": [100] * len(months),
                "total": [1000] * len(months),
            },
            schema={
                "procedure_id": pl.String,
                "month": pl.Date,
                "online": pl.Int64,
                "total": pl.Int64,
            },
        )
        store.write_upload(
            con, frame, file_name="h.xlsx", sha256="h", uploaded_by="山田", catalog=catalog
        )
    finally:
        con.close()


def test_a_long_history_opens_on_its_latest_five_years_and_widens(db_path: Path) -> None:
    _long_history(db_path)
    app = _opened("pages/table.py", {})
    assert not app.exception
    frame = rate_frame(app)
    # Quarter-end columns from 令和3年度 (R3.6) on; nothing older is sent.
    months = [c for c in frame.columns if c.startswith(("R", "H")) and "~" not in c]
    assert months[0] == "R3.6" and months[-1] == "R7.9"
    assert next(c for c in frame.columns if c.startswith("期間集計")) == "期間集計 R3.4~R4.3"
    note = next(c.value for c in app.caption if "最新の5年度分" in c.value)
    assert "令和3年度から" in note and "H22.4からのデータ" in note
    assert app.query_params == {}
    app.select_slider(key="table_period").set_value((date(2010, 4, 1), date(2025, 9, 1))).run()
    frame = rate_frame(app)
    assert "H22.6" in frame.columns and "期間集計 H22.4~H23.3" in frame.columns
    assert app.query_params == {"from": "2010-04"}
    assert not [c for c in app.caption if "最新の5年度分" in c.value]
