"""One DuckDB connection per app process, opened on demand and closed when idle, and the data
version the pages' caches key on.

DuckDB lets one process at a time hold the file read-write. Holding it for the app's whole life
would shut the command line (`python -m kyosai import …`) out for as long as the app runs; opening
it again costs a click ~15–40 ms. So the app keeps it while people click and read, and lets it go
after IDLE_SECONDS without a click once another process asks for it (it waits and retries, and
leaves a mark: `kyosai.store.wanted`), or after HOLD_SECONDS without a click in any case: a
waiter that cannot leave its mark still gets in within the CLI's 30 s wait.

While the connection stays open no other process can open the file, so only this process's own
writes can change the data. The data version is therefore read once and trusted until a write
through `write()` or a reopening, which both start a new generation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

import duckdb

from kyosai import store

IDLE_SECONDS = 3.0
HOLD_SECONDS = 20.0
# How often an idle connection looks for a waiter's mark; also the longest wait at exit.
CHECK_SECONDS = 1.0
T = TypeVar("T")


class SharedConnection:
    """A process-wide connection that every session thread borrows a cursor from."""

    def __init__(
        self,
        opener: Callable[[], duckdb.DuckDBPyConnection],
        idle_seconds: float = IDLE_SECONDS,
        *,
        wanted: Callable[[], bool] = lambda: False,
        hold_seconds: float = HOLD_SECONDS,
    ) -> None:
        self._opener = opener
        self._idle_seconds = idle_seconds
        self._wanted = wanted
        self._hold_seconds = max(idle_seconds, hold_seconds)
        self._stopping = False
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._openings = 0
        self._borrowers = 0
        self._last_used = time.monotonic()
        self._timer: threading.Timer | None = None
        # Bumped by every write and every opening; the version read in an older one is stale.
        self._generation = 0
        self._known_version: tuple[int, int] | None = None  # (generation, version)
        # At interpreter exit, before its threads are joined: let go now rather than after the
        # hold, so that stopping the server does not wait for it. (Not in typeshed.)
        with suppress(RuntimeError):  # raised when the interpreter is already exiting
            threading._register_atexit(self._stop)  # type: ignore[attr-defined]

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
                self._generation += 1
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

    def data_version(self) -> int:
        """The store's data version, read again only after a write here or a reopening."""
        with self._lock:
            known = self._known_version
            if known is not None and known[0] == self._generation and self.is_open:
                return known[1]
        with self.cursor() as cur:
            # The generation is taken after the cursor has opened the file: a write that ends
            # while we read starts a newer one, so this reading is not trusted past it.
            generation = self._generation
            version = store.data_version(cur)
        with self._lock:
            if generation == self._generation:
                self._known_version = (generation, version)
        return version

    def write(self, action: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run a write on a cursor of its own; whatever happens, the next data_version() reads
        the version again, so every cache keyed on it moves on."""
        try:
            with self.cursor() as cur:
                return action(cur)
        finally:
            with self._lock:
                self._generation += 1

    def close(self) -> None:
        """Close now if nobody is using the connection."""
        with self._lock:
            self._close_if_unused(force=True)

    def _stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._close_if_unused(force=True)

    def _schedule_close(self) -> None:
        if self._timer is None:
            interval = min(self._idle_seconds, CHECK_SECONDS)
            self._timer = threading.Timer(interval, self._close_when_idle)
            # Not a daemon: a daemon thread killed at interpreter exit inside DuckDB's close()
            # aborts the process. Exit waits at most one interval instead (see _stop).
            self._timer.daemon = False
            self._timer.start()

    def _close_when_idle(self) -> None:
        with self._lock:
            self._timer = None
            if not self._close_if_unused(force=False) and self._connection is not None:
                self._schedule_close()

    def _close_if_unused(self, *, force: bool) -> bool:
        if self._connection is None or self._borrowers:
            return False
        idle = time.monotonic() - self._last_used
        asked = idle >= self._idle_seconds and self._wanted()
        if not (force or self._stopping or asked or idle >= self._hold_seconds):
            return False
        self._connection.close()
        self._connection = None
        return True
