"""Helpers for tests that use a DB file from other processes or from several threads at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path


def open_in_another_process(
    path: Path, query: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Open the DuckDB file in a separate Python process, print the query's rows, close it."""
    script = f"import duckdb\ncon = duckdb.connect({str(path)!r})\n"
    if query is not None:
        script += f"print(con.sql({query!r}).fetchall())\n"
    script += "con.close()\n"
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )


def another_process_can_open(path: Path) -> bool:
    """Whether a separate process can open the DuckDB file now (no process holds it)."""
    return open_in_another_process(path).returncode == 0


def run_in_threads(
    work: Callable[[int], None], count: int, timeout: float = 60.0
) -> list[BaseException]:
    """Run work(0) … work(count - 1) on threads of their own at once; what they raised."""
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout} s: {stuck}"
    return errors
