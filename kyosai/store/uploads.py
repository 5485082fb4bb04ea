"""The upload record: every upload, one upload's rows, what blocks its undo, and the undo."""

from __future__ import annotations

import logging
from datetime import datetime

import duckdb
import polars as pl

from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, now
from kyosai.store.faults import StoreError
from kyosai.store.writes import commit_write

log = logging.getLogger("kyosai.store")
REMOVE_SAMPLE_KIND = "remove_sample"


def read_uploads(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every upload, newest first."""
    frame: pl.DataFrame = con.sql(
        """SELECT upload_id, uploaded_at, uploaded_by, file_name, sha256, is_sample,
                  rows_new, rows_revised, rows_unchanged, undone_at, undone_by, kind,
                  rows_removed
           FROM uploads ORDER BY upload_id DESC"""
    ).pl()
    return frame


def find_upload_by_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, datetime] | None:
    """The live (not undone) upload that loaded these exact bytes, if any."""
    row = first_row(
        con,
        """SELECT upload_id, uploaded_at FROM uploads
           WHERE sha256 = ? AND undone_at IS NULL ORDER BY upload_id LIMIT 1""",
        [sha256],
    )
    return (int(row[0]), row[1]) if row else None


def read_upload_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> pl.DataFrame:
    """The rows one upload brought, with the values they replaced."""
    frame: pl.DataFrame = con.sql(
        """SELECT procedure_id, month, online, total, change, old_online, old_total, old_upload_id
           FROM upload_rows WHERE upload_id = ? ORDER BY procedure_id, month""",
        params=[upload_id],
    ).pl()
    return frame


def blocking_upload(con: duckdb.DuckDBPyConnection, upload_id: int) -> int | None:
    """The latest live upload after this one that touched any of its rows (undo that first)."""
    # A removal of the sample touches the counts it deleted or kept, as an upload does.
    row = first_row(
        con,
        """WITH touched AS (
               SELECT upload_id, procedure_id, month FROM upload_rows
               UNION ALL SELECT upload_id, procedure_id, month FROM removal_rows)
           SELECT max(later.upload_id)
           FROM touched mine
           JOIN touched later USING (procedure_id, month)
           JOIN uploads u ON u.upload_id = later.upload_id
           WHERE mine.upload_id = ? AND later.upload_id > ? AND u.undone_at IS NULL""",
        [upload_id, upload_id],
    )
    return int(row[0]) if row and row[0] is not None else None


def undo_upload(con: duckdb.DuckDBPyConnection, upload_id: int, undone_by: str) -> BackupOutcome:
    """Restore exactly the values an upload replaced, in one transaction; returns its backup."""
    committed = commit_write(
        con, lambda: _reverse_upload(con, upload_id, undone_by), f"undo of upload {upload_id}"
    )
    return committed.backup


def _reverse_upload(con: duckdb.DuckDBPyConnection, upload_id: int, undone_by: str) -> None:
    # The body of undo_upload's transaction; run again as a whole after a write conflict.
    state = first_row(con, "SELECT undone_at, kind FROM uploads WHERE upload_id = ?", [upload_id])
    if not state:
        raise StoreError(f"取込 #{upload_id} はありません。")
    if state[0] is not None:
        raise StoreError(f"取込 #{upload_id} は既に取り消されています。")
    # A later upload that touched the same rows (even leaving them unchanged) relies on
    # this upload's values: undoing underneath it would silently change its figures.
    later = blocking_upload(con, upload_id)
    if later is not None:
        name = first_row(con, "SELECT file_name FROM uploads WHERE upload_id = ?", [later])
        raise StoreError(
            f"取込 #{later}（{name[0] if name else ''}）が同じ手続・年月の件数を含んでいるため、"
            f"取込 #{upload_id} は取り消せません。先に取込 #{later} を取り消してください。"
        )
    if state[1] == REMOVE_SAMPLE_KIND:
        _reverse_removal(con, upload_id)
    con.execute(
        """DELETE FROM monthly_counts c USING upload_rows r
           WHERE r.upload_id = ? AND r.change = 'new'
             AND c.procedure_id = r.procedure_id AND c.month = r.month""",
        [upload_id],
    )
    con.execute(
        """UPDATE monthly_counts c
           SET online = r.old_online, total = r.old_total, upload_id = r.old_upload_id
           FROM upload_rows r
           WHERE r.upload_id = ? AND r.change = 'revised'
             AND c.procedure_id = r.procedure_id AND c.month = r.month""",
        [upload_id],
    )
    con.execute(
        "UPDATE uploads SET undone_at = ?, undone_by = ? WHERE upload_id = ?",
        [now(), undone_by, upload_id],
    )
    log.debug("undo of upload %d: written, committing", upload_id)


def _reverse_removal(con: duckdb.DuckDBPyConnection, upload_id: int) -> None:
    # No later upload touched these counts (checked above), so the deleted ones are absent
    # and the kept ones still carry the upload the removal gave them.
    con.execute(
        """INSERT INTO monthly_counts
           SELECT procedure_id, month, online, total, old_upload_id FROM removal_rows
           WHERE upload_id = ? AND new_upload_id IS NULL""",
        [upload_id],
    )
    con.execute(
        """UPDATE monthly_counts c SET upload_id = r.old_upload_id
           FROM removal_rows r
           WHERE r.upload_id = ? AND r.new_upload_id IS NOT NULL
             AND c.procedure_id = r.procedure_id AND c.month = r.month""",
        [upload_id],
    )
