"""Child process of tests/unit/test_crash.py: commit one quarterly upload to the DB at argv[1],
printing each phase as it starts, so the parent knows where its SIGKILL landed."""

from __future__ import annotations

import logging
import sys
from datetime import date

import polars as pl

from kyosai import store
from kyosai.calendar import add_months
from kyosai.catalog import default_catalog

FIRST_MONTH = date(2022, 4, 1)
MONTHS = 48  # R4.4–R8.3: revises the sample's months and adds new ones
FILE_NAME = "crash.xlsx"


def crash_rows() -> pl.DataFrame:
    """The upload: every procedure for 48 months (336 rows), new and revised rows mixed."""
    records = []
    for k, procedure in enumerate(default_catalog().procedures):
        for i in range(MONTHS):
            total = 5000 + 37 * i + 101 * k
            records.append((procedure.procedure_id, add_months(FIRST_MONTH, i), total // 3, total))
    return pl.DataFrame(
        records,
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )


def main(path: str, with_reader: bool) -> None:
    """Open, say "ready", commit, and report every phase on stdout (unbuffered).

    With a reader (a second cursor holding a read transaction, as a page being drawn does), the
    CHECKPOINT after the commit is refused: the commit stays in the WAL and the backup copies it.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    kyosai_log = logging.getLogger("kyosai")
    kyosai_log.addHandler(handler)
    kyosai_log.setLevel(logging.DEBUG)
    with store.session(path, sample=False, wait_seconds=10) as con:
        rows = crash_rows()
        reader = con.cursor()
        if with_reader:
            reader.begin()
            reader.sql("SELECT count(*) FROM monthly_counts").fetchall()
        print("ready", flush=True)
        store.write_upload(con, rows, file_name=FILE_NAME, sha256="crash", uploaded_by="crash")
        print("returned", flush=True)
        if with_reader:
            reader.commit()
        reader.close()
    print("closed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] == ["reader"])
