"""Crash safety: a process SIGKILLed at any moment of a commit (the transaction, the commit, the
CHECKPOINT, the backup copy and its verification, the close) leaves all of its upload or none of
it, in a DB that opens cleanly, whose backups are sound, and where undo still works."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.store import backups
from tests.crash_commit import FILE_NAME, crash_rows
from tests.sample_db import copy_db

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "crash_commit.py"
# At least 50 kills; KYOSAI_CRASH_KILLS raises it for a longer run.
KILLS = max(50, int(os.environ.get("KYOSAI_CRASH_KILLS", "60")))
# The child prints these as each phase starts; the last one printed says where the kill landed.
PHASES = (
    ("ready", "transaction"),
    ("written, committing", "commit"),
    ("committed", "after commit"),
    ("backup: checkpoint", "checkpoint"),
    ("backup: copying to", "backup copy"),
    ("backup: copying the WAL", "backup WAL"),
    ("backup: verifying", "backup verify"),
    ("backup: done", "backup done"),
    ("returned", "close"),
    ("closed", "exited"),
)
BEFORE_COMMIT = {"transaction"}
EITHER = {"commit"}  # inside con.commit(): the WAL write decides


@dataclass
class Child:
    """One child process, its DB copy, and everything it printed."""

    path: Path
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, path: Path, with_reader: bool) -> Child:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("KYOSAI_DB", None)
        process = subprocess.Popen(
            [sys.executable, str(CHILD), str(path), *(["reader"] if with_reader else [])],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        child = cls(path, process)
        child.reader = threading.Thread(target=child._read, daemon=True)
        child.reader.start()
        return child

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())
            self.times.append(time.monotonic())
            if line.strip() == "ready":
                self.ready.set()

    def kill(self) -> None:
        """SIGKILL, then wait until everything it printed has been read."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        assert self.reader is not None
        self.reader.join(30)

    def phase(self) -> str:
        """The phase the child was in when it died: the last marker it printed."""
        reached = "starting"
        for line in self.lines:
            text = line.removeprefix("upload 2: ")
            for marker, phase in PHASES:
                if text.startswith(marker):
                    reached = phase
        return reached


@dataclass(frozen=True)
class State:
    """What a reader sees: the counts, the uploads, the rows of the crash upload, the version."""

    counts: pl.DataFrame
    uploads: list[tuple[int, str, bool]]
    crash_rows: int
    version: int


def read_state(con: duckdb.DuckDBPyConnection) -> State:
    uploads = [
        (r["upload_id"], r["file_name"], r["undone_at"] is None)
        for r in store.read_uploads(con).iter_rows(named=True)
    ]
    crash = store.read_upload_rows(con, 2).height
    return State(store.read_counts(con), uploads, crash, store.data_version(con))


def same(a: State, b: State) -> bool:
    return (a.uploads, a.crash_rows, a.version) == (b.uploads, b.crash_rows, b.version) and (
        a.counts.equals(b.counts)
    )


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory, sample_db_template: Path
) -> tuple[Path, State, State]:
    """A sample DB file with its backup, and the states before and after the crash upload."""
    folder = tmp_path_factory.mktemp("template")
    # With its backup: a DB whose newest backup is behind is backed up before the next write,
    # and that catch-up would come before the phases this test kills in.
    path = copy_db(sample_db_template, folder / "k.duckdb")
    scratch = folder / "after" / "k.duckdb"
    scratch.parent.mkdir()
    shutil.copyfile(path, scratch)
    with store.session(scratch, sample=False) as con:
        before = read_state(con)
        store.write_upload(con, crash_rows(), file_name=FILE_NAME, sha256="c", uploaded_by="c")
        after = read_state(con)
    assert before.crash_rows == 0 and after.crash_rows == 336
    assert after.counts.height > before.counts.height
    return path, before, after


def check_after_kill(path: Path, phase: str, before: State, after: State) -> str:
    """Open the killed child's DB; assert it holds exactly before or after; undo; the outcome."""
    with store.session(path, sample=False, wait_seconds=10) as con:
        state = read_state(con)
        if same(state, before):
            outcome = "before"
        else:
            assert same(state, after), f"neither before nor after (killed in {phase})"
            outcome = "after"
        if phase in BEFORE_COMMIT:
            assert outcome == "before", phase
        elif phase not in EITHER and phase != "starting":
            assert outcome == "after", phase
        # Every file carrying a backup's name is a sound copy (half copies stay .partial).
        for backup in backups.list_backups(path):
            assert backups.verify_backup(backup.path).data_version == backup.data_version
        # Undo still works, and the DB still takes commits.
        if outcome == "before":
            store.write_upload(con, crash_rows(), file_name=FILE_NAME, sha256="c", uploaded_by="c")
        store.undo_upload(con, 2, "test")
        assert_frame_equal(store.read_counts(con), before.counts)
        assert not list((path.parent / "backups").glob("*.partial*"))
        newest = backups.list_backups(path)[0]
        assert newest.data_version == store.data_version(con)
    return outcome


@pytest.mark.slow
def test_a_commit_killed_at_any_moment_leaves_all_or_nothing(
    template: tuple[Path, State, State], tmp_path: Path
) -> None:
    source, before, after = template
    started = time.monotonic()

    def prepared(index: int) -> Child:
        # Every other child commits while a reader holds a transaction (the WAL path).
        path = copy_db(source, tmp_path / f"run{index}" / "k.duckdb")
        return Child.start(path, with_reader=index % 2 == 1)

    # Measure the whole window, from "ready" to the end of the close, on undisturbed children.
    windows = []
    for index in range(4):
        child = prepared(-1 - index)
        assert child.process.wait(30) == 0
        assert child.reader is not None
        child.reader.join(30)
        assert child.phase() == "exited"
        windows.append(child.times[-1] - child.times[0])
        assert same(read_state_of(child.path), after)
    window = sorted(windows)[2]

    # Stratified delays: one kill in each slice of the window (plus 10 % past it), in a random
    # order, so every phase is hit however short it is.
    rng = random.Random(20251126)
    delays = [window * 1.1 * (i + rng.random()) / KILLS for i in range(KILLS)]
    rng.shuffle(delays)
    phases: Counter[str] = Counter()
    outcomes: Counter[tuple[str, str]] = Counter()
    child = prepared(0)
    for index, delay in enumerate(delays):
        assert child.ready.wait(30), child.lines
        time.sleep(delay)
        child.kill()
        victim = child
        # The next child starts importing while this one is checked.
        child = prepared(index + 1) if index + 1 < KILLS else child
        phase = victim.phase()
        phases[phase] += 1
        outcomes[(phase, check_after_kill(victim.path, phase, before, after))] += 1

    elapsed = time.monotonic() - started
    summary = {
        "kills": KILLS,
        "window_ms": [round(w * 1000) for w in windows],
        "phases": dict(phases),
        "outcomes": {f"{p}->{o}": n for (p, o), n in sorted(outcomes.items())},
        "seconds": round(elapsed, 1),
    }
    print(f"\ncrash summary: {summary}")
    before_commit = sum(n for (p, o), n in outcomes.items() if p in BEFORE_COMMIT)
    after_commit = sum(n for (p, o), n in outcomes.items() if o == "after")
    in_backup = sum(phases[p] for p in ("checkpoint", "backup copy", "backup WAL", "backup verify"))
    assert before_commit > 0 and after_commit > 0 and in_backup > 0, summary


def read_state_of(path: Path) -> State:
    with store.session(path, sample=False) as con:
        return read_state(con)
