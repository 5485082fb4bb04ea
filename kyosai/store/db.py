"""The process-wide write lock, transactions and their retry, the waiting open, and SQL quoting.
Every other store module builds on this one (and on `faults`, the errors, below it)."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb

from kyosai.store.faults import BusyError, DamagedError, StoreError, storage_fault
from kyosai.store.wanted import ask_for, done_waiting

T = TypeVar("T")

# Upload and undo times are recorded in Japan time: the staff and the committee read them so,
# whatever zone the server runs in.
LOCAL_ZONE = ZoneInfo("Asia/Tokyo")

DEFAULT_WAIT_SECONDS = 30.0
WAIT_SECONDS_ENV = "KYOSAI_DB_WAIT_SECONDS"
# A conflict can only come from a writer that bypassed WRITE_LOCK; a few retries absorb it.
CONFLICT_ATTEMPTS = 20

log = logging.getLogger("kyosai.store")

# Every write in this process (uploads, undos, migrations, backups, restores) holds this lock:
# DuckDB's optimistic transactions would otherwise make one of two concurrent commits fail.
# Reentrant, because creating a DB loads the sample through write_upload.
WRITE_LOCK = threading.RLock()


def busy_message(wait_seconds: float) -> str:
    """The plain-Japanese message of a BusyError."""
    return (
        "データベースは別の処理（アプリまたはコマンド）が使用中です。"
        f"{wait_seconds:g} 秒待ちましたが空きませんでした。"
        "しばらくしてからもう一度実行してください。"
    )


def wait_seconds_from_env(default: float = DEFAULT_WAIT_SECONDS) -> float:
    """How long to wait for a busy DB: $KYOSAI_DB_WAIT_SECONDS, else the default."""
    raw = os.environ.get(WAIT_SECONDS_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        return default


def now() -> datetime:
    """The time now in Japan, as a naive timestamp for the DB."""
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


def first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None
) -> tuple[Any, ...]:
    """The first row of a query, or () when it has none."""
    # fetchone() leaves a DuckDB 2.0 result unfinished and blocks the connection: fetch all.
    rows = con.sql(query, params=params).fetchall()
    return tuple(rows[0]) if rows else ()


def later_live_change(
    con: duckdb.DuckDBPyConnection, table: str, column: str, value: object, change_id: int
) -> int | None:
    """The newest change recorded in `table` after `change_id` on the same `column` value and
    not undone, if any: undo goes newest first. `table` and `column` are the store's own."""
    row = first_row(
        con,
        f"""SELECT max(change_id) FROM {table}
            WHERE {column} = ? AND change_id > ? AND undone_at IS NULL""",
        [value, change_id],
    )
    return int(row[0]) if row and row[0] is not None else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one explicit transaction: all of it commits, or none of it."""
    con.begin()
    try:
        yield con
        # Inside the try: a commit that fails (a conflict) must roll back like any other error.
        con.commit()
    except BaseException:
        # A failed commit has already ended the transaction; its rollback error says nothing.
        with suppress(duckdb.Error):
            con.rollback()
        raise


def _is_conflict(error: duckdb.Error) -> bool:
    text = str(error).lower()
    if isinstance(error, duckdb.TransactionException):
        return "conflict" in text
    # Two writers that both picked max(upload_id) + 1: the later insert meets the earlier's key.
    return isinstance(error, duckdb.ConstraintException) and "duplicate key" in text


def run_write(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """Run work in one transaction under WRITE_LOCK, running it again after a write conflict."""
    with WRITE_LOCK:
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                with transaction(con):
                    return work()
            except duckdb.Error as error:
                if not _is_conflict(error) or attempt == CONFLICT_ATTEMPTS:
                    raise
                log.warning("write conflict (attempt %d), running the write again", attempt)
            time.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def checkpoint(con: duckdb.DuckDBPyConnection) -> bool:
    """Move the WAL into the DB file if DuckDB can now; the data is safe in the WAL either way."""
    # Not FORCE CHECKPOINT: that waits for every open transaction, and a reader holding one
    # while it waits for WRITE_LOCK would deadlock us. A later checkpoint, or the close of the
    # last connection, folds the WAL in.
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as error:
        log.info("CHECKPOINT skipped (%s)", error)
        return False
    return True


def _is_lock_error(error: duckdb.Error) -> bool:
    # Not a bare "lock": "block" appears in corruption messages, which waiting cannot cure.
    text = str(error).lower()
    return isinstance(error, duckdb.IOException) and (
        "could not set lock" in text or "conflicting lock" in text
    )


def _open_read_only(path: Path, error: duckdb.Error) -> duckdb.DuckDBPyConnection:
    """A file this process may read but not write: opened read-only, so every page and every
    report still works; a write then fails as a StorageFault, never as "damaged"."""
    fault = storage_fault(error, path)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as second:
        if fault is not None and storage_fault(second, path) is not None:
            raise fault from error
        raise
    log.warning("%s cannot be written (%s); opened read-only", path, error)
    return con


def open_waiting(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open the DB file read-write (read-only where it cannot be written), retrying with backoff
    while another process holds it, and asking that process to let go (`wanted`)."""
    asked = False

    def ask() -> None:
        nonlocal asked
        ask_for(path)
        asked = True

    try:
        return _open_retrying(path, wait_seconds, ask)
    finally:
        # Opened or given up: the mark goes. Another process still waiting renews it on its
        # next attempt, so taking its mark away too costs it a second at most.
        if asked:
            done_waiting(path)


def _open_retrying(
    path: Path, wait_seconds: float, on_busy: Callable[[], None]
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(0.0, wait_seconds)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.Error as error:
            remaining = deadline - time.monotonic()
            if not _is_lock_error(error):
                fault = storage_fault(error, path)
                if fault is not None and path.exists():
                    return _open_read_only(path, error)
                if fault is not None:
                    raise fault from error
                if not path.exists():
                    raise
                log.warning("cannot open %s: %s", path, error)
                raise DamagedError(damaged_message(path)) from error
            if remaining <= 0:
                raise BusyError(busy_message(wait_seconds)) from None
            on_busy()  # every attempt: the holder ignores a mark that is not renewed
            log.info("%s is locked by another process; retrying in %.2f s", path, delay)
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, 1.0)


def damaged_message(path: Path, detail: str = "壊れているか、別の種類のファイルです") -> str:
    """The plain-Japanese message for a DB file that cannot be read in full."""
    return (
        f"データベース {path} を読み取れません（{detail}）。登録・取消はできません。"
        "python -m kyosai restore で、最新の正常なバックアップから復元できます"
        "（壊れたファイルは消さずに退避します）。"
    )


def is_damage(error: BaseException) -> bool:
    """Whether DuckDB reports a block that does not read back (a bad checksum, a short file)."""
    text = str(error).lower()
    return isinstance(error, duckdb.Error) and (
        "corrupt database file" in text or "could not read enough bytes" in text
    )


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database was opened read-only (the file cannot be written)."""
    row = first_row(
        con, "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    )
    return bool(row and row[0])


def db_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The file of the connection's database."""
    row = first_row(
        con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    )
    if not row or not row[0]:
        raise StoreError("このデータベースはファイルではありません（メモリ上のデータベースです）。")
    return Path(row[0])


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A quoted SQL string literal (for statements such as ATTACH that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"
