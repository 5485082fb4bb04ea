"""The 見通し drawn on the trend chart: each line continued to March at its projected rate."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from kyosai import charts, store
from kyosai.calendar import add_months
from kyosai.catalog import Catalog
from kyosai.outlook import outlooks
from kyosai.percent import format_tenths
from kyosai.periods import Grain


def chart_projections(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    chosen: list[str],
    series: pl.DataFrame,
    latest: date | None,
    *,
    grain: Grain,
    last: date | None,
) -> list[charts.Projection]:
    """見通し to March, drawn from each line's last point when the lines reach the newest month
    (monthly and quarter-end lines only: a March point means the same there)."""
    if not chosen or latest is None or series.is_empty():
        return []
    if (last is not None and last < latest) or grain not in (Grain.MONTH, Grain.QUARTER_END):
        return []
    found = []
    # The outlook rests on the whole of this year and the last, whatever period is shown.
    for item in outlooks(store.read_counts(con, chosen, ordered=False), catalog):
        mine = series.filter(
            (pl.col("procedure_id") == item.procedure_id) & (pl.col("period_start") == latest)
        )
        last_rate = mine["rate"][0] if not mine.is_empty() else None
        if item.remaining_months == 0 or item.projected_tenths is None or last_rate is None:
            continue
        found.append(
            charts.Projection(
                series_label=catalog.row_label(item.procedure_id),
                from_month=latest,
                from_rate=float(last_rate),
                to_month=add_months(latest, item.remaining_months),
                to_rate=item.projected_tenths / 1000,
                label=f"見込み {format_tenths(item.projected_tenths)}",
            )
        )
    return found
