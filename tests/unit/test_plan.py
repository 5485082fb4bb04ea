"""plan_upload / commit_plan on a real sample DB: the diff, the warnings, what commit refuses."""

from __future__ import annotations

import itertools
import shutil
import uuid
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.ingest import UploadPlan, commit_plan, plan_upload
from kyosai.periods import Grain
from kyosai.rates import rate_table
from tests.quarter_files import QUARTER_MONTHS, long_xlsx, quarter_counts

TODAY = date(2026, 1, 15)
SEP, OCT, NOV, DEC = date(2025, 9, 1), *QUARTER_MONTHS
CATALOG = default_catalog()
ALL_PROCEDURES = [p.procedure_id for p in CATALOG.procedures]
# The sample's R7.9 counts of the four procedures online since 2023 (data/sample_counts.csv).
SAMPLE_R7_9 = {
    "shokibo_kanyu": (2959, 7753),  # 38.2%
    "shokibo_hozen": (1278, 3127),
    "tosan_kanyu": (845, 4702),
    "tosan_hozen": (497, 1720),
}
OPENED_2025_09_22 = ["shokibo_tsusan", "shokibo_kyufu", "tosan_kaiyaku"]

Counts = dict[tuple[str, date], tuple[int, int]]


def steady_quarter() -> Counts:
    """R7.10–R7.12 for all seven procedures, at exactly the R7.9 rates: no warning at all."""
    counts: Counts = {}
    for procedure_id in ALL_PROCEDURES:
        for offset, month in enumerate(QUARTER_MONTHS):
            if procedure_id in SAMPLE_R7_9:
                counts[(procedure_id, month)] = SAMPLE_R7_9[procedure_id]
            else:
                counts[(procedure_id, month)] = (200 + offset, 1000 + 10 * offset)
    return counts


def plan(con: duckdb.DuckDBPyConnection, data: bytes, name: str = "q.xlsx") -> UploadPlan:
    return plan_upload(con, data, name, CATALOG, TODAY)


