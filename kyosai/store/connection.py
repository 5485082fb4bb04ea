"""Opening the DB file: its path, a migrated connection, and a short-lived session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kyosai.catalog import DATA_DIR
from kyosai.store import schema
from kyosai.store.backups import forget_fingerprint
from kyosai.store.counts import load_sample
from kyosai.store.db import DEFAULT_WAIT_SECONDS, WRITE_LOCK, is_read_only, open_waiting
from kyosai.store.faults import Fault, StorageFault, fault_message, storage_fault
from kyosai.store.integrity import verify_on_open

DEFAULT_DB_PATH = DATA_DIR / "kyosai.duckdb"


def db_path_from_env(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DB path: the explicit one, else $KYOSAI_DB, else data/kyosai.duckdb."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("KYOSAI_DB") or DEFAULT_DB_PATH)


def _prepare(con: duckdb.DuckDBPyConnection, path: Path, sample: bool) -> None:
    verify_on_open(con, path)
    if schema.stored_schema_version(con) == schema.SCHEMA_VERSION:
        return
    if is_read_only(con):
        raise StorageFault(fault_message(Fault.READ_ONLY, path, "更新"), Fault.READ_ONLY)
    # Under the lock, so two threads opening a new file do not both migrate it or load the sample.
    with WRITE_LOCK:
        was_new = schema.schema_version(con) == 0
        if was_new:
            # A new file has no history: the fingerprint of an earlier file of this name (say,
            # one deleted to start afresh) must not make the new one look like an old copy.
            forget_fingerprint(path)
        schema.migrate(con)
        if was_new and sample:
            load_sample(con)


def _folder_made(path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fault = storage_fault(error, path.parent, "作成")
        if fault is None:
            raise
        raise fault from error
    return path


def connect(
    path: str | os.PathLike[str], *, sample: bool = True, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DB at path, migrated; a new DB gets the sample data.

    With wait_seconds, opening is retried while another process holds the file (BusyError
    after that long); the caller closes the connection.
    """
    db_path = _folder_made(Path(path))
    con = open_waiting(db_path, wait_seconds)
    try:
        _prepare(con, db_path, sample)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def session(
    path: str | os.PathLike[str], *, sample: bool = True, wait_seconds: float = DEFAULT_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, prepared like connect() and always closed on exit.

    While another process holds the file, opening is retried with backoff for up to
    wait_seconds, then BusyError is raised. Within this process connections to the same file
    share one DuckDB instance, so sessions on several threads never lock each other out.
    """
    db_path = _folder_made(Path(path))
    con = open_waiting(db_path, wait_seconds)
    try:
        _prepare(con, db_path, sample)
        yield con
    finally:
        con.close()
