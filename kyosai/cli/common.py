"""What every command shares: exit codes, messages on stderr, the DB session and the user."""

from __future__ import annotations

import re
import sys
from contextlib import AbstractContextManager

import duckdb

from kyosai import store
from kyosai.identity import login_name

EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1
EXIT_USAGE = 2
# The DB cannot be written (no permission, read-only, disk full); nothing is damaged.
EXIT_STORAGE = 3
# The DB file does not read back in full; `restore` is the way out.
EXIT_DAMAGED = 4

# What a terminal would act on rather than print: C0 and C1 controls (ESC starts colour, screen
# clear and window-title sequences) and the bidirectional overrides that reorder a line.
# A CR not ending a line (CRLF) moves the cursor back and lets a name overwrite the line.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)"
)


def printable(text: str) -> str:
    """Text with every control character a terminal would interpret shown as `?`."""
    return _UNPRINTABLE.sub("?", text)


def say(text: str = "") -> None:
    """Print a line for the person at the terminal (stdout), its controls made harmless."""
    print(printable(text))


def say_problem(text: str) -> None:
    """Print a problem or a warning for the person at the terminal (stderr)."""
    print(printable(text), file=sys.stderr)


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