def snapshot(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    return store.read_counts(con), store.data_version(con), store.read_uploads(con)


def assert_unchanged(
    con: duckdb.DuckDBPyConnection, before: tuple[pl.DataFrame, int, pl.DataFrame]
) -> None:
    counts, version, uploads = snapshot(con)
    assert_frame_equal(counts, before[0])
    assert version == before[1]
    assert_frame_equal(uploads, before[2])


def jump_warnings(p: UploadPlan) -> list[str]:
    return [w for w in p.warnings if "前月" in w]


# --- the diff -------------------------------------------------------------------------------


def test_new_revised_and_unchanged_rows_with_old_and_new_values(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    counts = steady_quarter()
    counts[("shokibo_kanyu", SEP)] = (3000, 7753)  # revised: was 2959/7753 (38.2%)
    counts[("shokibo_hozen", SEP)] = SAMPLE_R7_9["shokibo_hozen"]  # unchanged
    p = plan(sample_con, long_xlsx(counts))
    assert p.ok and p.already_loaded is None
    assert (p.count("new"), p.count("revised"), p.count("unchanged")) == (21, 1, 1)
    assert p.changes.height == 23
    revised = p.changes.filter(pl.col("change") == "revised").row(0, named=True)
    assert (revised["procedure_id"], revised["month"]) == ("shokibo_kanyu", SEP)
    assert (revised["old_online"], revised["old_total"]) == (2959, 7753)
    assert (revised["online"], revised["total"]) == (3000, 7753)
    assert (revised["old_tenths"], revised["tenths"]) == (382, 387)  # 38.2% → 38.7%
    assert revised["row_label"] == "(小) 加入手続き"
    unchanged = p.changes.filter(pl.col("change") == "unchanged").row(0, named=True)
    assert (unchanged["procedure_id"], unchanged["month"]) == ("shokibo_hozen", SEP)
    assert (unchanged["old_online"], unchanged["old_total"]) == SAMPLE_R7_9["shokibo_hozen"]
    new = p.changes.filter(pl.col("change") == "new")
    assert new["old_online"].null_count() == new["old_total"].null_count() == 21
    assert set(zip(new["procedure_id"], new["month"], strict=True)) == {
        key for key in counts if key[1] != SEP
    }
    assert p.can_commit


def test_rates_after_hold_the_resulting_rates(sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = steady_quarter()
    counts[("shokibo_kanyu", SEP)] = (3000, 7753)
    counts[("shokibo_kanyu", OCT)] = (1234, 4000)  # 30.85% → 30.9% (half up)
    p = plan(sample_con, long_xlsx(counts))
    assert p.rates_after is not None
    cells = p.rates_after.cells

    def cell(procedure_id: str, label: str) -> dict[str, object]:
        found = cells.filter((pl.col("procedure_id") == procedure_id) & (pl.col("label") == label))
        assert found.height == 1, (procedure_id, label)
        return found.row(0, named=True)

    october = cell("shokibo_kanyu", "R7.10")
    assert (october["online"], october["total"], october["tenths"]) == (1234, 4000, 309)
    september = cell("shokibo_kanyu", "R7.9")
    assert (september["online"], september["total"], september["tenths"]) == (3000, 7753, 387)
    # Nothing was written by the preview.
    stored = store.read_counts(sample_con, ["shokibo_kanyu"], first=SEP, last=SEP)
    assert stored.select("online", "total").row(0) == (2959, 7753)
    # The preview's figures are the ones the committed upload gives.
    commit_plan(sample_con, p, "tester")
    first_month = min(period.first for period in p.rates_after.periods)
    last_month = max(period.last for period in p.rates_after.periods)
    after = rate_table(
        store.read_counts(sample_con),
        CATALOG,
        Grain.MONTH,
        sorted({key[0] for key in counts}),
        first=first_month,
        last=last_month,
    )
    assert after.labels == p.rates_after.labels
    columns = ["procedure_id", "label", "online", "total", "tenths"]
    # Cells are a long frame in no particular order; compare them in one.
    order = ["procedure_id", "column_index"]
    assert_frame_equal(
        after.cells.sort(order).select(columns), p.rates_after.cells.sort(order).select(columns)
    )


def test_a_quarter_previews_its_fiscal_year_to_date(sample_con: duckdb.DuckDBPyConnection) -> None:
    p = plan(sample_con, long_xlsx(steady_quarter()))
    assert p.rates_after is not None
    assert min(period.first for period in p.rates_after.periods) == date(2025, 4, 1)
    assert max(period.last for period in p.rates_after.periods) == DEC


def test_a_history_file_previews_its_newest_fiscal_year(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    """R5.9 to R7.12 (three fiscal years): the preview's rates are R7.1 to R7.12; every row of
    the file is still in the plan."""
    months = list(store.read_counts(sample_con, ["shokibo_kanyu"])["month"])
    counts = {("shokibo_kanyu", m): (1000, 5000) for m in [*months, OCT, NOV, DEC]}
    p = plan(sample_con, long_xlsx(counts))
    assert p.ok and p.rates_after is not None
    assert p.changes.height == len(counts)
    labels = [label for label in p.rates_after.labels if "~" not in label]
    assert labels[0] == "R7.1" and labels[-1] == "R7.12"
    # 期間集計: the three months before 令和7年度 began, and 令和7年度 to date.
    assert [label for label in p.rates_after.labels if "~" in label] == ["R7.1~R7.3", "R7.4~R7.12"]


# --- warnings -------------------------------------------------------------------------------


def test_steady_full_quarter_has_no_warning(sample_con: duckdb.DuckDBPyConnection) -> None:
    p = plan(sample_con, long_xlsx(steady_quarter()))
    assert p.warnings == []
    assert p.can_commit


def test_quarter_only_partly_covered_is_a_warning(sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = {key: value for key, value in steady_quarter().items() if key[1] != DEC}
    p = plan(sample_con, long_xlsx(counts))
    partial = [w for w in p.warnings if "四半期の一部" in w]
    assert len(partial) == 1, p.warnings
    assert "R7Q3" in partial[0] and "R7.12" in partial[0]
    assert "R7.10 " not in partial[0].split("のうち")[1]
    assert len(p.warnings) == 1, p.warnings
    assert p.can_commit


def test_active_procedure_missing_is_a_warning(sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = {key: value for key, value in steady_quarter().items() if key[0] != "tosan_kaiyaku"}
    p = plan(sample_con, long_xlsx(counts))
    assert len(p.warnings) == 1, p.warnings
    assert "(倒) 解約手続き" in p.warnings[0]
    assert "ファイルにありません" in p.warnings[0]
    for other in ALL_PROCEDURES:
        if other != "tosan_kaiyaku":
            assert CATALOG.row_label(other) not in p.warnings[0]
    assert p.can_commit
    result = commit_plan(sample_con, p, "tester")
    assert result.rows_new == 18


def test_jump_of_more_than_15_points_is_a_warning(sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = steady_quarter()
    for month in QUARTER_MONTHS:  # 70% in every month: only R7.10 jumps (from 38.2%)
        counts[("shokibo_kanyu", month)] = (700, 1000)
    p = plan(sample_con, long_xlsx(counts))
    jumps = jump_warnings(p)
    assert len(jumps) == 1, p.warnings
    assert jumps[0].startswith("(小) 加入手続き の R7.10 の")
    assert "70.0%" in jumps[0] and "38.2%" in jumps[0] and "+31.8pt" in jumps[0]
    assert p.warnings == jumps
    assert p.can_commit
    assert commit_plan(sample_con, p, "tester").rows_new == 21


def test_drop_of_more_than_15_points_is_a_warning(sample_con: duckdb.DuckDBPyConnection) -> None:
    counts = steady_quarter()
    for month in QUARTER_MONTHS:
        counts[("shokibo_kanyu", month)] = (231, 1000)  # 38.2% → 23.1% is -15.1 points
    jumps = jump_warnings(plan(sample_con, long_xlsx(counts)))
    assert len(jumps) == 1 and "-15.1pt" in jumps[0], jumps


@pytest.mark.parametrize(
    ("online", "expect_warning"),
    [
        (532, False),  # 53.2%: exactly +15.0 points
        (533, True),  # 53.3%: +15.1
        (232, False),  # 23.2%: exactly -15.0
        (400, False),
    ],
)
def test_jump_threshold_is_more_than_15_points(
    sample_con: duckdb.DuckDBPyConnection, online: int, expect_warning: bool
) -> None:
    counts = steady_quarter()
    for month in QUARTER_MONTHS:
        counts[("shokibo_kanyu", month)] = (online, 1000)
    p = plan(sample_con, long_xlsx(counts))
    assert bool(jump_warnings(p)) is expect_warning, p.warnings
    assert p.can_commit


def test_jump_within_the_file_is_checked_against_the_month_before(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    counts = steady_quarter()
    counts[("tosan_hozen", NOV)] = (900, 1000)  # R7.10 28.9% → R7.11 90.0% → R7.12 28.9%
    jumps = jump_warnings(plan(sample_con, long_xlsx(counts)))
    assert [w.split(" の ")[1].split(" ")[0] for w in jumps] == ["R7.11", "R7.12"], jumps
    assert all(w.startswith("(倒) 保全手続き") for w in jumps)


# --- what cannot be committed ---------------------------------------------------------------


def test_same_bytes_twice_are_recognised(sample_con: duckdb.DuckDBPyConnection) -> None:
    data = long_xlsx(steady_quarter())
    first = plan(sample_con, data)
    result = commit_plan(sample_con, first, "tester")
    assert (result.upload_id, result.rows_new) == (2, 21)
    before = snapshot(sample_con)
    again = plan(sample_con, data, "renamed.xlsx")
    assert again.already_loaded is not None
    assert again.already_loaded[0] == 2
    assert not again.can_commit
    with pytest.raises(store.StoreError):
        commit_plan(sample_con, again, "tester")
    # The first plan, committed a second time, is refused too.
    with pytest.raises(store.StoreError):
        commit_plan(sample_con, first, "tester")
    assert_unchanged(sample_con, before)


def test_file_equal_to_the_stored_values_cannot_be_committed(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    counts = {(procedure_id, SEP): value for procedure_id, value in SAMPLE_R7_9.items()}
    before = snapshot(sample_con)
    p = plan(sample_con, long_xlsx(counts))
    assert p.ok and p.already_loaded is None
    assert (p.count("new"), p.count("revised"), p.count("unchanged")) == (0, 0, 4)
    assert not p.can_commit
    with pytest.raises(store.StoreError):
        commit_plan(sample_con, p, "tester")
    assert_unchanged(sample_con, before)


def test_plan_made_before_another_upload_is_refused(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    stale = plan(sample_con, long_xlsx(steady_quarter()), "quarter.xlsx")
    other = plan(sample_con, long_xlsx({("shokibo_kanyu", SEP): (3000, 7753)}), "fix.xlsx")
    commit_plan(sample_con, other, "tester")
    before = snapshot(sample_con)
    with pytest.raises(store.OutdatedError):
        commit_plan(sample_con, stale, "tester")
    assert_unchanged(sample_con, before)
    assert store.read_counts(sample_con, first=OCT).is_empty()
    # Planned again, the same file goes in.
    fresh = plan(sample_con, long_xlsx(steady_quarter()), "quarter.xlsx")
    assert commit_plan(sample_con, fresh, "tester").upload_id == 3


def test_plan_made_before_an_undo_is_refused(sample_con: duckdb.DuckDBPyConnection) -> None:
    stale = plan(sample_con, long_xlsx(steady_quarter()))
    store.undo_upload(sample_con, 1, "tester")
    before = snapshot(sample_con)
    with pytest.raises(store.OutdatedError):
        commit_plan(sample_con, stale, "tester")
    assert_unchanged(sample_con, before)


def test_file_with_problems_is_refused_and_nothing_changes(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    data = long_xlsx(
        quarter_counts(),
        {("shokibo_kanyu", OCT): (5000, 1000), ("shokibo_hozen", OCT): ("abc", 1100)},
    )
    before = snapshot(sample_con)
    p = plan(sample_con, data, "bad.xlsx")
    assert not p.ok
    assert not p.can_commit
    locations = [problem.location for problem in p.parsed.problems]
    assert locations == ["シート「件数」セル D4", "シート「件数」セル D7"]
    assert p.changes.is_empty() and p.rates_after is None and p.warnings == []
    with pytest.raises(store.StoreError):
        commit_plan(sample_con, p, "tester")
    assert_unchanged(sample_con, before)


# --- commit then undo restores everything ---------------------------------------------------

MONTHS = [SEP, OCT, NOV, DEC]


@st.composite
def quarter_files(draw: st.DrawFn) -> Counts:
    """A valid file: any subset of (procedure, R7.9–R7.12), stored values or random counts."""
    counts: Counts = {}
    for procedure_id, month in itertools.product(ALL_PROCEDURES, MONTHS):
        choice = draw(st.sampled_from(["absent", "random", "stored"]))
        if choice == "absent":
            continue
        if choice == "stored" and month == SEP and procedure_id in SAMPLE_R7_9:
            counts[(procedure_id, month)] = SAMPLE_R7_9[procedure_id]
            continue
        total = draw(st.integers(min_value=0, max_value=200_000))
        online = draw(st.integers(min_value=0, max_value=total))
        counts[(procedure_id, month)] = (online, total)
    assume(counts)
    return counts


@pytest.fixture
def sample_db_file(db_path: Path) -> Path:
    store.connect(db_path).close()
    return db_path


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(counts=quarter_files())
def test_commit_then_undo_restores_counts_exactly(sample_db_file: Path, counts: Counts) -> None:
    # A fresh copy of the sample DB file for each example.
    copy = sample_db_file.parent / f"copy_{uuid.uuid4().hex}.duckdb"
    shutil.copyfile(sample_db_file, copy)
    con = store.connect(copy)
    try:
        before = store.read_counts(con)
        p = plan(con, long_xlsx(counts))
        assert p.ok, [problem.message for problem in p.parsed.problems]
        assume(p.can_commit)
        result = commit_plan(con, p, "tester")
        assert (result.rows_new, result.rows_revised, result.rows_unchanged) == (
            p.count("new"),
            p.count("revised"),
            p.count("unchanged"),
        )
        stored = {
            (r["procedure_id"], r["month"]): (r["online"], r["total"])
            for r in store.read_counts(con).iter_rows(named=True)
        }
        assert {key: stored.get(key) for key in counts} == counts
        store.undo_upload(con, result.upload_id, "tester")
        assert_frame_equal(store.read_counts(con), before)
    finally:
        con.close()
        copy.unlink(missing_ok=True)
