"""Administrative commands: restore from a backup, and the staff password's hash."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path

from kyosai import store
from kyosai.cli.common import EXIT_INPUT_PROBLEM, EXIT_OK, db_session, say, say_problem
from kyosai.passwords import hash_password
from kyosai.store import backups, restore


def _list(path: Path) -> int:
    listed = backups.list_backups(path)
    if not listed:
        say(f"バックアップはまだありません（{backups.backup_dir(path)}）。")
    for backup in listed:
        taken = f"{backup.taken_at:%Y-%m-%d %H:%M:%S}"
        say(f"{backup.path.name}\tデータ版 {backup.data_version}\t{taken}")
    kept = restore.kept_copies(path)
    if kept:
        say("退避したファイル（自動では削除されません。名前を指定して復元できます）:")
    for copy in kept:
        say(f"{copy.name}\t{datetime.fromtimestamp(copy.stat().st_mtime):%Y-%m-%d %H:%M:%S}")
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    """List the backups, or restore one (the newest that verifies when none is named)."""
    path = store.db_path_from_env(args.db)
    if args.list:
        return _list(path)
    if args.backup is not None:
        source = backups.find_backup(path, args.backup)
    else:
        source, skipped = restore.newest_sound_backup(path)
        for bad, why in skipped:
            say_problem(f"注意: {bad.name} は使えないため飛ばしました（{why}）。")
    try:
        with db_session(args.db, sample=False) as con:
            restored = restore.restore_backup(con, source, force=args.force)
    except store.DamagedError as error:
        # Nobody can be using a file DuckDB cannot read: it is safe to replace the file itself.
        say_problem(f"{error} 壊れたファイルを退避して、バックアップと置き換えます。")
        restored = restore.replace_damaged(path, source)
    say(f"{source.name} から復元しました（データ版 {restored.data_version}）。")
    if restored.moved_aside:
        moved = "、".join(str(moved) for moved in restored.moved_aside)
        say(f"壊れたファイルは消さずに {moved} へ退避しました。")
    else:
        say(f"復元前のデータベースは {restored.kept} に保存しました。")
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
    say("# .streamlit/secrets.toml に書いてください（パスワードそのものは保存されません）")
    say("[kyosai]")
    say(f'staff_password_hash = "{hash_password(password)}"')
    return EXIT_OK
