"""Procedures added after the first plan (a procedure that goes online): stored with their
plan and online start, recorded (who, when) and undone while no count refers to them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import duckdb
import polars as pl

from kyosai.calendar import fiscal_year, fiscal_year_label
from kyosai.catalog import Catalog, Procedure, normalise_name
from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, now
from kyosai.store.faults import StoreError
from kyosai.store.writes import commit_write

_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class NewProcedure:
    """A procedure as staff describe it when it goes online."""

    procedure_id: str
    scheme_id: str
    name: str
    short_name: str
    target_tenths: int
    deadline_fy: int
    online_start: date
    precise_day: bool = False


@dataclass(frozen=True)
class Addition:
    """A committed addition, or the undo of one."""

    change_id: int
    procedure_id: str
    backup: BackupOutcome | None = field(default=None, compare=False)


def read_additions(con: duckdb.DuckDBPyConnection) -> list[NewProcedure]:
    """The live added procedures, in the order they were added."""
    rows = con.sql(
        """SELECT procedure_id, scheme_id, name, short_name, target_tenths, deadline_fy,
                  online_start, precise_day
           FROM procedure_additions WHERE undone_at IS NULL ORDER BY change_id"""
    ).fetchall()
    return [NewProcedure(*row) for row in rows]


def with_additions(catalog: Catalog, added: list[NewProcedure]) -> Catalog:
    """The catalogue with the added procedures after the others of their scheme."""
    if not added:
        return catalog
    procedures = list(catalog.procedures)
    for item in added:
        mine = [p for p in procedures if p.scheme_id == item.scheme_id]
        procedure = Procedure(
            procedure_id=item.procedure_id,
            scheme_id=item.scheme_id,
            name=item.name,
            short_name=item.short_name,
            sort_order=max((p.sort_order for p in mine), default=0) + 1,
            target=item.target_tenths / 1000,
            deadline_fy=item.deadline_fy,
            online_start_month=item.online_start.replace(day=1),
            online_start_day=item.online_start if item.precise_day else None,
            aliases=(),
        )
        at = procedures.index(mine[-1]) + 1 if mine else len(procedures)
        procedures.insert(at, procedure)
    return replace(catalog, procedures=tuple(procedures))


def _problems(item: NewProcedure, catalog: Catalog) -> list[str]:
    problems = []
    if not _ID.match(item.procedure_id):
        problems.append(
            "ID は英小文字で始まる英小文字・数字・_ の 2〜40 字にしてください（例: tosan_henko）"
        )
    elif item.procedure_id in {p.procedure_id for p in catalog.procedures}:
        problems.append(f"ID「{item.procedure_id}」は既にあります")
    if item.scheme_id not in {s.scheme_id for s in catalog.schemes}:
        problems.append(f"制度「{item.scheme_id[:20]}」はカタログにありません")
    if not item.name.strip() or not item.short_name.strip():
        problems.append("手続の名称と略称を書いてください")
    names = {normalise_name(n) for p in catalog.procedures if p.scheme_id == item.scheme_id
             for n in (p.name, p.short_name)}  # fmt: skip
    if {normalise_name(item.name), normalise_name(item.short_name)} & names:
        problems.append("同じ制度に同じ名称（または略称）の手続があります")
    if not 1 <= item.target_tenths <= 1000:
        problems.append("利用目標は 0.1% から 100% の間で指定してください")
    start_year = fiscal_year(item.online_start.replace(day=1))
    if item.deadline_fy < start_year:
        problems.append(
            f"取組期間（{fiscal_year_label(item.deadline_fy)}内）がオンライン受付開始の年度"
            f"（{fiscal_year_label(start_year)}）より前です"
        )
    return problems


def add_procedure(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, item: NewProcedure, by: str
) -> Addition:
    """Add a procedure that went online; refused, naming each problem, with nothing written."""
    item = replace(item, name=item.name.strip(), short_name=item.short_name.strip())

    def work() -> Addition:
        problems = _problems(item, with_additions(catalog, read_additions(con)))
        if problems:
            raise StoreError("。".join(problems) + "。何も登録していません。")
        row = first_row(con, "SELECT coalesce(max(change_id), 0) + 1 FROM procedure_additions")
        change_id = int(row[0]) if row else 1
        con.execute(
            """INSERT INTO procedure_additions (change_id, changed_at, changed_by, procedure_id,
                   scheme_id, name, short_name, target_tenths, deadline_fy, online_start,
                   precise_day)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                change_id, now(), by, item.procedure_id, item.scheme_id, item.name,
                item.short_name, item.target_tenths, item.deadline_fy, item.online_start,
                item.precise_day,
            ],
        )  # fmt: skip
        return Addition(change_id, item.procedure_id)

    committed = commit_write(con, work, f"addition of {item.procedure_id}")
    return replace(committed.value, backup=committed.backup)


def undo_addition(con: duckdb.DuckDBPyConnection, change_id: int, by: str) -> Addition:
    """Take an added procedure back, while no count and no live revision refers to it."""

    def work() -> Addition:
        rows = con.sql(
            "SELECT procedure_id, undone_at FROM procedure_additions WHERE change_id = ?",
            params=[change_id],
        ).fetchall()
        if not rows:
            raise StoreError(f"手続の追加 #{change_id} はありません。")
        procedure_id, undone_at = rows[0]
        if undone_at is not None:
            raise StoreError(f"手続の追加 #{change_id} は既に取り消されています。")
        counts = first_row(
            con, "SELECT count(*) FROM monthly_counts WHERE procedure_id = ?", [procedure_id]
        )
        if counts and counts[0]:
            raise StoreError(
                f"手続「{procedure_id}」には件数が {counts[0]:,} 件登録されているため、"
                "追加を取り消せません。先にその件数の取込を取り消してください。"
            )
        revisions = first_row(
            con,
            """SELECT max(change_id) FROM plan_revisions
               WHERE procedure_id = ? AND undone_at IS NULL""",
            [procedure_id],
        )
        if revisions and revisions[0] is not None:
            raise StoreError(
                f"計画の変更 #{revisions[0]} がこの手続を変えているため、追加を取り消せません。"
                f"先に計画の変更 #{revisions[0]} を取り消してください。"
            )
        con.execute(
            "UPDATE procedure_additions SET undone_at = ?, undone_by = ? WHERE change_id = ?",
            [now(), by, change_id],
        )
        return Addition(change_id, str(procedure_id))

    committed = commit_write(con, work, f"undo of procedure addition {change_id}")
    return replace(committed.value, backup=committed.backup)


def read_addition_changes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every addition, newest first."""
    frame: pl.DataFrame = con.sql(
        """SELECT change_id, changed_at, changed_by, procedure_id, scheme_id, name, short_name,
                  target_tenths, deadline_fy, online_start, precise_day, undone_at, undone_by
           FROM procedure_additions ORDER BY change_id DESC"""
    ).pl()
    return frame
