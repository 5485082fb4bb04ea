"""Tests for kyosai.store: migrations, constraints, transactional uploads, sample data."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.calendar import months_between
from kyosai.store import schema

SAMPLE_PROCEDURES = ["shokibo_hozen", "shokibo_kanyu", "tosan_hozen", "tosan_kanyu"]
SAMPLE_MONTHS = list(months_between(date(2023, 9, 1), date(2025, 9, 1)))
ROW_SCHEMA = {"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64}


def rows(*records: tuple[str | None, date | None, int | None, int | None]) -> pl.DataFrame:
    return pl.DataFrame(list(records), schema=ROW_SCHEMA, orient="row")


def upload(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, name: str = "q.xlsx"):
    return store.write_upload(
        con,
        frame,
        file_name=name,
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        uploaded_by="t",
    )


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None):
    result = con.sql(query, params=params).fetchall()
    assert len(result) == 1
    return result[0][0]


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return {
        "counts": store.read_counts(con),
        "data_version": store.data_version(con),
        "uploads": scalar(con, "SELECT count(*) FROM uploads"),
        "upload_rows": scalar(con, "SELECT count(*) FROM upload_rows"),
    }


def assert_unchanged(before: dict[str, object], after: dict[str, object]) -> None:
    assert_frame_equal(after["counts"], before["counts"])  # type: ignore[arg-type]
    for key in ("data_version", "uploads", "upload_rows"):
        assert after[key] == before[key], key


# --- migrations --------------------------------------------------------------------------


def test_fresh_db_reaches_schema_version(db_path: Path) -> None:
    assert not db_path.exists()
    con = store.connect(db_path, sample=False)
    try:
        assert db_path.exists()
        assert store.SCHEMA_VERSION == len(schema.MIGRATIONS) >= 1
        assert store.schema_version(con) == store.SCHEMA_VERSION
        versions = [
            v for (v,) in con.sql("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
        assert versions == list(range(1, store.SCHEMA_VERSION + 1))
        tables = {t for (t,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"uploads", "monthly_counts", "upload_rows", "data_version"} <= tables
        assert store.data_version(con) == 0
        assert store.read_counts(con).is_empty()
        assert store.read_uploads(con).is_empty()
        assert store.latest_month(con) is None
    finally:
        con.close()


def test_migrate_twice_is_a_no_op(empty_con: duckdb.DuckDBPyConnection) -> None:
    assert store.migrate(empty_con) == store.SCHEMA_VERSION
    assert scalar(empty_con, "SELECT count(*) FROM schema_version") == store.SCHEMA_VERSION
    assert scalar(empty_con, "SELECT count(*) FROM data_version") == 1


def test_reopening_is_idempotent_and_does_not_reload_sample(db_path: Path) -> None:
    con = store.connect(db_path)
    before = snapshot(con)
    con.close()
    assert before["uploads"] == 1
    for _ in range(2):
        con = store.connect(db_path)
        try:
            assert store.schema_version(con) == store.SCHEMA_VERSION
            assert scalar(con, "SELECT count(*) FROM schema_version") == store.SCHEMA_VERSION
            assert_unchanged(before, snapshot(con))
        finally:
            con.close()


def test_reopening_an_empty_db_does_not_add_sample(db_path: Path) -> None:
    store.connect(db_path, sample=False).close()
    con = store.connect(db_path)  # sample=True, but the DB is not new
    try:
        assert store.read_uploads(con).is_empty()
        assert store.data_version(con) == 0
    finally:
        con.close()


def test_a_db_from_a_newer_kyosai_is_refused(db_path: Path) -> None:
    con = store.connect(db_path, sample=False)
    con.sql("INSERT INTO schema_version VALUES (?)", params=[store.SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(store.StoreError):
        store.connect(db_path)


def test_db_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KYOSAI_DB", str(tmp_path / "env.duckdb"))
    assert store.db_path_from_env() == tmp_path / "env.duckdb"
    assert store.db_path_from_env(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"
    monkeypatch.delenv("KYOSAI_DB")
    assert store.db_path_from_env() == store.DEFAULT_DB_PATH


# --- constraints enforced by the DB itself -----------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE monthly_counts SET online = total + 1 WHERE procedure_id = 'tosan_kanyu'",
        "UPDATE monthly_counts SET online = -1 WHERE procedure_id = 'tosan_kanyu'",
        "UPDATE monthly_counts SET total = online - 1 WHERE procedure_id = 'tosan_kanyu'",
        "UPDATE monthly_counts SET month = DATE '2025-10-15' WHERE month = DATE '2025-09-01'",
        "INSERT INTO monthly_counts VALUES ('tosan_kanyu', DATE '2025-10-01', 5, 4, 1)",
        "INSERT INTO upload_rows VALUES (9, 'tosan_kanyu', DATE '2025-10-01', 5, 4, 'new',"
        " NULL, NULL, NULL)",
        "INSERT INTO upload_rows VALUES (9, 'tosan_kanyu', DATE '2025-10-01', 1, 4, 'other',"
        " NULL, NULL, NULL)",
        "INSERT INTO monthly_counts VALUES ('tosan_kanyu', DATE '2025-09-01', 1, 4, 1)",
    ],
)
def test_db_constraints(sample_con: duckdb.DuckDBPyConnection, statement: str) -> None:
    before = snapshot(sample_con)
    with pytest.raises(duckdb.ConstraintException):
        sample_con.sql(statement)
    assert_unchanged(before, snapshot(sample_con))


# --- uploads -----------------------------------------------------------------------------


def test_write_upload_counts_new_revised_unchanged(empty_con: duckdb.DuckDBPyConnection) -> None:
    first = upload(
        empty_con,
        rows(
            ("tosan_kanyu", date(2025, 10, 1), 10, 100),
            ("tosan_kanyu", date(2025, 11, 1), 20, 100),
            ("tosan_hozen", date(2025, 10, 1), 30, 100),
        ),
        "first.csv",
    )
    assert (first.upload_id, first.rows_new, first.rows_revised, first.rows_unchanged) == (
        1,
        3,
        0,
        0,
    )
    second = upload(
        empty_con,
        rows(
            ("tosan_kanyu", date(2025, 10, 1), 10, 100),  # unchanged
            ("tosan_kanyu", date(2025, 11, 1), 25, 110),  # revised
            ("tosan_hozen", date(2025, 10, 1), 30, 101),  # revised (total only)
            ("tosan_hozen", date(2025, 11, 1), 40, 100),  # new
        ),
        "second.csv",
    )
    assert (second.upload_id, second.rows_new, second.rows_revised, second.rows_unchanged) == (
        2,
        1,
        2,
        1,
    )

    counts = {
        (r["procedure_id"], r["month"]): (r["online"], r["total"], r["upload_id"])
        for r in store.read_counts(empty_con).iter_rows(named=True)
    }
    assert counts == {
        ("tosan_kanyu", date(2025, 10, 1)): (10, 100, 1),  # unchanged keeps its first upload
        ("tosan_kanyu", date(2025, 11, 1)): (25, 110, 2),
        ("tosan_hozen", date(2025, 10, 1)): (30, 101, 2),
        ("tosan_hozen", date(2025, 11, 1)): (40, 100, 2),
    }

    recorded = empty_con.sql(
        """SELECT procedure_id, month, online, total, change, old_online, old_total, old_upload_id
           FROM upload_rows WHERE upload_id = 2 ORDER BY procedure_id, month"""
    ).fetchall()
    assert recorded == [
        ("tosan_hozen", date(2025, 10, 1), 30, 101, "revised", 30, 100, 1),
        ("tosan_hozen", date(2025, 11, 1), 40, 100, "new", None, None, None),
        ("tosan_kanyu", date(2025, 10, 1), 10, 100, "unchanged", 10, 100, 1),
        ("tosan_kanyu", date(2025, 11, 1), 25, 110, "revised", 20, 100, 1),
    ]

    uploads = store.read_uploads(empty_con)
    assert uploads["upload_id"].to_list() == [2, 1]  # newest first
    assert uploads.row(0, named=True)["file_name"] == "second.csv"
    assert uploads.row(0, named=True)["uploaded_by"] == "t"
    assert uploads.row(0, named=True)["sha256"] == hashlib.sha256(b"second.csv").hexdigest()
    assert uploads.select("rows_new", "rows_revised", "rows_unchanged").rows() == [
        (1, 2, 1),
        (3, 0, 0),
    ]
    assert not uploads["is_sample"].any()
    assert store.latest_month(empty_con) == date(2025, 11, 1)


def test_data_version_increases_per_upload(empty_con: duckdb.DuckDBPyConnection) -> None:
    versions = [store.data_version(empty_con)]
    for i in range(3):
        upload(empty_con, rows(("shokibo_kanyu", date(2025, 10 + i, 1), i, 10)), f"u{i}.csv")
        versions.append(store.data_version(empty_con))
    assert versions == sorted(set(versions))
    assert len(set(versions)) == 4


def test_revising_a_sample_row_makes_it_real(sample_con: duckdb.DuckDBPyConnection) -> None:
    result = upload(sample_con, rows(("tosan_kanyu", date(2025, 9, 1), 1, 10)))
    assert (result.upload_id, result.rows_revised) == (2, 1)
    counts = store.read_counts(sample_con)
    revised = counts.filter(
        (pl.col("procedure_id") == "tosan_kanyu") & (pl.col("month") == date(2025, 9, 1))
    ).row(0, named=True)
    assert (revised["online"], revised["total"], revised["upload_id"]) == (1, 10, 2)
    assert revised["is_sample"] is False
    assert counts["is_sample"].sum() == len(SAMPLE_PROCEDURES) * len(SAMPLE_MONTHS) - 1


FAILING_WRITES = {
    "online > total": rows(
        ("tosan_kanyu", date(2025, 10, 1), 10, 100), ("tosan_kanyu", date(2025, 11, 1), 101, 100)
    ),
    "negative online": rows(("tosan_kanyu", date(2025, 10, 1), -1, 100)),
    "unknown procedure": rows(
        ("tosan_kanyu", date(2025, 10, 1), 10, 100), ("no_such_procedure", date(2025, 10, 1), 1, 2)
    ),
    "duplicate key in the batch": rows(
        ("tosan_kanyu", date(2025, 10, 1), 10, 100), ("tosan_kanyu", date(2025, 10, 1), 11, 100)
    ),
    "duplicate of an existing row in the batch": rows(
        ("tosan_kanyu", date(2025, 9, 1), 10, 100), ("tosan_kanyu", date(2025, 9, 1), 10, 100)
    ),
    "missing total": rows(("tosan_kanyu", date(2025, 10, 1), 10, None)),
}


@pytest.mark.parametrize("case", list(FAILING_WRITES))
def test_failing_write_raises_and_changes_nothing(
    sample_con: duckdb.DuckDBPyConnection, case: str
) -> None:
    before = snapshot(sample_con)
    with pytest.raises(store.StoreError):
        upload(sample_con, FAILING_WRITES[case])
    assert_unchanged(before, snapshot(sample_con))
    # the connection is still usable and the next upload gets the next id
    result = upload(sample_con, rows(("tosan_kanyu", date(2025, 10, 1), 1, 2)))
    assert result.upload_id == 2


FAILING_WRITES_CAUGHT_BY_THE_DB = {
    "month not the first day": rows(("tosan_kanyu", date(2025, 10, 15), 1, 2)),
    "missing online": rows(("tosan_kanyu", date(2025, 10, 1), None, 2)),
    "missing month": rows(("tosan_kanyu", None, 1, 2)),
    "missing procedure": rows((None, date(2025, 10, 1), 1, 2)),
}


@pytest.mark.parametrize("case", list(FAILING_WRITES_CAUGHT_BY_THE_DB))
def test_other_refused_writes_raise_store_error_and_change_nothing(
    sample_con: duckdb.DuckDBPyConnection, case: str
) -> None:
    # The contract: a write the store refuses raises StoreError ("nothing was written"),
    # whatever layer notices the problem.
    before = snapshot(sample_con)
    with pytest.raises(store.StoreError):
        upload(sample_con, FAILING_WRITES_CAUGHT_BY_THE_DB[case])
    assert_unchanged(before, snapshot(sample_con))


def test_refused_writes_leave_the_db_unchanged_whatever_the_error(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    for case, frame in FAILING_WRITES_CAUGHT_BY_THE_DB.items():
        before = snapshot(sample_con)
        with pytest.raises(Exception):  # noqa: B017 - the type is checked in the test above
            upload(sample_con, frame)
        assert_unchanged(before, snapshot(sample_con))
        assert scalar(sample_con, "SELECT 1") == 1, case  # no transaction left open


# --- sample data -------------------------------------------------------------------------


def test_sample_is_upload_1(fresh_sample_con: duckdb.DuckDBPyConnection) -> None:
    uploads = store.read_uploads(fresh_sample_con)
    assert uploads.height == 1
    sample = uploads.row(0, named=True)
    assert sample["upload_id"] == 1
    assert sample["file_name"] == store.SAMPLE_UPLOAD_NAME == "サンプルデータ"
    assert sample["is_sample"] is True
    assert sample["sha256"] == hashlib.sha256(store.SAMPLE_FILE.read_bytes()).hexdigest()
    assert sample["rows_new"] == len(SAMPLE_PROCEDURES) * len(SAMPLE_MONTHS)
    assert (sample["rows_revised"], sample["rows_unchanged"]) == (0, 0)
    assert sample["undone_at"] is None
    assert store.data_version(fresh_sample_con) == 1


def test_sample_counts(fresh_sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = store.read_counts(fresh_sample_con)
    assert counts.columns == ["procedure_id", "month", "online", "total", "upload_id", "is_sample"]
    assert counts["is_sample"].all()
    assert set(counts["upload_id"]) == {1}
    assert sorted(set(counts["procedure_id"])) == SAMPLE_PROCEDURES
    for procedure_id in SAMPLE_PROCEDURES:
        months = counts.filter(pl.col("procedure_id") == procedure_id)["month"].to_list()
        assert months == SAMPLE_MONTHS, procedure_id
    assert (counts["online"] >= 0).all()
    assert (counts["online"] <= counts["total"]).all()
    assert (counts["total"] > 0).all()
    assert counts.height == scalar(
        fresh_sample_con, "SELECT count(*) FROM upload_rows WHERE upload_id = 1"
    )
    assert store.latest_month(fresh_sample_con) == date(2025, 9, 1)


def test_read_counts_filters(sample_con: duckdb.DuckDBPyConnection) -> None:
    chosen = store.read_counts(
        sample_con, ["tosan_kanyu"], first=date(2024, 4, 1), last=date(2024, 6, 1)
    )
    assert chosen["procedure_id"].to_list() == ["tosan_kanyu"] * 3
    assert chosen["month"].to_list() == [date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)]
    everything = store.read_counts(sample_con)
    assert_frame_equal(
        chosen,
        everything.filter(
            (pl.col("procedure_id") == "tosan_kanyu")
            & pl.col("month").is_between(date(2024, 4, 1), date(2024, 6, 1))
        ),
    )
    assert store.read_counts(sample_con, ["shokibo_kyufu"]).is_empty()
