"""Tests for kyosai.percent: exact half-up rounding to 0.1 point, and its display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.percent import (
    format_points,
    format_tenths,
    format_tenths_number,
    rate_expr,
    rate_tenths,
    round_half_up_tenths,
    tenths_expr,
)


def decimal_tenths(online: int, total: int) -> int:
    """The reference: online/total in percent, rounded to 0.1 with Decimal ROUND_HALF_UP."""
    with localcontext() as ctx:
        ctx.prec = 100  # exact for any count used here
        percent = Decimal(online) * 100 / Decimal(total)
        rounded = percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(rounded * 10)


@st.composite
def counts(draw: st.DrawFn, max_total: int = 10**9) -> tuple[int, int]:
    total = draw(st.integers(min_value=1, max_value=max_total))
    online = draw(st.integers(min_value=0, max_value=total))
    return online, total


@pytest.mark.parametrize(
    ("online", "total", "tenths"),
    [
        (1715, 10000, 172),  # 17.15% exactly: half up
        (1714, 10000, 171),
        (17149, 100000, 171),  # 17.149%
        (1716, 10000, 172),
        (1, 8, 125),  # 12.5% exactly, no rounding needed
        (1, 16, 63),  # 6.25% → 6.3
        (3, 16, 188),  # 18.75% → 18.8
        (5, 16, 313),  # 31.25% → 31.3
        (1, 2000, 1),  # 0.05% → 0.1
        (1, 2001, 0),  # just under 0.05%
        (1999, 2000, 1000),  # 99.95% → 100.0
        (2000, 2001, 1000),  # 99.950...% → 100.0
        (1, 3, 333),
        (2, 3, 667),
        (0, 5, 0),
        (5, 5, 1000),
        (1282, 7480, 171),  # R5.9 小規模 加入 in the sample data
    ],
)
def test_rate_tenths_examples(online: int, total: int, tenths: int) -> None:
    assert rate_tenths(online, total) == tenths


def test_rate_tenths_total_zero_is_none() -> None:
    assert rate_tenths(0, 0) is None


def test_cases_where_float_rounding_goes_wrong() -> None:
    # Binary floats land on or below the half here, so round() would disagree with ROUND.
    for online, total, expected in [(1715, 10000, 172), (1, 16, 63), (5, 16, 313)]:
        assert rate_tenths(online, total) == expected == decimal_tenths(online, total)


@settings(max_examples=200)
@given(counts())
def test_rate_tenths_matches_decimal_half_up(pair: tuple[int, int]) -> None:
    online, total = pair
    assert rate_tenths(online, total) == decimal_tenths(online, total)


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=999))
def test_exact_half_boundaries_round_up(scale: int, tenths_below: int) -> None:
    # online/total = (tenths_below + 0.5) / 1000 exactly: must round up to tenths_below + 1.
    total = 2000 * scale
    online = (2 * tenths_below + 1) * scale
    assert rate_tenths(online, total) == tenths_below + 1
    assert rate_tenths(online - 1, total) == tenths_below  # a hair below the half


@settings(max_examples=200)
@given(counts())
def test_rate_tenths_bounds_and_monotonic(pair: tuple[int, int]) -> None:
    online, total = pair
    tenths = rate_tenths(online, total)
    assert tenths is not None
    assert 0 <= tenths <= 1000
    if online < total:
        bigger = rate_tenths(online + 1, total)
        assert bigger is not None and bigger >= tenths


def test_round_half_up_tenths() -> None:
    assert round_half_up_tenths(Fraction(1715, 100)) == 172  # 17.15 points
    assert round_half_up_tenths(Fraction(-1715, 100)) == -172  # halves away from zero
    assert round_half_up_tenths(Fraction(1714, 100)) == 171
    assert round_half_up_tenths(Fraction(-1714, 100)) == -171
    assert round_half_up_tenths(Fraction(0)) == 0
    assert round_half_up_tenths(Fraction(1, 20)) == 1  # 0.05 points


# --- Polars ------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(counts(max_total=10**12), min_size=1, max_size=40), st.integers(0, 5))
def test_tenths_expr_agrees_with_rate_tenths(pairs: list[tuple[int, int]], zeros: int) -> None:
    rows = [*pairs, *([(0, 0)] * zeros)]
    frame = pl.DataFrame(
        {"online": [o for o, _ in rows], "total": [t for _, t in rows]},
        schema={"online": pl.Int64, "total": pl.Int64},
    )
    got = frame.select(tenths_expr())["online"].to_list()
    assert got == [rate_tenths(o, t) for o, t in rows]


def test_tenths_expr_named_columns_and_int32_input() -> None:
    frame = pl.DataFrame(
        {"on": [1715, 1, 0, 0], "all": [10000, 16, 5, 0]},
        schema={"on": pl.Int32, "all": pl.Int32},
    )
    result = frame.select(t=tenths_expr("on", "all"))["t"]
    assert result.dtype == pl.Int64
    assert result.to_list() == [172, 63, 0, None]


def test_rate_expr_is_a_fraction() -> None:
    frame = pl.DataFrame({"online": [1, 0, 3], "total": [8, 0, 4]})
    assert frame.select(r=rate_expr())["r"].to_list() == [0.125, None, 0.75]


# --- display -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenths", "text"),
    [(382, "38.2%"), (1000, "100.0%"), (0, "0.0%"), (5, "0.5%"), (70, "7.0%"), (None, "")],
)
def test_format_tenths(tenths: int | None, text: str) -> None:
    assert format_tenths(tenths) == text
    assert format_tenths_number(tenths) == text.removesuffix("%")


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (47, "+4.7pt"),
        (-3, "-0.3pt"),
        (-47, "-4.7pt"),
        (3, "+0.3pt"),
        (0, "±0.0pt"),
        (100, "+10.0pt"),
        (-100, "-10.0pt"),
        (None, ""),
    ],
)
def test_format_points(delta: int | None, text: str) -> None:
    assert format_points(delta) == text


@settings(max_examples=200)
@given(st.integers(min_value=-2000, max_value=2000))
def test_format_points_reads_back(delta: int) -> None:
    text = format_points(delta)
    assert text.endswith("pt")
    sign = {"+": 1, "-": -1, "±": 0}[text[0]]
    assert (sign == 0) == (delta == 0)
    assert sign * round(Decimal(text[1:-2]) * 10) == delta
