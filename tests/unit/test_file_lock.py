"""The process that holds the DB keeps its lock through commits and backups.

POSIX drops every lock a process holds on a file when it closes any descriptor of that file,
so a backup that copied the live file with a second descriptor once let the CLI open the
database under the app and write beside it: one of the two uploads was lost.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from kyosai import store
from tests.processes import another_process_can_open


def test_lock_survives_a_commit_and_its_backup(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    con = store.connect(path)
    try:
        assert not another_process_can_open(path)
        result = store.write_upload(
            con,
            pl.DataFrame(
                {"procedure_id": ["tosan_kaiyaku"], "month": [date(2025, 9, 1)]},
                schema={"procedure_id": pl.String, "month": pl.Date},
            ).with_columns(online=pl.lit(3, pl.Int64), total=pl.lit(9, pl.Int64)),
            file_name="q.xlsx",
            sha256="q",
            uploaded_by="t",
        )
        assert result.backup is not None and result.backup.backup is not None
        assert not another_process_can_open(path)
        store.undo_upload(con, result.upload_id, "t")
        assert not another_process_can_open(path)
    finally:
        con.close()
    assert another_process_can_open(path)
