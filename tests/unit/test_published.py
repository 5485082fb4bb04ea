"""The 48 published cells of 資料3, reproduced from the sample data in process and by the CLI."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from kyosai import store
from kyosai.calendar import month_label, months_between
from kyosai.catalog import default_catalog
from kyosai.percent import format_tenths_number
from kyosai.periods import Grain
from kyosai.rates import rate_table
from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED_LABELS = [
    "R5.9", "R5.12", "R6.3", "R6.6", "R6.9", "R6.12", "R7.3", "R7.6", "R7.9",
    "R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.9",
]  # fmt: skip
FY_LABELS = ["R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.9"]
OPENED_2025_09_22 = [
    ("小規模企業共済", "掛金納付月数の通算申出"),
    ("小規模企業共済", "給付関係手続"),
    ("中小企業倒産防止共済", "解約関係手続"),
]
ALL_ROWS = [
    ("小規模企業共済", "加入関係手続"),
    ("小規模企業共済", "保全関係手続（掛金月額変更）"),
    ("小規模企業共済", "掛金納付月数の通算申出"),
    ("小規模企業共済", "給付関係手続"),
    ("中小企業倒産防止共済", "加入関係手続"),
    ("中小企業倒産防止共済", "保全関係手続（掛金月額変更）"),
    ("中小企業倒産防止共済", "解約関係手続"),
]

Published = tuple[list[str], dict[tuple[str, str], dict[str, str]]]


def test_fixture_holds_48_cells(published: Published) -> None:
    labels, rows = published
    assert labels == PUBLISHED_LABELS
    assert len(rows) == 4
    assert sum(1 for row in rows.values() for label in labels if row[label]) == 48


def parse_csv(text: str) -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    body = {}
    for record in reader:
        assert len(record) == len(header), record
        assert (record[0], record[1]) not in body, record[:2]
        body[(record[0], record[1])] = dict(zip(header, record, strict=True))
    return header, body


# --- in process --------------------------------------------------------------------------


def shown_cells(con: duckdb.DuckDBPyConnection, grain: Grain) -> dict[tuple[str, str], dict]:
    table = rate_table(store.read_counts(con), default_catalog(), grain)
    assert len(set(table.labels)) == len(table.labels)
    cells = {}
    for record in table.wide().iter_rows(named=True):
        key = (record["scheme"], record["procedure"])
        cells[key] = {
            label: format_tenths_number(record[column])
            for label, column in zip(table.labels, table.keys, strict=True)
        }
    return cells


def test_in_process_table_reproduces_every_published_cell(
    sample_con: duckdb.DuckDBPyConnection, published: Published, subtests: pytest.Subtests
) -> None:
    labels, rows = published
    shown = shown_cells(sample_con, Grain.QUARTER_END)
    assert list(shown) == ALL_ROWS
    checked = 0
    for (scheme, procedure), row in rows.items():
        for label in labels:
            with subtests.test(msg=f"{scheme} / {procedure} / {label}"):
                assert shown[(scheme, procedure)].get(label) == row[label], (
                    f"cell {scheme} / {procedure} / {label}: published {row[label]}, "
                    f"shown {shown[(scheme, procedure)].get(label)!r}"
                )
            checked += 1
    assert checked == 48


def test_in_process_quarter_end_columns(sample_con: duckdb.DuckDBPyConnection) -> None:
    table = rate_table(store.read_counts(sample_con), default_catalog())
    assert table.labels == PUBLISHED_LABELS
    assert [p.kind for p in table.periods[-3:]] == ["fy", "fy", "fy"]
    assert [p.caption for p in table.periods[-3:]] == ["令和5年度", "令和6年度", "令和7年度"]


def test_procedures_opened_2025_09_22_have_empty_rows(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    shown = shown_cells(sample_con, Grain.QUARTER_END)
    for key in OPENED_2025_09_22:
        assert key in shown, key
        assert set(shown[key].values()) == {""}, key


def test_in_process_every_cell_is_sample(sample_con: duckdb.DuckDBPyConnection) -> None:
    table = rate_table(store.read_counts(sample_con), default_catalog())
    assert table.cells.height == 4 * len(PUBLISHED_LABELS)
    assert table.cells["is_sample"].all()


# --- through the CLI ---------------------------------------------------------------------


def test_cli_table_creates_missing_db_and_reproduces_every_cell(
    tmp_path: Path, published: Published, subtests: pytest.Subtests
) -> None:
    db = tmp_path / "nested" / "cli.duckdb"
    assert not db.exists()
    result = run_cli("table", "--format", "csv", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert db.exists()
    assert result.stdout.splitlines()[0] == "制度,手続," + ",".join(PUBLISHED_LABELS)
    assert (
        result.stdout.splitlines()[0]
        == "制度,手続,R5.9,R5.12,R6.3,R6.6,R6.9,R6.12,R7.3,R7.6,R7.9,R5.9~R6.3,R6.4~R7.3,R7.4~R7.9"
    )
    header, body = parse_csv(result.stdout)
    assert list(body) == ALL_ROWS
    labels, rows = published
    checked = 0
    for (scheme, procedure), row in rows.items():
        for label in labels:
            with subtests.test(msg=f"CLI {scheme} / {procedure} / {label}"):
                got = body[(scheme, procedure)][label]
                assert got == row[label], (
                    f"cell {scheme} / {procedure} / {label}: published {row[label]}, CLI {got!r}"
                )
            checked += 1
    assert checked == 48
    for key in OPENED_2025_09_22:
        assert [body[key][label] for label in header[2:]] == [""] * len(header[2:]), key


def test_cli_table_reopens_an_existing_db_without_reloading(tmp_path: Path) -> None:
    db = tmp_path / "again.duckdb"
    first = run_cli("table", "--db", str(db))
    second = run_cli("table", "--db", str(db))
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    con = store.connect(db)
    try:
        assert con.sql("SELECT count(*) FROM uploads").fetchall() == [(1,)]
    finally:
        con.close()


def test_cli_table_month_columns(tmp_path: Path, published: Published) -> None:
    result = run_cli("table", "--columns", "month", "--db", str(tmp_path / "m.duckdb"))
    assert result.returncode == 0, result.stderr
    header, body = parse_csv(result.stdout)
    months = [month_label(m) for m in months_between(date(2023, 9, 1), date(2025, 9, 1))]
    assert len(months) == 25
    assert header == ["制度", "手続", *months, *FY_LABELS]
    assert list(body) == ALL_ROWS
    _, rows = published
    for key, row in rows.items():
        for label in PUBLISHED_LABELS:  # quarter-end months and 期間集計 agree with the seed
            assert body[key][label] == row[label], (key, label)
        for label in months:
            assert body[key][label] != "", (key, label)
    for key in OPENED_2025_09_22:
        assert {body[key][label] for label in header[2:]} == {""}


def test_cli_table_text_format(tmp_path: Path, published: Published) -> None:
    result = run_cli("table", "--format", "text", "--db", str(tmp_path / "t.duckdb"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["制度", "手続", *PUBLISHED_LABELS]
    assert len(lines) == 1 + len(ALL_ROWS)
    _, rows = published
    by_name = {tuple(line.split()[:2]): line.split()[2:] for line in lines[1:]}
    assert list(by_name) == ALL_ROWS
    for key, row in rows.items():
        assert by_name[key] == [row[label] for label in PUBLISHED_LABELS], key
    for key in OPENED_2025_09_22:
        assert by_name[key] == []


@pytest.mark.parametrize(
    "args",
    [
        ("table", "--format", "xml"),
        ("table", "--columns", "weekly"),
        ("table", "--no-such-option"),
        ("no-such-command",),
        (),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    db = tmp_path / "never.duckdb"
    result = run_cli(*args, "--db", str(db)) if args else run_cli()
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip(), "a usage error is explained on stderr"
    assert not db.exists(), "a usage error must not create the DB"
