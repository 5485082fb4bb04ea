"""The upload commands of the CLI: import, history, undo, template, export and restore."""

from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import duckdb

from kyosai import store, uploads
from kyosai.calendar import FiscalQuarter, MonthParseError, month_label, parse_fiscal_quarter
from kyosai.catalog import default_catalog
from kyosai.ingest import UploadPlan, commit_plan, plan_upload, template_xlsx
from kyosai.percent import format_tenths
from kyosai.store import backups, restore

EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1
EXIT_USAGE = 2


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def db_session(
    db: str | None, *, sample: bool = True
) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A session on the command's DB, waiting $KYOSAI_DB_WAIT_SECONDS (30 s) while it is busy."""
    return store.session(
        store.db_path_from_env(db), sample=sample, wait_seconds=store.wait_seconds_from_env()
    )


def _report_backup(outcome: backups.BackupOutcome | None) -> None:
    # The commit stands either way; a missing backup is worth telling, not failing over.
    if outcome is not None and outcome.error is not None:
        _stderr(
            "注意: バックアップを作成できませんでした（登録・取消は完了しています）: "
            f"{outcome.error}"
        )


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register import, history, undo, template, export and restore."""
    importer = commands.add_parser("import", help="件数ファイルを取り込む")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--db", help="DuckDB ファイル")
    importer.add_argument("--dry-run", action="store_true", help="確認内容だけを表示し、登録しない")
    importer.add_argument("--by", help="取込者の名前（既定: ログイン名）")

    history = commands.add_parser("history", help="取込の記録を表示する")
    history.add_argument("--db", help="DuckDB ファイル")

    undo = commands.add_parser("undo", help="取込を取り消す")
    undo.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    undo.add_argument("--db", help="DuckDB ファイル")
    undo.add_argument("--by", help="取消者の名前（既定: ログイン名）")

    template = commands.add_parser("template", help="入力用テンプレートを作る")
    template.add_argument("--out", required=True, help="出力する .xlsx ファイル")
    template.add_argument("--quarter", help="四半期（例: R7Q3 = 令和7年10〜12月）")
    template.add_argument("--db", help="既定の四半期を決める DuckDB ファイル")

    export = commands.add_parser("export", help="会議資料（xlsx）を書き出す")
    export.add_argument("--out", required=True, help="出力する .xlsx ファイル")
    export.add_argument("--db", help="DuckDB ファイル")

    restorer = commands.add_parser(
        "restore", help="バックアップから復元する（BACKUP を省くとバックアップの一覧を表示）"
    )
    restorer.add_argument("backup", nargs="?", metavar="BACKUP", help="バックアップのファイル")
    restorer.add_argument("--db", help="DuckDB ファイル")


def _user(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "コマンドライン"


def _print_plan(plan: UploadPlan) -> None:
    if plan.already_loaded is not None:
        loaded_as = plan.already_loaded[0]
        print(f"{plan.file_name}: 既に取込 #{loaded_as} で取り込まれています（変更なし）。")
        return
    print(
        f"{plan.file_name}: 新規 {plan.count('new')} 件・修正 {plan.count('revised')} 件・"
        f"変更なし {plan.count('unchanged')} 件"
    )
    for warning in plan.warnings:
        print(f"  注意: {warning}")
    revised = plan.changes.filter(plan.changes["change"] == "revised")
    if not revised.is_empty():
        for row in revised.iter_rows(named=True):
            old = (
                f"{row['old_online']:,}/{row['old_total']:,}（{format_tenths(row['old_tenths'])}）"
            )
            new = f"{row['online']:,}/{row['total']:,}（{format_tenths(row['tenths'])}）"
            print(f"  修正 {row['row_label']} {month_label(row['month'])}: {old} → {new}")


def run_import(args: argparse.Namespace) -> int:
    """Plan every file; if any has a problem write nothing, else commit each in turn."""
    catalog, today = default_catalog(), date.today()
    contents: list[tuple[str, bytes]] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            _stderr(f"{name}: ファイルが見つかりません。何も登録していません。")
            return EXIT_INPUT_PROBLEM
        contents.append((path.name, path.read_bytes()))
    with db_session(args.db) as con:
        plans = [plan_upload(con, data, name, catalog, today) for name, data in contents]
        failing = [plan for plan in plans if not plan.ok]
        if failing:
            for plan in failing:
                for problem in plan.parsed.problems:
                    _stderr(f"{plan.file_name}: {problem.text}")
            _stderr("問題があるため、何も登録していません。")
            return EXIT_INPUT_PROBLEM
        for plan in plans:
            _print_plan(plan)
        if args.dry_run:
            print("--dry-run のため、何も登録していません。")
            return EXIT_OK
        user = _user(args.by)
        for name, data in contents:
            # Planned again just before its commit: an earlier file may have changed the rows.
            plan = plan_upload(con, data, name, catalog, today)
            if plan.already_loaded is not None:
                loaded_as = plan.already_loaded[0]
                print(f"{name}: 既に取込 #{loaded_as} で取り込まれています（変更なし）。")
            elif not plan.can_commit:
                print(f"{name}: 登録済みの値とすべて同じです（変更なし）。")
            else:
                result = commit_plan(con, plan, user)
                print(f"{name}: 取込 #{result.upload_id} として登録しました。")
                _report_backup(result.backup)
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    """Print every upload."""
    with db_session(args.db) as con:
        frame = uploads.history(con)
    for row in frame.iter_rows(named=True):
        print(
            f"#{row['番号']}\t{row['取込日時']}\t{row['取込者']}\t{row['ファイル名']}\t"
            f"新規 {row['新規']}\t修正 {row['修正']}\t変更なし {row['変更なし']}\t{row['状態']}"
        )
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    """Undo one upload, or say why not."""
    with db_session(args.db) as con:
        try:
            outcome = store.undo_upload(con, args.upload_id, _user(args.by))
        except store.StoreError as error:
            _stderr(str(error))
            return EXIT_INPUT_PROBLEM
    print(f"取込 #{args.upload_id} を取り消しました。")
    _report_backup(outcome)
    return EXIT_OK


def _default_quarter(db: str | None) -> FiscalQuarter:
    path = store.db_path_from_env(db)
    if path.exists():
        with db_session(db) as con:
            latest = store.latest_month(con)
        if latest is not None:
            return FiscalQuarter.of(latest).next()
    return FiscalQuarter.of(date.today())


def run_template(args: argparse.Namespace) -> int:
    """Write the long-layout template for a quarter."""
    try:
        quarter = parse_fiscal_quarter(args.quarter) if args.quarter else _default_quarter(args.db)
    except MonthParseError as error:
        _stderr(str(error))
        return EXIT_USAGE
    Path(args.out).write_bytes(template_xlsx(default_catalog(), quarter))
    print(f"{quarter.label} のテンプレートを書き出しました: {args.out}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the committee pack (all schemes, all data) to --out."""
    # A missing DB is created with the sample data, as `table` does.
    with db_session(args.db) as con:
        # Imported here: the pack pulls in Altair and vl-convert, which every other command
        # would otherwise pay for at start-up (about 0.3 s).
        from kyosai.pack import build_pack

        data = build_pack(con, default_catalog(), date.today())
    out = Path(args.out)
    try:
        out.write_bytes(data)
    except OSError as error:
        _stderr(f"{out}: 書き出せません（{error.strerror}）。")
        return EXIT_INPUT_PROBLEM
    print(out)
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    """List the backups (no BACKUP), or restore one after keeping the current DB as a backup."""
    path = store.db_path_from_env(args.db)
    if args.backup is None:
        listed = backups.list_backups(path)
        if not listed:
            print(f"バックアップはまだありません（{backups.backup_dir(path)}）。")
        for backup in listed:
            print(
                f"{backup.path.name}\tデータ版 {backup.data_version}\t"
                f"{backup.taken_at:%Y-%m-%d %H:%M:%S}"
            )
        return EXIT_OK
    source = backups.find_backup(path, args.backup)
    try:
        with db_session(args.db, sample=False) as con:
            restored = restore.restore_backup(con, source)
    except store.DamagedError as error:
        # Nobody can be using a file DuckDB cannot read: it is safe to replace the file itself.
        _stderr(f"{error} 壊れたファイルを退避して、バックアップと置き換えます。")
        restored = restore.replace_damaged(path, source)
    print(f"{source.name} から復元しました（データ版 {restored.data_version}）。")
    print(f"復元前のデータベースは {restored.kept} に保存しました。")
    return EXIT_OK


HANDLERS = {
    "import": run_import,
    "history": run_history,
    "undo": run_undo,
    "template": run_template,
    "export": run_export,
    "restore": run_restore,
}
