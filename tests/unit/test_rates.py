"""Tests for kyosai.rates: period aggregates, table columns, trend series and target status."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyosai.calendar import (
    add_months,
    fiscal_year,
    fiscal_year_label,
    month_label,
    months_between,
)
from kyosai.catalog import default_catalog
from kyosai.percent import rate_tenths
from kyosai.periods import Grain
from kyosai.rates import aggregate, rate_table, trend_series
from kyosai.status import Status, procedure_status

STATUS_MET, STATUS_MISSED = Status.MET, Status.MISSED
STATUS_IN_PROGRESS, STATUS_NO_DATA = Status.IN_PROGRESS, Status.NO_DATA

CATALOG = default_catalog()
PROCEDURE_IDS = [p.procedure_id for p in CATALOG.procedures]
SCHEMA = {
    "procedure_id": pl.String,
    "month": pl.Date,
    "online": pl.Int64,
    "total": pl.Int64,
    "is_sample": pl.Boolean,
}
HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(rows: list[tuple[str, date, int, int]], is_sample: bool = False) -> pl.DataFrame:
    return pl.DataFrame(
        [(p, m, o, t, is_sample) for p, m, o, t in rows], schema=SCHEMA, orient="row"
    )


@st.composite
def monthly_counts(draw: st.DrawFn) -> pl.DataFrame:
    """Random monthly counts: some procedures, a span of months, gaps, zero totals."""
    first_index = draw(st.integers(min_value=2022 * 12, max_value=2026 * 12 + 11))
    length = draw(st.integers(min_value=1, max_value=30))
    months = [
        add_months(date(first_index // 12, first_index % 12 + 1, 1), i) for i in range(length)
    ]
    procedures = draw(st.lists(st.sampled_from(PROCEDURE_IDS), min_size=1, max_size=4, unique=True))
    rows = []
    for procedure_id in procedures:
        for month in months:
            if not draw(st.booleans()) and len(rows) > 0:
                continue  # a gap
            total = draw(st.integers(min_value=0, max_value=50_000))
            online = draw(st.integers(min_value=0, max_value=total))
            sample = draw(st.booleans())
            rows.append((procedure_id, month, online, total, sample))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def expected_fy_labels(first: date, last: date) -> list[str]:
    labels = []
    for fy in range(fiscal_year(first), fiscal_year(last) + 1):
        start = max(first, date(fy, 4, 1))
        end = min(last, date(fy + 1, 3, 1))
        labels.append(f"{month_label(start)}~{month_label(end)}")
    return labels


def months_of(counts: pl.DataFrame, procedure_id: str, first: date, last: date) -> pl.DataFrame:
    return counts.filter(
        (pl.col("procedure_id") == procedure_id)
        & (pl.col("month") >= first)
        & (pl.col("month") <= last)
    )


# --- period aggregates -------------------------------------------------------------------


@HYPOTHESIS
@given(monthly_counts(), st.sampled_from(list(Grain)))
def test_period_rate_is_sum_online_over_sum_total(counts: pl.DataFrame, grain: Grain) -> None:
    table = rate_table(counts, CATALOG, grain)
    assert table.periods, "a table over data must have columns"
    cells = {(c["procedure_id"], c["column_index"]): c for c in table.cells.iter_rows(named=True)}
    for index, period in enumerate(table.periods):
        for procedure_id in PROCEDURE_IDS:
            mine = months_of(counts, procedure_id, period.first, period.last)
            cell = cells.get((procedure_id, index))
            if mine.is_empty():
                assert cell is None, (procedure_id, period.label)
                continue
            assert cell is not None, (procedure_id, period.label)
            online, total = int(mine["online"].sum()), int(mine["total"].sum())
            assert (cell["online"], cell["total"]) == (online, total)
            assert cell["tenths"] == rate_tenths(online, total), (procedure_id, period.label)
            assert cell["months_with_data"] == mine.height
            assert cell["is_sample"] == bool(mine["is_sample"].any())
            if total:
                assert cell["rate"] == pytest.approx(online / total, rel=1e-12)
            else:
                assert cell["rate"] is None


@HYPOTHESIS
@given(monthly_counts(), st.sampled_from([Grain.QUARTER, Grain.FISCAL_YEAR]))
def test_period_rate_lies_between_its_months(counts: pl.DataFrame, grain: Grain) -> None:
    table = rate_table(counts, CATALOG, grain)
    for cell in table.cells.iter_rows(named=True):
        period = table.periods[cell["column_index"]]
        mine = months_of(counts, cell["procedure_id"], period.first, period.last).filter(
            pl.col("total") > 0
        )
        if mine.is_empty():
            assert cell["tenths"] is None
            continue
        rates = [Fraction(o, t) for o, t in zip(mine["online"], mine["total"], strict=True)]
        exact = Fraction(cell["online"], cell["total"])
        assert min(rates) <= exact <= max(rates)
        shown = [rate_tenths(o, t) for o, t in zip(mine["online"], mine["total"], strict=True)]
        assert min(shown) <= cell["tenths"] <= max(shown)  # type: ignore[type-var]


def test_period_rate_is_not_the_mean_of_monthly_rates() -> None:
    # 10/100 and 90/100 average 50%, but Σ is 100/200 = 50%; with unequal totals they differ.
    counts = frame(
        [
            ("shokibo_kanyu", date(2025, 4, 1), 10, 100),
            ("shokibo_kanyu", date(2025, 5, 1), 900, 1000),
        ]
    )
    table = rate_table(counts, CATALOG, Grain.FISCAL_YEAR)
    assert table.labels == ["R7.4~R7.5"]
    assert table.cells["tenths"].to_list() == [rate_tenths(910, 1100)] == [827]


def test_aggregate_ignores_months_outside_every_period() -> None:
    counts = frame(
        [("tosan_kanyu", date(2025, 4, 1), 1, 4), ("tosan_kanyu", date(2025, 7, 1), 3, 4)]
    )
    table = rate_table(counts, CATALOG, Grain.QUARTER_END)
    cells = aggregate(counts, table.periods[:1])  # only the R7.6 column
    assert table.labels[0] == "R7.6"
    assert cells.is_empty()


# --- table columns -----------------------------------------------------------------------


@HYPOTHESIS
@given(monthly_counts())
def test_quarter_end_columns(counts: pl.DataFrame) -> None:
    first, last = counts["month"].min(), counts["month"].max()
    table = rate_table(counts, CATALOG, Grain.QUARTER_END)
    expected_months = [
        m for m in months_between(first, last) if m.month in (3, 6, 9, 12) or m == last
    ]
    fy_labels = expected_fy_labels(first, last)
    assert table.labels == [month_label(m) for m in expected_months] + fy_labels
    n = len(expected_months)
    assert [p.kind for p in table.periods] == ["month"] * n + ["fy"] * len(fy_labels)
    for period, month in zip(table.periods[:n], expected_months, strict=True):
        assert period.first == period.last == month
    for period in table.periods[n:]:
        assert period.caption == fiscal_year_label(fiscal_year(period.first))
        assert fiscal_year(period.first) == fiscal_year(period.last)
    assert table.wide().columns == ["procedure_id", "scheme", "procedure", "row_label", *table.keys]
    assert table.wide().height == len(PROCEDURE_IDS)


@HYPOTHESIS
@given(monthly_counts())
def test_month_columns(counts: pl.DataFrame) -> None:
    first, last = counts["month"].min(), counts["month"].max()
    table = rate_table(counts, CATALOG, Grain.MONTH)
    months = list(months_between(first, last))
    assert table.labels == [month_label(m) for m in months] + expected_fy_labels(first, last)


def test_quarter_end_table_adds_latest_month_when_not_a_quarter_end() -> None:
    counts = frame(
        [("tosan_hozen", m, 1, 10) for m in months_between(date(2023, 9, 1), date(2025, 11, 1))]
    )
    table = rate_table(counts, CATALOG, Grain.QUARTER_END)
    assert table.labels == [
        "R5.9", "R5.12", "R6.3", "R6.6", "R6.9", "R6.12", "R7.3", "R7.6", "R7.9", "R7.11",
        "R5.9~R6.3", "R6.4~R7.3", "R7.4~R7.11",
    ]  # fmt: skip


def test_fiscal_year_column_from_april_to_march() -> None:
    counts = frame(
        [("tosan_hozen", m, 1, 10) for m in months_between(date(2024, 2, 1), date(2025, 6, 1))]
    )
    table = rate_table(counts, CATALOG, Grain.FISCAL_YEAR)
    assert table.labels == ["R6.2~R6.3", "R6.4~R7.3", "R7.4~R7.6"]
    assert [p.caption for p in table.periods] == ["令和5年度", "令和6年度", "令和7年度"]


def test_empty_counts_give_an_empty_table() -> None:
    table = rate_table(frame([]), CATALOG)
    assert table.periods == []
    assert table.cells.is_empty()
    assert table.wide().height == len(PROCEDURE_IDS)


def test_first_and_last_narrow_the_table() -> None:
    counts = frame(
        [("shokibo_hozen", m, 2, 10) for m in months_between(date(2023, 9, 1), date(2025, 9, 1))]
    )
    table = rate_table(counts, CATALOG, Grain.MONTH, first=date(2025, 2, 1), last=date(2025, 5, 1))
    assert table.labels == ["R7.2", "R7.3", "R7.4", "R7.5", "R7.2~R7.3", "R7.4~R7.5"]


# --- trend series ------------------------------------------------------------------------


@HYPOTHESIS
@given(monthly_counts())
def test_monthly_trend_points_are_the_months(counts: pl.DataFrame) -> None:
    series = trend_series(counts, CATALOG, Grain.MONTH)
    assert series.height == counts.height
    expected = {
        (p, m): rate_tenths(o, t)
        for p, m, o, t in counts.select("procedure_id", "month", "online", "total").iter_rows()
    }
    got = {
        (r["procedure_id"], r["period_start"]): r["tenths"] for r in series.iter_rows(named=True)
    }
    assert got == expected
    for row in series.iter_rows(named=True):
        assert row["period_label"] == month_label(row["period_start"])
        assert row["series_label"] == CATALOG.row_label(row["procedure_id"])


@HYPOTHESIS
@given(monthly_counts())
def test_fiscal_year_trend_matches_the_table(counts: pl.DataFrame) -> None:
    series = trend_series(counts, CATALOG, Grain.FISCAL_YEAR)
    table = rate_table(counts, CATALOG, Grain.FISCAL_YEAR)
    from_table = {
        (c["procedure_id"], c["label"]): c["tenths"] for c in table.cells.iter_rows(named=True)
    }
    from_series = {
        (r["procedure_id"], r["period_label"]): r["tenths"] for r in series.iter_rows(named=True)
    }
    assert from_series == from_table


# --- status against target ---------------------------------------------------------------


def status_of(counts: pl.DataFrame, procedure_id: str, as_of: date | None = None) -> dict:
    result = procedure_status(counts, CATALOG, as_of)
    assert result["procedure_id"].to_list() == PROCEDURE_IDS
    return result.filter(pl.col("procedure_id") == procedure_id).row(0, named=True)


def test_before_deadline_below_target_is_in_progress() -> None:
    # 通算申出: deadline 令和7年度内 (to 2026-03), target 20%.
    counts = frame(
        [
            ("shokibo_tsusan", date(2025, 9, 1), 5, 100),
            ("shokibo_tsusan", date(2025, 10, 1), 15, 100),
        ]
    )
    row = status_of(counts, "shokibo_tsusan")
    assert row["status"] == STATUS_IN_PROGRESS
    assert row["latest_month"] == date(2025, 10, 1)
    assert row["latest_label"] == "R7.10"
    assert row["latest_tenths"] == 150
    assert row["fytd_first"] == date(2025, 9, 1)
    assert row["fytd_tenths"] == 100
    assert row["target_tenths"] == 200
    assert row["gap_tenths"] == -100


def test_deadline_month_itself_is_still_in_progress() -> None:
    # 令和5年度内 ends with 2024-03: judged in March 2024, the period has not yet passed.
    counts = frame([("shokibo_kanyu", date(2024, 3, 1), 10, 100)])
    assert status_of(counts, "shokibo_kanyu")["status"] == STATUS_IN_PROGRESS


def test_after_deadline_below_target_is_missed() -> None:
    counts = frame(
        [
            ("shokibo_kanyu", date(2024, 4, 1), 15, 100),
            ("shokibo_kanyu", date(2024, 5, 1), 19, 100),
        ]
    )
    row = status_of(counts, "shokibo_kanyu")
    assert row["status"] == STATUS_MISSED
    assert row["fytd_tenths"] == 170
    assert row["gap_tenths"] == -30


def test_as_of_past_deadline_with_old_data_is_missed() -> None:
    counts = frame([("tosan_kanyu", date(2024, 1, 1), 1, 100)])
    assert status_of(counts, "tosan_kanyu")["status"] == STATUS_IN_PROGRESS
    assert status_of(counts, "tosan_kanyu", date(2024, 6, 1))["status"] == STATUS_MISSED


@pytest.mark.parametrize(
    ("latest", "online", "total"),
    [
        (date(2024, 2, 1), 20, 100),  # exactly on target, before the deadline
        (date(2024, 2, 1), 50, 100),
        (date(2025, 6, 1), 20, 100),  # on target after the deadline
        (date(2025, 6, 1), 99, 100),
    ],
)
def test_at_or_above_target_is_met(latest: date, online: int, total: int) -> None:
    counts = frame([("tosan_hozen", latest, online, total)])
    row = status_of(counts, "tosan_hozen")
    assert row["status"] == STATUS_MET
    assert row["gap_tenths"] == rate_tenths(online, total) - 200


def test_status_judges_the_shown_figure() -> None:
    # 3999/20000 = 19.995% is shown as 20.0%: the gap shown is ±0.0 and the target is met.
    counts = frame([("tosan_hozen", date(2025, 6, 1), 3999, 20000)])
    row = status_of(counts, "tosan_hozen")
    assert row["fytd_tenths"] == 200
    assert row["gap_tenths"] == 0
    assert row["status"] == STATUS_MET
    # 3989/20000 = 19.945% is shown as 19.9%: 0.1 point short.
    row = status_of(frame([("tosan_hozen", date(2025, 6, 1), 3989, 20000)]), "tosan_hozen")
    assert (row["fytd_tenths"], row["gap_tenths"], row["status"]) == (199, -1, STATUS_MISSED)


def test_fiscal_year_to_date_starts_in_april() -> None:
    # A high March does not lift the new fiscal year's figure.
    counts = frame(
        [
            ("tosan_kanyu", date(2025, 3, 1), 90, 100),
            ("tosan_kanyu", date(2025, 4, 1), 10, 100),
            ("tosan_kanyu", date(2025, 5, 1), 20, 300),
        ]
    )
    row = status_of(counts, "tosan_kanyu")
    assert row["fytd_first"] == date(2025, 4, 1)
    assert row["fytd_tenths"] == rate_tenths(30, 400) == 75
    assert row["status"] == STATUS_MISSED


def test_no_data_after_deadline() -> None:
    counts = frame([("tosan_kanyu", date(2025, 5, 1), 30, 100)])
    row = status_of(counts, "shokibo_kanyu")  # deadline 2024-03, judged at 2025-05
    assert row["status"] == STATUS_NO_DATA
    assert row["latest_month"] is None
    assert row["latest_tenths"] is None
    assert row["fytd_tenths"] is None
    assert row["gap_tenths"] is None
    assert row["change_quarter_tenths"] is None


def test_changes_are_differences_of_shown_tenths() -> None:
    counts = frame(
        [
            ("shokibo_hozen", date(2024, 9, 1), 1000, 10000),  # 10.0
            ("shokibo_hozen", date(2025, 6, 1), 1714, 10000),  # 17.14 → 17.1
            ("shokibo_hozen", date(2025, 9, 1), 1715, 10000),  # 17.15 → 17.2
        ]
    )
    row = status_of(counts, "shokibo_hozen")
    assert row["latest_tenths"] == 172
    # raw difference 0.01 point, but the shown figures differ by 0.1
    assert row["change_quarter_tenths"] == 1
    assert row["change_year_tenths"] == 72
    assert row["fytd_tenths"] == rate_tenths(1714 + 1715, 20000) == 171
    assert row["gap_tenths"] == 171 - 200


def test_changes_missing_when_the_earlier_month_is_missing() -> None:
    counts = frame(
        [
            ("shokibo_hozen", date(2025, 7, 1), 10, 100),
            ("shokibo_hozen", date(2025, 9, 1), 20, 100),
        ]
    )
    row = status_of(counts, "shokibo_hozen")
    assert row["change_quarter_tenths"] is None
    assert row["change_year_tenths"] is None


def test_as_of_cuts_later_months() -> None:
    counts = frame(
        [
            ("tosan_hozen", date(2025, 4, 1), 10, 100),
            ("tosan_hozen", date(2025, 5, 1), 40, 100),
        ]
    )
    row = status_of(counts, "tosan_hozen", as_of=date(2025, 4, 1))
    assert row["latest_month"] == date(2025, 4, 1)
    assert row["fytd_tenths"] == 100


@HYPOTHESIS
@given(monthly_counts())
def test_status_agrees_with_an_independent_computation(counts: pl.DataFrame) -> None:
    result = procedure_status(counts, CATALOG)
    as_of = counts["month"].max()
    for row in result.iter_rows(named=True):
        procedure = CATALOG.procedure(row["procedure_id"])
        mine = counts.filter(pl.col("procedure_id") == procedure.procedure_id)
        if mine.is_empty():
            assert row["latest_month"] is None
            continue
        latest = mine["month"].max()
        fy_start = date(fiscal_year(latest), 4, 1)
        in_fy = mine.filter(pl.col("month") >= fy_start)
        fytd = rate_tenths(int(in_fy["online"].sum()), int(in_fy["total"].sum()))
        assert row["latest_month"] == latest
        assert row["fytd_first"] == in_fy["month"].min()
        assert row["fytd_tenths"] == fytd
        past = as_of > procedure.deadline_month
        if fytd is not None:
            assert row["gap_tenths"] == fytd - procedure.target_tenths
            if fytd >= procedure.target_tenths:
                expected = STATUS_MET
            else:
                expected = STATUS_MISSED if past else STATUS_IN_PROGRESS
            assert row["status"] == expected
        elif past:
            assert row["status"] == STATUS_NO_DATA
        shown = {
            m: rate_tenths(o, t) for m, o, t in mine.select("month", "online", "total").iter_rows()
        }
        for key, back in (("change_quarter_tenths", 3), ("change_year_tenths", 12)):
            before = shown.get(add_months(latest, -back))
            now = shown[latest]
            expected_change = None if before is None or now is None else now - before
            assert row[key] == expected_change, key
