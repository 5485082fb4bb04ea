"""Restore a verified backup: into a working DB in one transaction, or over a damaged file."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kyosai.store import schema
from kyosai.store.backups import (
    BackupError,
    Fingerprint,
    backup_dir,
    copy_durably,
    fingerprint,
    fsync_dir,
    list_backups,
    table_names,
    take_backup,
    verify_backup,
)
from kyosai.store.db import (
    WRITE_LOCK,
    DamagedError,
    checkpoint,
    db_file,
    first_row,
    now,
    open_waiting,
    sql_identifier,
    sql_literal,
)
from kyosai.store.schema import BOOKKEEPING_TABLES, data_version, migrate
from kyosai.store.writes import commit_write

_ALIAS = "kyosai_restore"

log = logging.getLogger("kyosai.backups")


@dataclass(frozen=True)
class Restored:
    """What a restore did: from which file, where the replaced DB was kept, the new version."""

    source: Path
    kept: Path
    data_version: int


def _migrated_copy(source: Path, folder: Path) -> Path:
    # An older backup is brought up to this schema in a scratch copy; the backup stays as it is.
    scratch = folder / f".restore-{os.getpid()}.duckdb"
    scratch.unlink(missing_ok=True)
    shutil.copyfile(source, scratch)
    con = duckdb.connect(str(scratch))
    try:
        migrate(con)
    finally:
        con.close()
    return scratch


def _copy_contents(con: duckdb.DuckDBPyConnection, source: Path) -> int:
    live = str(first_row(con, "SELECT current_database()")[0])
    con.execute(f"ATTACH {sql_literal(str(source))} AS {_ALIAS} (READ_ONLY)")
    try:
        tables = [t for t in table_names(con, live) if t not in BOOKKEEPING_TABLES]
        theirs = [t for t in table_names(con, _ALIAS) if t not in BOOKKEEPING_TABLES]
        if tables != theirs:
            raise BackupError("バックアップの表の構成が現在のデータベースと一致しません。")

        def replace_all() -> None:
            for table in tables:
                target = f"{sql_identifier(live)}.main.{sql_identifier(table)}"
                source_table = f"{_ALIAS}.main.{sql_identifier(table)}"
                con.execute(f"DELETE FROM {target}")
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {source_table}")

        # The data version moves forward (commit_write bumps it), never back to the backup's.
        commit_write(con, replace_all, f"restore from {source}")
        return data_version(con)
    finally:
        con.execute(f"DETACH {_ALIAS}")


def restore_backup(con: duckdb.DuckDBPyConnection, source: Path) -> Restored:
    """Replace a working DB's contents with a verified backup's, in one transaction.

    The current DB is first kept as a backup itself. The data version moves forward, not back,
    so anything cached for the replaced state is dropped. Holding the connection throughout,
    no other process can slip in between; a killed restore leaves the DB as it was.
    """
    with WRITE_LOCK:
        live = db_file(con)
        if source.resolve() == live.resolve():
            raise BackupError("復元元に現在のデータベースそのものが指定されています。")
        found = verify_backup(source)
        try:
            kept = take_backup(con, protect=[source]).path
        except duckdb.Error as error:  # reading the live DB failed: it is damaged
            raise DamagedError(f"現在のデータベースが読み取れません（{error}）。") from error
        expected: Fingerprint = found
        scratch = None
        if found.schema_version < schema.SCHEMA_VERSION:
            scratch = _migrated_copy(source, backup_dir(live))
        try:
            if scratch is not None:
                expected = verify_backup(scratch)
            version = _copy_contents(con, scratch or source)
        finally:
            if scratch is not None:
                scratch.unlink(missing_ok=True)
        checkpoint(con)
        # A last check that the copy landed whole; the transaction makes a mismatch unexpected.
        if fingerprint(con).contents() != expected.contents():
            raise BackupError("復元後の内容がバックアップと一致しません。")
        log.info("restored %s into %s (data version %d)", source, live, version)
        return Restored(source, kept, version)


def replace_damaged(db_path: Path, source: Path) -> Restored:
    """Move a DB file DuckDB cannot read aside (into backups/) and put a verified backup in place.

    Only for a damaged file: nobody can be using it, so replacing the file is safe.
    """
    found = verify_backup(source)
    folder = backup_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    # Not a backup's name, so it is neither listed nor rotated away.
    kept = folder / f"{db_path.stem}-damaged-{now():%Y%m%d-%H%M%S}.duckdb"
    incoming = db_path.with_name(db_path.name + ".restoring")
    copy_durably(source, incoming)
    for suffix in ("", ".wal"):
        damaged = db_path.with_name(db_path.name + suffix)
        if damaged.exists():
            os.replace(damaged, kept.with_name(kept.name + suffix))
    os.replace(incoming, db_path)
    fsync_dir(db_path.parent)
    # Past every version this file may have had, so no cache of the damaged state is reused.
    versions = [found.data_version, *(b.data_version for b in list_backups(db_path))]
    version = max(versions) + 1
    con = open_waiting(db_path, 0)
    try:
        # Set just below the new version: commit_write bumps it, and takes the first backup
        # of the restored file.
        commit_write(
            con,
            lambda: con.execute("UPDATE data_version SET version = ?", [version - 1]),
            f"replacement of damaged {db_path}",
        )
        checkpoint(con)
    finally:
        con.close()
    log.info("replaced damaged %s (kept as %s) with %s", db_path, kept, source)
    return Restored(source, kept, version)
