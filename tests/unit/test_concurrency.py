"""Concurrent use of one DB file: threads of one process (Streamlit sessions) committing at once
while others read, and a second process (the CLI) waiting for the app to let go of the file."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl
import pytest

import kyosai.store
from kyosai import store
from kyosai.calendar import add_months
from kyosai.catalog import default_catalog
from kyosai.ingest import commit_plan, plan_upload
from kyosai.store import backups
from tests.cli_run import run_cli
from tests.processes import open_in_another_process, run_in_threads
from tests.quarter_files import long_xlsx, quarter_counts

ROOT = Path(__file__).resolve().parents[2]
PROCEDURES = [p.procedure_id for p in default_catalog().procedures]
FIRST_MONTH = date(2026, 1, 1)  # after the sample's months, so every upload's rows are new
BUSY = "データベースは別の処理（アプリまたはコマンド）が使用中です。"
ROUNDS = 15


def month_rows(index: int) -> pl.DataFrame:
    """Upload number `index`: one month of its own for every procedure, with its own values."""
    month = add_months(FIRST_MONTH, index)
    return pl.DataFrame(
        {
            "procedure_id": PROCEDURES,
            "month": [month] * len(PROCEDURES),
            "online": [index * 10 + k for k in range(len(PROCEDURES))],
            "total": [1000 + index * 10 + k for k in range(len(PROCEDURES))],
        }
    )


def expected_total(index: int) -> int:
    return int(month_rows(index)["total"].sum())


def whole_uploads_only(counts: pl.DataFrame, indexes: int) -> int:
    """Assert every upload is all there or not there at all; returns how many are there."""
    ours = counts.filter(pl.col("month") >= FIRST_MONTH)
    per_month = ours.group_by("month").agg(pl.len().alias("rows"), pl.col("total").sum())
    present = 0
    for month, rows, total in per_month.iter_rows():
        index = (month.year - FIRST_MONTH.year) * 12 + month.month - 1
        assert 0 <= index < indexes, month
        assert rows == len(PROCEDURES), f"half an upload seen: {rows} rows of {month}"
        assert total == expected_total(index), f"mixed values seen in {month}"
        present += 1
    assert counts.filter(pl.col("month") < FIRST_MONTH).height == 100  # the sample, untouched
    return present


class Reader:
    """A thread polling the counts on its own session until stopped; records what it saw."""

    def __init__(self, path: Path, indexes: int) -> None:
        self.path, self.indexes = path, indexes
        self.stop = threading.Event()
        self.polls = 0
        self.seen: set[int] = set()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with store.session(self.path) as con:
                while not self.stop.is_set():
                    self.seen.add(whole_uploads_only(store.read_counts(con), self.indexes))
                    self.polls += 1
        except BaseException as error:
            self.errors.append(error)

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.errors, self.errors


def commit_in_pairs(
    db_path: Path, opener: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
) -> list[store.UploadResult]:
    """ROUNDS rounds of two threads released together, each committing its own upload."""
    results: list[store.UploadResult] = []
    barrier = threading.Barrier(2)

    def writer(parity: int) -> None:
        try:
            for round_ in range(ROUNDS):
                index = 2 * round_ + parity
                barrier.wait(timeout=30)
                with opener() as con:
                    results.append(
                        store.write_upload(
                            con,
                            month_rows(index),
                            file_name=f"u{index}.xlsx",
                            sha256=f"sha-{index}",
                            uploaded_by=f"thread{parity}",
                        )
                    )
        except BaseException:
            barrier.abort()  # so the other writer stops waiting for this one
            raise

    with Reader(db_path, 2 * ROUNDS) as reader:
        errors = run_in_threads(writer, 2, timeout=120)
    assert not errors, errors
    assert reader.polls > 0 and len(reader.seen) > 1, (reader.polls, reader.seen)
    return results


def assert_all_landed(con: duckdb.DuckDBPyConnection, results: list[store.UploadResult]) -> None:
    ids = [r.upload_id for r in results]
    assert len(ids) == len(set(ids)) == 2 * ROUNDS
    assert sorted(ids) == list(range(2, 2 * ROUNDS + 2))
    assert whole_uploads_only(store.read_counts(con), 2 * ROUNDS) == 2 * ROUNDS
    assert store.read_uploads(con).height == 2 * ROUNDS + 1
    assert store.data_version(con) == 2 * ROUNDS + 1
    assert all(r.rows_new == len(PROCEDURES) for r in results)


@pytest.mark.usefixtures("sample_db")
def test_two_threads_on_their_own_sessions_both_land(db_path: Path) -> None:
    results = commit_in_pairs(db_path, lambda: store.session(db_path))
    with store.session(db_path) as con:
        assert_all_landed(con, results)
    assert all(r.backup is not None and r.backup.error is None for r in results)
    assert backups.list_backups(db_path)[0].data_version == 2 * ROUNDS + 1


@pytest.mark.usefixtures("sample_db")
def test_two_threads_on_cursors_of_one_connection_both_land(db_path: Path) -> None:
    shared = store.connect(db_path)
    try:
        results = commit_in_pairs(db_path, shared.cursor)
        assert_all_landed(shared, results)
    finally:
        shared.close()


class NoLock:
    """Stands in for WRITE_LOCK to show what the retry alone does when writes collide."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.usefixtures("sample_db")
