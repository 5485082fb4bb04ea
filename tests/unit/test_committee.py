"""Tests for kyosai.committee: the 会議資料 model the page and the pack are both built from."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeChoice, committee, default_created_month
from kyosai.status import LOOKS, Status

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)
BOTH = CommitteeChoice(("shokibo", "tosan"))


@pytest.mark.parametrize(
    ("latest", "created"),
    [(date(2025, 9, 1), date(2025, 12, 1)), (date(2026, 1, 1), date(2026, 12, 1)), (None, None)],
)
def test_the_committee_meets_in_the_december_after_the_data(
    latest: date | None, created: date | None
) -> None:
    assert default_created_month(latest, TODAY) == (created or date(2025, 12, 1))


def test_choice_is_frozen_and_hashable() -> None:
    choice = CommitteeChoice(("tosan",), date(2024, 4, 1))
    assert hash(choice) == hash(CommitteeChoice(("tosan",), date(2024, 4, 1)))
    with pytest.raises(AttributeError):
        choice.first = None  # type: ignore[misc]


def test_both_schemes_as_in_the_seed(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = committee(sample_con, CATALOG, BOTH, TODAY)
    assert (model.as_of_label, model.created_label, model.is_sample) == (
        "R7.9",
        "令和7年12月",
        True,
    )
    assert model.scorecard["制度"].to_list() == ["小規模"] * 4 + ["倒産防止"] * 3
    # Only the procedures with figures are judged and tabled, as in 資料3.
    judged = {line.row_label: line for line in model.status}
    assert list(judged) == [
        "(小) 加入手続き",
        "(小) 保全手続き",
        "(倒) 加入手続き",
        "(倒) 保全手続き",
    ]
    missed = judged["(倒) 加入手続き"]
    assert (missed.status, missed.mark, missed.style) == ("未達", "×", LOOKS[Status.MISSED].css)
    assert "年度累計（R7.4~R7.9）17.9%" in missed.detail and "令和5年度内" in missed.detail
    assert model.rates.rows["row_label"].to_list() == list(judged)
    assert [c.scheme_name for c in model.charts] == ["小規模企業共済", "中小企業倒産防止共済"]
    assert model.monthly["手続"].to_list()[0] == "(小) 加入手続き"
    assert model.monthly.height == 4 * 25


def test_one_scheme_and_a_window(sample_con: duckdb.DuckDBPyConnection) -> None:
    choice = CommitteeChoice(("tosan",), date(2024, 4, 1), date(2025, 3, 1), date(2025, 6, 1))
    model = committee(sample_con, CATALOG, choice, TODAY)
    assert (model.as_of_label, model.created_label) == ("R7.3", "令和7年6月")
    assert model.scorecard.height == 3
    assert model.rates.labels[-1] == "R6.4~R7.3"
    assert [c.scheme_id for c in model.charts] == ["tosan"]
    assert set(model.monthly["手続"].to_list()) == {"(倒) 加入手続き", "(倒) 保全手続き"}


def test_no_scheme_chosen_shows_nothing(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = committee(sample_con, CATALOG, CommitteeChoice(()), TODAY)
    assert model.as_of_label is None and not model.is_sample
    assert model.scorecard.is_empty() and model.status == [] and model.charts == []
    assert model.rates.periods == []


def test_the_outlook_ignores_the_period_shown(sample_con: duckdb.DuckDBPyConnection) -> None:
    catalog = default_catalog()
    everything = committee(sample_con, catalog, CommitteeChoice(("shokibo", "tosan")), TODAY)
    # The presenter shows only R7.4~R7.6: the outlook is still as of R7.9, on a year's history.
    narrow = CommitteeChoice(("shokibo", "tosan"), date(2025, 4, 1), date(2025, 6, 1))
    shown = committee(sample_con, catalog, narrow, TODAY)
    assert shown.outlook == everything.outlook
    assert {item.as_of for _, item in shown.outlook_items} == {date(2025, 9, 1)}
