"""`python -m kyosai import | history | undo | template` as subprocesses on real files and DBs."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from kyosai import store
from kyosai.calendar import FiscalQuarter
from kyosai.catalog import default_catalog
from tests.cli_run import run_cli
from tests.quarter_files import long_xlsx, quarter_counts
from tests.sample_db import copy_db

ROOT = Path(__file__).resolve().parents[2]
SEP, OCT, NOV, DEC = date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)
CATALOG = default_catalog()
SUCCESS = "として登録しました"


def ok(*args: str | Path) -> str:
    result = run_cli(*args)
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def db(tmp_path: Path, sample_db_template: Path) -> Path:
    """A real DuckDB file holding the sample data (upload #1) and nothing else."""
    return copy_db(sample_db_template, tmp_path / "cli.duckdb")


@pytest.fixture
def quarter_file(tmp_path: Path) -> Path:
    path = tmp_path / "r7q3.xlsx"
    path.write_bytes(long_xlsx(quarter_counts()))
    return path


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    # Row 4 is (小) 加入 2025-10, row 7 is (小) 保全 2025-10 (title, blank and header rows above).
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        long_xlsx(
            quarter_counts(),
            {("shokibo_kanyu", OCT): (5000, 1000), ("shokibo_hozen", OCT): ("abc", 1100)},
        )
    )
    return path


def history_lines(db: Path) -> list[str]:
    return ok("history", "--db", db).splitlines()


def table(db: Path, *extra: str) -> str:
    return ok("table", "--db", db, *extra)


def table_cells(text: str) -> dict[tuple[str, str], dict[str, str]]:
    lines = text.splitlines()
    header = lines[0].split(",")
    rows = {}
    for line in lines[1:]:
        values = line.split(",")
        rows[(values[0], values[1])] = dict(zip(header, values, strict=True))
    return rows


