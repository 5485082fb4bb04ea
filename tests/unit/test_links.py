"""Tests for kyosai.links: filters in the URL and back, and no query string that can break it."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kyosai.calendar import months_between
from kyosai.catalog import default_catalog
from kyosai.links import PARAMETERS, FilterChoice, default_choice, link_params, read_link
from kyosai.periods import Grain
from kyosai.views import FilterOptions

CATALOG = default_catalog()
OPTIONS = FilterOptions(
    schemes=[(s.scheme_id, s.name) for s in CATALOG.schemes],
    procedures=[
        (p.procedure_id, p.scheme_id, CATALOG.row_label(p.procedure_id)) for p in CATALOG.procedures
    ],
    months=list(months_between(date(2023, 9, 1), date(2025, 9, 1))),
)
TABLE_DEFAULT = default_choice(OPTIONS, Grain.QUARTER_END)


def test_a_managers_link_reads_back_as_the_view() -> None:
    params = {"scheme": "tosan", "grain": "month", "from": "2024-04", "to": "2024-06"}
    reading = read_link(params, OPTIONS, TABLE_DEFAULT)
    assert reading.notes == []
    assert reading.choice == FilterChoice(
        ("tosan",),
        ("tosan_kanyu", "tosan_hozen", "tosan_kaiyaku"),
        date(2024, 4, 1),
        date(2024, 6, 1),
        Grain.MONTH,
    )
    assert link_params(reading.choice, TABLE_DEFAULT, OPTIONS) == params


def test_no_parameters_ask_for_nothing() -> None:
    assert read_link({}, OPTIONS, TABLE_DEFAULT).choice is None
    assert read_link({"utm_source": "mail"}, OPTIONS, TABLE_DEFAULT).choice is None
    assert link_params(TABLE_DEFAULT, TABLE_DEFAULT, OPTIONS) == {}


def test_bad_values_are_named_and_left_out() -> None:
    reading = read_link(
        {
            "scheme": "tosan,kokumin",
            "procedure": "shokibo_kanyu,tosan_hozen",
            "from": "2024-13",
            "to": "2019-01",
            "grain": "week",
        },
        OPTIONS,
        TABLE_DEFAULT,
    )
    assert reading.notes == [
        "scheme=kokumin（該当するものがありません）",
        "procedure=shokibo_kanyu（選んだ制度の手続ではありません）",
        "from=2024-13（年月は 2025-09 のように書きます）",
        "to=2019-01（データのある月ではありません）",
        "grain=week（quarter-end|month|quarter|fy のいずれか）",
    ]
    assert reading.choice == FilterChoice(
        ("tosan",), ("tosan_hozen",), TABLE_DEFAULT.first, TABLE_DEFAULT.last, Grain.QUARTER_END
    )


def test_a_period_backwards_is_left_out() -> None:
    reading = read_link({"from": "2025-06", "to": "2024-06"}, OPTIONS, TABLE_DEFAULT)
    assert reading.notes == ["from=R7.6, to=R6.6（開始が終了より後です）"]
    assert reading.choice is not None
    assert (reading.choice.first, reading.choice.last) == (TABLE_DEFAULT.first, TABLE_DEFAULT.last)


texts = st.text(max_size=60)
params_strategy = st.dictionaries(
    st.sampled_from([*PARAMETERS, "other"]), st.one_of(texts, st.lists(texts, max_size=3))
)


@given(params_strategy)
def test_any_query_string_gives_a_usable_choice(params: dict[str, str | list[str]]) -> None:
    reading = read_link(params, OPTIONS, TABLE_DEFAULT)
    if reading.choice is None:
        return
    choice = reading.choice
    offered = [p for p, scheme, _ in OPTIONS.procedures if scheme in choice.scheme_ids]
    assert choice.scheme_ids and set(choice.procedure_ids) <= set(offered)
    assert choice.first in OPTIONS.months and choice.last in OPTIONS.months
    assert choice.first <= choice.last
    assert all(len(note) < 200 and note.isprintable() for note in reading.notes)


@given(
    st.lists(st.sampled_from([s for s, _ in OPTIONS.schemes]), min_size=1, unique=True),
    st.data(),
    st.sampled_from(list(Grain)),
)
def test_every_choice_survives_its_own_link(
    schemes: list[str], data: st.DataObject, grain: Grain
) -> None:
    ordered = tuple(s for s, _ in OPTIONS.schemes if s in schemes)
    offered = [p for p, scheme, _ in OPTIONS.procedures if scheme in ordered]
    picked = set(data.draw(st.lists(st.sampled_from(offered), min_size=1)))
    procedures = tuple(p for p in offered if p in picked)
    first, last = sorted(
        data.draw(st.lists(st.sampled_from(OPTIONS.months), min_size=2, max_size=2))
    )
    choice = FilterChoice(ordered, procedures, first, last, grain)
    params = link_params(choice, TABLE_DEFAULT, OPTIONS)
    assert read_link(params, OPTIONS, TABLE_DEFAULT).choice in (choice, None)
    if params:
        assert read_link(params, OPTIONS, TABLE_DEFAULT).choice == choice
    else:
        assert choice == TABLE_DEFAULT