def test_without_the_lock_conflicts_are_retried_and_nothing_is_lost(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Every store module that takes the lock imports it from kyosai.store.db.
    for info in pkgutil.iter_modules(kyosai.store.__path__, "kyosai.store."):
        module = importlib.import_module(info.name)
        if hasattr(module, "WRITE_LOCK"):
            monkeypatch.setattr(module, "WRITE_LOCK", NoLock())
    with caplog.at_level(logging.WARNING, logger="kyosai.store"):
        results = commit_in_pairs(db_path, lambda: store.session(db_path))
    with store.session(db_path) as con:
        assert_all_landed(con, results)
    retries = [r for r in caplog.records if "write conflict" in r.getMessage()]
    assert retries, "the threads never collided: the test proved nothing"


@pytest.mark.usefixtures("sample_db")
def test_of_two_previews_made_at_once_one_commits_and_the_other_is_told(db_path: Path) -> None:
    files = [long_xlsx(quarter_counts(seed)) for seed in (0, 1)]
    with store.session(db_path) as con:
        plans = [
            plan_upload(con, data, f"q{i}.xlsx", default_catalog(), date.today())
            for i, data in enumerate(files)
        ]
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def confirm(index: int) -> None:
        barrier.wait(timeout=30)
        with store.session(db_path) as con:
            try:
                outcomes.append(commit_plan(con, plans[index], "t"))
            except store.OutdatedError as error:
                outcomes.append(error)

    assert run_in_threads(confirm, 2) == []
    assert sorted(type(o).__name__ for o in outcomes) == ["OutdatedError", "UploadResult"]
    with store.session(db_path) as con:
        assert store.read_uploads(con).height == 2
        assert store.read_counts(con).height == 100 + 21  # R7.10–R7.12 are all new


def test_two_threads_opening_a_new_file_load_the_sample_once(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    barrier = threading.Barrier(4)

    def open_it(_thread: int) -> None:
        barrier.wait(timeout=30)
        with store.session(path) as con:
            assert store.read_counts(con).height == 100

    errors = run_in_threads(open_it, 4)
    assert not errors, errors
    with store.session(path) as con:
        assert store.read_uploads(con).height == 1


# --- a second process ----------------------------------------------------------------------

HOLDER = """
import sys, time
from kyosai import store
with store.session(sys.argv[1]) as con:
    store.read_counts(con)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", flush=True)
"""


@contextmanager
def app_holding(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process (standing in for the app) that holds the DB open for `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


@pytest.fixture
def quarter_file(tmp_path: Path) -> Path:
    path = tmp_path / "r7q3.xlsx"
    path.write_bytes(long_xlsx(quarter_counts()))
    return path


@pytest.mark.usefixtures("sample_db")
def test_the_cli_waits_for_the_app_to_let_go_then_lands(db_path: Path, quarter_file: Path) -> None:
    with app_holding(db_path, 3.0):
        started = time.monotonic()
        result = run_cli("import", quarter_file, "--db", db_path, "--by", "cli")
        waited = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "取込 #2 として登録しました" in result.stdout
    assert waited >= 2.0  # it really waited for the holder (3 s, less its start-up)
    with store.session(db_path) as con:
        assert store.read_uploads(con)["uploaded_by"].to_list() == ["cli", "kyosai"]
        assert store.read_counts(con).height == 100 + 21


@pytest.mark.usefixtures("sample_db")
def test_the_cli_gives_up_with_a_plain_message_when_the_app_never_lets_go(
    db_path: Path, quarter_file: Path
) -> None:
    with store.session(db_path) as con:
        before = store.read_counts(con)
    commands = [
        ("import", quarter_file),
        ("history",),
        ("undo", "1"),
        ("table",),
        ("init",),
        ("export", "--out", db_path.parent / "pack.xlsx"),
        ("restore", backups.list_backups(db_path)[0].path),
    ]
    with app_holding(db_path, 120):
        started = time.monotonic()
        results = [run_cli(*command, "--db", db_path, wait=0.5) for command in commands]
        elapsed = time.monotonic() - started
        # In this process too: session() raises BusyError after its wait.
        with (
            pytest.raises(store.BusyError, match=r"0\.3 秒待ちましたが空きませんでした"),
            store.session(db_path, wait_seconds=0.3),
        ):
            pass
    for command, result in zip(commands, results, strict=True):
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert BUSY in result.stderr, (command, result.stderr)
        assert "0.5 秒待ちましたが空きませんでした。" in result.stderr
        assert "Traceback" not in result.stderr, result.stderr
    assert elapsed >= 0.5 * len(commands)
    with store.session(db_path) as con:  # the holder was killed: the file is intact
        assert store.read_counts(con).equals(before)
        assert store.read_uploads(con).height == 1
    assert not (db_path.parent / "pack.xlsx").exists()


@pytest.mark.usefixtures("sample_db")
def test_a_session_closes_its_connection_even_on_error(db_path: Path) -> None:
    with pytest.raises(RuntimeError), store.session(db_path) as con:
        con.begin()
        con.execute("DELETE FROM monthly_counts")
        raise RuntimeError("the page failed half-way")
    probe = open_in_another_process(db_path, "SELECT count(*) FROM monthly_counts")
    assert probe.returncode == 0, probe.stderr  # the file is free again
    assert "[(100,)]" in probe.stdout  # and the unfinished transaction was rolled back