# --- import ---------------------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_writes_nothing(db: Path, quarter_file: Path) -> None:
    table_before = table(db)
    result = run_cli("import", quarter_file, "--db", db, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "r7q3.xlsx: 新規 21 件・修正 0 件・変更なし 0 件" in result.stdout
    assert "--dry-run" in result.stdout and "何も登録していません" in result.stdout
    assert SUCCESS not in result.stdout
    lines = history_lines(db)
    assert len(lines) == 1
    assert lines[0].startswith("#1\t") and "\tサンプルデータ\t" in lines[0]
    assert table(db) == table_before


def test_dry_run_shows_revisions_old_to_new(db: Path, tmp_path: Path) -> None:
    fix = tmp_path / "fix.xlsx"
    fix.write_bytes(long_xlsx({("shokibo_kanyu", SEP): (3000, 7753)}))
    stdout = ok("import", fix, "--db", db, "--dry-run")
    assert "fix.xlsx: 新規 0 件・修正 1 件・変更なし 0 件" in stdout
    assert "修正 (小) 加入手続き R7.9: 2,959/7,753（38.2%） → 3,000/7,753（38.7%）" in stdout
    assert len(history_lines(db)) == 1


def test_import_then_history_table_and_the_same_file_again(db: Path, quarter_file: Path) -> None:
    header_before = table(db).splitlines()[0].split(",")
    assert "R7.12" not in header_before
    stdout = ok("import", quarter_file, "--db", db, "--by", "tester")
    assert f"r7q3.xlsx: 取込 #2 {SUCCESS}" in stdout
    lines = history_lines(db)
    assert len(lines) == 2
    newest = lines[0].split("\t")
    assert newest[0] == "#2"
    assert newest[2:8] == ["tester", "r7q3.xlsx", "新規 21", "修正 0", "変更なし 0", "有効"]
    assert lines[1].startswith("#1\t")

    after = table(db)
    header = after.splitlines()[0].split(",")
    last_sample = header_before.index("R7.9")
    assert header[: last_sample + 2] == [*header_before[: last_sample + 1], "R7.12"]
    assert header[-1] == "R7.4~R7.12"
    cells = table_cells(after)
    # quarter_counts: (小) 加入 R7.12 is 306 / 1020 = 30.0%; (倒) 解約 is 583 / 1620 = 36.0%.
    assert cells[("小規模企業共済", "加入関係手続")]["R7.12"] == "30.0"
    assert cells[("中小企業倒産防止共済", "解約関係手続")]["R7.12"] == "36.0"

    again = run_cli("import", quarter_file, "--db", db)
    assert again.returncode == 0, again.stderr
    assert "既に取込 #2 で取り込まれています" in again.stdout
    assert SUCCESS not in again.stdout
    assert history_lines(db) == lines
    assert table(db) == after


def test_same_bytes_under_another_name_are_recognised(
    db: Path, quarter_file: Path, tmp_path: Path
) -> None:
    ok("import", quarter_file, "--db", db)
    renamed = tmp_path / "copy.xlsx"
    renamed.write_bytes(quarter_file.read_bytes())
    stdout = ok("import", renamed, "--db", db)
    assert "既に取込 #2" in stdout and SUCCESS not in stdout
    assert len(history_lines(db)) == 2


def test_two_good_files_are_committed_in_turn(db: Path, quarter_file: Path, tmp_path: Path) -> None:
    fix = tmp_path / "fix.xlsx"
    fix.write_bytes(long_xlsx({("shokibo_kanyu", SEP): (3000, 7753)}))
    stdout = ok("import", quarter_file, fix, "--db", db)
    assert f"r7q3.xlsx: 取込 #2 {SUCCESS}" in stdout
    assert f"fix.xlsx: 取込 #3 {SUCCESS}" in stdout
    lines = history_lines(db)
    assert [line.split("\t")[0] for line in lines] == ["#3", "#2", "#1"]
    assert table_cells(table(db))[("小規模企業共済", "加入関係手続")]["R7.9"] == "38.7"


def test_bad_file_lists_every_problem_and_writes_nothing(db: Path, bad_file: Path) -> None:
    table_before, history_before = table(db), history_lines(db)
    result = run_cli("import", bad_file, "--db", db)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "シート「件数」セル D4" in result.stderr
    assert "5000" in result.stderr
    assert "シート「件数」セル D7" in result.stderr
    assert "「abc」" in result.stderr
    problem_lines = [line for line in result.stderr.splitlines() if "シート「件数」セル" in line]
    assert len(problem_lines) == 2, result.stderr
    assert all(line.startswith("bad.xlsx: ") for line in problem_lines)
    assert "何も登録していません" in result.stderr
    assert SUCCESS not in result.stdout
    assert table(db) == table_before
    assert history_lines(db) == history_before


@pytest.mark.parametrize("bad_first", [False, True])
def test_one_bad_file_among_two_writes_neither(
    db: Path, quarter_file: Path, bad_file: Path, bad_first: bool
) -> None:
    table_before, history_before = table(db), history_lines(db)
    files = [bad_file, quarter_file] if bad_first else [quarter_file, bad_file]
    result = run_cli("import", *files, "--db", db)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "シート「件数」セル D4" in result.stderr
    assert SUCCESS not in result.stdout
    assert table(db) == table_before
    assert history_lines(db) == history_before


def cp932_csv() -> bytes:
    lines = ["オンライン利用件数（令和7年10～12月）", "", "制度,手続,年月,オンライン件数,全体件数"]
    for (procedure_id, month), (online, total) in quarter_counts().items():
        procedure = CATALOG.procedure(procedure_id)
        scheme = CATALOG.scheme(procedure.scheme_id).name
        lines.append(
            f'{scheme},{procedure.name},{month.year}年{month.month}月,{online},"{total:,}"'
        )
    # Aliases and full-width digits, as staff type them, for one more row each way.
    lines[3] = '小規模,加入手続き,R7.10,１２３４,"4,000"'
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def test_cp932_long_csv_imports(db: Path, tmp_path: Path) -> None:
    data = cp932_csv()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "件数_R7Q3.csv"
    path.write_bytes(data)
    stdout = ok("import", path, "--db", db)
    assert f"件数_R7Q3.csv: 取込 #2 {SUCCESS}" in stdout
    lines = history_lines(db)
    assert lines[0].split("\t")[3:5] == ["件数_R7Q3.csv", "新規 21"]
    cells = table_cells(table(db, "--columns", "month"))
    assert cells[("小規模企業共済", "加入関係手続")]["R7.10"] == "30.9"  # 1234 / 4000 = 30.85%
    assert cells[("小規模企業共済", "加入関係手続")]["R7.11"] == "30.0"


def test_missing_file_exits_1(db: Path, quarter_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.xlsx"
    result = run_cli("import", quarter_file, missing, "--db", db)
    assert result.returncode == 1
    assert "nosuch.xlsx" in result.stderr and "見つかりません" in result.stderr
    assert len(history_lines(db)) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("import", "--db", "DB"),
        ("import", "FILE", "--no-such-option", "--db", "DB"),
        ("import", "FILE", "--db", "DB", "--by"),
        ("undo", "--db", "DB"),
        ("undo", "two", "--db", "DB"),
        ("history", "--verbose", "--db", "DB"),
        ("template", "--db", "DB"),
        ("template", "--quarter", "R7Q3", "--out"),
    ],
)
def test_usage_errors_exit_2(db: Path, quarter_file: Path, args: tuple[str, ...]) -> None:
    argv = [{"FILE": str(quarter_file), "DB": str(db)}.get(arg, arg) for arg in args]
    result = run_cli(*argv)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
    assert len(history_lines(db)) == 1


