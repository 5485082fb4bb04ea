"""見通し: will each procedure reach its target this fiscal year, and how many more online
applications would it take (DESIGN.md, "見通し").

Every figure is exact: counts are integers, the expected remaining total and the pace are
Fractions, and the shown rate is rounded half up to tenths by kyosai.percent. No float is on
the way to a shown figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

import polars as pl

from kyosai.calendar import add_months, fiscal_year, fiscal_year_end, fiscal_year_start
from kyosai.catalog import Catalog
from kyosai.percent import round_half_up_tenths

PACE_MONTHS = 3
ASSUMPTIONS = (
    "見込みは、年度の残りの月の全体件数を前年同月の実績（そろわないときは年度内の月平均）と仮定し、"
    "オンライン件数は直近3か月の利用率で推移するものとして計算しています。"
)


class OutlookStatus(StrEnum):
    """The outlook's verdict for the fiscal year."""

    ON_TRACK = "見込み達成"
    NEEDS_MORE = "要追加"
    OUT_OF_REACH = "到達困難"


@dataclass(frozen=True)
class Outlook:
    """One procedure's outlook for the fiscal year holding the as-of month."""

    procedure_id: str
    fiscal_year: int
    as_of: date
    online: int  # O: 年度累計 online
    total: int  # T
    remaining_months: int  # r
    expected_total: Fraction  # E
    pace: Fraction  # q
    target: Fraction  # τ
    projected_tenths: int | None  # 見込み, half up; None when no application is expected
    needed: int  # N
    per_month: int | None  # ⌈N ÷ r⌉; None when the year is complete
    status: OutlookStatus

    @property
    def ytd_tenths(self) -> int | None:
        """年度累計's rate in tenths, half up."""
        return (
            None
            if self.total == 0
            else round_half_up_tenths(Fraction(self.online, self.total) * 100)
        )


def _target(target: float) -> Fraction:
    # Targets are written with at most a tenth of a percent (20%, 12.5%).
    return Fraction(target).limit_denominator(1000)


def outlook_of(
    months: Mapping[date, tuple[int, int]], as_of: date, target: Fraction, procedure_id: str = ""
) -> Outlook | None:
    """The outlook from one procedure's monthly (online, total); None without figures this year."""
    fy = fiscal_year(as_of)
    this_year = {m: v for m, v in months.items() if fiscal_year_start(fy) <= m <= as_of}
    if not this_year:
        return None
    online = sum(o for o, _ in this_year.values())
    total = sum(t for _, t in this_year.values())
    year_end = fiscal_year_end(fy)
    remaining = []
    month = add_months(as_of, 1)
    while month <= year_end:
        remaining.append(month)
        month = add_months(month, 1)
    a_year_before = [add_months(m, -12) for m in remaining]
    if all(m in months for m in a_year_before):
        expected = Fraction(sum(months[m][1] for m in a_year_before))
    else:
        expected = Fraction(len(remaining) * total, len(this_year))
    recent = sorted(m for m in months if m <= as_of)[-PACE_MONTHS:]
    recent_total = sum(months[m][1] for m in recent)
    # A stretch with no applications at all has no rate: it is taken as no online ones.
    pace = (
        Fraction(sum(months[m][0] for m in recent), recent_total) if recent_total else Fraction(0)
    )
    whole = total + expected
    projected = (
        None if whole == 0 else round_half_up_tenths((online + pace * expected) / whole * 100)
    )
    needed = max(0, math.ceil(target * whole - online))
    per_month = math.ceil(Fraction(needed, len(remaining))) if remaining else None
    if projected is not None and Fraction(projected, 1000) >= target:
        status = OutlookStatus.ON_TRACK
    elif needed > expected:
        status = OutlookStatus.OUT_OF_REACH
    else:
        status = OutlookStatus.NEEDS_MORE
    return Outlook(
        procedure_id, fy, as_of, online, total, len(remaining), expected, pace, target,
        projected, needed, per_month, status,
    )  # fmt: skip


def outlooks(counts: pl.DataFrame, catalog: Catalog) -> list[Outlook]:
    """Each procedure's outlook, in catalogue order, as of the newest month in `counts`."""
    if counts.is_empty():
        return []
    as_of: date = counts.get_column("month").max()  # type: ignore[assignment]
    by_procedure: dict[str, dict[date, tuple[int, int]]] = {}
    for row in counts.select("procedure_id", "month", "online", "total").iter_rows():
        by_procedure.setdefault(row[0], {})[row[1]] = (int(row[2]), int(row[3]))
    found = []
    for procedure in catalog.procedures:
        months = by_procedure.get(procedure.procedure_id)
        # The target in force in the fiscal year of the outlook.
        target = procedure.in_year(fiscal_year(as_of)).target
        result = outlook_of(months or {}, as_of, _target(target), procedure.procedure_id)
        if result is not None:
            found.append(result)
    return found


def outlook_line(item: Outlook) -> str:
    """The 概要 line: 「見込み 23.7%（見込み達成）」 or what it would take."""
    projected = "—" if item.projected_tenths is None else _percent(item.projected_tenths)
    if item.status is OutlookStatus.ON_TRACK or item.remaining_months == 0:
        return f"見込み {projected}（{item.status}）"
    if item.status is OutlookStatus.OUT_OF_REACH:
        return (
            f"見込み {projected}（到達困難）— 目標まで残り{item.remaining_months}か月で "
            f"{item.needed:,} 件が必要で、見込まれる全体件数を超えます"
        )
    return (
        f"見込み {projected} — 目標まで残り{item.remaining_months}か月で {item.needed:,} 件"
        f"（月 {item.per_month:,} 件）のオンライン申請が必要"
    )


def _percent(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}%"
