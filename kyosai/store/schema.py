"""The schema: its migrations, its version, and the data version that every write bumps."""

from __future__ import annotations

import duckdb

from kyosai.store.db import WRITE_LOCK, first_row, transaction
from kyosai.store.faults import StoreError

# Each entry moves the schema from version i to i + 1. Never edit a released entry: append one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE uploads (
            upload_id INTEGER PRIMARY KEY,
            uploaded_at TIMESTAMP NOT NULL,
            uploaded_by VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            is_sample BOOLEAN NOT NULL DEFAULT FALSE,
            rows_new INTEGER NOT NULL,
            rows_revised INTEGER NOT NULL,
            rows_unchanged INTEGER NOT NULL,
            undone_at TIMESTAMP,
            undone_by VARCHAR
        )""",
        """CREATE TABLE monthly_counts (
            procedure_id VARCHAR NOT NULL,
            month DATE NOT NULL,
            online BIGINT NOT NULL,
            total BIGINT NOT NULL,
            upload_id INTEGER NOT NULL,
            PRIMARY KEY (procedure_id, month),
            CHECK (online >= 0 AND online <= total),
            CHECK (day(month) = 1)
        )""",
        # Every row an upload brought, and the value it replaced (null when the row was new),
        # so an upload can be undone exactly and every figure traced to its file.
        """CREATE TABLE upload_rows (
            upload_id INTEGER NOT NULL,
            procedure_id VARCHAR NOT NULL,
            month DATE NOT NULL,
            online BIGINT NOT NULL,
            total BIGINT NOT NULL,
            change VARCHAR NOT NULL CHECK (change IN ('new', 'revised', 'unchanged')),
            old_online BIGINT,
            old_total BIGINT,
            old_upload_id INTEGER,
            PRIMARY KEY (upload_id, procedure_id, month),
            CHECK (online >= 0 AND online <= total)
        )""",
        # Bumped by every write, so caches can key on it.
        "CREATE TABLE data_version (version BIGINT NOT NULL)",
        "INSERT INTO data_version VALUES (0)",
    ),
    (
        # Going live (remove-sample): a removal of the sample is an upload of its own kind,
        # undone like any other, and removal_rows says what it did to each count: deleted it
        # (new_upload_id null) or kept it under the later upload that confirmed its value.
        "ALTER TABLE uploads ADD COLUMN kind VARCHAR DEFAULT 'upload'",
        "ALTER TABLE uploads ADD COLUMN rows_removed INTEGER DEFAULT 0",
        """CREATE TABLE removal_rows (
            upload_id INTEGER NOT NULL,
            procedure_id VARCHAR NOT NULL,
            month DATE NOT NULL,
            online BIGINT NOT NULL,
            total BIGINT NOT NULL,
            old_upload_id INTEGER NOT NULL,
            new_upload_id INTEGER,
            PRIMARY KEY (upload_id, procedure_id, month)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

# The tables every kyosai DB has; a file without them is not a kyosai DB.
REQUIRED_TABLES = frozenset(
    {"schema_version", "data_version", "uploads", "monthly_counts", "upload_rows"}
)
# Not copied by a restore: schema_version describes the file itself, and data_version must only
# ever grow, so that caches keyed on it never serve a model of a different state.
BOOKKEEPING_TABLES = frozenset({"schema_version", "data_version"})


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the open DB (0 for an empty file)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = first_row(con, "SELECT max(version) FROM schema_version")
    return int(row[0]) if row and row[0] is not None else 0


def stored_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version, or None for a file without one; unlike schema_version() it writes
    nothing, so opening a current DB never takes the write lock."""
    try:
        row = first_row(con, "SELECT max(version) FROM schema_version")
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row and row[0] is not None else None


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to SCHEMA_VERSION, one transaction per step; returns the version."""
    with WRITE_LOCK:
        current = schema_version(con)
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"このデータベースは新しい版の kyosai で作られています（版 {current}）。"
                "kyosai を更新してください。"
            )
        for version in range(current, SCHEMA_VERSION):
            with transaction(con):
                for statement in MIGRATIONS[version]:
                    con.execute(statement)
                con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])
    return SCHEMA_VERSION


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever stored figures change."""
    row = first_row(con, "SELECT version FROM data_version")
    return int(row[0]) if row else 0
