"""取組 in the database: reading them, adding, editing and removing one, each change recorded
(who, when, before → after) and undone as uploads are, newest first."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import duckdb
import polars as pl

from kyosai.catalog import Catalog, Event
from kyosai.store.backups import BackupOutcome
from kyosai.store.db import first_row, later_live_change, now
from kyosai.store.faults import StoreError
from kyosai.store.writes import commit_write

ACTION_WORDS = {"add": "追加", "edit": "変更", "remove": "削除"}


@dataclass(frozen=True)
class EventChange:
    """A committed change to a measure."""

    change_id: int
    event_id: int
    backup: BackupOutcome | None = field(default=None, compare=False)


def _event(row: tuple[Any, ...]) -> Event:
    event_id, day, precise, until, scheme_id, procedures, label, detail = row
    return Event(
        when=day,
        precise_day=bool(precise),
        scheme_id=scheme_id,
        procedure_ids=tuple(p for p in str(procedures).split("|") if p),
        label=label,
        detail=detail,
        until=until,
        event_id=int(event_id),
    )


_COLUMNS = "event_id, day, precise_day, until, scheme_id, procedure_ids, label, detail"


def read_events(con: duckdb.DuckDBPyConnection) -> tuple[Event, ...]:
    """The live measures, in the order staff keep them."""
    rows = con.sql(
        f"SELECT {_COLUMNS} FROM events WHERE removed_at IS NULL ORDER BY sort_order, event_id"
    ).fetchall()
    return tuple(_event(row) for row in rows)


def with_stored_events(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> Catalog:
    """The catalogue with the database's measures in place of the shipped CSV's."""
    return replace(catalog, events=read_events(con))


def _json(event: Event | None) -> str | None:
    if event is None:
        return None
    return json.dumps(
        {
            "when": event.when.isoformat() if event.when else None,
            "precise_day": event.precise_day,
            "until": event.until.isoformat() if event.until else None,
            "scheme_id": event.scheme_id,
            "procedure_ids": list(event.procedure_ids),
            "label": event.label,
            "detail": event.detail,
        },
        ensure_ascii=False,
    )


def event_from_json(text: str | None, event_id: int) -> Event | None:
    """A measure as a change record keeps it."""
    if text is None:
        return None
    data = json.loads(text)
    return Event(
        when=date.fromisoformat(data["when"]) if data["when"] else None,
        precise_day=bool(data["precise_day"]),
        scheme_id=data["scheme_id"],
        procedure_ids=tuple(data["procedure_ids"]),
        label=data["label"],
        detail=data["detail"],
        until=date.fromisoformat(data["until"]) if data["until"] else None,
        event_id=event_id,
    )


def _live(con: duckdb.DuckDBPyConnection, event_id: int) -> Event:
    rows = con.sql(
        f"SELECT {_COLUMNS} FROM events WHERE event_id = ? AND removed_at IS NULL",
        params=[event_id],
    ).fetchall()
    if not rows:
        raise StoreError(f"取組 #{event_id} はありません（削除されたか、番号が違います）。")
    return _event(rows[0])


def _record(
    con: duckdb.DuckDBPyConnection,
    action: str,
    event_id: int,
    before: Event | None,
    after: Event | None,
    by: str,
) -> int:
    row = first_row(con, "SELECT coalesce(max(change_id), 0) + 1 FROM event_changes")
    change_id = int(row[0]) if row else 1
    con.execute(
        """INSERT INTO event_changes (change_id, changed_at, changed_by, action, event_id,
                                      before_json, after_json)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [change_id, now(), by, action, event_id, _json(before), _json(after)],
    )
    return change_id


def _write_fields(con: duckdb.DuckDBPyConnection, event_id: int, event: Event) -> None:
    con.execute(
        """UPDATE events SET day = ?, precise_day = ?, until = ?, scheme_id = ?,
                             procedure_ids = ?, label = ?, detail = ?
           WHERE event_id = ?""",
        [
            event.when, event.precise_day, event.until, event.scheme_id,
            "|".join(event.procedure_ids), event.label, event.detail, event_id,
        ],
    )  # fmt: skip


