"""Undo restores exactly the values an upload replaced, and refuses when a later upload depends."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from kyosai import store

PROCEDURES = ["shokibo_kanyu", "tosan_hozen", "shokibo_tsusan"]
MONTHS = [date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1)]


def frame(records: list[tuple[str, date, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        records,
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )


def write(con: duckdb.DuckDBPyConnection, records: list[tuple[str, date, int, int]], tag: str):
    return store.write_upload(con, frame(records), file_name=tag, sha256=tag, uploaded_by="t")


def test_undo_restores_revised_and_removes_new(sample_con: duckdb.DuckDBPyConnection) -> None:
    before = store.read_counts(sample_con)
    result = write(
        sample_con,
        [("shokibo_kanyu", date(2025, 9, 1), 1, 10), ("shokibo_kanyu", date(2025, 10, 1), 2, 20)],
        "q3",
    )
    assert (result.rows_new, result.rows_revised) == (1, 1)
    assert not store.read_counts(sample_con).equals(before)
    store.undo_upload(sample_con, result.upload_id, "t")
    assert_frame_equal(store.read_counts(sample_con), before)
    uploads = store.read_uploads(sample_con)
    undone = uploads.filter(pl.col("upload_id") == result.upload_id)
    assert undone["undone_at"][0] is not None and undone["undone_by"][0] == "t"


def test_undo_is_refused_while_a_later_upload_touches_the_same_rows(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    first = write(sample_con, [("tosan_hozen", date(2025, 10, 1), 5, 50)], "a")
    # The later upload repeats the same value: it still relies on the first one's figure.
    second = write(sample_con, [("tosan_hozen", date(2025, 10, 1), 5, 50)], "b")
    assert second.rows_unchanged == 1
    before = store.read_counts(sample_con)
    with pytest.raises(store.StoreError, match=f"先に取込 #{second.upload_id} を取り消して"):
        store.undo_upload(sample_con, first.upload_id, "t")
    assert_frame_equal(store.read_counts(sample_con), before)
    store.undo_upload(sample_con, second.upload_id, "t")
    store.undo_upload(sample_con, first.upload_id, "t")
    assert store.read_counts(sample_con, ["tosan_hozen"], first=date(2025, 10, 1)).is_empty()


def test_undo_twice_and_unknown_upload_are_refused(sample_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(store.StoreError, match="#99 はありません"):
        store.undo_upload(sample_con, 99, "t")
    store.undo_upload(sample_con, 1, "t")
    assert store.read_counts(sample_con).is_empty()
    with pytest.raises(store.StoreError, match="既に取り消されています"):
        store.undo_upload(sample_con, 1, "t")


def test_same_bytes_are_loadable_again_once_undone(sample_con: duckdb.DuckDBPyConnection) -> None:
    first = write(sample_con, [("shokibo_tsusan", date(2025, 9, 1), 3, 9)], "same")
    with pytest.raises(store.StoreError, match="既に取り込まれています"):
        write(sample_con, [("shokibo_tsusan", date(2025, 9, 1), 3, 9)], "same")
    store.undo_upload(sample_con, first.upload_id, "t")
    again = write(sample_con, [("shokibo_tsusan", date(2025, 9, 1), 3, 9)], "same")
    assert again.rows_new == 1


def test_outdated_preview_is_refused(sample_con: duckdb.DuckDBPyConnection) -> None:
    version = store.data_version(sample_con)
    write(sample_con, [("shokibo_tsusan", date(2025, 9, 1), 3, 9)], "other")
    before = store.read_counts(sample_con)
    with pytest.raises(store.OutdatedError):
        store.write_upload(
            sample_con,
            frame([("shokibo_tsusan", date(2025, 9, 1), 4, 9)]),
            file_name="late",
            sha256="late",
            uploaded_by="t",
            expected_version=version,
        )
    assert_frame_equal(store.read_counts(sample_con), before)


counts = st.integers(min_value=0, max_value=500).flatmap(
    lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
)
batch = st.dictionaries(
    st.tuples(st.sampled_from(PROCEDURES), st.sampled_from(MONTHS)), counts, min_size=1
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(batch, min_size=1, max_size=4))
def test_undoing_uploads_newest_first_restores_every_earlier_state(
    empty_con: duckdb.DuckDBPyConnection, batches: list[dict[tuple[str, date], tuple[int, int]]]
) -> None:
    empty_con.execute("DELETE FROM monthly_counts")
    empty_con.execute("DELETE FROM upload_rows")
    empty_con.execute("DELETE FROM uploads")
    states = [store.read_counts(empty_con)]
    ids = []
    for index, records in enumerate(batches):
        rows = [(pid, month, online, total) for (pid, month), (online, total) in records.items()]
        ids.append(write(empty_con, rows, f"batch{index}").upload_id)
        states.append(store.read_counts(empty_con))
    for upload_id, expected in zip(reversed(ids), reversed(states[:-1]), strict=True):
        store.undo_upload(empty_con, upload_id, "t")
        assert_frame_equal(store.read_counts(empty_con), expected)
