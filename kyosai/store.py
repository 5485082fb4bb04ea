"""DuckDB storage: schema and migrations, connections, reads as Polars frames, transactional
writes (each followed by a verified backup)."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from kyosai.catalog import DATA_DIR, Catalog, default_catalog
from kyosai.store_base import DEFAULT_WAIT_SECONDS as DEFAULT_WAIT_SECONDS
from kyosai.store_base import LOCAL_ZONE as LOCAL_ZONE
from kyosai.store_base import WAIT_SECONDS_ENV as WAIT_SECONDS_ENV
from kyosai.store_base import WRITE_LOCK as WRITE_LOCK
from kyosai.store_base import BusyError as BusyError
from kyosai.store_base import DamagedError as DamagedError
from kyosai.store_base import OutdatedError as OutdatedError
from kyosai.store_base import StoreError as StoreError
from kyosai.store_base import after_commit, now, open_waiting, run_write
from kyosai.store_base import first_row as _first_row
from kyosai.store_base import transaction as transaction
from kyosai.store_base import wait_seconds_from_env as wait_seconds_from_env
from kyosai.store_uploads import blocking_upload as blocking_upload
from kyosai.store_uploads import find_upload_by_sha as find_upload_by_sha
from kyosai.store_uploads import read_upload_rows as read_upload_rows
from kyosai.store_uploads import read_uploads as read_uploads
from kyosai.store_uploads import undo_upload as undo_upload

if TYPE_CHECKING:
    from kyosai.backups import BackupOutcome

DEFAULT_DB_PATH = DATA_DIR / "kyosai.duckdb"
SAMPLE_FILE = DATA_DIR / "sample_counts.csv"
SAMPLE_UPLOAD_NAME = "サンプルデータ"
SAMPLE_UPLOADER = "kyosai"

# Each entry moves the schema from version i to i + 1. Never edit a released entry: append one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE uploads (
            upload_id INTEGER PRIMARY KEY,
            uploaded_at TIMESTAMP NOT NULL,
            uploaded_by VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            is_sample BOOLEAN NOT NULL DEFAULT FALSE,
            rows_new INTEGER NOT NULL,
            rows_revised INTEGER NOT NULL,
            rows_unchanged INTEGER NOT NULL,
            undone_at TIMESTAMP,
            undone_by VARCHAR
        )""",
        """CREATE TABLE monthly_counts (
            procedure_id VARCHAR NOT NULL,
            month DATE NOT NULL,
            online BIGINT NOT NULL,
            total BIGINT NOT NULL,
            upload_id INTEGER NOT NULL,
            PRIMARY KEY (procedure_id, month),
            CHECK (online >= 0 AND online <= total),
            CHECK (day(month) = 1)
        )""",
        # Every row an upload brought, and the value it replaced (null when the row was new),
        # so an upload can be undone exactly and every figure traced to its file.
        """CREATE TABLE upload_rows (
            upload_id INTEGER NOT NULL,
            procedure_id VARCHAR NOT NULL,
            month DATE NOT NULL,
            online BIGINT NOT NULL,
            total BIGINT NOT NULL,
            change VARCHAR NOT NULL CHECK (change IN ('new', 'revised', 'unchanged')),
            old_online BIGINT,
            old_total BIGINT,
            old_upload_id INTEGER,
            PRIMARY KEY (upload_id, procedure_id, month),
            CHECK (online >= 0 AND online <= total)
        )""",
        # Bumped by every write, so caches can key on it.
        "CREATE TABLE data_version (version BIGINT NOT NULL)",
        "INSERT INTO data_version VALUES (0)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class UploadResult:
    """What one committed upload did."""

    upload_id: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int
    # The backup taken after the commit, or why there is none; never part of equality.
    backup: BackupOutcome | None = field(default=None, compare=False)


log = logging.getLogger("kyosai.store")


