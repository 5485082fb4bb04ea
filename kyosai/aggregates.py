"""Rate tables computed where the counts live: DuckDB sums each column's months, Polars rounds.

Reading every monthly row into Polars to sum it costs time that grows with the store; the sums
per (procedure, column) are all a table needs, so DuckDB returns only those.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from kyosai.catalog import Catalog
from kyosai.percent import rate_expr, tenths_expr
from kyosai.periods import Grain, membership_frame, table_periods
from kyosai.rates import RateTable, chosen_rows, empty_cells

_VIEW = "kyosai_period_membership"


def stored_range(
    con: duckdb.DuckDBPyConnection,
    procedure_ids: list[str] | None,
    first: date | None = None,
    last: date | None = None,
) -> tuple[date, date] | None:
    """The first and last stored month of these procedures within first..last."""
    rows = con.sql(
        """SELECT min(month), max(month) FROM monthly_counts
           WHERE ($procedures IS NULL OR list_contains($procedures, procedure_id))
             AND ($first IS NULL OR month >= $first) AND ($last IS NULL OR month <= $last)""",
        params={"procedures": procedure_ids, "first": first, "last": last},
    ).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return rows[0][0], rows[0][1]


def _sample_uploads(con: duckdb.DuckDBPyConnection) -> list[int]:
    # A handful of ids: cheaper than joining every count row to the uploads table.
    rows = con.sql("SELECT upload_id FROM uploads WHERE is_sample").fetchall()
    return [int(row[0]) for row in rows]


def stored_rate_table(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    grain: Grain = Grain.QUARTER_END,
    procedure_ids: list[str] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> RateTable:
    """The same table as rates.rate_table over the stored counts, summed inside DuckDB."""
    rows = chosen_rows(catalog, procedure_ids)
    # No list to test every row against when every procedure is wanted.
    chosen = None if procedure_ids is None else rows["procedure_id"].to_list()
    bounds = stored_range(con, chosen, first, last)
    if bounds is None:
        return RateTable([], empty_cells(), rows)
    periods = table_periods(bounds[0], bounds[1], grain)
    con.register(_VIEW, membership_frame(periods))
    try:
        cells: pl.DataFrame = con.sql(
            f"""SELECT c.procedure_id, m.column_index, m.label, m.kind, m.period_start,
                       sum(c.online)::BIGINT AS online, sum(c.total)::BIGINT AS total,
                       bool_or(list_contains($samples, c.upload_id)) AS is_sample,
                       count(*)::UINTEGER AS months_with_data
                FROM monthly_counts c
                JOIN {_VIEW} m USING (month)
                WHERE ($procedures IS NULL OR list_contains($procedures, c.procedure_id))
                GROUP BY ALL""",
            params={"procedures": chosen, "samples": _sample_uploads(con)},
        ).pl()
    finally:
        con.unregister(_VIEW)
    cells = cells.with_columns(pl.col("column_index").cast(pl.Int32)).with_columns(
        tenths=tenths_expr(), rate=rate_expr()
    )
    return RateTable(periods, cells, rows)
