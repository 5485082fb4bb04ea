"""The parser of `python -m kyosai …` and the dispatch to each command."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from typing import Any

import duckdb

from kyosai import store
from kyosai.cli import admin, events, tables, uploads
from kyosai.cli.common import (
    EXIT_DAMAGED,
    EXIT_INPUT_PROBLEM,
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_USAGE,
    say_problem,
)
from kyosai.periods import Grain

log = logging.getLogger("kyosai.cli")
DB_HELP = "DuckDB ファイル（既定: $KYOSAI_DB または data/kyosai.duckdb）"
Handler = Callable[[argparse.Namespace], int]


def parser() -> argparse.ArgumentParser:
    """Every command and its options."""
    root = argparse.ArgumentParser(
        prog="python -m kyosai",
        description="オンライン利用率の集計（小規模企業共済・倒産防止共済）",
    )
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Handler, help_text: str, *, db: bool = True) -> Any:
        sub = commands.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        if db:
            sub.add_argument("--db", help=DB_HELP)
        return sub

    init = command("init", tables.run_init, "データベースを作成する")
    contents = init.add_mutually_exclusive_group()
    contents.add_argument("--demo", action="store_true", help="サンプルデータを入れる（既定）")
    contents.add_argument("--empty", action="store_true", help="空のデータベースを作る")

    table = command("table", tables.run_table, "オンライン利用率の表を出力する")
    table.add_argument(
        "--columns", choices=[g.value for g in Grain], default=Grain.QUARTER_END.value
    )
    table.add_argument("--format", choices=["csv", "text"], default="csv")
    table.add_argument(
        "--out", help="CSV ファイルに書き出す（Excel 用: BOM・最新データ・サンプルの注記つき）"
    )

    outlook = command("outlook", tables.run_outlook, "今年度の見通し（目標に届くか）を出力する")
    outlook.add_argument("--format", choices=["csv", "text"], default="csv")

    importer = command("import", uploads.run_import, "件数ファイルを取り込む")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help="確認内容だけを表示し、登録しない")
    importer.add_argument("--by", help="取込者の名前（既定: ログイン名）")

    command("history", uploads.run_history, "取込の記録を表示する")

    undo = command("undo", uploads.run_undo, "取込を取り消す")
    undo.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    undo.add_argument("--by", help="取消者の名前（既定: ログイン名）")

    events.add_commands(commands, DB_HELP)

    remover = command(
        "remove-sample",
        uploads.run_remove_sample,
        "サンプルデータを削除する（実データの取込が書いた件数は残す。undo で戻せる）",
    )
    remover.add_argument("--dry-run", action="store_true", help="件数を表示するだけで削除しない")
    remover.add_argument("--by", help="削除者の名前（既定: ログイン名）")

    template = command("template", tables.run_template, "入力用テンプレートを作る", db=False)
    template.add_argument("--out", required=True, help="出力する .xlsx ファイル")
    template.add_argument("--quarter", help="四半期（例: R7Q3 = 令和7年10〜12月）")
    template.add_argument("--db", help="既定の四半期を決める DuckDB ファイル")

    export = command("export", tables.run_export, "会議資料（xlsx）を書き出す")
    export.add_argument("--out", required=True, help="出力する .xlsx ファイル")

    deck = command("deck", tables.run_deck, "資料3（PowerPoint）を書き出す")
    deck.add_argument("--out", required=True, help="出力する .pptx ファイル")
    deck.add_argument("--created", help="作成年月（例: 令和7年12月。既定: 最新データの年の12月）")
    deck.add_argument("--label", help="資料番号（既定: data/report.toml の document_label）")

    restorer = command(
        "restore",
        admin.run_restore,
        "バックアップから復元する（BACKUP を省くと、検証できる最新のバックアップから）",
    )
    restorer.add_argument("backup", nargs="?", metavar="BACKUP", help="バックアップのファイル")
    restorer.add_argument("--list", action="store_true", help="バックアップと退避ファイルの一覧")
    restorer.add_argument(
        "--force",
        action="store_true",
        help="バックアップにない取込が失われても復元する（現在のデータベースは退避して残す）",
    )

    command(
        "hash-password",
        admin.run_hash_password,
        "職員パスワードのハッシュ（secrets.toml 用）を作る",
        db=False,
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    # Messages for the user are Japanese and printed by the commands; kyosai's English log
    # lines (a discarded reader worker, a retried write) are for servers, not the terminal.
    logging.getLogger("kyosai").addHandler(logging.NullHandler())
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code in (0, None) else EXIT_USAGE
    handler: Handler = args.handler
    try:
        return handler(args)
    except store.StorageFault as error:
        say_problem(f"エラー: {error}")
        return EXIT_STORAGE
    except store.DamagedError as error:
        say_problem(f"エラー: {error}")
        return EXIT_DAMAGED
    except store.StoreError as error:
        say_problem(f"エラー: {error}")
        return EXIT_INPUT_PROBLEM
    except (OSError, duckdb.Error) as error:
        # Whatever the commands did not foresee still gets words, not a traceback.
        fault = store.storage_fault(error, store.db_path_from_env(getattr(args, "db", None)))
        if fault is not None:
            say_problem(f"エラー: {fault}")
            return EXIT_STORAGE
        log.warning("unexpected error in %s", args.command, exc_info=True)
        say_problem(
            f"エラー: 思いがけないエラーが起きました（{type(error).__name__}: {error}）。"
            "何も登録していません。"
        )
        return EXIT_INPUT_PROBLEM
