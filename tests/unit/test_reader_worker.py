"""Uploads are parsed in worker processes: a file that aborts the native reader, a worker that
dies or takes too long, each becomes one plain Japanese problem, and the next upload works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyosai.catalog import default_catalog
from kyosai.ingest.parse import ParseResult
from kyosai.ingest.worker import ReaderPool, read_upload
from tests.cli_run import run_cli
from tests.quarter_files import long_rows, long_xlsx, quarter_counts
from tests.xlsb_files import grid_cells, xlsb
from tests.xml_strategies import damage
from tests.zip_files import layout_package, sheet_xml

CATALOG = default_catalog()
TODAY = date(2026, 1, 15)
# A far cell in an Excel binary workbook: no scan can check .xlsb records before reading, and
# calamine asks for rows x columns of memory (17 billion cells), which aborts the process that
# asks. Only the worker's limits stand between such a file and the server.
FAR_XLSB = xlsb({"S": [(0, 0, "x"), (1_048_575, 16_383, "y")]})


def quarter_file(seed: int = 0) -> bytes:
    """A valid quarterly file (long layout)."""
    return long_xlsx(quarter_counts(seed))


def only_problem(result: ParseResult) -> str:
    assert len(result.problems) == 1, [p.message for p in result.problems]
    return result.problems[0].message


def test_a_file_that_aborts_the_reader_is_one_plain_problem_and_the_next_one_reads() -> None:
    message = only_problem(read_upload(FAR_XLSB, "far.xlsb", CATALOG, TODAY))
    assert "「far.xlsb」を読み込めませんでした" in message and "何も登録していません" in message
    assert "memory" not in message and "Traceback" not in message
    # This process is alive (we are still here), and the next upload is read in full.
    following = read_upload(quarter_file(), "q.xlsx", CATALOG, TODAY)
    assert following.ok and following.rows.height > 0


def test_the_file_really_aborts_a_process_that_reads_it_in_place(tmp_path: Path) -> None:
    # Without the worker this is what the server would do: die by SIGABRT.
    path = tmp_path / "far.xlsb"
    path.write_bytes(FAR_XLSB)
    script = (
        "import sys, datetime; from kyosai.catalog import default_catalog; "
        "from kyosai.ingest.parse import parse_upload; "
        "parse_upload(open(sys.argv[1], 'rb').read(), 'far.xlsb', default_catalog(), "
        "datetime.date(2026, 1, 15))"
    )
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    result = subprocess.run(
        [sys.executable, "-c", limit + script, str(path)],
        capture_output=True,
        env={**os.environ, "RUST_BACKTRACE": "0"},
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=False,
    )
    assert result.returncode == -signal.SIGABRT, (result.returncode, result.stderr[-500:])


def test_the_cli_refuses_it_with_exit_1_not_a_signal(tmp_path: Path) -> None:
    path = tmp_path / "far.xlsb"
    path.write_bytes(FAR_XLSB)
    result = run_cli("import", path, "--dry-run", "--db", tmp_path / "k.duckdb")
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "読み込めませんでした" in result.stderr and "何も登録していません" in result.stderr
    assert "memory allocation" not in result.stderr and "Traceback" not in result.stderr


def test_a_worker_that_takes_too_long_is_replaced() -> None:
    impatient = ReaderPool(size=1, seconds=0.0)
    try:
        message = only_problem(impatient.parse(quarter_file(), "q.xlsx", CATALOG, TODAY))
        assert "秒以内に読み終わりませんでした" in message
    finally:
        impatient.close()
    assert read_upload(quarter_file(), "q.xlsx", CATALOG, TODAY).ok


@pytest.fixture
def warm_pool() -> Iterator[tuple[ReaderPool, subprocess.Popen[bytes]]]:
    """A one-worker pool that has read a file: the pool and its idle worker's process."""
    pool = ReaderPool(size=1)
    try:
        assert pool.parse(quarter_file(), "q.xlsx", CATALOG, TODAY).ok
        (idle,) = pool._idle
        yield pool, idle.process
    finally:
        pool.close()


def test_a_worker_killed_between_uploads_is_replaced(
    warm_pool: tuple[ReaderPool, subprocess.Popen[bytes]],
) -> None:
    pool, process = warm_pool
    process.kill()
    process.wait(timeout=10)
    assert pool.parse(quarter_file(1), "q1.xlsx", CATALOG, TODAY).ok


def test_a_worker_killed_mid_parse_is_one_plain_problem(
    warm_pool: tuple[ReaderPool, subprocess.Popen[bytes]],
) -> None:
    pool, process = warm_pool
    pid = process.pid
    # Stop it, so the next file is certainly mid-parse when it is killed.
    os.kill(pid, signal.SIGSTOP)
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    message = only_problem(pool.parse(quarter_file(1), "q1.xlsx", CATALOG, TODAY))
    assert "異常終了しました" in message
    assert pool.parse(quarter_file(2), "q2.xlsx", CATALOG, TODAY).ok


def test_two_uploads_at_once_each_get_their_own_rows() -> None:
    files = {f"q{seed}.xlsx": quarter_file(seed) for seed in range(4)}
    expected = {name: read_upload(data, name, CATALOG, TODAY).rows for name, data in files.items()}
    results: dict[str, ParseResult] = {}

    def parse(name: str) -> None:
        results[name] = read_upload(files[name], name, CATALOG, TODAY)

    threads = [threading.Thread(target=parse, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == set(files)
    for name, result in results.items():
        assert result.rows.equals(expected[name]), name
    assert len({tuple(r.rows["online"].to_list()) for r in results.values()}) == 4


# Built once: xlsxwriter stamps the time into a workbook, so bytes made per example would
# differ in length, and hypothesis would see a strategy that changes under it.
DAMAGE_BASES = [
    quarter_file(),
    FAR_XLSB,
    xlsb({"件数": grid_cells(long_rows(quarter_counts()))}),
    layout_package("backslashes", sheet_xml(long_rows(quarter_counts()))),
    layout_package("outside-xl", sheet_xml(long_rows(quarter_counts()))),
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_damaged_files_through_the_worker_never_crash_anything(data: st.DataObject) -> None:
    body = data.draw(st.sampled_from(DAMAGE_BASES))
    result = read_upload(damage(data, body), "damaged.xlsx", CATALOG, TODAY)
    assert result.ok or all(p.message.startswith(p.location) for p in result.problems)


@pytest.mark.parametrize("digits", ["١٢٣", "१२३"])
def test_counts_in_other_scripts_digits_are_refused_with_the_cell_named(digits: str) -> None:
    counts = quarter_counts(0)
    key = next(iter(counts))
    data = long_xlsx(counts, overrides={key: (digits, counts[key][1])})
    message = only_problem(read_upload(data, "q.xlsx", CATALOG, TODAY))
    assert message.startswith("シート「") and digits in message
