"""One backup folder for several databases of the same file name (KYOSAI_BACKUP_DIR on a
share): each is checked against its own newest backup, never against the other's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kyosai import store
from kyosai.store import backups, integrity, restore


def test_a_same_named_db_is_not_taken_for_a_damaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KYOSAI_BACKUP_DIR", str(tmp_path / "share"))
    first, second = tmp_path / "a" / "kyosai.duckdb", tmp_path / "b" / "kyosai.duckdb"
    store.connect(first).close()
    store.connect(second).close()
    con = store.connect(first)
    rows = pl.DataFrame(
        {"procedure_id": ["tosan_kanyu"], "month": [date(2025, 10, 1)], "online": [1], "total": [2]}
    )
    store.write_upload(con, rows, file_name="q.xlsx", sha256="q", uploaded_by="t")
    con.close()
    # The share's newest fingerprint of "kyosai" is now the first DB's, a version ahead.
    integrity.forget(second)
    store.connect(second).close()
    # The first DB, replaced by an older copy of itself, is still caught.
    older = tmp_path / "older.duckdb"
    older.write_bytes(second.read_bytes())
    integrity.forget(first)
    first.unlink()
    older.rename(first)
    with pytest.raises(store.DamagedError, match="古い内容です"):
        store.connect(first)


def _commits(path: Path, count: int) -> None:
    con = store.connect(path)
    try:
        for index in range(count):
            rows = pl.DataFrame(
                {
                    "procedure_id": ["tosan_kanyu"],
                    "month": [date(2025, 10, 1)],
                    "online": [index + 1],
                    "total": [100],
                }
            )
            store.write_upload(con, rows, file_name=f"{index}.xlsx", sha256=f"{path}{index}",
                               uploaded_by="t")  # fmt: skip
    finally:
        con.close()


def test_same_named_dbs_keep_their_own_backups_on_a_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    monkeypatch.setenv("KYOSAI_BACKUP_DIR", str(share))
    first, second = tmp_path / "a" / "kyosai.duckdb", tmp_path / "b" / "kyosai.duckdb"
    _commits(first, 3)
    _commits(second, 12)  # more than the ten kept
    mine, theirs = backups.list_backups(first), backups.list_backups(second)
    assert len(mine) == 4 and len(theirs) == backups.KEEP  # the sample's and 3 uploads
    assert {b.path.parent for b in mine}.isdisjoint({b.path.parent for b in theirs})
    assert all(b.path.parent.parent == share for b in mine + theirs)
    # The newest backup restored is the first DB's own, never the other's newer one.
    assert restore.newest_sound_backup(first)[0] == mine[0].path


def test_backups_made_before_each_db_had_a_folder_are_still_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    db = tmp_path / "a" / "kyosai.duckdb"
    store.connect(db).close()  # its backups in <db dir>/backups
    share.mkdir()
    old = backups.list_backups(db)[0].path
    flat = share / old.name
    flat.write_bytes(old.read_bytes())  # where a shared folder held them until now
    monkeypatch.setenv("KYOSAI_BACKUP_DIR", str(share))
    assert [b.path for b in backups.list_backups(db)] == [flat]
    _commits(db, 1)
    assert [b.path.parent for b in backups.list_backups(db)] == [backups.backup_dir(db)]
    assert flat.exists()  # never rotated away
