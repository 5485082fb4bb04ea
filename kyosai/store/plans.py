"""Revisions of the 基本計画 in the database: a procedure's target and deadline from a fiscal
year on, so that each year is judged against the plan that held then; each recorded (who,
when) and undone, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import duckdb
import polars as pl

from kyosai.calendar import fiscal_year_label
from kyosai.catalog import Catalog, Revision
from kyosai.store.additions import read_additions, with_additions
from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, later_live_change, now
from kyosai.store.events import read_events
from kyosai.store.faults import StoreError
from kyosai.store.writes import commit_write


@dataclass(frozen=True)
class PlanChange:
    """A committed revision, or the undo of one."""

    change_id: int
    backup: BackupOutcome | None = field(default=None, compare=False)


def read_revisions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Revision, ...]]:
    """The live revisions of each procedure, oldest first."""
    rows = con.sql(
        """SELECT procedure_id, from_fy, target_tenths, deadline_fy, change_id
           FROM plan_revisions WHERE undone_at IS NULL ORDER BY from_fy, change_id"""
    ).fetchall()
    found: dict[str, list[Revision]] = {}
    for procedure_id, from_fy, tenths, deadline_fy, change_id in rows:
        found.setdefault(procedure_id, []).append(
            Revision(int(from_fy), int(tenths) / 1000, int(deadline_fy), int(change_id))
        )
    return {pid: tuple(revisions) for pid, revisions in found.items()}


def stored_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> Catalog:
    """The catalogue as the database keeps it: its 取組, its added procedures and its
    revisions of the plan."""
    catalog = with_additions(catalog, read_additions(con))
    revisions = read_revisions(con)
    procedures = tuple(
        replace(p, revisions=revisions.get(p.procedure_id, ())) for p in catalog.procedures
    )
    return replace(catalog, procedures=procedures, events=read_events(con))


def revise_plan(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    procedure_id: str,
    from_fy: int,
    target_tenths: int,
    deadline_fy: int,
    by: str,
) -> PlanChange:
    """Set a procedure's target and deadline from a fiscal year on; refused, with a Japanese
    message, for an unknown procedure, a target outside 0.1–100%, a deadline before the year,
    or a revision that changes nothing."""
    catalog = with_additions(catalog, read_additions(con))
    known = {p.procedure_id for p in catalog.procedures}
    if procedure_id not in known:
        raise StoreError(f"対象手続「{procedure_id[:30]}」はカタログにありません。")
    if not 1 <= target_tenths <= 1000:
        raise StoreError("利用目標は 0.1% から 100% の間で指定してください。")
    if deadline_fy < from_fy:
        raise StoreError(
            f"取組期間（{fiscal_year_label(deadline_fy)}内）が適用開始（"
            f"{fiscal_year_label(from_fy)}）より前です。"
        )

    def work() -> PlanChange:
        # The plan in force that year; the 取組 are not needed for it.
        revisions = read_revisions(con).get(procedure_id, ())
        current = replace(catalog.procedure(procedure_id), revisions=revisions).in_year(from_fy)
        if (current.target_tenths, current.deadline_fy) == (target_tenths, deadline_fy):
            raise StoreError(
                f"{catalog.row_label(procedure_id)}の{fiscal_year_label(from_fy)}の利用目標と"
                "取組期間は、既にその値です（何も記録していません）。"
            )
        row = first_row(con, "SELECT coalesce(max(change_id), 0) + 1 FROM plan_revisions")
        change_id = int(row[0]) if row else 1
        con.execute(
            """INSERT INTO plan_revisions (change_id, changed_at, changed_by, procedure_id,
                                           from_fy, target_tenths, deadline_fy)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [change_id, now(), by, procedure_id, from_fy, target_tenths, deadline_fy],
        )
        return PlanChange(change_id)

    committed = commit_write(con, work, f"revision of {procedure_id}")
    return replace(committed.value, backup=committed.backup)


def undo_revision(con: duckdb.DuckDBPyConnection, change_id: int, by: str) -> PlanChange:
    """Take one revision back; a later live revision of the same procedure goes first."""

    def work() -> PlanChange:
        rows = con.sql(
            "SELECT procedure_id, undone_at FROM plan_revisions WHERE change_id = ?",
            params=[change_id],
        ).fetchall()
        if not rows:
            raise StoreError(f"計画の変更 #{change_id} はありません。")
        procedure_id, undone_at = rows[0]
        if undone_at is not None:
            raise StoreError(f"計画の変更 #{change_id} は既に取り消されています。")
        later = later_live_change(con, "plan_revisions", "procedure_id", procedure_id, change_id)
        if later is not None:
            raise StoreError(
                f"計画の変更 #{later} が同じ手続を後から変えているため、変更 #{change_id} は"
                f"取り消せません。先に変更 #{later} を取り消してください。"
            )
        con.execute(
            "UPDATE plan_revisions SET undone_at = ?, undone_by = ? WHERE change_id = ?",
            [now(), by, change_id],
        )
        return PlanChange(change_id)

    committed = commit_write(con, work, f"undo of plan revision {change_id}")
    return replace(committed.value, backup=committed.backup)


def read_plan_changes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every revision of the plan, newest first."""
    frame: pl.DataFrame = con.sql(
        """SELECT change_id, changed_at, changed_by, procedure_id, from_fy, target_tenths,
                  deadline_fy, undone_at, undone_by
           FROM plan_revisions ORDER BY change_id DESC"""
    ).pl()
    return frame
