"""DuckDB storage: schema and migrations, reads as Polars frames, transactional writes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from kyosai.catalog import DATA_DIR, Catalog, default_catalog

DEFAULT_DB_PATH = DATA_DIR / "kyosai.duckdb"
SAMPLE_FILE = DATA_DIR / "sample_counts.csv"
SAMPLE_UPLOAD_NAME = "サンプルデータ"
SAMPLE_UPLOADER = "kyosai"
# Upload and undo times are recorded in Japan time: the staff and the committee read them so,
# whatever zone the server runs in.
LOCAL_ZONE = ZoneInfo("Asia/Tokyo")

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


class StoreError(Exception):
    """A write the store refused; nothing was written."""


class OutdatedError(StoreError):
    """The stored figures changed after the caller read them."""


@dataclass(frozen=True)
class UploadResult:
    """What one committed upload did."""

    upload_id: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int


def _now() -> datetime:
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


def db_path_from_env(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The DB path: the explicit one, else $KYOSAI_DB, else data/kyosai.duckdb."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("KYOSAI_DB") or DEFAULT_DB_PATH)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one explicit transaction: all of it commits, or none of it."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _first_row(
    con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None
) -> tuple[Any, ...]:
    # fetchone() leaves a DuckDB 2.0 result unfinished and blocks the connection: fetch all.
    rows = con.sql(query, params=params).fetchall()
    return tuple(rows[0]) if rows else ()


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the open DB (0 for an empty file)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = _first_row(con, "SELECT max(version) FROM schema_version")
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to SCHEMA_VERSION, one transaction per step; returns the version."""
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


def connect(path: str | os.PathLike[str], *, sample: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the DB at path, migrated; a new DB gets the sample data."""
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    was_new = schema_version(con) == 0
    migrate(con)
    if was_new and sample:
        load_sample(con)
    return con


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


def read_uploads(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every upload, newest first."""
    frame: pl.DataFrame = con.sql(
        """SELECT upload_id, uploaded_at, uploaded_by, file_name, sha256, is_sample,
                  rows_new, rows_revised, rows_unchanged, undone_at, undone_by
           FROM uploads ORDER BY upload_id DESC"""
    ).pl()
    return frame


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
    incoming = rows  # referenced by name in the SQL below (DuckDB replacement scan)
    with transaction(con):
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
                _now(),
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
    con.execute("CHECKPOINT")
    del incoming
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


def find_upload_by_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, datetime] | None:
    """The live (not undone) upload that loaded these exact bytes, if any."""
    row = _first_row(
        con,
        """SELECT upload_id, uploaded_at FROM uploads
           WHERE sha256 = ? AND undone_at IS NULL ORDER BY upload_id LIMIT 1""",
        [sha256],
    )
    return (int(row[0]), row[1]) if row else None


def read_upload_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> pl.DataFrame:
    """The rows one upload brought, with the values they replaced."""
    frame: pl.DataFrame = con.sql(
        """SELECT procedure_id, month, online, total, change, old_online, old_total, old_upload_id
           FROM upload_rows WHERE upload_id = ? ORDER BY procedure_id, month""",
        params=[upload_id],
    ).pl()
    return frame


def blocking_upload(con: duckdb.DuckDBPyConnection, upload_id: int) -> int | None:
    """The latest live upload after this one that touched any of its rows (undo that first)."""
    row = _first_row(
        con,
        """SELECT max(later.upload_id)
           FROM upload_rows mine
           JOIN upload_rows later USING (procedure_id, month)
           JOIN uploads u ON u.upload_id = later.upload_id
           WHERE mine.upload_id = ? AND later.upload_id > ? AND u.undone_at IS NULL""",
        [upload_id, upload_id],
    )
    return int(row[0]) if row and row[0] is not None else None


def undo_upload(con: duckdb.DuckDBPyConnection, upload_id: int, undone_by: str) -> None:
    """Restore exactly the values an upload replaced, in one transaction."""
    with transaction(con):
        state = _first_row(con, "SELECT undone_at FROM uploads WHERE upload_id = ?", [upload_id])
        if not state:
            raise StoreError(f"取込 #{upload_id} はありません。")
        if state[0] is not None:
            raise StoreError(f"取込 #{upload_id} は既に取り消されています。")
        # A later upload that touched the same rows (even leaving them unchanged) relies on
        # this upload's values: undoing underneath it would silently change its figures.
        later = blocking_upload(con, upload_id)
        if later is not None:
            raise StoreError(
                f"取込 #{later} が同じ手続・年月の件数を含んでいるため、取込 #{upload_id} は"
                f"取り消せません。先に取込 #{later} を取り消してください。"
            )
        con.execute(
            """DELETE FROM monthly_counts c USING upload_rows r
               WHERE r.upload_id = ? AND r.change = 'new'
                 AND c.procedure_id = r.procedure_id AND c.month = r.month""",
            [upload_id],
        )
        con.execute(
            """UPDATE monthly_counts c
               SET online = r.old_online, total = r.old_total, upload_id = r.old_upload_id
               FROM upload_rows r
               WHERE r.upload_id = ? AND r.change = 'revised'
                 AND c.procedure_id = r.procedure_id AND c.month = r.month""",
            [upload_id],
        )
        con.execute(
            "UPDATE uploads SET undone_at = ?, undone_by = ? WHERE upload_id = ?",
            [_now(), undone_by, upload_id],
        )
        con.execute("UPDATE data_version SET version = version + 1")
    con.execute("CHECKPOINT")
