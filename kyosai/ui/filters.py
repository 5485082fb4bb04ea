"""The shared filter widgets: 制度, 対象手続, 期間 and 表示単位."""

from __future__ import annotations

import streamlit as st

from kyosai.calendar import month_label
from kyosai.periods import GRAIN_LABELS, Grain
from kyosai.ui import data
from kyosai.views import Filters


def filter_bar(page_key: str, *, default_grain: Grain = Grain.QUARTER_END) -> Filters:
    """Draw the filters in one row and return what was chosen."""
    options = data.filter_options()
    scheme_names = dict(options.schemes)
    labels = {pid: label for pid, _, label in options.procedures}
    scheme_col, procedure_col = st.columns([1, 2])
    schemes = scheme_col.multiselect(
        "制度",
        options=list(scheme_names),
        default=list(scheme_names),
        format_func=scheme_names.__getitem__,
        key=f"{page_key}_schemes",
        placeholder="制度を選んでください",
    )
    offered = [pid for pid, scheme_id, _ in options.procedures if scheme_id in schemes]
    procedures = procedure_col.multiselect(
        "対象手続",
        options=offered,
        default=offered,
        format_func=labels.__getitem__,
        key=f"{page_key}_procedures_{'_'.join(schemes)}",
        placeholder="対象手続を選んでください",
    )
    period_col, grain_col = st.columns([2, 1])
    first = last = None
    if len(options.months) >= 2:
        first, last = period_col.select_slider(
            "期間",
            options=options.months,
            value=(options.months[0], options.months[-1]),
            format_func=month_label,
            key=f"{page_key}_period",
        )
    grain = grain_col.selectbox(
        "表示単位",
        options=list(GRAIN_LABELS),
        index=list(GRAIN_LABELS).index(default_grain),
        format_func=GRAIN_LABELS.__getitem__,
        key=f"{page_key}_grain",
    )
    return Filters(
        scheme_ids=tuple(schemes),
        procedure_ids=tuple(procedures),
        first=first,
        last=last,
        grain=Grain(grain),
    )
