"""What every command shares: exit codes, messages on stderr, the DB session and the user."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

import duckdb

from kyosai import store
from kyosai.identity import login_name

EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1
EXIT_USAGE = 2


def say_problem(text: str) -> None:
    """Print a problem or a warning for the person at the terminal (stderr)."""
    print(text, file=sys.stderr)


def db_session(
    db: str | None, *, sample: bool = True
) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A session on the command's DB, waiting $KYOSAI_DB_WAIT_SECONDS (30 s) while it is busy."""
    return store.session(
        store.db_path_from_env(db), sample=sample, wait_seconds=store.wait_seconds_from_env()
    )


def user_name(explicit: str | None) -> str:
    """The name recorded on an upload or undo: --by, else the login name."""
    return explicit or login_name("コマンドライン")


def report_backup(outcome: store.BackupOutcome | None) -> None:
    """Tell the user when the backup after a commit failed (the commit stands either way)."""
    if outcome is not None and outcome.error is not None:
        say_problem(
            "注意: バックアップを作成できませんでした（登録・取消は完了しています）: "
            f"{outcome.error}"
        )
