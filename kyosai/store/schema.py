"""The schema: its migrations, its version, and the data version that every write bumps."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kyosai.catalog import load_catalog
from kyosai.store.db import WRITE_LOCK, first_row, transaction
from kyosai.store.faults import StoreError

Step = str | Callable[[duckdb.DuckDBPyConnection], None]


def _seed_events(con: duckdb.DuckDBPyConnection) -> None:
    # The measures shipped in data/events.csv become the database's, once, when the table is
    # made; from then on staff keep them on 取組と対象手続.
    for order, event in enumerate(load_catalog().events, start=1):
        con.execute(
            """INSERT INTO events (event_id, day, precise_day, until, scheme_id, procedure_ids,
                                   label, detail, sort_order)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                order, event.when, event.precise_day, event.until, event.scheme_id,
                "|".join(event.procedure_ids), event.label, event.detail, order,
            ],
        )  # fmt: skip


# Each entry moves the schema from version i to i + 1. Never edit a released entry: append one.
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
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
    (
        # 取組 live in the database, seeded from data/events.csv; a removed one is kept with
        # removed_at, so that its removal can be undone.
        """CREATE TABLE events (
            event_id INTEGER PRIMARY KEY,
            day DATE,
            precise_day BOOLEAN NOT NULL DEFAULT FALSE,
            until DATE,
            scheme_id VARCHAR,
            procedure_ids VARCHAR NOT NULL DEFAULT '',
            label VARCHAR NOT NULL,
            detail VARCHAR NOT NULL DEFAULT '',
            sort_order INTEGER NOT NULL,
            removed_at TIMESTAMP
        )""",
        # Every change to a measure: who, when, what it was before and after (JSON), and its
        # undo, as uploads are recorded.
        """CREATE TABLE event_changes (
            change_id INTEGER PRIMARY KEY,
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            action VARCHAR NOT NULL CHECK (action IN ('add', 'edit', 'remove')),
            event_id INTEGER NOT NULL,
            before_json VARCHAR,
            after_json VARCHAR,
            undone_at TIMESTAMP,
            undone_by VARCHAR
        )""",
        _seed_events,
    ),
    (
        # Revisions of the 基本計画 (a procedure's target and deadline from a fiscal year on),
        # recorded and undone like every other change; the first plan stays in data/.
        """CREATE TABLE plan_revisions (
            change_id INTEGER PRIMARY KEY,
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            procedure_id VARCHAR NOT NULL,
            from_fy INTEGER NOT NULL,
            target_tenths INTEGER NOT NULL CHECK (target_tenths > 0 AND target_tenths <= 1000),
            deadline_fy INTEGER NOT NULL,
            undone_at TIMESTAMP,
            undone_by VARCHAR
        )""",
    ),
    (
        # Procedures that went online after the first plan, added by staff (recorded and
        # undone like revisions); the shipped ones stay in data/procedures.csv.
        """CREATE TABLE procedure_additions (
            change_id INTEGER PRIMARY KEY,
            changed_at TIMESTAMP NOT NULL,
            changed_by VARCHAR NOT NULL,
            procedure_id VARCHAR NOT NULL,
            scheme_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            short_name VARCHAR NOT NULL,
            target_tenths INTEGER NOT NULL CHECK (target_tenths > 0 AND target_tenths <= 1000),
            deadline_fy INTEGER NOT NULL,
            online_start DATE NOT NULL,
            precise_day BOOLEAN NOT NULL,
            undone_at TIMESTAMP,
            undone_by VARCHAR
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
                for step in MIGRATIONS[version]:
                    if isinstance(step, str):
                        con.execute(step)
                    else:
                        step(con)
                con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])
    return SCHEMA_VERSION


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever stored figures change."""
    row = first_row(con, "SELECT version FROM data_version")
    return int(row[0]) if row else 0
