"""From a found table to records: one per (row, month) with every cell's text and position."""

from __future__ import annotations

import polars as pl

from kyosai.ingest.grid import ROW, column_name
from kyosai.ingest.headers import LONG, Table
from kyosai.ingest.values import TOTAL_WORDS

# Every layout produces records of this shape, so one validator serves both.
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "sheet_idx": pl.Int64(),
    "sheet": pl.String(),
    "layout": pl.String(),
    "row": pl.Int64(),
    "scheme_text": pl.String(),
    "scheme_col": pl.Int64(),
    "scheme_row": pl.Int64(),
    "scheme_explicit": pl.Boolean(),
    "proc_text": pl.String(),
    "proc_col": pl.Int64(),
    "proc_row": pl.Int64(),
    "month_text": pl.String(),
    "month_col": pl.Int64(),
    "month_row": pl.Int64(),
    "month_fixed": pl.Date(),
    "online_text": pl.String(),
    "online_col": pl.Int64(),
    "total_text": pl.String(),
    "total_col": pl.Int64(),
    "paper_text": pl.String(),
    "paper_col": pl.Int64(),
}
_NOTE_MARKS = ("※", "注", "(注", "（注", "*")


def _text(column: int | None) -> pl.Expr:
    if column is None:
        return pl.lit(None, dtype=pl.String)
    expr = pl.col(column_name(column))
    # A cell of spaces is as empty as a blank cell.
    return pl.when(expr.str.strip_chars() == "").then(None).otherwise(expr)


def _int(value: int | None) -> pl.Expr:
    return pl.lit(value, dtype=pl.Int64)


def _row_labels(table: Table) -> pl.DataFrame:
    """Data rows with their 制度 / 手続 cells, blank, note and 合計 rows gone, merges filled."""
    frame = table.grid.frame.filter(pl.col(ROW).is_between(table.first_row, table.last_row))
    data_columns = [table.month, table.online, table.total, table.paper]
    for month in table.months:
        data_columns += [month.online, month.total, month.paper]
    used = [c for c in data_columns if c is not None]
    labels = frame.select(
        pl.col(ROW).alias("row"),
        _text(table.scheme).alias("scheme_text"),
        _text(table.procedure).alias("proc_text"),
        pl.any_horizontal([_text(c).is_not_null() for c in used] or [pl.lit(False)]).alias("_data"),
    )
    # The texts that fold to 合計 and the like, so each distinct label is normalised only once.
    totals = table.grid.texts_folding_to(TOTAL_WORDS)
    is_total = pl.col("scheme_text").is_in(totals) | pl.col("proc_text").is_in(totals)
    is_note = pl.any_horizontal(
        [
            pl.col(c).str.strip_chars_start().str.starts_with(mark)
            for c in ("scheme_text", "proc_text")
            for mark in _NOTE_MARKS
        ]
    )
    is_blank = pl.col("scheme_text").is_null() & pl.col("proc_text").is_null() & ~pl.col("_data")
    # A note (※…) is only skipped when it holds no counts: a marked label with counts is data.
    is_note = is_note.fill_null(False) & ~pl.col("_data")
    labels = labels.filter(~(is_total.fill_null(False) | is_note | is_blank))
    # Merged cells arrive only in their top cell: carry the 制度 down (and, in the long layout,
    # the 手続 too, which staff merge across its months), remembering the row it came from so
    # a problem names the cell the user actually typed.
    filled = [
        (pl.col("scheme_text").is_not_null()).alias("scheme_explicit"),
        pl.when(pl.col("scheme_text").is_not_null())
        .then(pl.col("row"))
        .forward_fill()
        .alias("scheme_row"),
        pl.col("scheme_text").forward_fill(),
    ]
    if table.layout == LONG:
        filled += [
            pl.when(pl.col("proc_text").is_not_null())
            .then(pl.col("row"))
            .forward_fill()
            .alias("proc_row"),
            pl.col("proc_text").forward_fill(),
        ]
    else:
        filled.append(pl.col("row").alias("proc_row"))
    labels = labels.with_columns(filled)
    return labels.with_columns(
        pl.col("scheme_row").fill_null(pl.col("row")), pl.col("proc_row").fill_null(pl.col("row"))
    ).drop("_data")


def table_records(table: Table) -> pl.DataFrame:
    """The records of one table, in RECORD_SCHEMA."""
    grid = table.grid
    labels = _row_labels(table)
    frame = grid.frame.join(labels, on=ROW, how="inner")
    common = [
        _int(grid.index).alias("sheet_idx"),
        pl.lit(grid.sheet, dtype=pl.String).alias("sheet"),
        pl.lit(table.layout).alias("layout"),
        pl.col(ROW).alias("row"),
        pl.col("scheme_text"),
        _int(table.scheme).alias("scheme_col"),
        pl.col("scheme_row"),
        pl.col("scheme_explicit"),
        pl.col("proc_text"),
        _int(table.procedure).alias("proc_col"),
        pl.col("proc_row"),
    ]
    if table.layout == LONG:
        parts = [
            frame.select(
                *common,
                _text(table.month).alias("month_text"),
                _int(table.month).alias("month_col"),
                pl.col(ROW).alias("month_row"),
                pl.lit(None, dtype=pl.Date).alias("month_fixed"),
                _text(table.online).alias("online_text"),
                _int(table.online).alias("online_col"),
                _text(table.total).alias("total_text"),
                _int(table.total).alias("total_col"),
                _text(table.paper).alias("paper_text"),
                _int(table.paper).alias("paper_col"),
            )
        ]
    else:
        parts = [
            frame.select(
                *common,
                pl.lit(month.heading, dtype=pl.String).alias("month_text"),
                _int(month.heading_column).alias("month_col"),
                _int(table.header_row).alias("month_row"),
                pl.lit(month.month, dtype=pl.Date).alias("month_fixed"),
                _text(month.online).alias("online_text"),
                _int(month.online).alias("online_col"),
                _text(month.total).alias("total_text"),
                _int(month.total).alias("total_col"),
                _text(month.paper).alias("paper_text"),
                _int(month.paper).alias("paper_col"),
            )
            for month in table.months
        ]
    return pl.concat(parts, how="vertical").cast(RECORD_SCHEMA)  # type: ignore[arg-type]


def empty_records() -> pl.DataFrame:
    """No records, in RECORD_SCHEMA."""
    return pl.DataFrame(schema=RECORD_SCHEMA)
