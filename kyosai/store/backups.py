"""Verified backup copies of the DB file after every commit, and their rotation."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from kyosai.store import schema
from kyosai.store.db import (
    WRITE_LOCK,
    checkpoint,
    db_file,
    first_row,
    now,
    sql_identifier,
    sql_literal,
)
from kyosai.store.faults import StoreError
from kyosai.store.schema import BOOKKEEPING_TABLES, REQUIRED_TABLES

BACKUP_DIR_NAME = "backups"
# A folder of the staff's choosing (a share on another disk, say) instead of <db dir>/backups.
BACKUP_DIR_ENV = "KYOSAI_BACKUP_DIR"
KEEP = 10
_PARTIAL = ".partial"
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})-(?P<version>\d+)(?:\.(?P<seq>\d+))?\.duckdb$"
)

log = logging.getLogger("kyosai.backups")


class BackupError(StoreError):
    """A backup that could not be made, verified or restored."""


@dataclass(frozen=True)
class Backup:
    """One backup file: where it is, when it was taken (Japan time), the data version it holds."""

    path: Path
    taken_at: datetime
    data_version: int


@dataclass(frozen=True)
class BackupOutcome:
    """The backup after a commit: the verified copy, or why there is none (the commit stands)."""

    backup: Backup | None
    error: str | None = None


@dataclass(frozen=True)
class Fingerprint:
    """What a copy must match: both versions, and each table's row count and row-hash sum."""

    schema_version: int
    data_version: int
    tables: tuple[tuple[str, int, int], ...]

    def contents(self) -> tuple[tuple[str, int, int], ...]:
        """The tables a restore copies."""
        return tuple(t for t in self.tables if t[0] not in BOOKKEEPING_TABLES)


def backup_dir(db_path: Path) -> Path:
    """Where the backups of this DB file are kept: <db dir>/backups, or on $KYOSAI_BACKUP_DIR a
    folder of this file's own (its name and a hash of its full path), so that two databases
    of one file name sharing the location never rotate, restore or check each other's."""
    chosen = os.environ.get(BACKUP_DIR_ENV, "").strip()
    if not chosen:
        return db_path.parent / BACKUP_DIR_NAME
    key = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:8]
    return Path(chosen) / f"{db_path.stem}-{key}"


def legacy_backup_dir(db_path: Path) -> Path | None:
    """The shared folder itself, where backups went before each database had its own."""
    chosen = os.environ.get(BACKUP_DIR_ENV, "").strip()
    return Path(chosen) if chosen else None


def _fingerprint_file(db_path: Path) -> Path:
    return backup_dir(db_path) / f"{db_path.stem}.last-backup.json"


def record_fingerprint(db_path: Path, found: Fingerprint) -> None:
    """Keep the fingerprint of the newest verified backup beside the backups."""
    target = _fingerprint_file(db_path)
    partial = target.with_name(target.name + _PARTIAL)
    data = {
        "schema_version": found.schema_version,
        "data_version": found.data_version,
        "tables": [list(table) for table in found.tables],
        # Whose fingerprint it is: a shared backup folder may hold a same-named DB's too.
        "db_path": str(db_path.resolve()),
    }
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, target)


def forget_fingerprint(db_path: Path) -> None:
    """Drop the recorded fingerprint (the DB file at this path is a new one)."""
    _fingerprint_file(db_path).unlink(missing_ok=True)


