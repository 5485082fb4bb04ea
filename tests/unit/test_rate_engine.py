"""The one rate engine against the definition: each cell is Σonline ÷ Σtotal over its months,
empty where those months sum to a total of 0, with columns bounded by the data."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyosai import store
from kyosai.calendar import add_months, months_between
from kyosai.catalog import default_catalog
from kyosai.percent import rate_tenths
from kyosai.periods import Grain
from kyosai.rates import rate_table

PROCEDURES = ["shokibo_kanyu", "tosan_hozen", "tosan_kaiyaku"]
START = date(2025, 9, 1)
ROW_SCHEMA = {"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64}


def expected_tenths(
    data: dict[tuple[str, date], tuple[int, int]], procedure_id: str, first: date, last: date
) -> int | None:
    """The definition, by hand: sum the period's months, then divide once."""
    cells = [
        data[(procedure_id, m)] for m in months_between(first, last) if (procedure_id, m) in data
    ]
    if not cells:
        return None
    return rate_tenths(sum(o for o, _ in cells), sum(t for _, t in cells))


def test_filters_and_empty_store(empty_con: duckdb.DuckDBPyConnection) -> None:
    table = rate_table(
        store.read_counts(empty_con), default_catalog(), Grain.QUARTER_END, ["tosan_hozen"]
    )
    assert table.periods == [] and table.wide()["procedure_id"].to_list() == ["tosan_hozen"]
    assert table.latest_month is None and not table.is_sample


def test_a_month_with_total_0_has_no_rate_and_does_not_change_the_sum(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    rows = pl.DataFrame(
        [("tosan_hozen", date(2025, 10, 1), 0, 0), ("tosan_hozen", date(2025, 11, 1), 30, 100)],
        schema=ROW_SCHEMA,
        orient="row",
    )
    store.write_upload(empty_con, rows, file_name="z", sha256="z", uploaded_by="t")
    table = rate_table(
        store.read_counts(empty_con), default_catalog(), Grain.MONTH, ["tosan_hozen"]
    )
    assert table.labels == ["R7.10", "R7.11", "R7.10~R7.11"]
    wide = table.wide().row(0, named=True)
    assert [wide[key] for key in table.keys] == [None, 300, 300]
    rates = table.wide("rate").row(0, named=True)
    assert rates[table.keys[0]] is None  # null, never NaN


months = st.integers(min_value=0, max_value=30).map(lambda n: add_months(START, n))
cell = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(st.tuples(st.sampled_from(PROCEDURES), months), cell, min_size=1),
    grain=st.sampled_from(list(Grain)),
    window=st.tuples(months, months),
)
def test_every_cell_is_the_sum_of_its_months_divided_once(
    empty_con: duckdb.DuckDBPyConnection,
    data: dict[tuple[str, date], tuple[int, int]],
    grain: Grain,
    window: tuple[date, date],
) -> None:
    empty_con.execute("DELETE FROM monthly_counts")
    empty_con.execute("DELETE FROM upload_rows")
    empty_con.execute("DELETE FROM uploads")
    rows = pl.DataFrame(
        [(pid, month, online, total) for (pid, month), (online, total) in data.items()],
        schema=ROW_SCHEMA,
        orient="row",
    )
    store.write_upload(empty_con, rows, file_name="r", sha256="r", uploaded_by="t")
    first, last = min(window), max(window)
    counts = store.read_counts(empty_con, PROCEDURES, first, last)
    table = rate_table(counts, default_catalog(), grain, PROCEDURES, first, last)
    inside = [m for (_, m) in data if first <= m <= last]
    if not inside:
        assert table.periods == []
        return
    # Columns run from the first to the last month with data in the window.
    assert min(p.first for p in table.periods) == min(inside)
    assert table.latest_month == max(inside)
    for record in table.wide().iter_rows(named=True):
        for period, key in zip(table.periods, table.keys, strict=True):
            want = expected_tenths(data, record["procedure_id"], period.first, period.last)
            assert record[key] == want, (record["procedure_id"], period)


@pytest.mark.parametrize("grain", list(Grain))
def test_sample_store_every_grain_ends_with_the_fiscal_years(
    sample_con: duckdb.DuckDBPyConnection, grain: Grain
) -> None:
    table = rate_table(store.read_counts(sample_con), default_catalog(), grain)
    fy = [p for p in table.periods if p.kind == "fy"]
    assert [p.label for p in fy] == ["R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.9"]
    assert table.periods[-len(fy) :] == fy and table.is_sample
