"""Commands on uploads: import (with --dry-run), history and undo."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from kyosai import store, uploads
from kyosai.calendar import month_label
from kyosai.catalog import default_catalog
from kyosai.cli.common import (
    EXIT_INPUT_PROBLEM,
    EXIT_OK,
    db_session,
    report_backup,
    say,
    say_problem,
    user_name,
)
from kyosai.ingest import UploadPlan, commit_plan, plan_upload
from kyosai.ingest.limits import MAX_UPLOAD_BYTES, too_large_upload
from kyosai.percent import format_tenths


def _already_loaded(plan: UploadPlan) -> str:
    assert plan.already_loaded is not None
    return (
        f"{plan.file_name}: 既に取込 #{plan.already_loaded[0]} で取り込まれています（変更なし）。"
    )


def _print_plan(plan: UploadPlan) -> None:
    if plan.already_loaded is not None:
        say(_already_loaded(plan))
        return
    say(
        f"{plan.file_name}: 新規 {plan.count('new')} 件・修正 {plan.count('revised')} 件・"
        f"変更なし {plan.count('unchanged')} 件"
    )
    for warning in plan.warnings:
        say(f"  注意: {warning}")
    revised = plan.changes.filter(plan.changes["change"] == "revised")
    for row in revised.iter_rows(named=True):
        old = f"{row['old_online']:,}/{row['old_total']:,}（{format_tenths(row['old_tenths'])}）"
        new = f"{row['online']:,}/{row['total']:,}（{format_tenths(row['tenths'])}）"
        say(f"  修正 {row['row_label']} {month_label(row['month'])}: {old} → {new}")


def run_import(args: argparse.Namespace) -> int:
    """Plan every file; if any has a problem write nothing, else commit each in turn."""
    catalog, today = default_catalog(), date.today()
    contents: list[tuple[str, bytes]] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            say_problem(f"{name}: ファイルが見つかりません。何も登録していません。")
            return EXIT_INPUT_PROBLEM
        # The size from stat, before reading: memory never grows with a file that is refused.
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            say_problem(f"{name}: {too_large_upload(path.name, size).message}")
            say_problem("問題があるため、何も登録していません。")
            return EXIT_INPUT_PROBLEM
        contents.append((path.name, path.read_bytes()))
    with db_session(args.db) as con:
        # The shipped catalogue with any procedure staff added in the app.
        catalog = store.stored_catalog(con, catalog)
        plans = [plan_upload(con, data, name, catalog, today) for name, data in contents]
        failing = [plan for plan in plans if not plan.ok]
        if failing:
            for plan in failing:
                for problem in plan.parsed.problems:
                    say_problem(f"{plan.file_name}: {problem.message}")
            say_problem("問題があるため、何も登録していません。")
            return EXIT_INPUT_PROBLEM
        for plan in plans:
            _print_plan(plan)
        reported = {plan.file_name for plan in plans if plan.already_loaded is not None}
        if args.dry_run:
            say("--dry-run のため、何も登録していません。")
            return EXIT_OK
        user = user_name(args.by)
        for name, data in contents:
            # Planned again just before its commit: an earlier file may have changed the rows.
            plan = plan_upload(con, data, name, catalog, today)
            if plan.already_loaded is not None:
                if name not in reported:  # said once, above, for a file loaded before
                    say(_already_loaded(plan))
            elif not plan.can_commit:
                say(f"{name}: 登録済みの値とすべて同じです（変更なし）。")
            else:
                result = commit_plan(con, plan, user)
                say(f"{name}: 取込 #{result.upload_id} として登録しました。")
                report_backup(result.backup)
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    """Print every upload."""
    with db_session(args.db) as con:
        frame = uploads.upload_log(con)
    for row in frame.iter_rows(named=True):
        # A removal of the sample says what it removed; an upload what it brought.
        changes = (
            f"削除 {row['削除']}"
            if row["削除"]
            else f"新規 {row['新規']}\t修正 {row['修正']}\t変更なし {row['変更なし']}"
        )
        say(f"#{row['番号']}\t{row['取込日時']}\t{row['取込者']}\t{row['ファイル名']}\t{changes}\t"
            f"{row['状態']}")  # fmt: skip
    return EXIT_OK


def run_remove_sample(args: argparse.Namespace) -> int:
    """Remove the sample counts no real upload replaced (go-live), or say what it would do."""
    with db_session(args.db) as con:
        left = store.sample_left(con)
        if left.removed + left.kept == 0:
            say("サンプルデータの件数は残っていません（削除するものはありません）。")
            return EXIT_OK
        kept = (
            f"実データの取込が同じ値を登録した {left.kept:,} 件は、その取込の値として残します。"
            if left.kept
            else ""
        )
        if args.dry_run:
            say(f"サンプルデータの件数 {left.removed:,} 件を削除します。{kept}")
            say("--dry-run のため、何も削除していません。")
            return EXIT_OK
        removal = store.remove_sample(con, user_name(args.by))  # a refusal: cli.main
    say(
        f"サンプルデータの件数 {removal.removed:,} 件を削除しました（取込 #{removal.upload_id}）。"
        f"{kept}"
    )
    say(f"元に戻すには: python -m kyosai undo {removal.upload_id}")
    report_backup(removal.backup)
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    """Undo one upload, or say why not."""
    with db_session(args.db) as con:
        try:
            outcome = store.undo_upload(con, args.upload_id, user_name(args.by))
        except (store.StorageFault, store.DamagedError):
            raise  # the file, not the request: main gives these their own exit codes
        except store.StoreError as error:
            say_problem(str(error))
            return EXIT_INPUT_PROBLEM
    say(f"取込 #{args.upload_id} を取り消しました。")
    report_backup(outcome)
    return EXIT_OK