# --- undo -----------------------------------------------------------------------------------


def test_undo_restores_the_table_and_refuses_twice(db: Path, quarter_file: Path) -> None:
    original = table(db, "--columns", "month")
    ok("import", quarter_file, "--db", db)
    assert table(db, "--columns", "month") != original
    stdout = ok("undo", "2", "--db", db, "--by", "tester")
    assert "取込 #2 を取り消しました" in stdout
    assert table(db, "--columns", "month") == original
    newest = history_lines(db)[0].split("\t")
    assert newest[0] == "#2" and newest[-1].startswith("取消済み") and "tester" in newest[-1]

    again = run_cli("undo", "2", "--db", db)
    assert again.returncode == 1
    assert "既に取り消されています" in again.stderr
    assert "取り消しました" not in again.stdout

    unknown = run_cli("undo", "99", "--db", db)
    assert unknown.returncode == 1
    assert "#99" in unknown.stderr
    assert table(db, "--columns", "month") == original


def test_undo_of_an_earlier_upload_names_the_one_to_undo_first(db: Path, tmp_path: Path) -> None:
    fix = tmp_path / "fix.xlsx"
    fix.write_bytes(long_xlsx({("shokibo_kanyu", SEP): (3000, 7753)}))
    ok("import", fix, "--db", db)
    before_table, before_history = table(db), history_lines(db)
    result = run_cli("undo", "1", "--db", db)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "取込 #2" in result.stderr and "先に取込 #2 を取り消して" in result.stderr
    assert "取り消しました" not in result.stdout
    assert table(db) == before_table
    assert history_lines(db) == before_history
    ok("undo", "2", "--db", db)
    ok("undo", "1", "--db", db)
    con = store.connect(db)
    try:
        assert store.read_counts(con).is_empty()
    finally:
        con.close()


def test_a_file_undone_can_be_imported_again(db: Path, quarter_file: Path) -> None:
    ok("import", quarter_file, "--db", db)
    imported = table(db)
    ok("undo", "2", "--db", db)
    stdout = ok("import", quarter_file, "--db", db)
    assert f"取込 #3 {SUCCESS}" in stdout
    assert table(db) == imported


# --- template -------------------------------------------------------------------------------


def template_months(path: Path) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["入力"]
    return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]


def test_template_for_a_quarter(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    stdout = ok("template", "--out", out, "--quarter", "R7Q3")
    assert "R7Q3" in stdout
    months = template_months(out)
    assert len(months) == 21
    assert sorted(set(months)) == ["2025年10月", "2025年11月", "2025年12月"]


def test_template_with_a_bogus_quarter_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = run_cli("template", "--out", out, "--quarter", "bogus")
    assert result.returncode == 2
    assert "R7Q3" in result.stderr
    assert not out.exists()


def test_template_default_quarter_follows_the_db(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    stdout = ok("template", "--out", out, "--db", db)
    assert stdout.startswith("R7Q3 ")
    assert sorted(set(template_months(out))) == ["2025年10月", "2025年11月", "2025年12月"]


def test_template_default_quarter_without_a_db_is_this_quarter(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    out = tmp_path / "t.xlsx"
    stdout = ok("template", "--out", out, "--db", missing)
    assert stdout.startswith(FiscalQuarter.of(date.today()).label + " ")
    assert not missing.exists()


def test_filled_template_imports(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    ok("template", "--out", out, "--db", db)
    book = openpyxl.load_workbook(out)
    sheet = book["入力"]
    for index, row in enumerate(sheet.iter_rows(min_row=2, max_row=22), start=1):
        row[3].value, row[4].value = 10 * index, 100 * index
    book.save(out)
    stdout = ok("import", out, "--db", db)
    assert "t.xlsx: 新規 21 件・修正 0 件・変更なし 0 件" in stdout
    assert f"取込 #2 {SUCCESS}" in stdout


def test_blank_template_is_an_input_problem(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    ok("template", "--out", out, "--quarter", "R7Q3")
    result = run_cli("import", out, "--db", db)
    assert result.returncode == 1
    assert "シート「入力」" in result.stderr
    assert len(history_lines(db)) == 1
