"""Administrative commands: restore from a backup, and the staff password's hash."""

from __future__ import annotations

import argparse
import getpass
import sys

from kyosai import store
from kyosai.cli.common import EXIT_INPUT_PROBLEM, EXIT_OK, db_session, say_problem
from kyosai.passwords import hash_password
from kyosai.store import backups, restore


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
        say_problem(f"{error} 壊れたファイルを退避して、バックアップと置き換えます。")
        restored = restore.replace_damaged(path, source)
    print(f"{source.name} から復元しました（データ版 {restored.data_version}）。")
    print(f"復元前のデータベースは {restored.kept} に保存しました。")
    return EXIT_OK


def run_hash_password(args: argparse.Namespace) -> int:
    """Read the staff password (twice on a terminal) and print its hash for secrets.toml."""
    if sys.stdin.isatty():
        password = getpass.getpass("職員パスワード: ")
        if getpass.getpass("もう一度: ") != password:
            say_problem("2回の入力が一致しません。")
            return EXIT_INPUT_PROBLEM
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        say_problem("パスワードは12文字以上にしてください。")
        return EXIT_INPUT_PROBLEM
    print("# .streamlit/secrets.toml に書いてください（パスワードそのものは保存されません）")
    print("[kyosai]")
    print(f'staff_password_hash = "{hash_password(password)}"')
    return EXIT_OK
