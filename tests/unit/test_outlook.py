"""見通し against a reference written here from DESIGN.md's words, with Fractions throughout:
random counts, a year with no prior-year months, a month with total 0, a complete year (r = 0)
and a target out of reach (N > E); and the CLI's columns."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.outlook import ASSUMPTIONS, OutlookStatus, outlook_line, outlook_of, outlooks
from kyosai.pack import build_pack
from kyosai.pack_outlook import HEADERS as OUTLOOK_HEADERS
from kyosai.pack_outlook import OUTLOOK_SHEET
from kyosai.percent import format_tenths_number
from tests.cli_run import run_cli
from tests.sample_db import copy_db

TARGET = Fraction(1, 5)
CATALOG = default_catalog()


def month(year: int, number: int) -> date:
    return date(year, number, 1)


def fy_months(fy: int) -> list[date]:
    """April of fy to March of fy + 1."""
    return [month(fy + (m < 4), m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def half_up_tenths(rate: Fraction) -> int:
    """A rate (0..1) in tenths of a percent, halves up, written out longhand."""
    scaled = rate * 1000
    floor = scaled.numerator // scaled.denominator
    return floor + (1 if scaled - floor >= Fraction(1, 2) else 0)


def reference(months: dict[date, tuple[int, int]], as_of: date, target: Fraction) -> dict:  # type: ignore[type-arg]
    """The outlook computed from DESIGN.md's definitions, nothing shared with kyosai."""
    fy = as_of.year if as_of.month >= 4 else as_of.year - 1
    year = fy_months(fy)
    upto = year[: year.index(as_of) + 1]
    have = [m for m in upto if m in months]
    o = sum(months[m][0] for m in have)
    t = sum(months[m][1] for m in have)
    rest = year[year.index(as_of) + 1 :]
    r = len(rest)
    before = [month(m.year - 1, m.month) for m in rest]
    if all(m in months for m in before):
        e = Fraction(sum(months[m][1] for m in before))
    else:
        e = Fraction(r * t, len(have))
    last3 = sorted(m for m in months if m <= as_of)[-3:]
    den = sum(months[m][1] for m in last3)
    q = Fraction(sum(months[m][0] for m in last3), den) if den else Fraction(0)
    projected = None if t + e == 0 else half_up_tenths((o + q * e) / (t + e))
    n = max(0, math.ceil(target * (t + e) - o))
    per = -(-n // r) if r else None
    if projected is not None and Fraction(projected, 1000) >= target:
        status = OutlookStatus.ON_TRACK
    elif n > e:
        status = OutlookStatus.OUT_OF_REACH
    else:
        status = OutlookStatus.NEEDS_MORE
    return {
        "online": o, "total": t, "remaining_months": r, "expected_total": e, "pace": q,
        "projected_tenths": projected, "needed": n, "per_month": per, "status": status,
    }  # fmt: skip


def as_dict(item: object) -> dict:  # type: ignore[type-arg]
    keys = ("online", "total", "remaining_months", "expected_total", "pace")
    keys += ("projected_tenths", "needed", "per_month", "status")
    return {key: getattr(item, key) for key in keys}


counts = st.tuples(st.integers(0, 5000), st.integers(0, 8000)).map(
    lambda pair: (min(pair), max(pair))  # online never above total
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[date, tuple[int, int]], date]:
    """Two fiscal years of months, some missing, and an as-of month in the second."""
    months: dict[date, tuple[int, int]] = {}
    for m in fy_months(2024) + fy_months(2025):
        if draw(st.booleans()) or (m.year == 2025 and m.month == 4):
            months[m] = draw(counts)
    as_of = draw(st.sampled_from(fy_months(2025)))
    if as_of not in months:
        months[as_of] = draw(counts)
    return months, as_of


@settings(max_examples=400, deadline=None)
@given(history=histories(), target_tenths=st.integers(1, 999))
def test_outlook_equals_the_fraction_reference(
    history: tuple[dict[date, tuple[int, int]], date], target_tenths: int
) -> None:
    months, as_of = history
    target = Fraction(target_tenths, 1000)
    result = outlook_of(months, as_of, target)
    assert result is not None
    assert as_dict(result) == reference(months, as_of, target)


def test_without_prior_year_months_the_year_to_date_average_is_used() -> None:
    months = {month(2025, m): (30, 100) for m in (4, 5, 6, 7, 8, 9)}
    result = outlook_of(months, month(2025, 9), TARGET)
    assert result is not None
    # r = 6 remaining months, T = 600 over 6 months: E = 6 x 600 / 6.
    assert (result.remaining_months, result.expected_total) == (6, Fraction(600))
    assert result.projected_tenths == 300 and result.status is OutlookStatus.ON_TRACK


def test_a_month_with_total_0_adds_nothing_and_breaks_nothing() -> None:
    months = {month(2025, 4): (0, 0), month(2025, 5): (0, 0), month(2025, 6): (0, 0)}
    result = outlook_of(months, month(2025, 6), TARGET)
    assert result is not None
    assert result.pace == 0 and result.expected_total == 0
    assert result.projected_tenths is None and result.needed == 0


def test_a_complete_year_is_the_actual_figure() -> None:
    months = {m: (15, 100) for m in fy_months(2025)}
    result = outlook_of(months, month(2026, 3), TARGET)
    assert result is not None
    assert result.remaining_months == 0 and result.per_month is None
    assert result.projected_tenths == 150  # the actual 15.0%
    assert result.needed == 60 and result.status is OutlookStatus.OUT_OF_REACH


def test_a_target_out_of_reach_says_so() -> None:
    # 2% so far, 9 months left a year ago of 10 each: even all of them online falls short.
    months = {m: (1, 1000) for m in fy_months(2024)[:3]}
    months |= {m: (0, 10) for m in fy_months(2024)[3:]}
    months |= {m: (20, 1000) for m in fy_months(2025)[:3]}
    result = outlook_of(months, month(2025, 6), TARGET)
    assert result is not None
    assert result.expected_total == 90 and result.needed > 90
    assert result.status is OutlookStatus.OUT_OF_REACH
    assert "到達困難" in outlook_line(result)


def test_the_line_for_a_procedure_that_needs_more() -> None:
    months = {m: (100, 1000) for m in fy_months(2024)}
    months |= {m: (120, 1000) for m in fy_months(2025)[:9]}
    result = outlook_of(months, month(2025, 12), TARGET)
    assert result is not None and result.status is OutlookStatus.NEEDS_MORE
    # τ(T + E) - O = 0.2 x 12,000 - 1,080 = 1,320 in 3 months: 440 a month.
    assert (result.needed, result.per_month) == (1320, 440)
    assert outlook_line(result) == (
        "見込み 12.0% — 目標まで残り3か月で 1,320 件（月 440 件）のオンライン申請が必要"
    )


def test_no_figures_this_year_is_no_outlook() -> None:
    assert outlook_of({month(2024, 5): (1, 2)}, month(2025, 6), TARGET) is None


def test_cli_outlook_has_the_contract_columns(tmp_path: Path, sample_db_template: Path) -> None:
    db = copy_db(sample_db_template, tmp_path / "k.duckdb")
    result = run_cli("outlook", "--db", db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "制度", "手続", "年度", "基準月", "年度累計", "残り月数",
        "見込み", "利用目標", "必要オンライン件数", "月あたり",
    ]  # fmt: skip
    assert len(rows) == 8  # every procedure, in catalogue order
    # Field by field against the computation on the same counts (the sample as of R7.9).
    with store.session(db) as con:
        items = {i.procedure_id: i for i in outlooks(store.read_counts(con), CATALOG)}
    for row, procedure in zip(rows[1:], CATALOG.procedures, strict=True):
        assert row[:2] == [CATALOG.scheme(procedure.scheme_id).name, procedure.name]
        assert row[7] == "20.0"
        item = items.get(procedure.procedure_id)
        if item is None:  # no counts this year: names and target, the rest empty
            assert row[2:7] == ["", "", "", "", ""] and row[8:] == ["", ""]
            continue
        assert row[2:4] == ["令和7年度", "R7.9"]
        assert row[4] == format_tenths_number(item.ytd_tenths)
        assert row[5] == str(item.remaining_months) == "6"
        assert row[6] == format_tenths_number(item.projected_tenths)
        assert row[8:] == [str(item.needed), str(item.per_month)]
    assert rows[1][4:7] == ["34.5", "6", "35.2"]  # (小) 加入, as 資料3's 34.5% year to date
    text = run_cli("outlook", "--db", db, "--format", "text")
    assert text.returncode == 0 and "令和7年度" in text.stdout


def test_a_zero_target_is_met_with_nothing_more() -> None:
    result = outlook_of({month(2025, 4): (0, 10)}, month(2025, 4), Fraction(0))
    assert result is not None and result.needed == 0
    assert result.status is OutlookStatus.ON_TRACK


def test_the_pack_sheet_equals_the_outlook_computation(
    tmp_path: Path, sample_db_template: Path
) -> None:
    db = copy_db(sample_db_template, tmp_path / "k.duckdb")
    with store.session(db) as con:
        pack = build_pack(con, CATALOG, date(2025, 12, 1))
    sheet = openpyxl.load_workbook(io.BytesIO(pack))[OUTLOOK_SHEET]
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "手続")
    header = [c.value for c in sheet[header_row]]
    assert header[:10] == list(OUTLOOK_HEADERS)
    with store.session(db) as con:
        expected = outlooks(store.read_counts(con), CATALOG)
    catalog = CATALOG
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
    rows = [row for row in rows if row[0] and row[1]]
    assert [row[0] for row in rows] == [catalog.row_label(i.procedure_id) for i in expected]
    for row, item in zip(rows, expected, strict=True):
        assert row[3] == pytest.approx(item.ytd_tenths / 1000)
        assert row[5] == pytest.approx(item.projected_tenths / 1000)
        assert (row[4], row[7], row[8], row[9]) == (
            item.remaining_months,
            item.needed,
            item.per_month,
            str(item.status),
        )
    assert any(ASSUMPTIONS in str(c.value) for row in sheet.iter_rows() for c in row)
