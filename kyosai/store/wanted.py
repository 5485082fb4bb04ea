"""A mark beside the DB file that says another process is waiting for it.

The app holds the file between clicks (DuckDB lets one process at a time have it) and lets it
go when it sees this mark, so a reading manager's next click does not pay for reopening it
(~15–40 ms), while `python -m kyosai import …` still gets its turn within seconds.

A waiter touches the mark on every attempt, so a mark older than FRESH_SECONDS belongs to a
waiter that gave up or died, and is ignored. Failing to write or remove the mark is harmless:
the holder then lets go after its longer hold, as if nobody had asked.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from pathlib import Path

FRESH_SECONDS = 5.0


def wanted_mark(db_path: Path) -> Path:
    """Where a waiter leaves its mark for the DB file `db_path`."""
    return db_path.with_name(db_path.name + ".wanted")


def ask_for(db_path: Path) -> None:
    """Say that this process is waiting for the file (touch the mark)."""
    with suppress(OSError):
        wanted_mark(db_path).touch()


def done_waiting(db_path: Path) -> None:
    """Take the mark away once the file is ours, or once we stop waiting."""
    with suppress(OSError):
        wanted_mark(db_path).unlink(missing_ok=True)


def is_wanted(db_path: Path) -> bool:
    """Whether a process asked for the file within the last FRESH_SECONDS."""
    try:
        touched = os.stat(wanted_mark(db_path)).st_mtime
    except OSError:
        return False
    return time.time() - touched < FRESH_SECONDS
