"""The preview of an upload: what it would add or revise, the warnings, and its commit."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl

from kyosai import store
from kyosai.calendar import (
    FiscalQuarter,
    add_months,
    fiscal_year,
    fiscal_year_start,
    month_label,
)
from kyosai.catalog import Catalog, in_catalog_order
from kyosai.ingest.parse import ParseResult
from kyosai.ingest.worker import read_upload
from kyosai.percent import format_points, format_tenths, tenths_expr
from kyosai.periods import Grain
from kyosai.rates import RateTable, rate_table

JUMP_WARNING_TENTHS = 150  # a month-on-month change of more than 15 points


def _no_changes() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "procedure_id": pl.String,
            "month": pl.Date,
            "online": pl.Int64,
            "total": pl.Int64,
            "change": pl.String,
            "old_online": pl.Int64,
            "old_total": pl.Int64,
            "tenths": pl.Int64,
            "old_tenths": pl.Int64,
            "row_label": pl.String,
        }
    )


@dataclass(frozen=True)
class UploadPlan:
    """Everything the preview shows, and what confirm will write."""

    file_name: str
    sha256: str
    parsed: ParseResult
    data_version: int
    already_loaded: tuple[int, datetime] | None = None
    changes: pl.DataFrame = field(default_factory=_no_changes)
    warnings: list[str] = field(default_factory=list)
    rates_after: RateTable | None = None

    @property
    def ok(self) -> bool:
        """No problem blocks the upload."""
        return self.parsed.ok

    def count(self, change: str) -> int:
        """How many rows are new, revised or unchanged."""
        if self.changes.is_empty():
            return 0
        return self.changes.filter(pl.col("change") == change).height

    @property
    def can_commit(self) -> bool:
        """Whether confirm would write anything."""
        return (
            self.ok
            and self.already_loaded is None
            and (self.count("new") + self.count("revised")) > 0
        )


def sha256_of(data: bytes) -> str:
    """The hex sha256 of the uploaded bytes."""
    return hashlib.sha256(data).hexdigest()


def _diff(stored: pl.DataFrame, rows: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    # `stored` holds every procedure; the left join keeps only the uploaded ones.
    changes = rows.join(
        stored.select(
            "procedure_id",
            "month",
            pl.col("online").alias("old_online"),
            pl.col("total").alias("old_total"),
        ),
        on=["procedure_id", "month"],
        how="left",
    ).with_columns(
        change=pl.when(pl.col("old_total").is_null())
        .then(pl.lit("new"))
        .when((pl.col("old_online") == pl.col("online")) & (pl.col("old_total") == pl.col("total")))
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("revised")),
        tenths=tenths_expr(),
        old_tenths=tenths_expr("old_online", "old_total"),
    )
    return in_catalog_order(changes, catalog, "month")


def _counts_after(stored: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    stored = stored.select("procedure_id", "month", "online", "total", "is_sample")
    incoming = rows.select("procedure_id", "month", "online", "total").with_columns(
        is_sample=pl.lit(False)
    )
    kept = stored.join(incoming, on=["procedure_id", "month"], how="anti")
    return pl.concat([kept, incoming]).sort("procedure_id", "month")


def _jump_warnings(after: pl.DataFrame, rows: pl.DataFrame, catalog: Catalog) -> list[str]:
    # One query, and only the few jumps reach Python: the comparison itself is vectorised.
    jumps = (
        after.lazy()
        .sort("procedure_id", "month")
        .with_columns(tenths=tenths_expr())
        .with_columns(
            previous_tenths=pl.col("tenths").shift(1).over("procedure_id"),
            previous_month=pl.col("month").shift(1).over("procedure_id"),
        )
        .join(rows.lazy().select("procedure_id", "month"), on=["procedure_id", "month"], how="semi")
        .filter(
            (pl.col("previous_month") == pl.col("month").dt.offset_by("-1mo"))
            & ((pl.col("tenths") - pl.col("previous_tenths")).abs() > JUMP_WARNING_TENTHS)
        )
        .collect()
    )
    warnings = []
    for record in in_catalog_order(jumps, catalog, "month").iter_rows(named=True):
        previous = record["previous_tenths"]
        delta = record["tenths"] - previous
        warnings.append(
            f"{record['row_label']} の {month_label(record['month'])} の"
            f"利用率 {format_tenths(record['tenths'])} は前月 {format_tenths(previous)} から"
            f" {format_points(delta)} 変わっています。件数に誤りがないか確認してください。"
        )
    return warnings


def _coverage_warnings(rows: pl.DataFrame, catalog: Catalog) -> list[str]:
    months = sorted(set(rows["month"].to_list()))
    if not months:
        return []
    warnings = []
    quarters = sorted({FiscalQuarter.of(m) for m in months}, key=lambda q: q.months[0])
    for quarter in quarters:
        missing = [m for m in quarter.months if m not in months]
        if missing:
            listed = "、".join(month_label(m) for m in missing)
            warnings.append(
                f"{quarter.label}（{month_label(quarter.months[0])}~{month_label(quarter.months[2])}）"
                f"のうち {listed} がファイルにありません。四半期の一部だけの取込です。"
            )
    latest = months[-1]
    present = set(rows["procedure_id"].to_list())
    absent = [
        catalog.row_label(p.procedure_id)
        for p in catalog.procedures
        if p.online_start_month <= latest and p.procedure_id not in present
    ]
    if absent:
        warnings.append(
            f"オンライン受付中の手続 {'、'.join(absent)} の件数がファイルにありません。"
        )
    return warnings


def preview_start(earliest: date, latest: date) -> date:
    """Where the preview's rates begin: the April of the file's newest fiscal year, so that
    期間集計 is that year to date, or three months before a quarter that starts a year. A
    history file shows its newest year only: ten years of monthly columns are read nowhere."""
    year_start = fiscal_year_start(fiscal_year(latest))
    return min(year_start, add_months(max(earliest, year_start), -3))


def plan_upload(
    con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, catalog: Catalog, today: date
) -> UploadPlan:
    """Parse an upload and compare it with the store; nothing is written."""
    digest = sha256_of(data)
    # The store is read while a worker process parses the file (this thread only waits for
    # its reply), so the reads cost the preview nothing.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kyosai-parse") as reading:
        parsing = reading.submit(read_upload, data, file_name, catalog, today)
        version = store.data_version(con)
        already = store.find_upload_by_sha(con, digest)
        # Read once: the diff and the counts after both use it.
        stored = store.read_counts(con, ordered=False)
        parsed = parsing.result()
    if not parsed.ok or already is not None or parsed.rows.is_empty():
        return UploadPlan(file_name, digest, parsed, version, already)
    rows = parsed.rows
    changes = _diff(stored, rows, catalog)
    after = _counts_after(stored, rows)
    months = rows["month"]
    procedure_ids = sorted(set(rows["procedure_id"].to_list()))
    earliest: date = months.min()  # type: ignore[assignment]
    latest: date = months.max()  # type: ignore[assignment]
    rates_after = rate_table(
        after,
        catalog,
        Grain.MONTH,
        procedure_ids,
        first=preview_start(earliest, latest),
        last=latest,
    )
    warnings = _coverage_warnings(rows, catalog) + _jump_warnings(after, rows, catalog)
    return UploadPlan(file_name, digest, parsed, version, None, changes, warnings, rates_after)


def commit_plan(
    con: duckdb.DuckDBPyConnection, plan: UploadPlan, uploaded_by: str
) -> store.UploadResult:
    """Write a previewed upload in one transaction, if nothing changed since the preview."""
    if not plan.can_commit:
        raise store.StoreError("この取込は登録できません（問題があるか、変更がありません）。")
    return store.write_upload(
        con,
        plan.parsed.rows.select("procedure_id", "month", "online", "total"),
        file_name=plan.file_name,
        sha256=plan.sha256,
        uploaded_by=uploaded_by,
        expected_version=plan.data_version,
    )
