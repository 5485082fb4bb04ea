"""Each procedure's standing against its target: the rule, the judgement, and its words,
marks and colours (達成 / 未達 / 進行中 / データなし), the same on every page and in every file.

The status is judged on the fiscal-year-to-date rate of the latest month's fiscal year:
達成 at or above target; 未達 below it after the deadline year; 進行中 below it within the
deadline year; データなし when there are no counts to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import polars as pl

from kyosai.calendar import add_months, fiscal_year, month_label
from kyosai.catalog import Catalog
from kyosai.percent import tenths_expr


class Status(StrEnum):
    """A procedure's standing against its target."""

    MET = "達成"
    MISSED = "未達"
    IN_PROGRESS = "進行中"
    NO_DATA = "データなし"


@dataclass(frozen=True)
class StatusLook:
    """How a status is shown: a mark (it reads without colour), a CSS class, colours."""

    mark: str
    css: str
    border: str
    fill: str
    meaning: str


LOOKS: dict[Status, StatusLook] = {
    Status.MET: StatusLook("◎", "met", "#1a7f37", "#E6F4EA", "当年度累計が利用目標以上"),
    Status.IN_PROGRESS: StatusLook("△", "progress", "#2166ac", "#E3EEFA", "取組期間内で目標未満"),
    Status.MISSED: StatusLook("×", "missed", "#b35806", "#FDEBD9", "取組期間後で目標未満"),
    Status.NO_DATA: StatusLook("—", "nodata", "#6b6b6b", "#F2F2F2", "件数が未登録か全体件数が0件"),
}


def status_text(status: Status | str) -> str:
    """The mark and the word, for example `◎ 達成`."""
    status = Status(status)
    return f"{LOOKS[status].mark} {status.value}"


def legend() -> str:
    """What each mark means, in one line."""
    return "、".join(f"{status_text(s)}＝{look.meaning}" for s, look in LOOKS.items())


def meets_target(tenths: int | None, target_tenths: int) -> bool:
    """Whether a shown rate (in tenths) is at or above the target: 20.0% meets 20%."""
    return tenths is not None and tenths >= target_tenths


def _month_tenths(counts: pl.DataFrame, month: date | None) -> int | None:
    if month is None:
        return None
    hit = counts.filter(pl.col("month") == month)
    if hit.is_empty():
        return None
    value = hit.select(tenths_expr()).item()
    return int(value) if value is not None else None


def _difference(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


STATUS_SCHEMA = {
    "procedure_id": pl.String,
    "latest_month": pl.Date,
    "latest_label": pl.String,
    "latest_tenths": pl.Int64,
    "fytd_first": pl.Date,
    "fytd_tenths": pl.Int64,
    "target_tenths": pl.Int64,
    "gap_tenths": pl.Int64,
    "status": pl.String,
    "change_quarter_tenths": pl.Int64,
    "change_year_tenths": pl.Int64,
}


def procedure_status(
    counts: pl.DataFrame, catalog: Catalog, as_of: date | None = None
) -> pl.DataFrame:
    """Per procedure: latest and fiscal-year-to-date rates, status against target, changes."""
    if as_of is None and not counts.is_empty():
        as_of = counts["month"].max()  # type: ignore[assignment]
    records = []
    for planned in catalog.procedures:
        mine = counts.filter(pl.col("procedure_id") == planned.procedure_id)
        if as_of is not None:
            mine = mine.filter(pl.col("month") <= as_of)
        latest: date | None = mine["month"].max() if not mine.is_empty() else None  # type: ignore[assignment]
        # Judged against the plan in force in the fiscal year judged (a revision may have
        # raised the target or moved the deadline from some year on).
        judged_on = as_of or latest
        procedure = planned.in_year(fiscal_year(judged_on)) if judged_on else planned
        latest_tenths = _month_tenths(mine, latest)
        fytd_tenths = None
        fy_first = None
        if latest is not None:
            in_fy = mine.filter(pl.col("month") >= date(fiscal_year(latest), 4, 1))
            fy_first = in_fy["month"].min()
            sums = in_fy.select(pl.col("online").sum(), pl.col("total").sum())
            fytd_tenths = sums.select(tenths_expr()).item()
        judged_month = as_of or latest
        past_deadline = judged_month is not None and judged_month > procedure.deadline_month
        if fytd_tenths is None:
            # No figure, no judgement: a procedure without counts is never called 進行中.
            status = Status.NO_DATA
        elif meets_target(fytd_tenths, procedure.target_tenths):
            status = Status.MET
        else:
            status = Status.MISSED if past_deadline else Status.IN_PROGRESS
        records.append(
            {
                "procedure_id": procedure.procedure_id,
                "latest_month": latest,
                "latest_label": month_label(latest) if latest else None,
                "latest_tenths": latest_tenths,
                "fytd_first": fy_first,
                "fytd_tenths": fytd_tenths,
                "target_tenths": procedure.target_tenths,
                "gap_tenths": _difference(fytd_tenths, procedure.target_tenths),
                "status": status.value,
                "change_quarter_tenths": _difference(
                    latest_tenths, _month_tenths(mine, add_months(latest, -3) if latest else None)
                ),
                "change_year_tenths": _difference(
                    latest_tenths, _month_tenths(mine, add_months(latest, -12) if latest else None)
                ),
            }
        )
    return pl.DataFrame(records, schema=STATUS_SCHEMA)
