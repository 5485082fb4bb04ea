"""A process that waits for the DB file leaves a mark for its holder, and takes it away."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kyosai import store
from kyosai.store.wanted import FRESH_SECONDS, ask_for, is_wanted, wanted_mark


def _hold_in_another_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    script = (
        "import sys, time, duckdb\n"
        f"con = duckdb.connect({str(path)!r})\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
        "con.close()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_waiting_open_asks_the_holder_and_takes_its_mark_away(sample_db: Path) -> None:
    holder = _hold_in_another_process(sample_db, 1.5)
    seen: list[bool] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(is_wanted(sample_db))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        con = store.connect(sample_db, wait_seconds=20)
    finally:
        done.set()
        watcher.join()
        holder.wait(timeout=20)
    try:
        assert store.data_version(con) == 1
    finally:
        con.close()
    assert any(seen)  # asked while it waited
    assert not wanted_mark(sample_db).exists()


def test_an_open_that_gives_up_takes_its_mark_away(sample_db: Path) -> None:
    holder = _hold_in_another_process(sample_db, 3)
    try:
        with pytest.raises(store.BusyError):
            store.connect(sample_db, wait_seconds=0.4)
        assert not wanted_mark(sample_db).exists()
    finally:
        holder.wait(timeout=20)


def test_an_open_nobody_blocks_leaves_no_mark(sample_db: Path) -> None:
    store.connect(sample_db).close()
    assert not wanted_mark(sample_db).exists()


def test_a_mark_not_renewed_is_ignored(tmp_path: Path) -> None:
    # A waiter renews its mark on every attempt; one that died leaves an old mark behind.
    path = tmp_path / "k.duckdb"
    assert not is_wanted(path)
    ask_for(path)
    assert is_wanted(path)
    old = time.time() - FRESH_SECONDS - 1
    os.utime(wanted_mark(path), (old, old))
    assert not is_wanted(path)
