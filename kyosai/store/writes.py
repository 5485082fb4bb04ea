"""The one way figures are written: a transaction that bumps the data version, then a backup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import duckdb

from kyosai.store.backups import BackupOutcome, backup_after_commit, backup_is_behind
from kyosai.store.db import WRITE_LOCK, damaged_message, db_file, is_damage, is_read_only, run_write
from kyosai.store.faults import DamagedError, Fault, StorageFault, fault_message, storage_fault

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
        path = db_file(con)
        if is_read_only(con):
            raise StorageFault(fault_message(Fault.READ_ONLY, path), Fault.READ_ONLY)
        catch_up_backup(con)
        try:
            value = run_write(con, work_and_bump)
        except (duckdb.Error, OSError) as error:
            log.warning("%s: not committed: %s", what, error)
            fault = storage_fault(error, path)
            if fault is not None:
                raise fault from error
            if is_damage(error):
                # A block the check on open does not read (an index) failed its checksum.
                raise DamagedError(damaged_message(path, "読み取れない部分があります")) from error
            raise
        log.debug("%s: committed", what)
        return Committed(value, backup_after_commit(con))


def catch_up_backup(con: duckdb.DuckDBPyConnection) -> BackupOutcome | None:
    """Before a write, take the backup an earlier commit could not (a full disk, a kill between
    commit and backup), so that every committed state has its copy; None when none is due."""
    if not backup_is_behind(con):
        return None
    log.warning("the newest backup is behind the database: backing up before the write")
    return backup_after_commit(con)
