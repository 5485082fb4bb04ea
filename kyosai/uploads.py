"""Page models for the upload record (取込履歴): every upload and the figures it brought."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from kyosai import store
from kyosai.calendar import month_label
from kyosai.catalog import Catalog

CHANGE_LABELS = {"new": "新規", "revised": "修正", "unchanged": "変更なし"}


@dataclass(frozen=True)
class UploadDetail:
    """One upload: its record, the rows it brought, and whether it can be undone now."""

    upload_id: int
    summary: dict[str, object]
    rows: pl.DataFrame
    undone: bool
    blocked_by: int | None


# One clock for every place that lists uploads (取込履歴, データの定義, the pack, the CLI).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def upload_log(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every upload, newest first, with Japanese column names and its state in words."""
    return store.read_uploads(con).select(
        pl.col("upload_id").alias("番号"),
        pl.col("uploaded_at").dt.strftime(TIMESTAMP_FORMAT).alias("取込日時"),
        pl.col("uploaded_by").alias("取込者"),
        pl.col("file_name").alias("ファイル名"),
        pl.col("sha256").str.slice(0, 12).alias("sha256（先頭12桁）"),
        pl.col("rows_new").alias("新規"),
        pl.col("rows_revised").alias("修正"),
        pl.col("rows_unchanged").alias("変更なし"),
        pl.when(pl.col("undone_at").is_null())
        .then(pl.lit("有効"))
        .otherwise(
            pl.lit("取消済み（")
            + pl.col("undone_at").dt.strftime(TIMESTAMP_FORMAT)
            + pl.lit("、")
            + pl.col("undone_by").fill_null("")
            + pl.lit("）")
        )
        .alias("状態"),
    )


def detail(con: duckdb.DuckDBPyConnection, catalog: Catalog, upload_id: int) -> UploadDetail:
    """The figures one upload brought and the values they replaced."""
    uploads = store.read_uploads(con).filter(pl.col("upload_id") == upload_id)
    if uploads.is_empty():
        raise store.StoreError(f"取込 #{upload_id} はありません。")
    record = uploads.row(0, named=True)
    labels = {p.procedure_id: catalog.row_label(p.procedure_id) for p in catalog.procedures}
    order = {p.procedure_id: i for i, p in enumerate(catalog.procedures)}
    rows = store.read_upload_rows(con, upload_id).sort(
        pl.col("procedure_id").replace_strict(order, default=len(order)), "month"
    )
    table = pl.DataFrame(
        [
            {
                "手続": labels.get(r["procedure_id"], r["procedure_id"]),
                "年月": month_label(r["month"]),
                "オンライン件数": r["online"],
                "全体件数": r["total"],
                "区分": CHANGE_LABELS[r["change"]],
                "変更前（オンライン/全体）": (
                    f"{r['old_online']:,} / {r['old_total']:,}" if r["change"] == "revised" else ""
                ),
            }
            for r in rows.iter_rows(named=True)
        ],
        schema={
            "手続": pl.String,
            "年月": pl.String,
            "オンライン件数": pl.Int64,
            "全体件数": pl.Int64,
            "区分": pl.String,
            "変更前（オンライン/全体）": pl.String,
        },
    )
    undone = record["undone_at"] is not None
    return UploadDetail(
        upload_id=upload_id,
        summary=record,
        rows=table,
        undone=undone,
        blocked_by=None if undone else store.blocking_upload(con, upload_id),
    )
