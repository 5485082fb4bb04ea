"""Going live: removing the sample data that no real upload has replaced, recorded as an upload
of its own kind so that 取込履歴 lists it and it can be undone like any other."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, now
from kyosai.store.faults import StoreError
from kyosai.store.uploads import REMOVE_SAMPLE_KIND
from kyosai.store.writes import commit_write

REMOVAL_NAME = "サンプルデータの削除"

# Each count that still comes from a live sample upload, and the latest live real upload that
# wrote the same value (an 'unchanged' row keeps the sample's upload id), if any.
_SAMPLE_COUNTS = """
    SELECT c.procedure_id, c.month, c.online, c.total, c.upload_id AS old_upload_id,
           (SELECT max(r.upload_id) FROM upload_rows r
              JOIN uploads ru ON ru.upload_id = r.upload_id
             WHERE r.procedure_id = c.procedure_id AND r.month = c.month
               AND r.upload_id > c.upload_id AND NOT ru.is_sample AND ru.undone_at IS NULL
           ) AS new_upload_id
    FROM monthly_counts c
    JOIN uploads u ON u.upload_id = c.upload_id
    WHERE u.is_sample AND u.undone_at IS NULL
"""


@dataclass(frozen=True)
class SampleLeft:
    """What a removal would do now: counts deleted, and counts kept because a real upload
    confirmed their value."""

    removed: int
    kept: int


@dataclass(frozen=True)
class Removal:
    """What a committed removal did."""

    upload_id: int
    removed: int
    kept: int
    backup: BackupOutcome | None = field(default=None, compare=False)


def sample_left(con: duckdb.DuckDBPyConnection) -> SampleLeft:
    """How many stored counts still hold sample values (removed) or are confirmed (kept)."""
    row = first_row(
        con,
        f"""SELECT count(*) FILTER (WHERE new_upload_id IS NULL),
                   count(*) FILTER (WHERE new_upload_id IS NOT NULL)
            FROM ({_SAMPLE_COUNTS})""",
    )
    return SampleLeft(int(row[0]), int(row[1])) if row else SampleLeft(0, 0)


def remove_sample(con: duckdb.DuckDBPyConnection, removed_by: str) -> Removal:
    """Delete every count that still holds a sample value, in one transaction; counts a real
    upload wrote stay with their uploaded values. Refused when there is nothing to remove."""
    committed = commit_write(con, lambda: _remove(con, removed_by), "removal of the sample")
    result: Removal = committed.value
    return Removal(result.upload_id, result.removed, result.kept, committed.backup)


def _remove(con: duckdb.DuckDBPyConnection, removed_by: str) -> Removal:
    # The body of remove_sample's transaction; run again as a whole after a write conflict.
    left = sample_left(con)
    if left.removed + left.kept == 0:
        raise StoreError("サンプルデータの件数は残っていません（削除するものはありません）。")
    row = first_row(con, "SELECT coalesce(max(upload_id), 0) + 1 FROM uploads")
    upload_id = int(row[0]) if row else 1
    con.execute(
        f"""INSERT INTO removal_rows
            SELECT ?, procedure_id, month, online, total, old_upload_id, new_upload_id
            FROM ({_SAMPLE_COUNTS})""",
        [upload_id],
    )
    con.execute(
        """DELETE FROM monthly_counts c USING removal_rows r
           WHERE r.upload_id = ? AND r.new_upload_id IS NULL
             AND c.procedure_id = r.procedure_id AND c.month = r.month""",
        [upload_id],
    )
    # A count a real upload confirmed is that upload's from now on: it is no sample figure.
    con.execute(
        """UPDATE monthly_counts c SET upload_id = r.new_upload_id
           FROM removal_rows r
           WHERE r.upload_id = ? AND r.new_upload_id IS NOT NULL
             AND c.procedure_id = r.procedure_id AND c.month = r.month""",
        [upload_id],
    )
    con.execute(
        """INSERT INTO uploads (upload_id, uploaded_at, uploaded_by, file_name, sha256, is_sample,
                               rows_new, rows_revised, rows_unchanged, kind, rows_removed)
           VALUES (?, ?, ?, ?, ?, FALSE, 0, 0, 0, ?, ?)""",
        [
            upload_id,
            now(),
            removed_by,
            REMOVAL_NAME,
            f"{REMOVE_SAMPLE_KIND}:{upload_id}",
            REMOVE_SAMPLE_KIND,
            left.removed,
        ],
    )
    return Removal(upload_id, left.removed, left.kept)


def read_removal_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> duckdb.DuckDBPyRelation:
    """The counts one removal deleted or kept, with the upload each came from."""
    return con.sql(
        """SELECT procedure_id, month, online, total, old_upload_id, new_upload_id
           FROM removal_rows WHERE upload_id = ? ORDER BY procedure_id, month""",
        params=[upload_id],
    )
