"""取組と対象手続: the revision of a procedure's target and deadline from a fiscal year on
(基本計画の改定), a procedure that goes online, and the undo of either."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import streamlit as st

from kyosai.calendar import fiscal_year_label
from kyosai.catalog import Catalog
from kyosai.store import NewProcedure

BAD_START = "オンライン受付開始は 2026-04 または 2026-04-01 のように書いてください。" + (
    "何も登録していません。"
)


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


def addition_form(catalog: Catalog, this_year: int) -> NewProcedure | None:
    """The form for a procedure that goes online; the procedure on submit (unchecked: the
    store names every problem), None otherwise."""
    schemes = {s.scheme_id: s.name for s in catalog.schemes}
    years = list(range(this_year - 1, this_year + 6))
    with st.form("procedure_add", border=True):
        scheme_col, id_col = st.columns(2)
        scheme_id = scheme_col.selectbox(
            "制度", options=list(schemes), format_func=schemes.__getitem__
        )
        procedure_id = id_col.text_input(
            "ID（英小文字・数字・_。例: tosan_henko）", max_chars=40,
            help="件数ファイルの手続名は、次の名称か略称で書きます。ID はリンクで使います。",
        )  # fmt: skip
        name_col, short_col = st.columns(2)
        name = name_col.text_input("名称（スコアカードの対象手続）", max_chars=40)
        short_name = short_col.text_input("略称（表とグラフ。例: 変更手続き）", max_chars=20)
        target_col, deadline_col, start_col = st.columns(3)
        target = target_col.number_input(
            "利用目標（%）", min_value=0.1, max_value=100.0, value=20.0, step=0.1, format="%.1f"
        )
        deadline_fy = deadline_col.selectbox(
            "取組期間（この年度内）", options=years, index=1, format_func=fiscal_year_label
        )
        start = start_col.text_input("オンライン受付開始", placeholder="2026-04 または 2026-04-01")
        submitted = st.form_submit_button("対象手続を追加する", type="primary", key="add_submit")
    if not submitted:
        return None
    when, precise = _start_day(start)
    if when is None:
        st.error(BAD_START)
        return None
    tenths = int((Decimal(str(target)) * 10).to_integral_value())
    return NewProcedure(
        procedure_id.strip(), scheme_id, name, short_name, tenths, int(deadline_fy), when, precise
    )


def _start_day(text: str) -> tuple[date | None, bool]:
    parts = unicodedata.normalize("NFKC", text).strip().replace("/", "-").split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 2:
            return date(numbers[0], numbers[1], 1), False
        if len(numbers) == 3:
            return date(*numbers), True
    except ValueError:
        pass
    return None, False
