"""Backups after every commit: verified copies, rotation, failure that never fails the commit,
and `python -m kyosai restore`."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.store import backups, restore, schema
from tests.cli_run import run_cli
from tests.sample_db import copy_db

ROOT = Path(__file__).resolve().parents[2]
ROW_SCHEMA = {"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64}


def upload(con: duckdb.DuckDBPyConnection, tag: str, total: int = 1000) -> store.UploadResult:
    """An upload of two new months for one procedure, distinct per tag and total."""
    frame = pl.DataFrame(
        [
            ("tosan_kanyu", date(2026, 1, 1), total // 3, total),
            ("tosan_kanyu", date(2026, 2, 1), total // 4, total + 1),
        ],
        schema=ROW_SCHEMA,
        orient="row",
    )
    return store.write_upload(con, frame, file_name=tag, sha256=tag, uploaded_by="t")


def state(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    uploads = store.read_uploads(con).drop("uploaded_at", "undone_at")
    return store.read_counts(con), uploads


def state_of(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The state held in a backup file, read without changing it."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return state(con)
    finally:
        con.close()


def assert_same_state(
    got: tuple[pl.DataFrame, pl.DataFrame], want: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    assert_frame_equal(got[0], want[0])
    assert_frame_equal(got[1], want[1])


def test_every_commit_and_undo_leaves_a_verified_backup(
    fresh_sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    # Creating the DB loaded the sample: that commit was backed up too.
    assert [b.data_version for b in backups.list_backups(db_path)] == [1]
    result = upload(fresh_sample_con, "a")
    assert result.backup is not None and result.backup.error is None
    backup = result.backup.backup
    assert backup is not None
    assert backup.path.parent == db_path.parent / "backups"
    assert backup.path.name.startswith("k-") and backup.path.name.endswith("-2.duckdb")
    assert backup.data_version == 2 == store.data_version(fresh_sample_con)
    found = backups.verify_backup(backup.path, backups.fingerprint(fresh_sample_con))
    assert found.schema_version == store.SCHEMA_VERSION
    assert dict((n, c) for n, c, _ in found.tables)["monthly_counts"] == 102

    outcome = store.undo_upload(fresh_sample_con, result.upload_id, "t")
    assert outcome.error is None and outcome.backup is not None
    assert outcome.backup.data_version == 3
    assert [b.data_version for b in backups.list_backups(db_path)] == [3, 2, 1]
    assert not list((db_path.parent / "backups").glob("*.partial"))


def test_a_reader_holding_a_transaction_does_not_stop_the_backup(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    # An open read transaction makes DuckDB refuse the CHECKPOINT after an update: the commit
    # stays in the WAL, and the backup copies the WAL too and checkpoints it in the copy.
    reader = sample_con.cursor()
    reader.begin()
    assert store.read_counts(reader).height == 100
    result = upload(sample_con, "a")
    assert (db_path.parent / "k.duckdb.wal").stat().st_size > 0  # not checkpointed
    assert result.backup is not None and result.backup.backup is not None, result.backup
    copy = result.backup.backup.path
    assert not copy.with_name(copy.name + ".wal").exists()
    found = backups.verify_backup(copy, backups.fingerprint(sample_con))
    assert found.data_version == 2
    assert store.read_counts(reader).height == 100  # the reader's snapshot is untouched
    reader.commit()
    reader.close()


def test_only_the_last_ten_backups_are_kept(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    for index in range(7):
        result = upload(sample_con, f"u{index}", 1000 + index)
        store.undo_upload(sample_con, result.upload_id, "t")
    version = store.data_version(sample_con)
    assert version == 15
    listed = backups.list_backups(db_path)
    assert [b.data_version for b in listed] == list(range(version, version - 10, -1))
    # Ten copies, and beside them the fingerprint of the newest (checked when the DB opens).
    assert len(list((db_path.parent / "backups").glob("*.duckdb"))) == 10
    assert backups.recorded_fingerprint(db_path) == backups.fingerprint(sample_con)
    for backup in listed[:3]:
        assert backups.verify_backup(backup.path).data_version == backup.data_version


def test_verification_catches_a_corrupted_or_truncated_copy(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    good = backups.list_backups(db_path)[0].path
    expected = backups.fingerprint(sample_con)
    assert backups.verify_backup(good, expected) == expected
    data = good.read_bytes()
    header = 3 * 4096  # DuckDB's file headers; 256 KiB blocks follow, each with a checksum
    flipped = bytearray(data)
    for offset in range(header + 5000, len(data), 256 * 1024):
        flipped[offset] ^= 0xFF
    bad = db_path.parent / "bad.duckdb"
    for broken in (bytes(flipped), data[: len(data) // 2], b"", b"not a database" * 100):
        bad.write_bytes(broken)
        with pytest.raises(backups.BackupError):
            backups.verify_backup(bad)
    # A sound file that is not the state it should be a copy of.
    upload(sample_con, "later")
    with pytest.raises(backups.BackupError, match="一致しません"):
        backups.verify_backup(good, backups.fingerprint(sample_con))


def test_a_failed_backup_never_fails_the_commit(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    folder = db_path.parent / "backups"
    shutil.rmtree(folder)
    folder.write_text("a file where the backup folder should be")
    result = upload(sample_con, "a")
    assert result.backup is not None and result.backup.backup is None
    assert result.backup.error and "バックアップ" in result.backup.error
    assert store.data_version(sample_con) == 2
    assert store.read_counts(sample_con).height == 102
    assert store.find_upload_by_sha(sample_con, "a") is not None
    outcome = store.undo_upload(sample_con, result.upload_id, "t")
    assert outcome.backup is None and outcome.error
    assert store.read_counts(sample_con).height == 100


def test_a_partial_copy_left_by_a_killed_process_is_never_listed_and_is_cleared(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    folder = db_path.parent / "backups"
    partial = folder / "k-20250101-000000-7.duckdb.partial"
    partial.write_bytes(b"half a copy")
    assert all(b.data_version != 7 for b in backups.list_backups(db_path))
    upload(sample_con, "a")
    assert not partial.exists()


def test_restore_brings_back_the_exact_state(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    first = upload(sample_con, "a", 1000)
    after_first = state(sample_con)
    assert first.backup is not None and first.backup.backup is not None
    source = first.backup.backup.path
    upload(sample_con, "b", 2000)  # revises the same rows
    after_second = state(sample_con)
    version = store.data_version(sample_con)

    # The backup lacks upload #3: restoring it would drop that upload, so it is refused.
    listed = backups.list_backups(db_path)
    with pytest.raises(restore.RollbackRefused) as refused:
        restore.restore_backup(sample_con, source)
    assert [upload.upload_id for upload in refused.value.missing] == [3]
    assert "#3 t b（" in str(refused.value) and "--force" in str(refused.value)
    assert_same_state(state(sample_con), after_second)
    assert backups.list_backups(db_path) == listed and store.data_version(sample_con) == version

    restored = restore.restore_backup(sample_con, source, force=True)
    assert_same_state(state(sample_con), after_first)
    # The version moves on, so caches of the replaced state are dropped, never reused.
    assert restored.data_version == store.data_version(sample_con) == version + 1
    # Like every commit, the restore is followed by a backup (of the restored state); the
    # replaced DB, which held an upload the backup lacked, is kept aside, never rotated away.
    newest = backups.list_backups(db_path)[0]
    assert newest.data_version == restored.data_version
    assert restore.kept_copies(db_path) == [restored.kept]
    assert "-before-restore-" in restored.kept.name
    assert_same_state(state_of(newest.path), after_first)
    assert_same_state(state_of(restored.kept), after_second)
    # The restored state is a working store: undo and upload behave as before.
    store.undo_upload(sample_con, first.upload_id, "t")
    assert store.read_counts(sample_con).height == 100
    # And the safety copy brings the replaced state back.
    restore.restore_backup(sample_con, restored.kept)
    assert_same_state(state(sample_con), after_second)


def test_restore_refuses_a_garbage_or_missing_file_and_changes_nothing(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path
) -> None:
    upload(sample_con, "a")
    before, listed = state(sample_con), backups.list_backups(db_path)
    garbage = db_path.parent / "garbage.duckdb"
    garbage.write_bytes(os.urandom(300_000))
    with pytest.raises(backups.BackupError, match="開けません"):
        restore.restore_backup(sample_con, garbage)
    with pytest.raises(backups.BackupError, match="見つかりません"):
        backups.find_backup(db_path, "no-such-backup.duckdb")
    with pytest.raises(backups.BackupError, match="そのもの"):
        restore.restore_backup(sample_con, db_path)
    assert_same_state(state(sample_con), before)
    assert store.data_version(sample_con) == 2
    assert backups.list_backups(db_path) == listed  # not even a safety copy was taken


def test_restore_migrates_a_backup_from_an_older_schema(
    sample_con: duckdb.DuckDBPyConnection, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(sample_con, "a")
    old = backups.list_backups(db_path)[0].path
    expected = state(sample_con)
    newer = (*schema.MIGRATIONS, ("CREATE TABLE notes (note VARCHAR)",))
    monkeypatch.setattr(schema, "MIGRATIONS", newer)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(newer))
    store.migrate(sample_con)
    upload(sample_con, "b", 3000)
    restore.restore_backup(sample_con, old, force=True)
    assert_same_state(state(sample_con), expected)
    assert store.schema_version(sample_con) == len(newer)
    assert not list((db_path.parent / "backups").glob(".restore-*"))


def test_cli_restore_lists_restores_and_refuses(tmp_path: Path, sample_db_template: Path) -> None:
    db = tmp_path / "cli.duckdb"
    empty = run_cli("restore", "--list", "--db", db)
    assert empty.returncode == 0 and "バックアップはまだありません" in empty.stdout
    nothing = run_cli("restore", "--db", db)
    assert nothing.returncode == 1 and "使えるバックアップがありません" in nothing.stderr
    con = store.connect(copy_db(sample_db_template, db))
    try:
        upload(con, "a")
        upload(con, "b", 2000)
        expected = store.read_counts(con)
    finally:
        con.close()
    listing = run_cli("restore", "--list", "--db", db)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["データ版 3", "データ版 2", "データ版 1"]
    assert lines[0].startswith("cli-") and lines[0].split("\t")[0].endswith("-3.duckdb")

    oldest = lines[-1].split("\t")[0]  # by name, from the backups folder
    refused = run_cli("restore", oldest, "--db", db)
    assert refused.returncode == 1, refused.stderr
    assert "2 件の取込が含まれていません" in refused.stderr
    assert "#2 t a（" in refused.stderr and "#3 t b（" in refused.stderr
    with store.session(db) as con:
        assert_frame_equal(store.read_counts(con), expected)

    restored = run_cli("restore", oldest, "--force", "--db", db)
    assert restored.returncode == 0, restored.stderr
    assert "から復元しました（データ版 4）" in restored.stdout
    with store.session(db) as con:
        assert store.read_counts(con).height == 100
        assert store.read_uploads(con)["upload_id"].to_list() == [1]

    # The restored state is the newest backup; the replaced DB is listed as kept aside.
    assert backups.list_backups(db)[0].data_version == 4
    (kept,) = restore.kept_copies(db)
    assert f"{kept.name}\t" in run_cli("restore", "--list", "--db", db).stdout
    back = run_cli("restore", kept.name, "--db", db)  # it lacks nothing: no --force needed
    assert back.returncode == 0, back.stderr
    with store.session(db) as con:
        assert_frame_equal(store.read_counts(con), expected)

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("これはデータベースではありません")
    for bad in (garbage, tmp_path / "missing.duckdb"):
        refused = run_cli("restore", bad, "--db", db)
        assert refused.returncode == 1
        assert refused.stderr.startswith("エラー: ")
        assert "Traceback" not in refused.stderr
    with store.session(db) as con:
        assert_frame_equal(store.read_counts(con), expected)


def test_a_damaged_db_is_reported_plainly_and_restore_puts_a_backup_in_its_place(
    sample_db: Path,
) -> None:
    db = sample_db
    con = store.connect(db)
    try:
        upload(con, "a")
        expected = store.read_counts(con)
    finally:
        con.close()
    newest = backups.list_backups(db)[0]
    damaged = bytearray(db.read_bytes())
    damaged[:4096] = os.urandom(4096)  # the file header
    db.write_bytes(bytes(damaged))

    refused = run_cli("history", "--db", db)
    assert refused.returncode == 4
    assert "読み取れません" in refused.stderr and "python -m kyosai restore" in refused.stderr
    assert "Traceback" not in refused.stderr

    restored = run_cli("restore", newest.path.name, "--db", db)
    assert restored.returncode == 0, restored.stderr
    assert "退避" in restored.stderr
    kept = list((db.parent / "backups").glob("k-damaged-*.duckdb"))
    assert len(kept) == 1 and kept[0].read_bytes() == bytes(damaged)
    with store.session(db) as con:
        assert_frame_equal(store.read_counts(con), expected)
        assert store.data_version(con) == 3  # past every backup's version
    assert newest in backups.list_backups(db)  # the damaged file is not listed as a backup
