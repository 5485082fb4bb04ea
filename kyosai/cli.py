"""`python -m kyosai …`: the command line, on the same code paths as the pages."""

from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from collections.abc import Sequence

from kyosai import cli_uploads, store
from kyosai.aggregates import stored_rate_table
from kyosai.catalog import default_catalog
from kyosai.exports import csv_text, table_rows
from kyosai.passwords import hash_password
from kyosai.periods import Grain

EXIT_OK = 0
EXIT_INPUT_PROBLEM = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kyosai",
        description="オンライン利用率の集計（小規模企業共済・倒産防止共済）",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="データベースを作成する")
    init.add_argument("--db", help="DuckDB ファイル（既定: $KYOSAI_DB または data/kyosai.duckdb）")
    contents = init.add_mutually_exclusive_group()
    contents.add_argument("--demo", action="store_true", help="サンプルデータを入れる（既定）")
    contents.add_argument("--empty", action="store_true", help="空のデータベースを作る")

    table = commands.add_parser("table", help="オンライン利用率の表を出力する")
    table.add_argument("--db", help="DuckDB ファイル")
    table.add_argument(
        "--columns", choices=[g.value for g in Grain], default=Grain.QUARTER_END.value
    )
    table.add_argument("--format", choices=["csv", "text"], default="csv")
    cli_uploads.add_commands(commands)
    commands.add_parser("hash-password", help="職員パスワードのハッシュ（secrets.toml 用）を作る")
    return parser


def _run_init(args: argparse.Namespace) -> int:
    path = store.db_path_from_env(args.db)
    if path.exists():
        print(f"データベースは既にあります（変更しません）: {path}", file=sys.stderr)
        with cli_uploads.db_session(args.db, sample=False) as con:
            uploads = store.read_uploads(con).height
            print(f"スキーマ版 {store.schema_version(con)}、アップロード {uploads} 件")
        return EXIT_OK
    with cli_uploads.db_session(args.db, sample=not args.empty):
        pass
    contents = "空" if args.empty else "サンプルデータ入り"
    print(f"データベースを作成しました（{contents}）: {path}")
    return EXIT_OK


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _as_text(rows: list[list[str]]) -> str:
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        padded = [
            cell + " " * (width - _display_width(cell)) if index < 2 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines) + "\n"


def _run_table(args: argparse.Namespace) -> int:
    with cli_uploads.db_session(args.db) as con:
        table = stored_rate_table(con, default_catalog(), Grain(args.columns))
    rows = table_rows(table)
    sys.stdout.write(csv_text(rows) if args.format == "csv" else _as_text(rows))
    return EXIT_OK


def _run_hash_password(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass("職員パスワード: ")
        if getpass.getpass("もう一度: ") != password:
            print("2回の入力が一致しません。", file=sys.stderr)
            return EXIT_INPUT_PROBLEM
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        print("パスワードは12文字以上にしてください。", file=sys.stderr)
        return EXIT_INPUT_PROBLEM
    print("# .streamlit/secrets.toml に書いてください（パスワードそのものは保存されません）")
    print("[kyosai]")
    print(f'staff_password_hash = "{hash_password(password)}"')
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code in (0, None) else EXIT_USAGE
    handlers = {
        "init": _run_init,
        "table": _run_table,
        "hash-password": _run_hash_password,
        **cli_uploads.HANDLERS,
    }
    try:
        return handlers[args.command](args)
    except store.StoreError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return EXIT_INPUT_PROBLEM
