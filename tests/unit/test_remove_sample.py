"""Going live (remove-sample): the sample counts no real upload replaced are removed, the real
ones stay, and the removal is recorded and can be undone like an upload."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kyosai import store, uploads
from kyosai.catalog import default_catalog
from kyosai.store.schema import MIGRATIONS
from tests.cli_run import run_cli

SEPTEMBER, AUGUST, OCTOBER = date(2025, 9, 1), date(2025, 8, 1), date(2025, 10, 1)


def _frame(records: list[tuple[str, date, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        records,
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )


def _sample_value(
    con: duckdb.DuckDBPyConnection, procedure_id: str, month: date
) -> tuple[int, int]:
    rows = con.sql(
        "SELECT online, total FROM monthly_counts WHERE procedure_id = ? AND month = ?",
        params=[procedure_id, month],
    ).fetchall()
    assert len(rows) == 1
    return int(rows[0][0]), int(rows[0][1])


@pytest.fixture
def gone_live(sample_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The sample, then a real upload #2: it revises one sample month, confirms another with
    the same value, and adds a new month."""
    confirmed = _sample_value(sample_con, "tosan_kanyu", AUGUST)
    store.write_upload(
        sample_con,
        _frame([
            ("tosan_kanyu", SEPTEMBER, 1234, 5000),
            ("tosan_kanyu", AUGUST, *confirmed),
            ("tosan_kanyu", OCTOBER, 1300, 5100),
        ]),
        file_name="R7Q3.xlsx", sha256="real", uploaded_by="山田",
    )  # fmt: skip
    return sample_con


def test_removal_keeps_exactly_what_real_uploads_wrote(
    gone_live: duckdb.DuckDBPyConnection,
) -> None:
    before = store.read_counts(gone_live)
    assert store.sample_left(gone_live) == store.SampleLeft(removed=98, kept=1)
    removal = store.remove_sample(gone_live, "山田")
    assert (removal.upload_id, removal.removed, removal.kept) == (3, 98, 1)
    after = store.read_counts(gone_live)
    # The three counts upload #2 wrote or confirmed, with its values, and nothing else.
    expected = before.filter(
        (pl.col("procedure_id") == "tosan_kanyu") & (pl.col("month") >= AUGUST)
    ).with_columns(upload_id=pl.lit(2, pl.Int32), is_sample=pl.lit(False))
    assert_frame_equal(after, expected, check_dtypes=False)
    assert _sample_value(gone_live, "tosan_kanyu", SEPTEMBER) == (1234, 5000)
    assert not after["is_sample"].any()
    assert store.sample_left(gone_live) == store.SampleLeft(0, 0)
    record = store.read_uploads(gone_live).row(0, named=True)
    assert (record["file_name"], record["uploaded_by"], record["kind"], record["rows_removed"]) == (
        store.REMOVAL_NAME, "山田", store.REMOVE_SAMPLE_KIND, 98,
    )  # fmt: skip


def test_undoing_the_removal_brings_every_sample_count_back(
    gone_live: duckdb.DuckDBPyConnection,
) -> None:
    before = store.read_counts(gone_live)
    store.remove_sample(gone_live, "山田")
    store.undo_upload(gone_live, 3, "山田")
    assert_frame_equal(store.read_counts(gone_live), before)
    # Undone, the real upload can be undone again, then the sample: every state comes back.
    store.undo_upload(gone_live, 2, "山田")
    store.undo_upload(gone_live, 1, "山田")
    assert store.read_counts(gone_live).is_empty()


def test_the_removal_orders_the_undos(gone_live: duckdb.DuckDBPyConnection) -> None:
    store.remove_sample(gone_live, "山田")
    for earlier in (1, 2):
        with pytest.raises(store.StoreError, match=r"取込 #3（サンプルデータの削除）が同じ手続"):
            store.undo_upload(gone_live, earlier, "t")
    # A later upload that writes a removed month blocks the removal's undo in turn.
    store.write_upload(
        gone_live, _frame([("shokibo_kanyu", SEPTEMBER, 10, 100)]), file_name="late.xlsx",
        sha256="late", uploaded_by="t",
    )  # fmt: skip
    with pytest.raises(store.StoreError, match=r"取込 #4（late.xlsx）"):
        store.undo_upload(gone_live, 3, "t")
    detail = uploads.detail(gone_live, default_catalog(), 3)
    assert detail.blocked_by == 4
    kinds = detail.rows["区分"].value_counts().sort("区分").rows()
    assert kinds == [("削除（サンプルデータ）", 98), ("残す（取込 #2 が同じ値を登録）", 1)]


def test_nothing_left_to_remove_writes_nothing(empty_con: duckdb.DuckDBPyConnection) -> None:
    version = store.data_version(empty_con)
    with pytest.raises(store.StoreError, match="サンプルデータの件数は残っていません"):
        store.remove_sample(empty_con, "t")
    assert store.data_version(empty_con) == version
    assert store.read_uploads(empty_con).is_empty()


def test_a_database_of_the_first_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        assert isinstance(statement, str)
        con.execute(statement)
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute(
        "INSERT INTO uploads VALUES "
        "(1, now()::TIMESTAMP, 'kyosai', 'old', 'x', TRUE, 0, 0, 0, NULL, NULL)"
    )
    con.close()
    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION == len(MIGRATIONS)
        record = store.read_uploads(con).row(0, named=True)
        assert (record["kind"], record["rows_removed"]) == ("upload", 0)
        # The measures of data/events.csv come into a migrated database as into a new one.
        assert [e.label for e in store.read_events(con)] == [
            e.label for e in default_catalog().events
        ]
    finally:
        con.close()


def test_cli_remove_sample(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    dry = run_cli("remove-sample", "--db", db, "--dry-run")
    assert (
        dry.returncode == 0
        and "100 件を削除します" in dry.stdout
        and "何も削除していません" in dry.stdout
    )
    assert len(run_cli("history", "--db", db).stdout.splitlines()) == 1  # only the sample
    done = run_cli("remove-sample", "--db", db, "--by", "山田")
    assert done.returncode == 0, done.stderr
    assert "100 件を削除しました（取込 #2）" in done.stdout
    assert "python -m kyosai undo 2" in done.stdout
    history = run_cli("history", "--db", db).stdout.splitlines()
    assert history[0].startswith("#2") and "山田\tサンプルデータの削除" in history[0]
    assert "削除 100" in history[0]
    table = run_cli("table", "--db", db).stdout.splitlines()
    # No figure is left: the table has its rows but no period.
    assert table[:2] == ["制度,手続", "小規模企業共済,加入関係手続"]
    again = run_cli("remove-sample", "--db", db)
    assert (again.returncode, again.stdout.strip()) == (
        0,
        "サンプルデータの件数は残っていません（削除するものはありません）。",
    )
