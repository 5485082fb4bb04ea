"""Counts: reading the monthly counts as Polars frames, writing an upload, and the sample data."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from kyosai.catalog import DATA_DIR, Catalog, default_catalog
from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, now
from kyosai.store.faults import OutdatedError, StoreError
from kyosai.store.schema import data_version
from kyosai.store.uploads import find_upload_by_sha
from kyosai.store.writes import commit_write

SAMPLE_FILE = DATA_DIR / "sample_counts.csv"
SAMPLE_UPLOAD_NAME = "サンプルデータ"
SAMPLE_UPLOADER = "kyosai"


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


def read_counts(
    con: duckdb.DuckDBPyConnection,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
    *,
    ordered: bool = True,
) -> pl.DataFrame:
    """Monthly counts (procedure_id, month, online, total, upload_id, is_sample), sorted by
    procedure and month unless `ordered` is False (the rate engine needs no order, and the
    sort is most of the read's time on a large store)."""
    # A handful of sample upload ids: cheaper than joining every count row to the uploads.
    samples = [
        int(row[0]) for row in con.sql("SELECT upload_id FROM uploads WHERE is_sample").fetchall()
    ]
    order = "ORDER BY procedure_id, month" if ordered else ""
    query = f"""
        SELECT procedure_id, month, online, total, upload_id,
               list_contains($samples, upload_id) AS is_sample
        FROM monthly_counts
        WHERE ($procedures IS NULL OR list_contains($procedures, procedure_id))
          AND ($first IS NULL OR month >= $first)
          AND ($last IS NULL OR month <= $last)
        {order}
    """
    params = {"procedures": procedure_ids, "first": first, "last": last, "samples": samples}
    frame: pl.DataFrame = con.sql(query, params=params).pl()
    return frame


def latest_month(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest month with any stored counts."""
    row = first_row(con, "SELECT max(month) FROM monthly_counts")
    return row[0] if row else None


def _validate_rows(rows: pl.DataFrame, catalog: Catalog, added: list[str]) -> None:
    # Checked here so every refusal is a StoreError with a message, not a DB constraint error.
    if rows.null_count().sum_horizontal().item():
        raise StoreError("手続・年月・オンライン件数・全体件数のいずれかが空の行があります")
    known = {p.procedure_id for p in catalog.procedures} | set(added)
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
    # Procedures staff added in the app are known too (kyosai.store.additions).
    added = [r[0] for r in con.sql(
        "SELECT procedure_id FROM procedure_additions WHERE undone_at IS NULL"
    ).fetchall()]  # fmt: skip
    _validate_rows(rows, catalog or default_catalog(), added)
    committed = commit_write(
        con,
        lambda: _insert_upload(
            con, rows, file_name, sha256, uploaded_by, is_sample, expected_version
        ),
        f"upload of {file_name}",
    )
    return replace(committed.value, backup=committed.backup)


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
    row = first_row(con, "SELECT coalesce(max(upload_id), 0) + 1 FROM uploads")
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
    counts = first_row(
        con,
        """SELECT count(*) FILTER (WHERE change = 'new'),
                  count(*) FILTER (WHERE change = 'revised'),
                  count(*) FILTER (WHERE change = 'unchanged')
           FROM upload_rows WHERE upload_id = ?""",
        [upload_id],
    )
    result = UploadResult(upload_id, int(counts[0]), int(counts[1]), int(counts[2]))
    con.execute(
        """INSERT INTO uploads (upload_id, uploaded_at, uploaded_by, file_name, sha256, is_sample,
                               rows_new, rows_revised, rows_unchanged)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
