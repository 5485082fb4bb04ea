"""The catalogue as 資料3's scorecard shows it: 制度, 対象手続, 取組期間, 利用目標, 対応状況."""

from __future__ import annotations

import polars as pl

from kyosai.calendar import fiscal_year_label, month_label_long
from kyosai.catalog import Catalog, Procedure
from kyosai.percent import format_target

SCORECARD_COLUMNS = ("制度", "対象手続", "取組期間", "利用目標", "対応状況")


def deadline_text(procedure: Procedure) -> str:
    """The 取組期間 as the seed writes it, for example `令和7年度内`."""
    return f"{fiscal_year_label(procedure.deadline_fy)}内"


def start_text(procedure: Procedure) -> str:
    """The 対応状況 as the seed writes it, for example `令和5年9月より開始`."""
    return f"{month_label_long(procedure.online_start_month)}より開始"


def scorecard_row(
    catalog: Catalog, procedure: Procedure, *, short_scheme: bool = False
) -> dict[str, str]:
    """One procedure's scorecard cells; `short_scheme` names the scheme as 資料3's table does
    (小規模, 倒産防止)."""
    scheme = catalog.scheme(procedure.scheme_id)
    return {
        "制度": scheme.table_label if short_scheme else scheme.name,
        "対象手続": procedure.name,
        "取組期間": deadline_text(procedure),
        "利用目標": format_target(procedure.target_tenths),
        "対応状況": start_text(procedure),
    }


def scorecard_frame(
    catalog: Catalog, procedure_ids: list[str] | None = None, *, short_scheme: bool = False
) -> pl.DataFrame:
    """The scorecard of these procedures (all when None), in catalogue order."""
    rows = [
        scorecard_row(catalog, p, short_scheme=short_scheme)
        for p in catalog.procedures
        if procedure_ids is None or p.procedure_id in procedure_ids
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(SCORECARD_COLUMNS, pl.String))
