"""One DuckDB connection per app process, opened on demand and closed when idle.

DuckDB lets one process at a time hold the file read-write. Holding it for the app's whole life
would shut the command line (`python -m kyosai import …`) out for as long as the app runs; opening
it on every script run would cost ~15 ms a click. So the app keeps it while people click and lets
it go after a few idle seconds, and the CLI, which waits and retries, gets its turn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

IDLE_SECONDS = 3.0


class SharedConnection:
    """A process-wide connection that every session thread borrows a cursor from."""

    def __init__(
        self,
        opener: Callable[[], duckdb.DuckDBPyConnection],
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._opener = opener
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._openings = 0
        self._borrowers = 0
        self._last_used = time.monotonic()
        self._timer: threading.Timer | None = None

    @property
    def openings(self) -> int:
        """How many times the file has been opened: what another process wrote is only
        visible after a reopening, since nobody else can open the file in between."""
        return self._openings

    @property
    def is_open(self) -> bool:
        """Whether the file is held right now."""
        return self._connection is not None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for the caller (DuckDB connections are not thread-safe)."""
        with self._lock:
            if self._connection is None:
                self._connection = self._opener()
                self._openings += 1
            self._borrowers += 1
            borrowed = self._connection.cursor()
        try:
            yield borrowed
        finally:
            borrowed.close()
            with self._lock:
                self._borrowers -= 1
                self._last_used = time.monotonic()
                self._schedule_close()

    def close(self) -> None:
        """Close now if nobody is using the connection."""
        with self._lock:
            self._close_if_unused(force=True)

    def _schedule_close(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self._idle_seconds, self._close_when_idle)
            # Not a daemon: a daemon thread killed at interpreter exit inside DuckDB's close()
            # aborts the process. Exit waits at most idle_seconds for the close instead.
            self._timer.daemon = False
            self._timer.start()

    def _close_when_idle(self) -> None:
        with self._lock:
            self._timer = None
            if not self._close_if_unused(force=False) and self._connection is not None:
                self._schedule_close()

    def _close_if_unused(self, *, force: bool) -> bool:
        idle = time.monotonic() - self._last_used >= self._idle_seconds
        if self._connection is None or self._borrowers or not (idle or force):
            return False
        self._connection.close()
        self._connection = None
        return True
