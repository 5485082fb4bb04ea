"""The DuckDB-side rate table equals the Polars one, cell for cell, at every grain."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.aggregates import stored_rate_table
from kyosai.calendar import add_months
from kyosai.catalog import default_catalog
from kyosai.periods import Grain
from kyosai.rates import rate_table

PROCEDURES = ["shokibo_kanyu", "tosan_hozen", "tosan_kaiyaku"]
START = date(2025, 9, 1)


@pytest.mark.parametrize("grain", list(Grain))
def test_sample_store_gives_the_same_table(
    sample_con: duckdb.DuckDBPyConnection, grain: Grain
) -> None:
    catalog = default_catalog()
    expected = rate_table(store.read_counts(sample_con), catalog, grain)
    actual = stored_rate_table(sample_con, catalog, grain)
    assert actual.labels == expected.labels
    assert_frame_equal(actual.wide(), expected.wide())
    assert_frame_equal(actual.wide("online"), expected.wide("online"))


def test_filters_and_empty_store(empty_con: duckdb.DuckDBPyConnection) -> None:
    catalog = default_catalog()
    table = stored_rate_table(empty_con, catalog, Grain.QUARTER_END, ["tosan_hozen"])
    assert table.periods == [] and table.wide()["procedure_id"].to_list() == ["tosan_hozen"]


months = st.integers(min_value=0, max_value=30).map(lambda n: add_months(START, n))
cell = st.integers(min_value=1, max_value=10_000).flatmap(
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
def test_random_stores_agree(
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
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )
    store.write_upload(empty_con, rows, file_name="r", sha256="r", uploaded_by="t")
    first, last = min(window), max(window)
    catalog = default_catalog()
    expected = rate_table(store.read_counts(empty_con), catalog, grain, PROCEDURES, first, last)
    actual = stored_rate_table(empty_con, catalog, grain, PROCEDURES, first, last)
    assert actual.labels == expected.labels
    assert_frame_equal(actual.wide(), expected.wide())
