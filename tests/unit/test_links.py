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
# Twenty years, as a store ten times the sample's holds (令和7年度 ends in 2026-03).
LONG = FilterOptions(
    OPTIONS.schemes, OPTIONS.procedures, list(months_between(date(2006, 4, 1), date(2026, 3, 1)))
)
LONG_DEFAULT = default_choice(LONG, Grain.QUARTER_END)


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


def test_a_short_history_opens_on_all_of_it() -> None:
    assert (TABLE_DEFAULT.first, TABLE_DEFAULT.last) == (date(2023, 9, 1), date(2025, 9, 1))


def test_a_long_history_opens_on_its_latest_five_fiscal_years() -> None:
    assert (LONG_DEFAULT.first, LONG_DEFAULT.last) == (date(2021, 4, 1), date(2026, 3, 1))
    everything = FilterChoice(
        LONG_DEFAULT.scheme_ids,
        LONG_DEFAULT.procedure_ids,
        date(2006, 4, 1),
        date(2026, 3, 1),
        Grain.MONTH,
    )
    params = link_params(everything, LONG_DEFAULT, LONG)
    assert params == {"from": "2006-04", "grain": "month"}
    assert read_link(params, LONG, LONG_DEFAULT).choice == everything


def test_a_link_that_ends_before_the_default_start_reaches_back_to_the_data() -> None:
    reading = read_link({"to": "2010-03"}, LONG, LONG_DEFAULT)
    assert reading.notes == []
    assert reading.choice is not None
    assert (reading.choice.first, reading.choice.last) == (date(2006, 4, 1), date(2010, 3, 1))


texts = st.text(max_size=60)
params_strategy = st.dictionaries(
    st.sampled_from([*PARAMETERS, "other"]), st.one_of(texts, st.lists(texts, max_size=3))
)


@given(params_strategy, st.sampled_from([(OPTIONS, TABLE_DEFAULT), (LONG, LONG_DEFAULT)]))
def test_any_query_string_gives_a_usable_choice(
    params: dict[str, str | list[str]], offer: tuple[FilterOptions, FilterChoice]
) -> None:
    options, default = offer
    reading = read_link(params, options, default)
    if reading.choice is None:
        return
    choice = reading.choice
    offered = [p for p, scheme, _ in options.procedures if scheme in choice.scheme_ids]
    assert choice.scheme_ids and set(choice.procedure_ids) <= set(offered)
    assert choice.first in options.months and choice.last in options.months
    assert choice.first <= choice.last
    assert all(len(note) < 200 and note.isprintable() for note in reading.notes)


@given(
    st.lists(st.sampled_from([s for s, _ in OPTIONS.schemes]), min_size=1, unique=True),
    st.data(),
    st.sampled_from(list(Grain)),
    st.sampled_from([(OPTIONS, TABLE_DEFAULT), (LONG, LONG_DEFAULT)]),
)
def test_every_choice_survives_its_own_link(
    schemes: list[str],
    data: st.DataObject,
    grain: Grain,
    offer: tuple[FilterOptions, FilterChoice],
) -> None:
    options, default = offer
    ordered = tuple(s for s, _ in OPTIONS.schemes if s in schemes)
    offered = [p for p, scheme, _ in OPTIONS.procedures if scheme in ordered]
    picked = set(data.draw(st.lists(st.sampled_from(offered), min_size=1)))
    procedures = tuple(p for p in offered if p in picked)
    first, last = sorted(
        data.draw(st.lists(st.sampled_from(options.months), min_size=2, max_size=2))
    )
    choice = FilterChoice(ordered, procedures, first, last, grain)
    params = link_params(choice, default, options)
    assert read_link(params, options, default).choice in (choice, None)
    if params:
        assert read_link(params, options, default).choice == choice
    else:
        assert choice == default
