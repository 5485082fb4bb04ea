"""Uploads are parsed in worker processes with a memory and a time limit, so that no file can
take the server or the command line down, whatever a native reader does with it.

calamine (through fastexcel) is Rust: a file that makes it ask for an impossible allocation
aborts the whole process (SIGABRT). Here that process is a worker: the caller gets one plain
Japanese problem, the worker is replaced, and the next upload works. Workers are started ahead
of need and kept warm; each handles one file at a time, so two uploads never share one.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from kyosai.catalog import Catalog
from kyosai.ingest.parse import ParseResult, empty_rows, parse_upload
from kyosai.ingest.problems import FILE_LOCATION, make_problem

# Enough for the largest file the limits admit (10 MB, 2,000,000 cells) with room to spare;
# calamine's wild allocations fail here instead of taking the machine's memory.
MEMORY_LIMIT_MB = int(os.environ.get("KYOSAI_READER_MEMORY_MB", "1536"))
TIME_LIMIT_SECONDS = float(os.environ.get("KYOSAI_READER_SECONDS", "30"))
WORKERS = 2
STARTUP_SECONDS = 60.0
SERVE_COMMAND = "from kyosai.ingest.worker import serve; serve"

log = logging.getLogger("kyosai.ingest.worker")

FAILED_BODY = (
    "「{name}」を読み込めませんでした（{why}）。ファイルが壊れているか、Excel の形式として"
    "正しくないか、使われているセルの範囲が広すぎる（例: 65,536 行 × 256 列すべて）可能性が"
    "あります。Excel で開いて件数の表だけを残し、「名前を付けて保存」で .xlsx 形式か"
    " CSV（UTF-8）形式を選んで保存し直して、もう一度アップロードしてください。"
    "何も登録していません。"
)


def _write_frame(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> Any:
    (size,) = struct.unpack(">Q", _read_exactly(stream, 8))
    # Only ever frames written by _write_frame, between this process and its own worker.
    return pickle.loads(_read_exactly(stream, size))


def serve(memory_mb: int) -> None:
    """The worker's whole life: limit itself, then parse one request after another."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file behind
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the reply pipe: stray prints go to stderr.
    sys.stdout = sys.stderr
    _write_frame(replies, "ready")
    while True:
        try:
            request = _read_frame(requests)
        except EOFError:
            return
        data, file_name, catalog, today = request
        _write_frame(replies, parse_upload(data, file_name, catalog, today))


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]

    @property
    def requests(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    @property
    def replies(self) -> IO[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout

    def reply_within(self, seconds: float) -> bool:
        """Whether a reply starts arriving within `seconds`."""
        ready, _, _ = select.select([self.replies], [], [], seconds)
        return bool(ready)


def failed(file_name: str, why: str) -> ParseResult:
    """The plain problem for a file the worker could not read (it crashed or took too long)."""
    body = FAILED_BODY.format(name=file_name, why=why)
    problem = make_problem(FILE_LOCATION, why, "読み込めるファイル", body)
    return ParseResult(rows=empty_rows(), problems=[problem], layout="", sheets=[])


class ReaderPool:
    """A few warm worker processes that parse uploads, one file each at a time."""

    def __init__(
        self,
        size: int = WORKERS,
        memory_mb: int = MEMORY_LIMIT_MB,
        seconds: float = TIME_LIMIT_SECONDS,
    ) -> None:
        self._size = size
        self._memory_mb = memory_mb
        self._seconds = seconds
        self._idle: list[_Worker] = []
        self._starting = 0
        self._busy = 0
        self._lock = threading.Condition()

    def _start(self) -> _Worker:
        # A fresh interpreter (not fork: the server has threads whose locks a child would
        # inherit; not multiprocessing's spawn: it imports the caller's main script again).
        process = subprocess.Popen(
            [sys.executable, "-c", f"{SERVE_COMMAND}({self._memory_mb})"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # A native reader's abort prints a backtrace: the exit code is logged instead, and
            # nothing reaches the person at the terminal or the page.
            stderr=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
            # Few threads: an upload is small, and each thread's stack counts against RLIMIT_AS
            # (a many-core server would otherwise reserve enough to hit the limit at start).
            env={**os.environ, "RUST_BACKTRACE": "0", "POLARS_MAX_THREADS": "2"},
        )
        worker = _Worker(process)
        if not worker.reply_within(STARTUP_SECONDS) or _read_frame(worker.replies) != "ready":
            self._discard(worker)
            raise OSError("the reader worker did not start")
        return worker

    def _take(self) -> _Worker:
        with self._lock:
            while not self._idle and self._busy + self._starting >= self._size:
                self._lock.wait()
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    self._busy += 1
                    return worker
                self._discard(worker)  # ended while idle (killed from outside)
            self._starting += 1
        worker = self._start_counted()
        with self._lock:
            self._busy += 1
        return worker

    def _start_counted(self) -> _Worker:
        # The caller counted this start in _starting (under the lock); it ends here.
        try:
            return self._start()
        finally:
            with self._lock:
                self._starting -= 1

    def _give_back(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None:
                self._idle.append(worker)
            self._lock.notify()

    def warm(self) -> None:
        """Start one worker now, so the first upload does not wait for an interpreter."""
        with self._lock:
            if self._idle or self._starting or self._busy:
                return
            self._starting += 1

        def start() -> None:
            try:
                worker = self._start_counted()
            except OSError as error:  # the upload itself will try again and say so
                log.warning("could not warm a reader worker: %r", error)
                return
            with self._lock:
                self._idle.append(worker)
                self._lock.notify()

        threading.Thread(target=start, name="kyosai-reader-warm", daemon=True).start()

    def _handed(self, request: tuple[object, ...]) -> _Worker:
        # A worker that ended before it got the file (killed from outside) is not the file's
        # fault: a fresh one gets it.
        for attempt in (1, 2):
            worker = self._take()
            try:
                _write_frame(worker.requests, request)
                return worker
            except OSError:
                self._discard(worker)
                self._give_back(None)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def parse(self, data: bytes, file_name: str, catalog: Catalog, today: date) -> ParseResult:
        """Parse in a worker; a crash, out-of-memory or timeout there is one plain problem."""
        try:
            worker = self._handed((data, file_name, catalog, today))
        except (OSError, EOFError) as error:
            log.warning("no reader worker could take %r: %r", file_name, error)
            return failed(file_name, "読み込み用の処理を起動できませんでした")
        try:
            if worker.reply_within(self._seconds):
                result: ParseResult = _read_frame(worker.replies)
                self._give_back(worker)
                return result
            why = f"{self._seconds:g} 秒以内に読み終わりませんでした"
        except (EOFError, OSError):
            why = "読み込み中に処理が異常終了しました"
        except BaseException:
            self._discard(worker)
            self._give_back(None)
            raise
        self._discard(worker)
        self._give_back(None)
        code = worker.process.returncode
        log.warning("reader worker for %r discarded: %s (exit code %s)", file_name, why, code)
        return failed(file_name, why)

    def _discard(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.wait(timeout=5)
        for stream in (worker.process.stdin, worker.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """Stop every idle worker (busy ones stop when their caller is done)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            with contextlib.suppress(OSError):
                worker.requests.close()  # end of input: the worker returns
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=1)
            self._discard(worker)


_pool: ReaderPool | None = None
_pool_lock = threading.Lock()


def reader_pool() -> ReaderPool:
    """The process's reader pool, made on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ReaderPool()
            atexit.register(_pool.close)
        return _pool


def read_upload(data: bytes, file_name: str, catalog: Catalog, today: date) -> ParseResult:
    """parse_upload, run in a warm worker process with memory and time limits."""
    started = time.perf_counter()
    result = reader_pool().parse(data, file_name, catalog, today)
    log.debug("read %s in %.1f ms", file_name, (time.perf_counter() - started) * 1000)
    return result