def db_path_from_env(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DB path: the explicit one, else $KYOSAI_DB, else data/kyosai.duckdb."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("KYOSAI_DB") or DEFAULT_DB_PATH)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the open DB (0 for an empty file)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = _first_row(con, "SELECT max(version) FROM schema_version")
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to SCHEMA_VERSION, one transaction per step; returns the version."""
    with WRITE_LOCK:
        current = schema_version(con)
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"このデータベースは新しい版の kyosai で作られています（版 {current}）。"
                "kyosai を更新してください。"
            )
        for version in range(current, SCHEMA_VERSION):
            with transaction(con):
                for statement in MIGRATIONS[version]:
                    con.execute(statement)
                con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])
    return SCHEMA_VERSION


def _stored_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    # Unlike schema_version() this writes nothing, so opening a current DB never takes the lock.
    try:
        row = _first_row(con, "SELECT max(version) FROM schema_version")
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row and row[0] is not None else None


def _prepare(con: duckdb.DuckDBPyConnection, sample: bool) -> None:
    if _stored_schema_version(con) == SCHEMA_VERSION:
        return
    # Under the lock, so two threads opening a new file do not both migrate it or load the sample.
    with WRITE_LOCK:
        was_new = schema_version(con) == 0
        migrate(con)
        if was_new and sample:
            load_sample(con)


def connect(
    path: str | os.PathLike[str], *, sample: bool = True, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DB at path, migrated; a new DB gets the sample data.

    With wait_seconds, opening is retried while another process holds the file (BusyError
    after that long); the caller closes the connection.
    """
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(db_path, wait_seconds) if wait_seconds > 0 else duckdb.connect(str(db_path))
    try:
        _prepare(con, sample)
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
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(db_path, wait_seconds)
    try:
        _prepare(con, sample)
        yield con
    finally:
        con.close()


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever stored figures change."""
    row = _first_row(con, "SELECT version FROM data_version")
    return int(row[0]) if row else 0


def read_counts(
    con: duckdb.DuckDBPyConnection,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> pl.DataFrame:
    """Monthly counts (procedure_id, month, online, total, upload_id, is_sample), sorted."""
    query = """
        SELECT c.procedure_id, c.month, c.online, c.total, c.upload_id,
               coalesce(u.is_sample, FALSE) AS is_sample
        FROM monthly_counts c LEFT JOIN uploads u USING (upload_id)
        WHERE ($procedures IS NULL OR list_contains($procedures, c.procedure_id))
          AND ($first IS NULL OR c.month >= $first)
          AND ($last IS NULL OR c.month <= $last)
        ORDER BY c.procedure_id, c.month
    """
    params = {"procedures": procedure_ids, "first": first, "last": last}
    frame: pl.DataFrame = con.sql(query, params=params).pl()
    return frame


def latest_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest month with any stored counts."""
    row = _first_row(con, "SELECT max(month) FROM monthly_counts")
    return row[0] if row else None


def _validate_rows(rows: pl.DataFrame, catalog: Catalog) -> None:
    # Checked here so every refusal is a StoreError with a message, not a DB constraint error.
    if rows.null_count().sum_horizontal().item():
        raise StoreError("手続・年月・オンライン件数・全体件数のいずれかが空の行があります")
    known = {p.procedure_id for p in catalog.procedures}
    unknown = set(rows["procedure_id"].unique().to_list()) - known
    if unknown:
        raise StoreError(f"カタログにない手続です: {', '.join(sorted(unknown))}")
    if rows.select((pl.col("month").dt.day() != 1).any()).item():
        raise StoreError("年月は月の1日で指定してください")
    if rows.select(pl.struct("procedure_id", "month").is_duplicated().any()).item():
        raise StoreError("同じ手続・年月の行が重複しています")
    if rows.filter((pl.col("online") < 0) | (pl.col("online") > pl.col("total"))).height:
        raise StoreError("件数は 0 ≤ オンライン件数 ≤ 全体件数 でなければなりません")


def write_upload(
    con: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    *,
    file_name: str,
    sha256: str,
    uploaded_by: str,
    is_sample: bool = False,
    catalog: Catalog | None = None,
    expected_version: int | None = None,
) -> UploadResult:
    """Write an upload's rows (procedure_id, month, online, total) in one transaction.

    With expected_version, the write is refused if the stored figures changed since the caller
    read them (the preview it showed would no longer be what gets written). The same bytes
    (sha256) are never loaded twice while their upload is live.
    """
    rows = rows.select(
        pl.col("procedure_id").cast(pl.String),
        pl.col("month").cast(pl.Date),
        pl.col("online").cast(pl.Int64),
        pl.col("total").cast(pl.Int64),
    )
    _validate_rows(rows, catalog or default_catalog())
    with WRITE_LOCK:
        result = run_write(
            con,
            lambda: _insert_upload(
                con, rows, file_name, sha256, uploaded_by, is_sample, expected_version
            ),
        )
        log.debug("upload %d: committed", result.upload_id)
        return replace(result, backup=after_commit(con))


def _insert_upload(
    con: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    file_name: str,
    sha256: str,
    uploaded_by: str,
    is_sample: bool,
    expected_version: int | None,
) -> UploadResult:
    # The body of write_upload's transaction; run again as a whole after a write conflict.
    incoming = rows  # referenced by name in the SQL below (DuckDB replacement scan)
    if expected_version is not None and data_version(con) != expected_version:
        raise OutdatedError(
            "確認画面を表示した後に、別の取込または取消でデータが変わりました。"
            "もう一度ファイルを確認してから登録してください。"
        )
    if find_upload_by_sha(con, sha256) is not None:
        raise StoreError("このファイルは既に取り込まれています。")
    row = _first_row(con, "SELECT coalesce(max(upload_id), 0) + 1 FROM uploads")
    upload_id = int(row[0]) if row else 1
    con.execute(
        """INSERT INTO upload_rows
           SELECT ?, i.procedure_id, i.month, i.online, i.total,
                  CASE WHEN c.procedure_id IS NULL THEN 'new'
                       WHEN c.online = i.online AND c.total = i.total THEN 'unchanged'
                       ELSE 'revised' END,
                  c.online, c.total, c.upload_id
           FROM incoming i
           LEFT JOIN monthly_counts c USING (procedure_id, month)""",
        [upload_id],
    )
    del incoming
    # Unchanged rows keep the upload that first wrote them, so undo stays exact.
    con.execute(
        """INSERT INTO monthly_counts
           SELECT procedure_id, month, online, total, upload_id FROM upload_rows
           WHERE upload_id = ? AND change <> 'unchanged'
           ON CONFLICT (procedure_id, month) DO UPDATE
           SET online = excluded.online, total = excluded.total,
               upload_id = excluded.upload_id""",
        [upload_id],
    )
    counts = _first_row(
        con,
        """SELECT count(*) FILTER (WHERE change = 'new'),
                  count(*) FILTER (WHERE change = 'revised'),
                  count(*) FILTER (WHERE change = 'unchanged')
           FROM upload_rows WHERE upload_id = ?""",
        [upload_id],
    )
    result = UploadResult(upload_id, int(counts[0]), int(counts[1]), int(counts[2]))
    con.execute(
        "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [
            upload_id,
            now(),
            uploaded_by,
            file_name,
            sha256,
            is_sample,
            result.rows_new,
            result.rows_revised,
            result.rows_unchanged,
        ],
    )
    con.execute("UPDATE data_version SET version = version + 1")
    log.debug("upload %d: written, committing", upload_id)
    return result


def read_sample_rows(path: Path = SAMPLE_FILE) -> pl.DataFrame:
    """The shipped sample counts as rows ready for write_upload."""
    return pl.read_csv(path, schema_overrides={"month": pl.String}).with_columns(
        pl.col("month").str.strptime(pl.Date, "%Y-%m")
    )


def load_sample(con: duckdb.DuckDBPyConnection) -> UploadResult:
    """Write the sample data as an upload named サンプルデータ."""
    digest = hashlib.sha256(SAMPLE_FILE.read_bytes()).hexdigest()
    return write_upload(
        con,
        read_sample_rows(),
        file_name=SAMPLE_UPLOAD_NAME,
        sha256=digest,
        uploaded_by=SAMPLE_UPLOADER,
        is_sample=True,
    )
