"""What went wrong with the DB file, named truthfully: the store's errors, and the storage
faults (no permission, read-only, disk full) told apart from damage, each with its own advice.

The distinction matters because the advice differs: a damaged file is restored from a backup,
but restoring over a healthy file that merely cannot be written replaces good data with older
data. This module is the bottom of the store and imports nothing from it.
"""

from __future__ import annotations

import errno
from enum import StrEnum
from pathlib import Path

import duckdb


class StoreError(Exception):
    """A write the store refused; nothing was written."""


class OutdatedError(StoreError):
    """The stored figures changed after the caller read them."""


class BusyError(StoreError):
    """Another process kept the DB file locked for longer than we were willing to wait."""


class DamagedError(StoreError):
    """The DB file is there, but DuckDB cannot open or read all of it."""


class Fault(StrEnum):
    """Why the DB file (or its folder, or the backups folder) cannot be written."""

    PERMISSION = "permission"
    READ_ONLY = "read_only"
    DISK_FULL = "disk_full"


class StorageFault(StoreError):
    """The DB cannot be written, though nothing is damaged: nothing was written."""

    def __init__(self, message: str, fault: Fault) -> None:
        """A fault and its Japanese message."""
        super().__init__(message)
        self.fault = fault


_ERRNOS = {
    errno.ENOSPC: Fault.DISK_FULL,
    errno.EDQUOT: Fault.DISK_FULL,
    errno.EROFS: Fault.READ_ONLY,
    errno.EACCES: Fault.PERMISSION,
    errno.EPERM: Fault.PERMISSION,
}
# DuckDB passes the operating system's words on in its messages; checked in this order.
_WORDS = (
    ("no space left on device", Fault.DISK_FULL),
    ("disk quota exceeded", Fault.DISK_FULL),
    ("read-only file system", Fault.READ_ONLY),
    ("attached in read-only mode", Fault.READ_ONLY),
    ("read-only mode", Fault.READ_ONLY),
    ("permission denied", Fault.PERMISSION),
    ("operation not permitted", Fault.PERMISSION),
)


def fault_of(error: BaseException) -> Fault | None:
    """The storage fault an OSError or DuckDB error reports, or None if it is something else."""
    if isinstance(error, OSError) and error.errno in _ERRNOS:
        return _ERRNOS[error.errno]
    if isinstance(error, OSError | duckdb.Error):
        text = str(error).lower()
        for words, fault in _WORDS:
            if words in text:
                return fault
    return None


def fault_message(fault: Fault, path: Path, doing: str = "書き込み") -> str:
    """The plain-Japanese message for a fault met while `doing` something with `path`."""
    if fault is Fault.DISK_FULL:
        return (
            f"ディスクの空きが足りないため、{path} の{doing}ができませんでした。"
            "今回の処理は行われていません（データは直前の状態のまま、壊れていません）。"
            "ディスクの空きを作ってから、もう一度実行してください。復元（restore）は不要です。"
        )
    reason = (
        "読み取り専用のファイルか、読み取り専用の場所にあります"
        if fault is Fault.READ_ONLY
        else "書き込みの権限がありません"
    )
    return (
        f"{path} の{doing}ができません（{reason}）。データは壊れていません。"
        "復元（restore）はしないでください。表示や集計はできますが、登録・取消・復元は"
        "ファイルとフォルダに書き込みの権限があるときにだけできます。管理者に確かめてください。"
    )


def storage_fault(error: BaseException, path: Path, doing: str = "書き込み") -> StorageFault | None:
    """`error` as a StorageFault with its message, or None if it is no storage fault."""
    fault = fault_of(error)
    return None if fault is None else StorageFault(fault_message(fault, path, doing), fault)


def read_only_notice(path: Path) -> str:
    """The staff's notice while the DB could only be opened read-only."""
    return (
        f"データベース {path} に書き込めないため、読み取り専用で開いています。"
        "表示と集計はできますが、登録・取消はできません。データは壊れていません"
        "（復元は不要です）。ファイルとフォルダの書き込み権限を管理者に確かめてください。"
    )
