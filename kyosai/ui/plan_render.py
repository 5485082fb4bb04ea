"""取組と対象手続: the revision of a procedure's target and deadline from a fiscal year on
(基本計画の改定), and the undo of one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import streamlit as st

from kyosai.calendar import fiscal_year_label
from kyosai.catalog import Catalog


@dataclass(frozen=True)
class PlanInput:
    """A revision as staff chose it."""

    procedure_id: str
    from_fy: int
    target_tenths: int
    deadline_fy: int


def plan_form(catalog: Catalog, this_year: int) -> PlanInput | None:
    """The revision form; the revision on submit, None otherwise."""
    labels = {p.procedure_id: catalog.row_label(p.procedure_id) for p in catalog.procedures}
    first_year = min(p.online_start_month.year for p in catalog.procedures) - 1
    years = list(range(first_year, this_year + 6))
    with st.form("plan_revise", border=True):
        procedure_col, year_col = st.columns(2)
        procedure_id = procedure_col.selectbox(
            "対象手続", options=list(labels), format_func=labels.__getitem__
        )
        from_fy = year_col.selectbox(
            "適用開始年度（この年度から新しい計画で判定）", options=years,
            index=years.index(this_year), format_func=fiscal_year_label,
        )  # fmt: skip
        target_col, deadline_col = st.columns(2)
        target = target_col.number_input(
            "利用目標（%）", min_value=0.1, max_value=100.0, value=20.0, step=0.1, format="%.1f"
        )
        deadline_fy = deadline_col.selectbox(
            "取組期間（この年度内）", options=years, index=years.index(this_year),
            format_func=fiscal_year_label,
        )  # fmt: skip
        submitted = st.form_submit_button("計画を変更する", type="primary", key="plan_submit")
    if not submitted:
        return None
    # Through Decimal: 20.3 * 10 is 202.99999999999997 in binary floating point.
    tenths = int((Decimal(str(target)) * 10).to_integral_value())
    return PlanInput(procedure_id, int(from_fy), tenths, int(deadline_fy))


def undo_controls(live: dict[int, str]) -> int | None:
    """The undo of one revision, with a confirmation; its id when confirmed."""
    if not live:
        return None
    chosen = st.selectbox(
        "取り消す計画の変更", options=list(live), format_func=live.__getitem__, key="plan_undo"
    )
    sure = st.checkbox(f"計画の変更 #{chosen} を取り消します", key=f"plan_undo_sure_{chosen}")
    if st.button("計画の変更を取り消す", disabled=not sure, key=f"plan_undo_{chosen}"):
        return chosen
    return None
