"""Storage faults named truthfully: a healthy DB that cannot be written is never called damaged,
real damage is found when the file opens, a full disk is a plain message, and following the
advice never loses a committed upload."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kyosai.store import backups, restore
from tests.cli_run import run_cli
from tests.quarter_files import long_xlsx, quarter_counts
from tests.sample_db import copy_db

EXIT_STORAGE = 3
EXIT_DAMAGED = 4


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history_lines(db: Path) -> list[str]:
    result = run_cli("history", "--db", db)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.fixture
def quarter_file(tmp_path: Path) -> Path:
    path = tmp_path / "R7Q3.xlsx"
    path.write_bytes(long_xlsx(quarter_counts()))
    return path


@pytest.fixture
def uploaded_db(tmp_path: Path, sample_db_template: Path, quarter_file: Path) -> Path:
    """The sample DB with one upload (#2 by 山田) and its verified backups."""
    db = copy_db(sample_db_template, tmp_path / "db" / "k.duckdb")
    result = run_cli("import", quarter_file, "--db", db, "--by", "山田")
    assert result.returncode == 0, result.stderr
    return db


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr, result.stderr


@pytest.fixture
def next_quarter_file(tmp_path: Path) -> Path:
    path = tmp_path / "R7Q4.xlsx"
    path.write_bytes(long_xlsx(quarter_counts(seed=5)))
    return path


def refused_as_storage(db: Path, command: tuple[str | Path, ...], *words: str) -> None:
    """The command, run obeying file modes, stops with exit 3 and says the data is sound."""
    result = run_cli(*command, "--db", db, obey_file_modes=True)
    assert result.returncode == EXIT_STORAGE, (command, result.stderr)
    for text in ("データは壊れていません", *words):
        assert text in result.stderr, (command, result.stderr)
    assert "壊れているか" not in result.stderr
    no_traceback(result)


@pytest.fixture
def setpriv() -> None:
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: root ignores file modes")


def test_a_read_only_file_is_read_and_refuses_writes_as_read_only(
    uploaded_db: Path, next_quarter_file: Path, setpriv: None
) -> None:
    before, listed = digest(uploaded_db), history_lines(uploaded_db)
    uploaded_db.chmod(0o444)
    try:
        history = run_cli("history", "--db", uploaded_db, obey_file_modes=True)
        assert history.returncode == 0, history.stderr
        assert history.stdout.splitlines() == listed
        table = run_cli("table", "--db", uploaded_db, obey_file_modes=True)
        assert table.returncode == 0 and "R7.12" in table.stdout, table.stderr
        for command in (("import", next_quarter_file), ("restore",), ("undo", "2")):
            refused_as_storage(
                uploaded_db, command, "読み取り専用", "復元（restore）はしないでください"
            )
    finally:
        uploaded_db.chmod(0o644)
    assert digest(uploaded_db) == before
    assert history_lines(uploaded_db) == listed


def test_a_read_only_folder_refuses_writes_without_a_traceback(
    uploaded_db: Path, next_quarter_file: Path, setpriv: None
) -> None:
    before, listed = digest(uploaded_db), history_lines(uploaded_db)
    folder = uploaded_db.parent
    folder.chmod(0o555)
    try:
        for command in (("import", next_quarter_file), ("restore",)):
            refused_as_storage(uploaded_db, command, "書き込みの権限がありません")
    finally:
        folder.chmod(0o755)
    assert digest(uploaded_db) == before
    assert history_lines(uploaded_db) == listed


def test_a_file_cut_in_half_is_damaged_on_open_and_restore_recovers_every_upload(
    uploaded_db: Path,
) -> None:
    listed = history_lines(uploaded_db)
    data = uploaded_db.read_bytes()
    uploaded_db.write_bytes(data[: len(data) // 2])
    for command in ("history", "table"):
        result = run_cli(command, "--db", uploaded_db)
        assert result.returncode == EXIT_DAMAGED, result.stderr
        assert "読み取れない部分があります" in result.stderr and "restore" in result.stderr
        no_traceback(result)
    restored = run_cli("restore", "--db", uploaded_db)  # the newest backup that verifies
    assert restored.returncode == 0, restored.stderr
    assert "退避しました" in restored.stdout
    assert history_lines(uploaded_db) == listed
    (kept,) = restore.kept_copies(uploaded_db)
    assert kept.read_bytes() == data[: len(data) // 2]
    assert kept.name in run_cli("restore", "--list", "--db", uploaded_db).stdout


# DuckDB's file: three 4 kB headers, then blocks of 256 kB, each starting with its checksum.
HEADERS, BLOCK = 3 * 4096, 256 * 1024


def used_block(db: Path, table: str) -> int:
    """A block that holds the table's data (free blocks may be damaged without harm)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql(
            f"SELECT DISTINCT block_id FROM pragma_storage_info('{table}') WHERE block_id >= 0"
        ).fetchall()
    finally:
        con.close()
    return int(max(rows)[0])


def test_random_bytes_in_the_middle_of_the_counts_are_found_on_open(uploaded_db: Path) -> None:
    at = HEADERS + used_block(uploaded_db, "monthly_counts") * BLOCK + BLOCK // 2
    damaged = bytearray(uploaded_db.read_bytes())
    damaged[at : at + 4096] = os.urandom(4096)
    uploaded_db.write_bytes(bytes(damaged))
    for command in ("history", "table"):
        result = run_cli(command, "--db", uploaded_db)
        assert result.returncode == EXIT_DAMAGED, result.stderr
        assert "読み取れない部分があります" in result.stderr
        no_traceback(result)


def test_a_db_replaced_by_an_older_copy_is_refused_until_restored(uploaded_db: Path) -> None:
    listed = history_lines(uploaded_db)
    oldest = backups.list_backups(uploaded_db)[-1]
    shutil.copyfile(oldest.path, uploaded_db)  # the state before upload #2
    result = run_cli("history", "--db", uploaded_db)
    assert result.returncode == EXIT_DAMAGED, result.stderr
    assert "より古い内容です" in result.stderr
    assert run_cli("restore", "--db", uploaded_db).returncode == 0
    assert history_lines(uploaded_db) == listed


def test_backups_go_to_the_folder_staff_chose(
    tmp_path: Path, sample_db_template: Path, quarter_file: Path
) -> None:
    db = copy_db(sample_db_template, tmp_path / "db" / "k.duckdb", with_backups=False)
    chosen = tmp_path / "share" / "kyosai-backups"
    env = {"KYOSAI_BACKUP_DIR": str(chosen)}
    result = run_cli("import", quarter_file, "--db", db, env=env)
    assert result.returncode == 0, result.stderr
    # A folder of this database's own on the share (its name and a hash of its path).
    assert [p.name for p in chosen.glob("k-*/k-*.duckdb")]
    assert not (db.parent / "backups").exists()
    listing = run_cli("restore", "--list", "--db", db, env=env)
    assert listing.stdout.splitlines()[0].startswith("k-")


# --- a full disk ------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: room for the DB (1.8 MB), not for the DB and its backup."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Use up the rest of the disk."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(bytes(64 * 1024))
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_named_and_loses_nothing(small_disk: Path, quarter_file: Path) -> None:
    db = small_disk / "k.duckdb"
    init = run_cli("init", "--db", db)
    # Created, but the backup did not fit: that is an error, not a quiet success.
    assert init.returncode == EXIT_STORAGE, init.stderr
    assert "バックアップを作成できませんでした" in init.stderr
    no_traceback(init)
    before = history_lines(db)
    filler = fill(small_disk)
    result = run_cli("import", quarter_file, "--db", db)
    assert result.returncode == EXIT_STORAGE, result.stderr
    assert "ディスクの空きが足りない" in result.stderr and "壊れていません" in result.stderr
    no_traceback(result)
    assert history_lines(db) == before
    # Room for the upload again, still none for a backup: it lands, and staff are told.
    filler.unlink()
    result = run_cli("import", quarter_file, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "注意: バックアップを作成できませんでした（登録・取消は完了しています）" in result.stderr
    assert len(history_lines(db)) == len(before) + 1


def test_a_missed_backup_is_taken_before_the_next_write(
    uploaded_db: Path, next_quarter_file: Path
) -> None:
    # As after a kill between commit and backup: the newest backup is one version behind.
    newest = backups.list_backups(uploaded_db)[0]
    newest.path.unlink()
    behind = backups.list_backups(uploaded_db)[0].data_version
    result = run_cli("import", next_quarter_file, "--db", uploaded_db)
    assert result.returncode == 0, result.stderr
    versions = [backup.data_version for backup in backups.list_backups(uploaded_db)]
    # The state the lost backup held is copied again, before the new upload's own backup.
    assert versions[:3] == [behind + 2, behind + 1, behind]


def test_a_db_deleted_to_start_afresh_is_not_taken_for_an_old_copy(uploaded_db: Path) -> None:
    # Staff delete the file and start on an empty one; the old backups stay where they were.
    uploaded_db.unlink()
    assert run_cli("init", "--empty", "--db", uploaded_db).returncode == 0
    assert run_cli("history", "--db", uploaded_db).returncode == 0
    assert run_cli("table", "--db", uploaded_db).returncode == 0
