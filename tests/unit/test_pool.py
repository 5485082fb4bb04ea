"""The app's shared connection lets the file go when idle, so another process can use it."""

from __future__ import annotations

import time
from pathlib import Path

from kyosai import store
from kyosai.ui.pool import SharedConnection
from tests.processes import another_process_can_open, run_in_threads


def test_file_is_held_while_used_and_released_when_idle(sample_db: Path) -> None:
    path = sample_db
    shared = SharedConnection(lambda: store.connect(path), idle_seconds=0.3)
    with shared.cursor() as cur:
        assert store.data_version(cur) == 1
        assert not another_process_can_open(path)
    assert shared.is_open  # kept for the next click
    deadline = time.monotonic() + 5
    while shared.is_open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not shared.is_open
    assert another_process_can_open(path)
    with shared.cursor() as cur:  # opened again on demand
        assert store.data_version(cur) == 1
    shared.close()


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
