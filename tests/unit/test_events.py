"""取組 kept in the database: checked input, add, edit, remove, undo, and the charts, 会議資料
and 資料3 following every change."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeChoice, committee
from kyosai.events import EventDraft, EventInputError, checked_event
from tests.cli_run import run_cli

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)
FLYER = EventDraft(
    label="勧奨チラシ（倒産防止・加入）",
    when="2024-06",
    procedure_ids=("tosan_kanyu",),
    detail="加入案内にオンライン手続きのチラシを同封",
)


def _chart_labels(con: duckdb.DuckDBPyConnection, scheme: str) -> list[str]:
    catalog = store.with_stored_events(con, CATALOG)
    model = committee(con, catalog, CommitteeChoice((scheme,)), TODAY)
    text = json.dumps(model.charts[0].spec, ensure_ascii=False)
    return [e.label for e in catalog.events if e.label in text]


def test_the_shipped_measures_are_the_databases(sample_con: duckdb.DuckDBPyConnection) -> None:
    stored = store.read_events(sample_con)
    assert [e.event_id for e in stored] == [1, 2, 3, 4, 5, 6]
    assert [(e.label, e.when, e.procedure_ids) for e in stored] == [
        (e.label, e.when, e.procedure_ids) for e in CATALOG.events
    ]


def test_an_added_measure_is_on_the_chart_and_its_undo_takes_it_off(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    assert FLYER.label not in _chart_labels(sample_con, "tosan")
    change = store.add_event(sample_con, checked_event(FLYER, CATALOG), "山田")
    assert (change.change_id, change.event_id) == (1, 7)
    assert FLYER.label in _chart_labels(sample_con, "tosan")
    # It concerns (倒) 加入 only: the 小規模 chart does not show it.
    assert FLYER.label not in _chart_labels(sample_con, "shokibo")
    store.undo_event_change(sample_con, 1, "山田")
    assert FLYER.label not in _chart_labels(sample_con, "tosan")
    assert [e.event_id for e in store.read_events(sample_con)] == [1, 2, 3, 4, 5, 6]


def test_an_edit_is_recorded_before_and_after_and_undone(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    store.add_event(sample_con, checked_event(FLYER, CATALOG), "山田")
    renamed = checked_event(
        EventDraft(**{**FLYER.__dict__, "label": "チラシ同封（R6.6）"}), CATALOG
    )
    store.edit_event(sample_con, 7, renamed, "佐藤")
    assert "チラシ同封（R6.6）" in json.dumps(
        committee(
            sample_con, store.with_stored_events(sample_con, CATALOG), CommitteeChoice(("tosan",)),
            TODAY,
        ).charts[0].spec, ensure_ascii=False,
    )  # fmt: skip
    changes = store.read_event_changes(sample_con)
    edit = changes.row(0, named=True)
    assert (edit["action"], edit["changed_by"]) == ("edit", "佐藤")
    assert json.loads(edit["before_json"])["label"] == FLYER.label
    assert json.loads(edit["after_json"])["label"] == "チラシ同封（R6.6）"
    # The add cannot be undone under the edit; the edit first, then the add.
    with pytest.raises(store.StoreError, match="先に変更 #2 を取り消してください"):
        store.undo_event_change(sample_con, 1, "t")
    store.undo_event_change(sample_con, 2, "t")
    assert store.read_events(sample_con)[-1].label == FLYER.label
    with pytest.raises(store.StoreError, match="既に取り消されています"):
        store.undo_event_change(sample_con, 2, "t")


def test_a_removed_measure_comes_back_on_undo(sample_con: duckdb.DuckDBPyConnection) -> None:
    store.remove_event(sample_con, 1, "山田")
    assert "オンライン受付開始（加入・保全）" not in _chart_labels(sample_con, "tosan")
    with pytest.raises(store.StoreError, match="取組 #1 はありません"):
        store.remove_event(sample_con, 1, "山田")
    store.undo_event_change(sample_con, 1, "山田")
    assert "オンライン受付開始（加入・保全）" in _chart_labels(sample_con, "tosan")


def test_an_unchanged_edit_writes_nothing(sample_con: duckdb.DuckDBPyConnection) -> None:
    version = store.data_version(sample_con)
    same = store.read_events(sample_con)[0]
    with pytest.raises(store.StoreError, match="変わっていません"):
        store.edit_event(sample_con, 1, same, "t")
    assert store.data_version(sample_con) == version


BEFORE_START = "は、対象の手続のオンライン受付開始"
BAD_DRAFTS = [
    (EventDraft(label="  "), "取組の名前（ラベル）が空です"),
    (
        EventDraft(label="x", procedure_ids=("tosan_kanyuu",)),
        "対象手続「tosan_kanyuu」はカタログにありません",
    ),
    (EventDraft(label="x", when="2019-04"), f"日付 2019-04 {BEFORE_START}（令和5年9月）より前です"),
    (
        EventDraft(label="x", when="2025-06", procedure_ids=("shokibo_kyufu",)),
        f"日付 2025-06 {BEFORE_START}（令和7年9月）より前です",
    ),
    (
        EventDraft(label="x", when="2025-13"),
        "日付「2025-13」は 2025-11 または 2025-11-20 のように書いてください",
    ),
    (EventDraft(label="x", when="2025-10", until="2025-09"), "期間の終わりが始まりより前です"),
    (
        EventDraft(label="x", scheme_id="shokibo", procedure_ids=("tosan_kanyu",)),
        "対象手続 (倒) 加入手続き は選んだ制度の手続ではありません",
    ),
    (EventDraft(label="x", scheme_id="kokumin"), "制度「kokumin」はカタログにありません"),
]


@pytest.mark.parametrize(("draft", "problem"), BAD_DRAFTS)
def test_bad_input_is_named(draft: EventDraft, problem: str) -> None:
    with pytest.raises(EventInputError) as raised:
        checked_event(draft, CATALOG)
    assert problem in raised.value.problems


def test_a_good_draft_is_normalised() -> None:
    event = checked_event(
        EventDraft(label=" 年末調整期の  チラシ ", when="２０２５－１１－２０", until="2025-12",
                   procedure_ids=("tosan_kanyu", "shokibo_kanyu")),
        CATALOG,
    )  # fmt: skip
    assert (event.label, event.when, event.precise_day, event.until) == (
        "年末調整期の チラシ", date(2025, 11, 20), True, date(2025, 12, 1),
    )  # fmt: skip
    assert event.procedure_ids == ("shokibo_kanyu", "tosan_kanyu")  # catalogue order


def test_cli_events(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    listed = run_cli("events", "list", "--db", db).stdout.splitlines()
    assert listed[0] == "id,date,until,scheme_id,procedure_ids,label,detail"
    assert listed[2].startswith("2,2025-09-22,,,")
    added = run_cli(
        "events", "add", "--db", db, "--label", "R7.11 年末調整期の勧奨チラシ", "--date", "2025-11",
        "--procedures", "tosan_kanyu", "--by", "山田",
    )  # fmt: skip
    assert (added.returncode, added.stdout.strip()) == (0, "取組 #7 を追加しました（変更 #1）。")
    assert run_cli("events", "list", "--db", db).stdout.splitlines()[-1] == (
        "7,2025-11,,,tosan_kanyu,R7.11 年末調整期の勧奨チラシ,"
    )
    bad = run_cli("events", "add", "--db", db, "--label", "", "--procedures", "nope")
    assert bad.returncode == 1
    assert "取組の名前（ラベル）が空です" in bad.stderr and "何も登録していません" in bad.stderr
    assert len(run_cli("events", "list", "--db", db).stdout.splitlines()) == 8
    removed = run_cli("events", "remove", "7", "--db", db)
    assert removed.returncode == 0 and "events undo 2" in removed.stdout
    history = run_cli("events", "history", "--db", db).stdout.splitlines()
    assert history[0].startswith("#2\t") and "\t削除\t取組 #7\t" in history[0]
    assert "\t山田\t追加\t" in history[1]
    assert run_cli("events", "undo", "2", "--db", db).returncode == 0
    assert run_cli("events", "list", "--db", db).stdout.splitlines()[-1].startswith("7,")
    missing = run_cli("events", "remove", "99", "--db", db)
    assert missing.returncode == 1 and "取組 #99 はありません" in missing.stderr