def _commit(con: duckdb.DuckDBPyConnection, work: Any, what: str) -> EventChange:
    committed = commit_write(con, work, what)
    change: EventChange = committed.value
    return replace(change, backup=committed.backup)


def add_event(con: duckdb.DuckDBPyConnection, event: Event, by: str) -> EventChange:
    """Store a new measure (checked by kyosai.events.checked_event) at the end of the list."""

    def work() -> EventChange:
        row = first_row(
            con,
            "SELECT coalesce(max(event_id), 0) + 1, coalesce(max(sort_order), 0) + 1 FROM events",
        )
        event_id, order = (int(row[0]), int(row[1])) if row else (1, 1)
        con.execute(
            "INSERT INTO events (event_id, label, sort_order) VALUES (?, ?, ?)",
            [event_id, event.label, order],
        )
        _write_fields(con, event_id, event)
        stored = replace(event, event_id=event_id)
        return EventChange(_record(con, "add", event_id, None, stored, by), event_id)

    return _commit(con, work, "add of an event")


def edit_event(con: duckdb.DuckDBPyConnection, event_id: int, event: Event, by: str) -> EventChange:
    """Replace a live measure's fields; refused when nothing changes."""

    def work() -> EventChange:
        before = _live(con, event_id)
        after = replace(event, event_id=event_id)
        if before == after:
            raise StoreError(f"取組 #{event_id} の内容は変わっていません（何も記録していません）。")
        _write_fields(con, event_id, after)
        return EventChange(_record(con, "edit", event_id, before, after, by), event_id)

    return _commit(con, work, f"edit of event {event_id}")


def remove_event(con: duckdb.DuckDBPyConnection, event_id: int, by: str) -> EventChange:
    """Take a live measure off every chart and list (kept, so that the removal can be undone)."""

    def work() -> EventChange:
        before = _live(con, event_id)
        con.execute("UPDATE events SET removed_at = ? WHERE event_id = ?", [now(), event_id])
        return EventChange(_record(con, "remove", event_id, before, None, by), event_id)

    return _commit(con, work, f"removal of event {event_id}")


def undo_event_change(con: duckdb.DuckDBPyConnection, change_id: int, by: str) -> EventChange:
    """Put a measure back as it was before one change; a later live change to the same measure
    must be undone first."""

    def work() -> EventChange:
        rows = con.sql(
            """SELECT action, event_id, before_json, undone_at FROM event_changes
               WHERE change_id = ?""",
            params=[change_id],
        ).fetchall()
        if not rows:
            raise StoreError(f"取組の変更 #{change_id} はありません。")
        action, event_id, before_json, undone_at = rows[0]
        if undone_at is not None:
            raise StoreError(f"取組の変更 #{change_id} は既に取り消されています。")
        later = later_live_change(con, "event_changes", "event_id", event_id, change_id)
        if later is not None:
            raise StoreError(
                f"取組の変更 #{later} が同じ取組を後から変えているため、変更 #{change_id} は"
                f"取り消せません。先に変更 #{later} を取り消してください。"
            )
        if action == "add":
            con.execute("UPDATE events SET removed_at = ? WHERE event_id = ?", [now(), event_id])
        elif action == "remove":
            con.execute("UPDATE events SET removed_at = NULL WHERE event_id = ?", [event_id])
        else:
            before = event_from_json(before_json, event_id)
            assert before is not None
            _write_fields(con, event_id, before)
        con.execute(
            "UPDATE event_changes SET undone_at = ?, undone_by = ? WHERE change_id = ?",
            [now(), by, change_id],
        )
        return EventChange(change_id, int(event_id))

    return _commit(con, work, f"undo of event change {change_id}")


def read_event_changes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every change to a measure, newest first."""
    frame: pl.DataFrame = con.sql(
        """SELECT change_id, changed_at, changed_by, action, event_id, before_json, after_json,
                  undone_at, undone_by
           FROM event_changes ORDER BY change_id DESC"""
    ).pl()
    return frame
