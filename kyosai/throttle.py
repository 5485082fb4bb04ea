"""A brute-force limit for the shared staff password: exponential back-off per client address,
then a lockout, held process-wide so that opening more browser sessions does not help.

A pause inside one session does nothing against 24 sessions guessing at once; this limiter
counts failures per address (or for everyone together where no address is known) across all
sessions of the server process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("kyosai.auth")

LOCKOUT_AFTER = 10
LOCKOUT_SECONDS = 15 * 60
MAX_BACKOFF_SECONDS = 60.0
# Failures this long ago are forgotten: a person who mistyped last week starts afresh.
FORGET_SECONDS = LOCKOUT_SECONDS


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


class SignInLimiter:
    """Failed sign-ins per key (a client address); how long a key must wait before trying."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """An empty record; `clock` is monotonic seconds (replaced in tests)."""
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        """How long `key` must wait before its next attempt is even checked (0: it may try)."""
        with self._lock:
            record = self._current(key)
            return 0.0 if record is None else max(0.0, record.blocked_until - self._clock())

    def failed(self, key: str) -> float:
        """Record a failed attempt; the wait it earns (back-off, or the lockout)."""
        with self._lock:
            now = self._clock()
            record = self._current(key) or self._records.setdefault(key, _Record())
            record.failures += 1
            record.last_failure = now
            if record.failures >= LOCKOUT_AFTER:
                wait = float(LOCKOUT_SECONDS)
            else:
                wait = min(2.0 ** (record.failures - 1), MAX_BACKOFF_SECONDS)
            record.blocked_until = now + wait
        log.warning("failed staff sign-in from %s (%d in a row)", key, record.failures)
        return wait

    def succeeded(self, key: str) -> None:
        """A correct password: the key's failures are forgotten."""
        with self._lock:
            self._records.pop(key, None)

    def _current(self, key: str) -> _Record | None:
        record = self._records.get(key)
        if record is None:
            return None
        now = self._clock()
        if now >= record.blocked_until and now - record.last_failure >= FORGET_SECONDS:
            del self._records[key]
            return None
        return record


def wait_text(seconds: float) -> str:
    """A wait as staff read it: `15 分`, `8 秒`."""
    whole = int(seconds + 0.999)
    return f"{(whole + 59) // 60} 分" if whole >= 60 else f"{whole} 秒"
