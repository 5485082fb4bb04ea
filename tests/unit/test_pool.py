"""The app's shared connection lets the file go when idle, so another process can use it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from kyosai import store
from kyosai.ui.pool import SharedConnection

ROOT = Path(__file__).resolve().parents[2]


def _other_process_can_open(path: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r}).close()"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


def test_file_is_held_while_used_and_released_when_idle(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    store.connect(path).close()
    shared = SharedConnection(lambda: store.connect(path), idle_seconds=0.3)
    with shared.cursor() as cur:
        assert store.data_version(cur) == 1
        assert not _other_process_can_open(path)
    assert shared.is_open  # kept for the next click
    deadline = time.monotonic() + 5
    while shared.is_open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not shared.is_open
    assert _other_process_can_open(path)
    with shared.cursor() as cur:  # opened again on demand
        assert store.data_version(cur) == 1
    shared.close()


def test_threads_borrow_cursors_at_once(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    shared = SharedConnection(lambda: store.connect(path), idle_seconds=0.2)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                with shared.cursor() as cur:
                    assert store.read_counts(cur).height == 100
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shared.close()
    assert not shared.is_open
