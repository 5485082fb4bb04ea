"""Roles: viewers read; staff upload and undo. One test per sign-in mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from kyosai import store
from kyosai.identity import login_name
from kyosai.passwords import hash_password
from tests.app.conftest import ROOT
from tests.app_pages import APP_PAGES
from tests.html_table import sent_html
from tests.quarter_files import long_xlsx, quarter_counts

ALL_PAGES = APP_PAGES
PASSWORD = "correct horse battery staple"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _uploaders(app: AppTest) -> list[object]:
    return list(app.get("file_uploader"))


def _undo_buttons(app: AppTest) -> list[object]:
    return [b for b in app.button if b.label == "取り消す"]


STAFF_PAGES = ["pages/upload.py", "pages/history.py", "pages/events.py"]


def _assert_no_staff_controls_anywhere(app: AppTest) -> None:
    for page in ALL_PAGES:
        if page in STAFF_PAGES:
            # Absent from the navigation: Streamlit knows no such page for this user.
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(page)
            continue
        app.switch_page(page).run()
        assert not app.exception, page
        assert not _uploaders(app), f"an uploader is reachable on {page}"
        assert not _undo_buttons(app), f"undo is reachable on {page}"
    # Run on their own (a forged URL), the staff pages check the role again and stop.
    for page in STAFF_PAGES:
        direct = AppTest.from_file(str(ROOT / page), default_timeout=60)
        direct.secrets.update(dict(app.secrets))
        direct.user = dict(app.user)
        direct.run()
        assert not _uploaders(direct) and not _undo_buttons(direct), page
        assert direct.error, page


@pytest.fixture
def public_address() -> Iterator[None]:
    """The server listens beyond this machine (as on a shared deployment)."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def test_local_run_makes_the_local_user_staff(app: AppTest) -> None:
    app.switch_page("pages/upload.py").run()
    assert _uploaders(app)


def _uploaded_by(db_path: Path) -> str:
    con = store.connect(db_path)
    try:
        return str(store.read_uploads(con)["uploaded_by"][0])
    finally:
        con.close()


def _upload_a_quarter(app: AppTest) -> None:
    app.switch_page("pages/upload.py").run()
    _uploaders(app)[0].set_value(("q.xlsx", long_xlsx(quarter_counts()), XLSX))  # type: ignore[attr-defined]
    app.run()
    next(b for b in app.button if b.label.startswith("この内容で登録する")).click().run()


def test_a_local_user_gives_the_name_recorded_on_uploads(app: AppTest, db_path: Path) -> None:
    assert app.sidebar.text_input[0].label == "お名前（取込の記録に残ります）"
    app.sidebar.text_input[0].input("佐藤")
    app.sidebar.button[0].click().run()
    assert any("取込者: 佐藤" in c.value for c in app.sidebar.caption)
    _upload_a_quarter(app)
    assert _uploaded_by(db_path) == "佐藤"
    app.switch_page("pages/history.py").run()
    history = sent_html(app)
    assert "<td>佐藤</td>" in history and "kyosai（同梱のサンプル）" in history


def test_a_local_user_without_a_name_is_recorded_by_login(app: AppTest, db_path: Path) -> None:
    _upload_a_quarter(app)
    assert _uploaded_by(db_path) == login_name("ローカル利用者")


def test_public_server_without_sign_in_has_no_uploader(db_path: Path, public_address: None) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    _assert_no_staff_controls_anywhere(app)
    direct = AppTest.from_file(str(ROOT / "pages/upload.py"), default_timeout=60).run()
    text = " ".join(e.value for e in direct.error)
    assert "データ取込と取消は使えません" in text and "secrets.toml" in text


def test_password_mode_viewer_then_staff(db_path: Path, public_address: None) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.secrets["kyosai"] = {"staff_password_hash": hash_password(PASSWORD)}
    app.run()
    _assert_no_staff_controls_anywhere(app)
    app.switch_page("pages/overview.py").run()
    name, password = app.sidebar.text_input
    name.input("山田")
    password.input("wrong password!!")
    app.sidebar.button[0].click().run()
    assert any("パスワードを確認" in e.value for e in app.sidebar.error)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/upload.py")
    name, password = app.sidebar.text_input
    name.input("山田")
    password.input(PASSWORD)
    app.sidebar.button[0].click().run()
    app.switch_page("pages/upload.py").run()
    assert _uploaders(app)
    _uploaders(app)[0].set_value(("q.xlsx", long_xlsx(quarter_counts()), XLSX))  # type: ignore[attr-defined]
    app.run()
    next(b for b in app.button if b.label.startswith("この内容で登録する")).click().run()
    con = store.connect(db_path)
    try:
        uploads = store.read_uploads(con)
    finally:
        con.close()
    assert uploads["uploaded_by"][0] == "山田（パスワード認証）"


def test_oidc_staff_and_viewer(db_path: Path, public_address: None) -> None:
    secrets = {
        "auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"},
        "kyosai": {"staff_emails": ["Staff@Example.jp"]},
    }
    viewer = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    viewer.secrets.update(secrets)
    viewer.user = {"is_logged_in": True, "email": "someone@example.jp"}
    viewer.run()
    _assert_no_staff_controls_anywhere(viewer)

    staff = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    staff.secrets.update(secrets)
    staff.user = {"is_logged_in": True, "email": "staff@example.jp"}
    staff.run()
    staff.switch_page("pages/upload.py").run()
    assert _uploaders(staff)
    assert not staff.exception
