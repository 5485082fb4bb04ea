"""Staff see, above their controls, when the newest backup is behind the database."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kyosai.store import backups

BEHIND = "最新の状態のバックアップがありません"


def _warnings(app: AppTest) -> list[str]:
    # As read on the page: the Markdown escapes of literal text taken out.
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(w.value)) for w in app.warning]


def test_no_notice_while_every_commit_is_backed_up(app: AppTest) -> None:
    for page in ("pages/upload.py", "pages/history.py"):
        shown = app.switch_page(page).run()
        assert not shown.exception
        assert not any(BEHIND in text for text in _warnings(shown)), page


def test_the_staff_pages_warn_when_the_backup_is_behind(app: AppTest, db_path: Path) -> None:
    # As after a full disk: the database is at a version no backup holds.
    for backup in backups.list_backups(db_path):
        backup.path.unlink()
    for page in ("pages/upload.py", "pages/history.py"):
        shown = app.switch_page(page).run()
        assert not shown.exception
        (notice,) = [text for text in _warnings(shown) if BEHIND in text]
        assert "最後のバックアップ: まだありません" in notice and "データ版 1" in notice
    # The viewers' pages carry no such notice.
    overview = app.switch_page("pages/overview.py").run()
    assert not any(BEHIND in text for text in _warnings(overview))
