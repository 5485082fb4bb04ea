"""Run `python -m kyosai …` as a separate process, as staff and scripts do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kyosai import store

ROOT = Path(__file__).resolve().parents[1]


# Root ignores file modes; without these capabilities it obeys them like any other user.
OBEY_FILE_MODES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def obeying_file_modes() -> list[str]:
    """The command prefix that makes a process respect read-only files and folders."""
    return OBEY_FILE_MODES if os.geteuid() == 0 else []


def run_cli(
    *args: str | Path,
    wait: float | None = None,
    input: str | None = None,
    timeout: float = 120,
    obey_file_modes: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The finished command; $KYOSAI_DB is dropped so only --db decides the file.

    With `wait`, the command waits that many seconds for a database held by another process;
    `input` is its standard input (none by default), `timeout` how long it may take in all;
    `obey_file_modes` runs it without root's power to write read-only files; `env` adds
    variables.
    """
    drop = ("KYOSAI_DB", store.WAIT_SECONDS_ENV, "KYOSAI_BACKUP_DIR")
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    environment.update(env or {})
    if wait is not None:
        environment[store.WAIT_SECONDS_ENV] = str(wait)
    prefix = obeying_file_modes() if obey_file_modes else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "kyosai", *map(str, args)],
        cwd=ROOT,
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
