"""The check a DB file passes each time it is opened: every block reads back, and the contents
agree with the newest verified backup.

DuckDB checks a block's checksum only when it reads the block, so a file cut short or with a
damaged middle still opens, and even answers the queries that touch only sound blocks; the
upload that reads the rest then fails. Reading every table once on open (milliseconds for this
database) finds that damage first. A file whose data version is behind the newest backup's has
been replaced by an older copy: committed uploads are missing from it, so it is refused too.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import duckdb

from kyosai.store.backups import BackupError, fingerprint, recorded_fingerprint
from kyosai.store.db import damaged_message
from kyosai.store.faults import DamagedError

log = logging.getLogger("kyosai.store")

# A file is read through once per process for each state of it (inode, size, time of the file
# and of its WAL): reopening an unchanged file after an idle close costs nothing.
_verified: dict[Path, tuple[int, ...]] = {}
_verified_lock = threading.Lock()


def _identity(path: Path) -> tuple[int, ...]:
    # os.stat opens no descriptor, so it cannot drop the lock DuckDB holds on the file.
    parts: list[int] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            stat = os.stat(file)
        except FileNotFoundError:
            parts += [0, 0, 0]
            continue
        parts += [stat.st_ino, stat.st_size, stat.st_mtime_ns]
    return tuple(parts)


def verify_on_open(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every table once and compare with the newest backup; DamagedError if either fails."""
    key = path.resolve()
    identity = _identity(key)
    with _verified_lock:
        if _verified.get(key) == identity:
            return
    try:
        found = fingerprint(con)
    except duckdb.Error as error:
        log.warning("%s does not read back: %s", path, error)
        raise DamagedError(damaged_message(path, "読み取れない部分があります")) from error
    except BackupError:
        return  # not (yet) a kyosai database: a new file is migrated by the caller
    recorded = recorded_fingerprint(path)
    if recorded is not None and recorded.schema_version == found.schema_version:
        if recorded.data_version > found.data_version:
            detail = (
                f"最新のバックアップ（データ版 {recorded.data_version}）より古い内容です"
                f"（データ版 {found.data_version}）。古いファイルに置き換えられた可能性があります"
            )
            raise DamagedError(damaged_message(path, detail))
        if recorded.data_version == found.data_version and recorded.contents() != found.contents():
            detail = "内容が、同じ版の最新のバックアップと一致しません"
            raise DamagedError(damaged_message(path, detail))
    with _verified_lock:
        _verified[key] = identity


def forget(path: Path) -> None:
    """Check the file again at its next opening (after this process replaced it)."""
    with _verified_lock:
        _verified.pop(path.resolve(), None)
