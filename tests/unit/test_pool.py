"""The app's shared connection lets the file go when idle, so another process can use it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kyosai import store
from kyosai.store.wanted import is_wanted, wanted_mark
from kyosai.ui.pool import SharedConnection
from tests.processes import another_process_can_open, run_in_threads

ROOT = Path(__file__).resolve().parents[2]


def _wait_until_closed(shared: SharedConnection, seconds: float) -> float:
    started = time.monotonic()
    while shared.is_open and time.monotonic() - started < seconds:
        time.sleep(0.05)
    return time.monotonic() - started


def test_file_is_held_between_clicks_while_nobody_asks_for_it(sample_db: Path) -> None:
    # A manager reading the table for a while: the next click must not reopen the file.
    shared = SharedConnection(lambda: store.connect(sample_db), idle_seconds=0.2, hold_seconds=30)
    with shared.cursor() as cur:
        assert store.data_version(cur) == 1
    time.sleep(1.0)
    assert shared.is_open
    assert not another_process_can_open(sample_db)
    assert shared.openings == 1
    shared.close()
    assert another_process_can_open(sample_db)


def test_file_is_let_go_soon_after_another_process_asks(sample_db: Path) -> None:
    shared = SharedConnection(
        lambda: store.connect(sample_db),
        idle_seconds=0.3,
        hold_seconds=60,
        wanted=lambda: is_wanted(sample_db),
    )
    with shared.cursor() as cur:
        assert store.data_version(cur) == 1
    # The command line, as `python -m kyosai import` opens the file: it waits, and asks.
    script = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "from kyosai import store\n"
        "started = time.monotonic()\n"
        f"con = store.connect(Path({str(sample_db)!r}), wait_seconds=20)\n"
        "print(time.monotonic() - started)\n"
        "con.close()\n"
    )
    waiter = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert waiter.returncode == 0, waiter.stderr
    assert float(waiter.stdout) < 5, waiter.stdout  # not the 60 s hold
    assert not wanted_mark(sample_db).exists()  # taken away once the file was its
    with shared.cursor() as cur:  # the app opens it again on the next click
        assert store.data_version(cur) == 1
    assert shared.openings == 2
    shared.close()


def test_file_is_let_go_after_the_hold_even_if_nobody_asks(sample_db: Path) -> None:
    # A waiter that cannot leave its mark (a directory it may not write) still gets in.
    shared = SharedConnection(lambda: store.connect(sample_db), idle_seconds=0.1, hold_seconds=0.6)
    with shared.cursor() as cur:
        assert store.data_version(cur) == 1
    assert _wait_until_closed(shared, 5) < 3
    assert not shared.is_open
    assert another_process_can_open(sample_db)


def test_a_process_exits_without_waiting_for_the_hold(sample_db: Path) -> None:
    # Stopping the server lets go at once: its timer thread would otherwise keep the
    # interpreter alive until the hold ran out.
    script = (
        "from pathlib import Path\n"
        "from kyosai import store\n"
        "from kyosai.ui.pool import SharedConnection\n"
        f"path = Path({str(sample_db)!r})\n"
        "shared = SharedConnection(lambda: store.connect(path), idle_seconds=0.1, "
        "hold_seconds=60)\n"
        "with shared.cursor() as cur:\n"
        "    print(store.data_version(cur))\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert time.monotonic() - started < 15
    assert another_process_can_open(sample_db)


def test_threads_borrow_cursors_at_once(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    shared = SharedConnection(lambda: store.connect(path), idle_seconds=0.2)

    def read(_thread: int) -> None:
        for _ in range(20):
            with shared.cursor() as cur:
                assert store.read_counts(cur).height == 100

    errors = run_in_threads(read, 4)
    assert errors == []
    shared.close()
    assert not shared.is_open
