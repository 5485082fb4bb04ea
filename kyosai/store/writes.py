"""The one way figures are written: a transaction that bumps the data version, then a backup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import duckdb

from kyosai.store.backups import BackupOutcome, backup_after_commit
from kyosai.store.db import WRITE_LOCK, run_write

T = TypeVar("T")

log = logging.getLogger("kyosai.store")


@dataclass(frozen=True)
class Committed(Generic[T]):
    """What a committed write returned, and the backup taken after it."""

    value: T
    backup: BackupOutcome


def commit_write(con: duckdb.DuckDBPyConnection, work: Callable[[], T], what: str) -> Committed[T]:
    """Run work in one transaction, bump the data version in it, then take the backup.

    Every write of figures (upload, undo, restore) goes through here, so none can forget that
    caches key on the data version or that a verified backup follows each commit. A write
    conflict runs work again as a whole; a failed backup is reported, never raised, because
    the commit stands.
    """

    def work_and_bump() -> T:
        value = work()
        con.execute("UPDATE data_version SET version = version + 1")
        return value

    with WRITE_LOCK:
        value = run_write(con, work_and_bump)
        log.debug("%s: committed", what)
        return Committed(value, backup_after_commit(con))
