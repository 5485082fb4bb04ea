"""Restore a verified backup: into a working DB in one transaction, or over a damaged file."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
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
    checkpoint,
    db_file,
    first_row,
    is_read_only,
    now,
    open_waiting,
    sql_identifier,
    sql_literal,
)
from kyosai.store.faults import DamagedError, Fault, StorageFault, StoreError, fault_message
from kyosai.store.integrity import forget
from kyosai.store.schema import BOOKKEEPING_TABLES, data_version, migrate
from kyosai.store.writes import commit_write

_ALIAS = "kyosai_restore"
_CHECK_ALIAS = "kyosai_restore_check"

log = logging.getLogger("kyosai.backups")


@dataclass(frozen=True)
class Restored:
    """What a restore did: from which file, where the replaced DB was kept, the new version."""

    source: Path
    kept: Path
    data_version: int
    moved_aside: tuple[Path, ...] = ()


@dataclass(frozen=True)
class MissingUpload:
    """An upload the current DB holds and a backup lacks: restoring the backup would drop it."""

    upload_id: int
    uploaded_at: datetime
    uploaded_by: str
    file_name: str
    undone: bool

    def describe(self) -> str:
        """`#3 山田 R7Q3.xlsx（2025-12-01 10:00）`, as the refusal lists it."""
        state = "、取消済み" if self.undone else ""
        return (
            f"#{self.upload_id} {self.uploaded_by} {self.file_name}"
            f"（{self.uploaded_at:%Y-%m-%d %H:%M}{state}）"
        )


class RollbackRefused(StoreError):
    """Restoring would drop committed uploads, and the caller did not say --force."""

    def __init__(self, source: Path, missing: list[MissingUpload]) -> None:
        """The refusal, naming every upload the backup lacks."""
        listed = "、".join(upload.describe() for upload in missing)
        super().__init__(
            f"バックアップ {source.name} には、現在のデータベースにある {len(missing)} 件の取込が"
            f"含まれていません。復元すると次の取込が失われます: {listed}。"
            "何も変更していません。それでも復元するときは --force を付けて実行してください"
            "（現在のデータベースは消さずに退避し、restore --list に表示します）。"
        )
        self.missing = missing


KEPT_LABELS = ("damaged", "before-restore")


def kept_copies(db_path: Path) -> list[Path]:
    """Files moved aside rather than deleted (damaged files, the DB before a forced restore),
    newest first; never rotated, and restorable by name."""
    folder = backup_dir(db_path)
    found = [
        path
        for label in KEPT_LABELS
        for path in (folder.glob(f"{db_path.stem}-{label}-*.duckdb") if folder.is_dir() else ())
    ]
    return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)


def _kept_name(db_path: Path, label: str) -> Path:
    folder = backup_dir(db_path)
    base = f"{db_path.stem}-{label}-{now():%Y%m%d-%H%M%S}"
    candidate, seq = folder / f"{base}.duckdb", 1
    while candidate.exists():
        candidate, seq = folder / f"{base}.{seq}.duckdb", seq + 1
    return candidate


def missing_uploads(con: duckdb.DuckDBPyConnection, source: Path) -> list[MissingUpload]:
    """The uploads of the current DB (same number, same bytes, same time) that `source` lacks."""
    query = "SELECT upload_id, uploaded_at, uploaded_by, file_name, sha256, undone_at FROM {}"
    current = con.sql(query.format("uploads")).fetchall()
    con.execute(f"ATTACH {sql_literal(str(source))} AS {_CHECK_ALIAS} (READ_ONLY)")
    try:
        theirs = con.sql(query.format(f"{_CHECK_ALIAS}.main.uploads")).fetchall()
    finally:
        con.execute(f"DETACH {_CHECK_ALIAS}")
    kept = {(row[0], row[1], row[4]) for row in theirs}
    return [
        MissingUpload(int(row[0]), row[1], str(row[2]), str(row[3]), row[5] is not None)
        for row in sorted(current)
        if (row[0], row[1], row[4]) not in kept
    ]


def newest_sound_backup(db_path: Path) -> tuple[Path, list[tuple[Path, str]]]:
    """The newest backup that verifies, and the newer ones that did not (with why)."""
    skipped: list[tuple[Path, str]] = []
    for backup in list_backups(db_path):
        try:
            verify_backup(backup.path)
        except BackupError as error:
            skipped.append((backup.path, str(error)))
            continue
        return backup.path, skipped
    raise BackupError(f"使えるバックアップがありません（{backup_dir(db_path)}）。")


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


def restore_backup(
    con: duckdb.DuckDBPyConnection, source: Path, *, force: bool = False
) -> Restored:
    """Replace a working DB's contents with a verified backup's, in one transaction.

    A backup that lacks uploads the DB holds is refused (RollbackRefused) unless `force`; then
    the current DB is kept aside under a name that is never rotated away. Otherwise it is kept
    as an ordinary backup. The data version moves forward, not back, so anything cached for
    the replaced state is dropped. Holding the connection throughout, no other process can
    slip in between; a killed restore leaves the DB as it was.
    """
    with WRITE_LOCK:
        live = db_file(con)
        if is_read_only(con):
            raise StorageFault(fault_message(Fault.READ_ONLY, live, "復元"), Fault.READ_ONLY)
        if source.resolve() == live.resolve():
            raise BackupError("復元元に現在のデータベースそのものが指定されています。")
        found = verify_backup(source)
        try:
            missing = missing_uploads(con, source)
            if missing and not force:
                raise RollbackRefused(source, missing)
            kept = take_backup(con, protect=[source]).path
        except duckdb.Error as error:  # reading the live DB failed: it is damaged
            raise DamagedError(f"現在のデータベースが読み取れません（{error}）。") from error
        if missing:
            aside = _kept_name(live, "before-restore")
            os.replace(kept, aside)
            kept = aside
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
    # Not a backup's name, so it is never rotated away; restore --list shows it.
    kept = _kept_name(db_path, "damaged")
    incoming = db_path.with_name(db_path.name + ".restoring")
    copy_durably(source, incoming)
    moved: list[Path] = []
    for suffix in ("", ".wal"):
        damaged = db_path.with_name(db_path.name + suffix)
        if damaged.exists():
            # Renamed, never opened: the file is moved whole, and no descriptor of it is
            # opened and closed in this process (which would drop any lock held on it).
            target = kept.with_name(kept.name + suffix)
            _move(damaged, target)
            moved.append(target)
    os.replace(incoming, db_path)
    fsync_dir(db_path.parent)
    forget(db_path)
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
    return Restored(source, kept, version, tuple(moved))


def _move(source: Path, target: Path) -> None:
    # A backups folder on another disk ($KYOSAI_BACKUP_DIR) cannot take a rename.
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        copy_durably(source, target)
        source.unlink()