def recorded_fingerprint(db_path: Path) -> Fingerprint | None:
    """The fingerprint of the newest verified backup, if one was recorded and reads back."""
    try:
        data = json.loads(_fingerprint_file(db_path).read_text(encoding="utf-8"))
        # Another DB's of the same name (one backup folder for several): not this file's.
        # A fingerprint written before paths were recorded is taken as this file's.
        if data.get("db_path", str(db_path.resolve())) != str(db_path.resolve()):
            return None
        tables = tuple((str(t[0]), int(t[1]), int(t[2])) for t in data["tables"])
        return Fingerprint(int(data["schema_version"]), int(data["data_version"]), tables)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def table_names(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The tables of one attached database's main schema, sorted."""
    rows = con.sql(
        """SELECT table_name FROM duckdb_tables()
           WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name""",
        params=[catalog],
    ).fetchall()
    return [str(name) for (name,) in rows]


def fingerprint(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> Fingerprint:
    """Read every row of every table (so DuckDB checks every block's checksum) into a summary."""
    name = catalog or str(first_row(con, "SELECT current_database()")[0])
    tables = table_names(con, name)
    if not set(tables) >= REQUIRED_TABLES:
        raise BackupError("kyosai のデータベースではありません（必要な表がありません）。")
    # One query for all tables: hash(t) hashes a whole row, and the sum ignores row order.
    parts = [
        f"SELECT {sql_literal(table)} AS name, count(*) AS n, "
        f"coalesce(sum(hash(t)::HUGEINT), 0) AS checksum "
        f"FROM {sql_identifier(name)}.main.{sql_identifier(table)} t"
        for table in tables
    ]
    versions = {
        key: f"(SELECT max(version) FROM {sql_identifier(name)}.main.{key})"
        for key in ("schema_version", "data_version")
    }
    rows = con.sql(
        f"SELECT name, n, checksum, {versions['schema_version']}, {versions['data_version']} "
        f"FROM ({' UNION ALL '.join(parts)}) ORDER BY name"
    ).fetchall()
    summaries = tuple((str(r[0]), int(r[1]), int(r[2])) for r in rows)
    return Fingerprint(int(rows[0][3] or 0), int(rows[0][4] or 0), summaries)


def verify_backup(path: Path, expected: Fingerprint | None = None) -> Fingerprint:
    """Open a copy read-only and read all of it; raises BackupError unless it is sound."""
    if not path.is_file():
        raise BackupError(f"バックアップ {path} が見つかりません。")
    try:
        # A different file from any open DB, so a second read-only instance in this process is
        # allowed even while the live DB is open read-write.
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        log.info("cannot open %s: %s", path, error)
        raise BackupError(
            f"{path.name} はデータベースとして開けません（壊れているか、別の種類のファイルです）。"
        ) from None
    try:
        found = fingerprint(con)
    except duckdb.Error as error:
        log.info("cannot read %s: %s", path, error)
        raise BackupError(f"{path.name} は壊れています（読み取れない部分があります）。") from None
    finally:
        con.close()
    if not 1 <= found.schema_version <= schema.SCHEMA_VERSION:
        raise BackupError(
            f"{path.name} はこの版の kyosai では使えません（スキーマ版 {found.schema_version}）。"
        )
    if expected is not None and found != expected:
        raise BackupError(f"{path.name} の内容が元のデータベースと一致しません。")
    return found


def _backups_in(folder: Path, stem: str) -> list[Backup]:
    found: list[tuple[datetime, int, int, Backup]] = []
    for path in folder.glob("*.duckdb") if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match is None or match["stem"] != stem:
            continue
        taken = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
        backup = Backup(path, taken, int(match["version"]))
        found.append((taken, backup.data_version, int(match["seq"] or 0), backup))
    return [entry[3] for entry in sorted(found, key=lambda e: e[:3], reverse=True)]


def list_backups(db_path: Path) -> list[Backup]:
    """The backups of this DB file, newest first."""
    own = _backups_in(backup_dir(db_path), db_path.stem)
    legacy = legacy_backup_dir(db_path)
    if own or legacy is None:
        return own
    # Until this database's first backup in its own folder, the ones made before it had one
    # are still listed (they may be another same-named database's: the restore's check for
    # missing uploads applies to them as to any backup). They are never rotated away.
    return _backups_in(legacy, db_path.stem)


def rotate(db_path: Path, keep: int = KEEP, protect: Iterable[Path] = ()) -> list[Path]:
    """Delete all but the newest `keep` backups (never a protected one) and stale partials."""
    kept = {p.resolve() for p in protect}
    own = _backups_in(backup_dir(db_path), db_path.stem)
    removed = [b.path for b in own[keep:] if b.path.resolve() not in kept]
    # A partial copy is left only by a process killed mid-backup; backups are made under the
    # write lock by the one process holding the DB, so none is being written now.
    removed += list(backup_dir(db_path).glob(f"{db_path.stem}-*{_PARTIAL}*"))
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def copy_durably(source: Path, target: Path) -> None:
    """Copy a file and fsync the copy, so it is on disk before anything refers to it."""
    shutil.copyfile(source, target)
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a directory, so a rename in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _free_name(folder: Path, stem: str, taken: datetime, version: int) -> Path:
    # Two backups of one version in one second (a restore's safety copy) get .1, .2, ... so
    # that they still sort in the order they were taken.
    base = f"{stem}-{taken:%Y%m%d-%H%M%S}-{version}"
    candidates = [folder / f"{base}.duckdb", *folder.glob(f"{base}.*.duckdb")]
    seqs = [
        int(match["seq"] or 0)
        for path in candidates
        if path.exists() and (match := _NAME.match(path.name))
    ]
    return folder / (f"{base}.{max(seqs) + 1}.duckdb" if seqs else f"{base}.duckdb")


def _write_copy(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    # DuckDB writes the copy itself, from one consistent snapshot. The live file must never be
    # opened with a second file descriptor in this process: closing it would drop the POSIX
    # lock DuckDB holds on the file, and another process could then open it and write too.
    cursor = con.cursor()
    try:
        source = cursor.sql("SELECT current_database()").fetchall()[0][0]
        cursor.execute(f"ATTACH {sql_literal(str(target))} AS kyosai_backup_target")
        try:
            cursor.execute(f"COPY FROM DATABASE {sql_identifier(source)} TO kyosai_backup_target")
        finally:
            cursor.execute("DETACH kyosai_backup_target")
    finally:
        cursor.close()
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())


def take_backup(
    con: duckdb.DuckDBPyConnection, *, keep: int = KEEP, protect: Iterable[Path] = ()
) -> Backup:
    """CHECKPOINT, copy the DB file to backups/, verify the copy, rotate; raises BackupError.

    The copy is written by DuckDB from a consistent snapshot (never by copying the live file),
    so readers are never waited for and the process keeps its lock on the live file.
    """
    with WRITE_LOCK:  # no commit may change the file or its WAL until both are copied
        db = db_file(con)
        log.debug("backup: checkpoint")
        checkpoint(con)
        expected = fingerprint(con)
        folder = backup_dir(db)
        taken = now().replace(microsecond=0)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            final = _free_name(folder, db.stem, taken, expected.data_version)
        except OSError as error:
            raise BackupError(f"バックアップの置き場所を作れませんでした（{error}）。") from error
        partial = final.with_name(final.name + _PARTIAL)
        partial_wal = partial.with_name(partial.name + ".wal")
        try:
            log.debug("backup: writing %s", partial)
            partial.unlink(missing_ok=True)
            _write_copy(con, partial)
            log.debug("backup: verifying %s", partial)
            verify_backup(partial, expected)
            # Only a verified copy ever carries a backup's name.
            os.replace(partial, final)
            fsync_dir(folder)
        except (OSError, duckdb.Error) as error:
            raise BackupError(f"バックアップを書き込めませんでした（{error}）。") from error
        finally:
            partial.unlink(missing_ok=True)
            partial_wal.unlink(missing_ok=True)
        rotate(db, keep, protect=[*protect, final])
        try:
            record_fingerprint(db, expected)
        except OSError as error:  # the backup itself is made and verified; opening still checks
            log.warning("could not record the backup's fingerprint: %s", error)
        log.debug("backup: done %s", final)
        return Backup(final, taken, expected.data_version)


def backup_after_commit(con: duckdb.DuckDBPyConnection) -> BackupOutcome:
    """The backup that follows every commit; a failure is logged and returned, never raised."""
    try:
        return BackupOutcome(take_backup(con))
    except BackupError as error:
        log.warning("backup after commit failed: %s", error)
        return BackupOutcome(None, str(error))
    except Exception as error:  # why: a failed backup must never look like a failed commit
        log.warning("backup after commit failed: %r", error)
        return BackupOutcome(None, f"バックアップを作成できませんでした（{error}）。")


def backup_is_behind(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the newest backup holds an older data version than the database (or none)."""
    listed = list_backups(db_file(con))
    backed_up = listed[0].data_version if listed else 0
    return backed_up < schema.data_version(con)


def backup_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Back up now if the newest backup is behind; why that failed, or None when all is backed
    up (for `init`, which must not report success without a copy)."""
    if not backup_is_behind(con):
        return None
    try:
        take_backup(con)
    except BackupError as error:
        return str(error)
    return None


def behind_message(con: duckdb.DuckDBPyConnection) -> str | None:
    """The staff's warning when the newest backup is behind the database, else None."""
    if not backup_is_behind(con):
        return None
    listed = list_backups(db_file(con))
    last = f"データ版 {listed[0].data_version}" if listed else "まだありません"
    return (
        f"最新の状態のバックアップがありません（最後のバックアップ: {last}、"
        f"データベース: データ版 {schema.data_version(con)}）。"
        "登録・取消は完了していますが、バックアップの作成に失敗しています。"
        "次の登録・取消の前にもう一度作成を試みます。ディスクの空きと、バックアップ先"
        f"（{backup_dir(db_file(con))}）に書き込めるかを確かめてください。"
    )


def find_backup(db_path: Path, name: str) -> Path:
    """The backup a user named: a path, or a file name in the DB's backups folder."""
    legacy = legacy_backup_dir(db_path)
    places = [Path(name), backup_dir(db_path) / name, *([legacy / name] if legacy else [])]
    for candidate in places:
        if candidate.is_file():
            return candidate
    raise BackupError(f"バックアップ {name} が見つかりません。")
