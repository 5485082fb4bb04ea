"""Revisions of the plan: a target or a deadline changed from a fiscal year on, each year judged
against the plan then in force, every page following, and the revision undone."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from kyosai import store
from kyosai.catalog import Revision, default_catalog
from kyosai.charts import catalog_trend_chart
from kyosai.committee import CommitteeChoice, committee
from kyosai.outlook import OutlookStatus
from kyosai.periods import Grain
from kyosai.rates import trend_series
from kyosai.status import Status

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)
TOSAN = CommitteeChoice(("tosan",))


def _model(con: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    return committee(con, store.stored_catalog(con, CATALOG), TOSAN, TODAY)


def _marked(con: duckdb.DuckDBPyConnection, row_label: str) -> dict[str, bool]:
    table = _model(con).rates
    record = next(r for r in table.wide().iter_rows(named=True) if r["row_label"] == row_label)
    return {
        p.label + (" 期間" if p.kind == "fy" else ""): table.meets_target(
            record["procedure_id"], record[key], p
        )
        for key, p in zip(table.keys, table.periods, strict=True)
    }


def _chart(con: duckdb.DuckDBPyConnection, procedure_ids: list[str]) -> str:
    catalog = store.stored_catalog(con, CATALOG)
    series = trend_series(store.read_counts(con), catalog, Grain.QUARTER_END, procedure_ids)
    spec = catalog_trend_chart(series, catalog, procedure_ids, title="推移").to_dict()
    return json.dumps(spec, ensure_ascii=False)


def test_a_procedure_in_a_year_takes_the_latest_revision_that_holds() -> None:
    kanyu = CATALOG.procedure("tosan_kanyu")
    revised = kanyu.__class__(**{
        **kanyu.__dict__,
        "revisions": (Revision(2025, 0.15, 2026, 1), Revision(2027, 0.30, 2028, 2),
                      Revision(2025, 0.18, 2026, 3)),
    })  # fmt: skip
    assert revised.in_year(2024).target_tenths == 200  # the first plan
    assert (revised.in_year(2025).target_tenths, revised.in_year(2025).deadline_fy) == (180, 2026)
    assert revised.in_year(2026).target_tenths == 180
    assert revised.in_year(2027).target_tenths == 300


def test_a_lower_target_from_this_year_judges_this_year_only(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    before = _marked(sample_con, "(倒) 加入手続き")
    assert not before["R7.9"] and not before["R7.4~R7.9 期間"]
    change = store.revise_plan(sample_con, CATALOG, "tosan_kanyu", 2025, 150, 2026, "山田")
    assert change.change_id == 1
    after = _marked(sample_con, "(倒) 加入手続き")
    # 令和7年度 is judged against 15%: R7.6 17.3%, R7.9 18.0% and its 17.9% are now met.
    assert after["R7.6"] and after["R7.9"] and after["R7.4~R7.9 期間"]
    # Earlier years keep the 20% that held then: R7.3's 15.8% and 令和6年度's 13.8% are not.
    assert not after["R7.3"] and not after["R6.4~R7.3 期間"]
    model = _model(sample_con)
    status = {line.row_label: line for line in model.status}["(倒) 加入手続き"]
    assert status.status is Status.MET and "目標 15% との差 +2.9pt" in status.detail
    assert "取組期間 令和8年度内" in status.detail
    scorecard = model.scorecard.filter(model.scorecard["対象手続"] == "加入関係手続").row(0)
    assert scorecard[2:4] == ("令和8年度内", "15%")
    outlook = dict((label, item) for label, item in model.outlook_items)["(倒) 加入手続き"]
    assert (outlook.target * 1000, outlook.status) == (150, OutlookStatus.ON_TRACK)
    # The chart of (倒) 加入 steps down to 15% from 令和7年度 (the scheme's chart keeps the
    # higher target of (倒) 保全 beside it).
    chart = _chart(sample_con, ["tosan_kanyu"])
    assert "利用目標 20%" in chart and "利用目標 15%（令和7年度〜）" in chart
    assert "利用目標 15%" not in _chart(sample_con, ["tosan_kanyu", "tosan_hozen"])


def test_undoing_the_revision_restores_the_first_plan(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    before = _marked(sample_con, "(倒) 加入手続き")
    store.revise_plan(sample_con, CATALOG, "tosan_kanyu", 2025, 150, 2026, "山田")
    store.revise_plan(sample_con, CATALOG, "tosan_kanyu", 2026, 300, 2026, "山田")
    with pytest.raises(store.StoreError, match="先に変更 #2 を取り消してください"):
        store.undo_revision(sample_con, 1, "山田")
    store.undo_revision(sample_con, 2, "山田")
    store.undo_revision(sample_con, 1, "山田")
    assert _marked(sample_con, "(倒) 加入手続き") == before
    assert "利用目標 15%" not in _chart(sample_con, ["tosan_kanyu"])
    changes = store.read_plan_changes(sample_con)
    assert changes["undone_by"].to_list() == ["山田", "山田"]


def test_a_revision_from_next_year_leaves_this_year_alone(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    before = _marked(sample_con, "(倒) 加入手続き")
    store.revise_plan(sample_con, CATALOG, "tosan_kanyu", 2026, 300, 2026, "山田")
    assert _marked(sample_con, "(倒) 加入手続き") == before
    model = _model(sample_con)
    assert "20%" in model.scorecard.row(0)


@pytest.mark.parametrize(
    ("procedure_id", "from_fy", "tenths", "deadline_fy", "message"),
    [
        ("tosan_kanyuu", 2025, 150, 2026, "対象手続「tosan_kanyuu」はカタログにありません"),
        ("tosan_kanyu", 2025, 0, 2026, "0.1% から 100% の間"),
        ("tosan_kanyu", 2025, 1001, 2026, "0.1% から 100% の間"),
        ("tosan_kanyu", 2026, 150, 2025, "（令和7年度内）が適用開始（令和8年度）より前です"),
        ("tosan_kanyu", 2025, 200, 2023, "（令和5年度内）が適用開始（令和7年度）より前です"),
        ("tosan_kanyu", 2023, 200, 2023, "既にその値です"),
    ],
)  # fmt: skip
def test_a_bad_revision_is_named_and_writes_nothing(
    sample_con: duckdb.DuckDBPyConnection,
    procedure_id: str, from_fy: int, tenths: int, deadline_fy: int, message: str,
) -> None:  # fmt: skip
    version = store.data_version(sample_con)
    with pytest.raises(store.StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.revise_plan(sample_con, CATALOG, procedure_id, from_fy, tenths, deadline_fy, "t")
    assert store.data_version(sample_con) == version
    assert store.read_plan_changes(sample_con).is_empty()
