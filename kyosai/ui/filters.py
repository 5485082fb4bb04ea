"""The shared filter widgets: 制度, 対象手続, 期間 and 表示単位, kept in the URL and carried
between 利用率の推移 and 集計表."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from kyosai.calendar import fiscal_year, fiscal_year_label, month_label
from kyosai.links import DEFAULT_YEARS, FilterChoice, default_choice, link_params, read_link
from kyosai.literal import markdown_literal
from kyosai.periods import GRAIN_LABELS, Grain
from kyosai.ui import data
from kyosai.views import FilterOptions, Filters

# The last choice on either explorer page, so that moving between them keeps it.
_SHARED = "explorer_choice"
# The query parameters this session last wrote: a URL that differs was opened or pasted.
_WRITTEN = "explorer_link"


@dataclass(frozen=True)
class _Keys:
    page: str

    @property
    def schemes(self) -> str:
        return f"{self.page}_schemes"

    def procedures(self, schemes: list[str]) -> str:
        # Keyed on the schemes, so that a changed 制度 offers all of its procedures afresh.
        return f"{self.page}_procedures_{'_'.join(schemes)}"

    @property
    def period(self) -> str:
        return f"{self.page}_period"

    @property
    def grain(self) -> str:
        return f"{self.page}_grain"

    @property
    def notes(self) -> str:
        return f"{self.page}_link_notes"


def _start(keys: _Keys, options: FilterOptions, default: FilterChoice) -> FilterChoice:
    """Where the widgets start: a link just opened, else the choice carried from the other
    explorer page, else everything. Widgets that already hold a value keep it."""
    params = st.query_params.to_dict()
    reading = read_link(params, options, default)
    if reading.choice is not None and params != st.session_state.get(_WRITTEN):
        # A new session opened on a link: its widgets hold nothing yet, so the link decides.
        st.session_state[keys.notes] = (reading.notes, reading.choice)
        return reading.choice
    shared: FilterChoice = st.session_state.get(_SHARED, default)
    return shared


def filter_bar(page_key: str, *, default_grain: Grain = Grain.QUARTER_END) -> Filters:
    """Draw the filters in one row and return what was chosen; the URL follows the choice."""
    options = data.filter_options()
    default = default_choice(options, default_grain)
    keys = _Keys(page_key)
    start = _start(keys, options, default)
    scheme_names = dict(options.schemes)
    labels = {pid: label for pid, _, label in options.procedures}
    scheme_col, procedure_col = st.columns([1, 2])
    schemes = scheme_col.multiselect(
        "制度",
        options=list(scheme_names),
        default=[s for s in start.scheme_ids if s in scheme_names],
        format_func=scheme_names.__getitem__,
        key=keys.schemes,
        placeholder="制度を選んでください",
    )
    offered = [pid for pid, scheme_id, _ in options.procedures if scheme_id in schemes]
    # A changed 制度 offers all of its procedures afresh; the start's only where it fits.
    started = [p for p in start.procedure_ids if p in offered]
    procedures = procedure_col.multiselect(
        "対象手続",
        options=offered,
        default=started if tuple(schemes) == start.scheme_ids else offered,
        format_func=labels.__getitem__,
        key=keys.procedures(schemes),
        placeholder="対象手続を選んでください",
    )
    period_col, grain_col = st.columns([2, 1])
    first = last = None
    months = options.months
    if len(months) >= 2:
        first, last = period_col.select_slider(
            "期間",
            options=months,
            value=(
                start.first if start.first in months else months[0],
                start.last if start.last in months else months[-1],
            ),
            format_func=month_label,
            key=keys.period,
        )
        if first == default.first and first != months[0]:
            period_col.caption(
                f"最新の{DEFAULT_YEARS}年度分（{fiscal_year_label(fiscal_year(first))}から）を"
                f"表示しています。{month_label(months[0])}からのデータは「期間」を広げると見られます。"
            )
    grains = list(GRAIN_LABELS)
    grain = grain_col.selectbox(
        "表示単位", options=grains, index=grains.index(start.grain),
        format_func=GRAIN_LABELS.__getitem__, key=keys.grain,
    )  # fmt: skip
    filters = Filters(
        scheme_ids=tuple(schemes),
        procedure_ids=tuple(procedures),
        first=first,
        last=last,
        grain=Grain(grain),
    )
    _follow_in_url(keys, FilterChoice.of(filters, options), default, options)
    return filters


def _follow_in_url(
    keys: _Keys, choice: FilterChoice, default: FilterChoice, options: FilterOptions
) -> None:
    st.session_state[_SHARED] = choice
    wanted = link_params(choice, default, options)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[_WRITTEN] = wanted
    notes, read = st.session_state.get(keys.notes, ([], None))
    if notes and read == choice:
        st.caption(
            markdown_literal(
                "リンクの指定のうち、次は使えないため無視しました: " + "、".join(notes)
            )
        )
