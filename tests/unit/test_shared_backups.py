"""One backup folder for several databases of the same file name (KYOSAI_BACKUP_DIR on a
share): each is checked against its own newest backup, never against the other's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kyosai import store
from kyosai.store import integrity


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
