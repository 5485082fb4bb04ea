"""Run `python -m kyosai …` as a separate process, as staff and scripts do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kyosai import store

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str | Path,
    wait: float | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """The finished command; $KYOSAI_DB is dropped so only --db decides the file.

    With `wait`, the command waits that many seconds for a database held by another process;
    `input` is its standard input (none by default), `timeout` how long it may take in all.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("KYOSAI_DB", store.WAIT_SECONDS_ENV)}
    if wait is not None:
        env[store.WAIT_SECONDS_ENV] = str(wait)
    return subprocess.run(
        [sys.executable, "-m", "kyosai", *map(str, args)],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
