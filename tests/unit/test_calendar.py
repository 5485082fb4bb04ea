"""Tests for kyosai.calendar: 和暦 labels, parsing, fiscal years and fiscal quarters."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.calendar import (
    FiscalQuarter,
    MonthParseError,
    add_months,
    fiscal_quarter,
    fiscal_quarter_months,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_start,
    is_quarter_end,
    month_label,
    month_label_long,
    month_start,
    months_between,
    parse_fiscal_quarter,
    parse_month,
    period_label,
)

FIRST_MONTH = date(1989, 2, 1)  # the first month labelled in Heisei
LAST_MONTH = date(2099, 12, 1)
MONTH_INDEXES = st.integers(
    min_value=FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1,
    max_value=LAST_MONTH.year * 12 + LAST_MONTH.month - 1,
)
MONTHS = MONTH_INDEXES.map(lambda i: date(i // 12, i % 12 + 1, 1))


# --- labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "short", "long"),
    [
        (date(2025, 9, 1), "R7.9", "令和7年9月"),
        (date(2025, 10, 1), "R7.10", "令和7年10月"),
        (date(2023, 9, 1), "R5.9", "令和5年9月"),
        (date(2024, 3, 1), "R6.3", "令和6年3月"),
        (date(2026, 1, 1), "R8.1", "令和8年1月"),
        (date(2019, 5, 1), "R1.5", "令和元年5月"),
        (date(2019, 12, 1), "R1.12", "令和元年12月"),
        (date(2020, 1, 1), "R2.1", "令和2年1月"),
        (date(2019, 4, 1), "H31.4", "平成31年4月"),
        (date(2019, 1, 1), "H31.1", "平成31年1月"),
        (date(1989, 2, 1), "H1.2", "平成元年2月"),
        (date(1990, 1, 1), "H2.1", "平成2年1月"),
    ],
)
def test_month_labels(month: date, short: str, long: str) -> None:
    assert month_label(month) == short
    assert month_label_long(month) == long


def test_month_label_ignores_the_day() -> None:
    assert month_label(date(2025, 9, 22)) == "R7.9"
    assert month_label_long(date(2019, 5, 31)) == "令和元年5月"
    assert month_label(date(2019, 4, 30)) == "H31.4"


def test_period_label() -> None:
    assert period_label(date(2025, 4, 1), date(2025, 9, 1)) == "R7.4~R7.9"
    assert period_label(date(2023, 9, 1), date(2024, 3, 1)) == "R5.9~R6.3"
    assert period_label(date(2019, 4, 1), date(2019, 5, 1)) == "H31.4~R1.5"


# --- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10", date(2025, 10, 1)),
        ("2025/10", date(2025, 10, 1)),
        ("2025-1", date(2025, 1, 1)),
        ("2025/01", date(2025, 1, 1)),
        ("2025年10月", date(2025, 10, 1)),
        ("2025年 4月", date(2025, 4, 1)),
        ("R7.10", date(2025, 10, 1)),
        ("R7.4", date(2025, 4, 1)),
        ("r7.10", date(2025, 10, 1)),
        ("R5.9", date(2023, 9, 1)),
        ("令和7年10月", date(2025, 10, 1)),
        ("令和5年9月", date(2023, 9, 1)),
        ("令和元年5月", date(2019, 5, 1)),
        ("令和1年5月", date(2019, 5, 1)),
        ("R1.5", date(2019, 5, 1)),
        ("R元.5", date(2019, 5, 1)),
        ("H31.4", date(2019, 4, 1)),
        ("平成31年4月", date(2019, 4, 1)),
        ("平成元年2月", date(1989, 2, 1)),
        ("H1.2", date(1989, 2, 1)),
        # full-width digits and letters (NFKC)
        ("２０２５年１０月", date(2025, 10, 1)),
        ("２０２５－１０", date(2025, 10, 1)),
        ("２０２５／１０", date(2025, 10, 1)),
        ("Ｒ７．１０", date(2025, 10, 1)),
        ("令和７年１０月", date(2025, 10, 1)),
        ("令和元年５月", date(2019, 5, 1)),
        # surrounding spaces
        ("  2025-10 ", date(2025, 10, 1)),
        ("\u3000R7.10\u3000", date(2025, 10, 1)),
    ],
)
def test_parse_month_accepted_forms(text: str, expected: date) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2025",
        "10月",
        "2025-13",
        "2025-00",
        "2025/0",
        "2025-10-01",
        "25-10",
        "R7.13",
        "R7.0",
        "R0.5",
        "令和0年5月",
        "令和7年",
        "令和7年13月",
        "令和7年10",  # the kanji form needs 月
        "X7.10",
        "S64.1",
        "昭和64年1月",
        "R7",
        "R7Q3",
        "October 2025",
        "R1.4",  # Reiwa began in May 2019: 2019-04 is H31.4
        "令和元年4月",
        "R1.1",
        "平成元年1月",  # months are labelled by the era in force on the 1st
    ],
)
def test_parse_month_refuses_invalid(text: str) -> None:
    with pytest.raises(MonthParseError):
        parse_month(text)


def test_month_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_month("not a month")


@pytest.mark.parametrize("text", ["H31.5", "H32.1", "平成32年1月", "平成31年5月"])
def test_parse_month_refuses_heisei_months_after_the_era_ended(text: str) -> None:
    # Heisei ended on 2019-04-30: like R1.4, these months do not exist in that era.
    with pytest.raises(MonthParseError):
        parse_month(text)


def test_era_boundary() -> None:
    assert month_label(date(2019, 4, 1)) == "H31.4"
    assert month_label(date(2019, 5, 1)) == "R1.5"
    assert parse_month("H31.4") == date(2019, 4, 1)
    assert parse_month("R1.5") == date(2019, 5, 1)
    with pytest.raises(MonthParseError):
        parse_month("R1.4")


@settings(max_examples=200)
@given(MONTHS)
def test_short_label_round_trips(month: date) -> None:
    assert parse_month(month_label(month)) == month


@settings(max_examples=200)
@given(MONTHS)
def test_long_label_round_trips(month: date) -> None:
    assert parse_month(month_label_long(month)) == month


@settings(max_examples=200)
@given(MONTHS)
def test_gregorian_forms_round_trip(month: date) -> None:
    assert parse_month(f"{month:%Y-%m}") == month
    assert parse_month(f"{month.year}/{month.month}") == month
    assert parse_month(f"{month.year}年{month.month}月") == month


def test_round_trip_every_month_exhaustively() -> None:
    # 1989-02..2099-12 is only ~1,300 months: check them all, not just a sample.
    months = list(months_between(FIRST_MONTH, LAST_MONTH))
    assert len(months) == (2099 - 1989) * 12 + 11
    for month in months:
        assert parse_month(month_label(month)) == month, month
        assert parse_month(month_label_long(month)) == month, month


# --- fiscal years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "fy"),
    [
        (date(2025, 3, 1), 2024),
        (date(2025, 4, 1), 2025),
        (date(2025, 12, 1), 2025),
        (date(2026, 1, 1), 2025),
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2024, 3, 1), 2023),
        (date(2023, 9, 1), 2023),
    ],
)
def test_fiscal_year_edges(month: date, fy: int) -> None:
    assert fiscal_year(month) == fy


def test_fiscal_year_start_and_end() -> None:
    assert fiscal_year_start(2025) == date(2025, 4, 1)
    assert fiscal_year_end(2025) == date(2026, 3, 1)
    assert fiscal_year_end(2023) == date(2024, 3, 1)


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2025, "令和7年度"),
        (2023, "令和5年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # FY2019 (2019-04..2020-03) is 令和元年度
        (2018, "平成30年度"),
        (1989, "平成元年度"),
    ],
)
def test_fiscal_year_label(fy: int, label: str) -> None:
    assert fiscal_year_label(fy) == label


# --- fiscal quarters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "quarter"),
    [
        (date(2025, 4, 1), 1),
        (date(2025, 6, 1), 1),
        (date(2025, 7, 1), 2),
        (date(2025, 9, 1), 2),
        (date(2025, 10, 1), 3),
        (date(2025, 12, 1), 3),
        (date(2026, 1, 1), 4),
        (date(2026, 3, 1), 4),
    ],
)
def test_fiscal_quarter_of_month(month: date, quarter: int) -> None:
    assert fiscal_quarter(month) == quarter


def test_r7q3_is_october_to_december_2025() -> None:
    q = parse_fiscal_quarter("R7Q3")
    assert q == FiscalQuarter(2025, 3)
    assert q.months == (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1))
    assert q.label == "R7Q3"


def test_parse_fiscal_quarter_forms_and_errors() -> None:
    assert parse_fiscal_quarter("r7q4") == FiscalQuarter(2025, 4)
    assert parse_fiscal_quarter("Ｒ７Ｑ１") == FiscalQuarter(2025, 1)
    assert parse_fiscal_quarter("H30Q2") == FiscalQuarter(2018, 2)
    for bad in ["R7Q5", "R7Q0", "R7", "2025Q3", "R7.10", ""]:
        with pytest.raises(MonthParseError):
            parse_fiscal_quarter(bad)


def test_q4_months_are_january_to_march_of_the_next_year() -> None:
    assert fiscal_quarter_months(2025, 4) == (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))
    assert fiscal_quarter_months(2025, 1) == (date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1))


def test_next_quarter_wraps_into_the_next_fiscal_year() -> None:
    q4 = FiscalQuarter(2025, 4)
    assert q4.next() == FiscalQuarter(2026, 1)
    assert q4.next().label == "R8Q1"
    assert q4.next().months[0] == date(2026, 4, 1)
    assert FiscalQuarter(2025, 3).next() == FiscalQuarter(2025, 4)
    assert FiscalQuarter(2025, 1).next() == FiscalQuarter(2025, 2)


def test_quarter_of_month() -> None:
    assert FiscalQuarter.of(date(2026, 2, 1)) == FiscalQuarter(2025, 4)
    assert FiscalQuarter.of(date(2025, 3, 1)) == FiscalQuarter(2024, 4)
    assert FiscalQuarter.of(date(2025, 4, 1)) == FiscalQuarter(2025, 1)


def test_quarter_labels_of_fiscal_2019_are_reiwa() -> None:
    # Oct–Dec 2019 lies wholly in Reiwa; FY2019 is 令和元年度, so its quarters are R1Qn.
    assert FiscalQuarter(2019, 3).label == "R1Q3"
    assert FiscalQuarter(2019, 1).label == "R1Q1"
    assert parse_fiscal_quarter("R1Q3") == FiscalQuarter(2019, 3)


@settings(max_examples=200)
@given(MONTHS.filter(lambda m: m >= date(1989, 4, 1)))  # FY1988 began in Showa
def test_quarter_properties(month: date) -> None:
    q = FiscalQuarter.of(month)
    assert month in q.months
    assert fiscal_year(q.months[0]) == q.fiscal_year == fiscal_year(q.months[2])
    assert is_quarter_end(q.months[2])
    assert not is_quarter_end(q.months[0])
    nxt = q.next()
    assert nxt.months[0] == add_months(q.months[2], 1)
    assert parse_fiscal_quarter(q.label) == q


def test_is_quarter_end() -> None:
    ends = [m for m in range(1, 13) if is_quarter_end(date(2025, m, 1))]
    assert ends == [3, 6, 9, 12]


# --- month arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2025, 9, 1), -3, date(2025, 6, 1)),
        (date(2025, 9, 1), -12, date(2024, 9, 1)),
        (date(2025, 2, 1), -14, date(2023, 12, 1)),
        (date(2025, 11, 1), 14, date(2027, 1, 1)),
        (date(2025, 10, 1), 0, date(2025, 10, 1)),
        (date(2025, 10, 31), 1, date(2025, 11, 1)),
    ],
)
def test_add_months(month: date, count: int, expected: date) -> None:
    assert add_months(month, count) == expected


@settings(max_examples=200)
@given(MONTHS, st.integers(min_value=-240, max_value=240))
def test_add_months_inverse(month: date, count: int) -> None:
    moved = add_months(month, count)
    assert moved.day == 1
    assert add_months(moved, -count) == month
    assert (moved.year - month.year) * 12 + moved.month - month.month == count


def test_months_between() -> None:
    months = list(months_between(date(2023, 11, 15), date(2024, 2, 1)))
    assert months == [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    assert list(months_between(date(2024, 2, 1), date(2024, 1, 1))) == []
    assert month_start(date(2024, 2, 29)) == date(2024, 2, 1)
