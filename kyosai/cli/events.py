"""`python -m kyosai events list|add|remove|history|undo`: the 取組 staff keep in the database."""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any

from kyosai import store
from kyosai.catalog import Event, default_catalog
from kyosai.cli.common import (
    EXIT_INPUT_PROBLEM,
    EXIT_OK,
    db_session,
    report_backup,
    say,
    say_problem,
    user_name,
)
from kyosai.events import EventDraft, EventInputError, checked_event, event_summary
from kyosai.store.events import ACTION_WORDS, event_from_json

LIST_HEADER = ["id", "date", "until", "scheme_id", "procedure_ids", "label", "detail"]


def add_commands(commands: Any, db_help: str) -> None:
    """The `events` command and its actions."""
    events = commands.add_parser("events", help="取組（広報など）の一覧・追加・削除")
    actions = events.add_subparsers(dest="action", required=True)

    def action(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--db", help=db_help)
        return sub

    action("list", run_list, "取組の一覧（CSV、id 列つき）")
    add = action("add", run_add, "取組を追加する")
    add.add_argument("--label", required=True, help="取組の名前（グラフに表示）")
    add.add_argument("--date", default="", help="日付 YYYY-MM[-DD]（省略: 時期の記載なし）")
    add.add_argument("--until", default="", help="期間の終わり YYYY-MM（期間のある取組）")
    add.add_argument("--detail", default="", help="内容")
    add.add_argument("--scheme", default="", help="制度の id（例: tosan）")
    add.add_argument("--procedures", default="", help="対象手続の id（カンマ区切り。省略: 全手続）")
    add.add_argument("--by", help="変更者の名前（既定: ログイン名）")
    remove = action("remove", run_remove, "取組を削除する（undo で戻せる）")
    remove.add_argument("event_id", type=int, metavar="ID")
    remove.add_argument("--by", help="変更者の名前（既定: ログイン名）")
    action("history", run_history, "取組の変更の記録")
    undo = action("undo", run_undo, "取組の変更を取り消す")
    undo.add_argument("change_id", type=int, metavar="CHANGE_ID")
    undo.add_argument("--by", help="取消者の名前（既定: ログイン名）")


def _day_text(event: Event) -> str:
    if event.when is None:
        return ""
    return f"{event.when:%Y-%m-%d}" if event.precise_day else f"{event.when:%Y-%m}"


def run_list(args: argparse.Namespace) -> int:
    """Print the live measures as CSV."""
    with db_session(args.db) as con:
        events = store.read_events(con)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LIST_HEADER)
    for event in events:
        writer.writerow([
            event.event_id, _day_text(event), f"{event.until:%Y-%m}" if event.until else "",
            event.scheme_id or "", ",".join(event.procedure_ids), event.label, event.detail,
        ])  # fmt: skip
    print(buffer.getvalue(), end="")
    return EXIT_OK


def _refused(error: Exception) -> int:
    say_problem(f"エラー: {error}何も登録していません。")
    return EXIT_INPUT_PROBLEM


def run_add(args: argparse.Namespace) -> int:
    """Check and store a new measure."""
    draft = EventDraft(
        label=args.label,
        when=args.date,
        until=args.until,
        scheme_id=args.scheme,
        procedure_ids=tuple(p.strip() for p in args.procedures.split(",") if p.strip()),
        detail=args.detail,
    )
    try:
        event = checked_event(draft, default_catalog())
    except EventInputError as error:
        return _refused(error)
    with db_session(args.db) as con:
        change = store.add_event(con, event, user_name(args.by))
    say(f"取組 #{change.event_id} を追加しました（変更 #{change.change_id}）。")
    report_backup(change.backup)
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    """Remove a measure from every chart and list."""
    with db_session(args.db) as con:
        # A refusal (StoreError) is told and exits 1 in cli.main, as for every command.
        change = store.remove_event(con, args.event_id, user_name(args.by))
    say(f"取組 #{change.event_id} を削除しました（変更 #{change.change_id}）。")
    say(f"元に戻すには: python -m kyosai events undo {change.change_id}")
    report_backup(change.backup)
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    """Print every change to a measure, newest first."""
    catalog = default_catalog()
    with db_session(args.db) as con:
        changes = store.read_event_changes(con)
    for row in changes.iter_rows(named=True):
        shown = event_from_json(row["after_json"] or row["before_json"], row["event_id"])
        state = "有効" if row["undone_at"] is None else f"取消済み（{row['undone_by']}）"
        summary = event_summary(shown, catalog) if shown else ""
        say(
            f"#{row['change_id']}\t{row['changed_at']:%Y-%m-%d %H:%M:%S}\t{row['changed_by']}\t"
            f"{ACTION_WORDS[row['action']]}\t取組 #{row['event_id']}\t{summary}\t{state}"
        )
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    """Undo one change to a measure, or say why not."""
    with db_session(args.db) as con:
        # A refusal (StoreError) is told and exits 1 in cli.main, as for every command.
        change = store.undo_event_change(con, args.change_id, user_name(args.by))
    say(f"取組の変更 #{change.change_id} を取り消しました。")
    report_backup(change.backup)
    return EXIT_OK
