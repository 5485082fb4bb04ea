"""Page models for the upload record (取込履歴): every upload and the figures it brought."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from kyosai import store
from kyosai.calendar import month_label
from kyosai.catalog import Catalog, in_catalog_order

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
SHA_COLUMN = "sha256（先頭12桁）"


def upload_log(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every upload, newest first, with Japanese column names and its state in words."""
    return store.read_uploads(con).select(
        pl.col("upload_id").alias("番号"),
        pl.col("uploaded_at").dt.strftime(TIMESTAMP_FORMAT).alias("取込日時"),
        # The sample is kyosai's own: said so, not shown as if a person named kyosai uploaded it.
        pl.when(pl.col("is_sample"))
        .then(pl.col("uploaded_by") + pl.lit("（同梱のサンプル）"))
        .otherwise(pl.col("uploaded_by"))
        .alias("取込者"),
        pl.col("file_name").alias("ファイル名"),
        pl.col("sha256").str.slice(0, 12).alias(SHA_COLUMN),
        pl.col("rows_new").alias("新規"),
        pl.col("rows_revised").alias("修正"),
        pl.col("rows_unchanged").alias("変更なし"),
        pl.col("rows_removed").fill_null(0).alias("削除"),
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


def _thousands(column: pl.Expr) -> pl.Expr:
    # 12345 → "12,345", as the preview and the CLI write counts.
    return column.map_elements(lambda n: f"{n:,}", pl.String)


def detail(con: duckdb.DuckDBPyConnection, catalog: Catalog, upload_id: int) -> UploadDetail:
    """The figures one upload brought and the values they replaced."""
    uploads = store.read_uploads(con).filter(pl.col("upload_id") == upload_id)
    if uploads.is_empty():
        raise store.StoreError(f"取込 #{upload_id} はありません。")
    record = uploads.row(0, named=True)
    undone = record["undone_at"] is not None
    blocked_by = None if undone else store.blocking_upload(con, upload_id)
    if record["kind"] == store.REMOVE_SAMPLE_KIND:
        return UploadDetail(upload_id, record, _removal_table(con, catalog, upload_id), undone,
                            blocked_by)  # fmt: skip
    rows = in_catalog_order(store.read_upload_rows(con, upload_id), catalog, "month")
    table = rows.select(
        pl.col("row_label").alias("手続"),
        pl.col("month").map_elements(month_label, pl.String).alias("年月"),
        pl.col("online").alias("オンライン件数"),
        pl.col("total").alias("全体件数"),
        pl.col("change").replace_strict(CHANGE_LABELS, return_dtype=pl.String).alias("区分"),
        pl.when(pl.col("change") == "revised")
        .then(
            pl.format(
                "{} / {}",
                _thousands(pl.col("old_online")),
                _thousands(pl.col("old_total")),
            )
        )
        .otherwise(pl.lit(""))
        .alias("変更前（オンライン/全体）"),
    )
    return UploadDetail(upload_id, record, table, undone, blocked_by)


def _removal_table(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, upload_id: int
) -> pl.DataFrame:
    rows = in_catalog_order(store.read_removal_rows(con, upload_id).pl(), catalog, "month")
    return rows.select(
        pl.col("row_label").alias("手続"),
        pl.col("month").map_elements(month_label, pl.String).alias("年月"),
        pl.col("online").alias("オンライン件数"),
        pl.col("total").alias("全体件数"),
        pl.when(pl.col("new_upload_id").is_null())
        .then(pl.lit("削除（サンプルデータ）"))
        .otherwise(pl.format("残す（取込 #{} が同じ値を登録）", pl.col("new_upload_id")))
        .alias("区分"),
    )
