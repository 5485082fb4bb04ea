"""The sample DB, built once per test run and copied into each test's own folder.

store.connect() on a new file migrates it, loads the sample data and writes a verified backup;
doing that for every test that only needs the sample was most of their set-up time. The template
is a closed file (no WAL), so a plain file copy of it is the same DB. Tests of creation,
migration and sample loading still call store.connect() on a new path themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kyosai import store
from kyosai.store import backups

# The name the unit tests give their DB file, so the template's backups carry the same stem.
TEMPLATE_NAME = "k.duckdb"


def sample_template(factory: pytest.TempPathFactory) -> Path:
    """The run's sample DB file (closed, with its one backup), built on the first call."""
    # The unit and app conftests each have a session fixture calling this; the template lives
    # in the run's base temp folder, so both get the one built first.
    folder = factory.getbasetemp() / "sample-db"
    path = folder / TEMPLATE_NAME
    if not path.is_file():
        # Built aside and renamed into place, so a half-built template is never used.
        building = factory.mktemp("sample-db-building")
        built = building / TEMPLATE_NAME
        store.connect(built).close()
        assert not built.with_name(f"{TEMPLATE_NAME}.wal").exists()
        building.rename(folder)
    return path


def copy_db(template: Path, target: Path, *, with_backups: bool = True) -> Path:
    """Copy a closed DB file to target, and its backups renamed for target's file name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    if with_backups:
        for backup in backups.list_backups(template):
            folder = backups.backup_dir(target)
            folder.mkdir(exist_ok=True)
            name = target.stem + backup.path.name.removeprefix(template.stem)
            shutil.copyfile(backup.path, folder / name)
    return target
