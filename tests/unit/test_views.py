"""Tests for kyosai.views: the page models, each computed in one call from the store."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from kyosai import store, views
from kyosai.catalog import default_catalog
from kyosai.ingest.parse import parse_upload
from kyosai.periods import Grain
from tests.quarter_files import long_xlsx, quarter_counts

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)


@pytest.mark.parametrize(
    ("latest", "today", "age"),
    [
        (date(2025, 12, 1), date(2025, 12, 31), "今月のデータ"),
        (date(2025, 9, 1), date(2025, 12, 10), "3か月前の月"),
        (date(2024, 12, 1), date(2025, 12, 10), "1年前の月"),
        (date(2023, 9, 1), date(2025, 12, 10), "2年3か月前の月"),
    ],
)
def test_freshness_says_how_old_the_latest_month_is(latest: date, today: date, age: str) -> None:
    fresh = views.freshness(latest, True, today)
    assert (fresh.latest_label, fresh.age_text, fresh.is_sample) == (
        f"R{latest.year - 2018}.{latest.month}",
        age,
        True,
    )


def test_freshness_of_nothing_is_nothing() -> None:
    assert views.freshness(None, True, TODAY) == views.Freshness(None, None, None, False)


def test_filters_keep_the_chosen_schemes_and_procedures_in_catalogue_order() -> None:
    everything = views.Filters()
    assert everything.chosen_procedures(CATALOG) == [p.procedure_id for p in CATALOG.procedures]
    tosan = views.Filters(scheme_ids=("tosan",))
    assert tosan.chosen_procedures(CATALOG) == ["tosan_kanyu", "tosan_hozen", "tosan_kaiyaku"]
    # A procedure of a scheme that is not chosen is not kept.
    crossed = views.Filters(scheme_ids=("tosan",), procedure_ids=("shokibo_kanyu", "tosan_hozen"))
    assert crossed.chosen_procedures(CATALOG) == ["tosan_hozen"]


def test_filter_options_offer_every_month_with_data(sample_con: duckdb.DuckDBPyConnection) -> None:
    options = views.filter_options(sample_con, CATALOG)
    assert options.months[0] == date(2023, 9, 1) and options.months[-1] == date(2025, 9, 1)
    assert len(options.months) == 25
    assert [name for _, name in options.schemes] == ["小規模企業共済", "中小企業倒産防止共済"]
    assert options.procedures[0] == ("shokibo_kanyu", "shokibo", "(小) 加入手続き")


def test_filter_options_of_an_empty_store(empty_con: duckdb.DuckDBPyConnection) -> None:
    assert views.filter_options(empty_con, CATALOG).months == []


def test_overview_judges_each_procedure_with_data(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = views.overview(sample_con, CATALOG, TODAY)
    assert model.freshness.latest_label == "R7.9" and model.freshness.is_sample
    assert [(k.label, k.month) for k in model.kpis] == [
        ("(小) 加入手続き", "R7.9"),
        ("(小) 保全手続き", "R7.9"),
        ("(倒) 加入手続き", "R7.9"),
        ("(倒) 保全手続き", "R7.9"),
    ]
    card = model.kpis[0]
    assert (card.value, card.status) == ("38.2%", "◎ 達成")
    # The status is judged on the fiscal year to date, and the card says so.
    assert card.basis == "年度累計 R7.4~R7.9 34.5%"
    assert [name for name, _ in card.changes] == ["前四半期比", "前年同月比"]
    scorecard = model.scorecard
    assert scorecard.columns[:5] == ["制度", "対象手続", "取組期間", "利用目標", "対応状況"]
    assert scorecard["状況"].to_list().count("— データなし") == 3
    # A line of monthly rates for each procedure with counts over the 24 months to today:
    # R5.12 (24 months before R7.12) to R7.9, the latest month with data, is 22 months.
    lengths = [len(trend) for trend in scorecard["推移"].to_list()]
    assert lengths == [22, 22, 0, 0, 22, 22, 0]
    assert model.targets == [p.target for p in CATALOG.procedures]


def test_trends_without_a_procedure_has_no_chart(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = views.trends(sample_con, CATALOG, views.Filters(procedure_ids=()), TODAY)
    assert model.chart_spec is None and model.points.is_empty()
    assert model.dated_events == [] and model.undated_events == []


def test_trends_split_dated_and_undated_events(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = views.trends(sample_con, CATALOG, views.Filters(grain=Grain.MONTH), TODAY)
    assert model.chart_spec is not None and model.chart_spec["title"] == "オンライン利用率の推移"
    assert model.dated_events and all(e.when is not None for e in model.dated_events)
    assert model.undated_events and all(e.when is None for e in model.undated_events)
    september = model.points.filter(
        (model.points["series_label"] == "(小) 加入手続き")
        & (model.points["period_label"] == "R7.9")
    )
    assert september["rate_text"].to_list() == ["38.2%"]


def test_table_bytes_and_freshness_follow_the_filters(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    filters = views.Filters(
        scheme_ids=("tosan",),
        first=date(2024, 4, 1),
        last=date(2025, 3, 1),
        grain=Grain.FISCAL_YEAR,
    )
    model = views.table(sample_con, CATALOG, filters, TODAY)
    assert model.rates.labels == ["R6.4~R7.3"]
    # 最新データ is the newest month in the database, not the end of the chosen period.
    assert model.freshness.latest_label == "R7.9"
    assert model.file_stem == "online_rates_fy"
    # The data's date, the sample note and the day made travel with the download, then the table.
    lines = model.csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == "最新データ R7.9（令和7年9月）"
    assert lines[1].startswith("表示中の数値には「サンプルデータ」")
    assert lines[2] == f"作成 {TODAY:%Y-%m-%d}" and lines[3] == ""
    assert lines[4] == "制度,手続,R6.4~R7.3"
    assert model.xlsx_bytes[:2] == b"PK"


def test_definitions_list_the_catalogue_and_every_upload(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    model = views.definitions(sample_con, CATALOG, TODAY)
    assert "オンライン利用率" in model.text
    assert model.catalogue.columns == [
        "制度",
        "対象手続",
        "取組期間",
        "利用目標",
        "表の略称",
        "オンライン受付開始",
    ]
    assert "令和7年9月22日" in model.catalogue["オンライン受付開始"].to_list()
    assert model.uploads.columns == list(views.DEFINITIONS_UPLOAD_COLUMNS)
    assert model.uploads["ファイル名"].to_list() == ["サンプルデータ"]
    assert all(e.when is None for e in model.undated_events)


def test_a_card_leaves_out_a_comparison_without_data(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    # R7.10-R7.12 for every procedure: the three opened on 2025-09-22 have no month a year ago.
    rows = parse_upload(long_xlsx(quarter_counts()), "q.xlsx", CATALOG, TODAY).rows
    store.write_upload(sample_con, rows, file_name="q.xlsx", sha256="q", uploaded_by="t")
    model = views.overview(sample_con, CATALOG, date(2026, 1, 15))
    cards = {card.label: card for card in model.kpis}
    new = cards["(小) 通算申出"]
    # Its first quarter: no quarter before it either, so no comparison at all, no empty one.
    assert new.month == "R7.12" and new.changes == ()
    old = cards["(小) 加入手続き"]
    assert [name for name, _ in old.changes] == ["前四半期比", "前年同月比"]
    assert old.basis.startswith("年度累計 R7.4~R7.12 ")


def _projection_rows(spec: dict) -> list[dict]:  # type: ignore[type-arg]
    dashed = [
        layer
        for layer in spec["layer"]
        if layer.get("mark", {}).get("type") == "line" and "strokeDash" in layer["mark"]
    ]
    return [row for layer in dashed for row in spec["datasets"][layer["data"]["name"]]]


def test_monthly_trends_draw_the_outlook_to_march(sample_con: duckdb.DuckDBPyConnection) -> None:
    model = views.trends(sample_con, CATALOG, views.Filters(grain=Grain.MONTH), TODAY)
    assert model.chart_spec is not None
    rows = _projection_rows(model.chart_spec)
    mine = [row for row in rows if row["series_label"] == "(小) 加入手続き"]
    assert [row["x"] for row in mine] == ["2025-09-01", "2026-03-01"]
    assert mine[1]["label"] == "見込み 35.2%" and mine[1]["rate"] == 0.352
    assert len({row["series_label"] for row in rows}) == 4  # the procedures with counts


@pytest.mark.parametrize(
    "filters",
    [
        views.Filters(grain=Grain.FISCAL_YEAR),
        views.Filters(grain=Grain.MONTH, last=date(2025, 3, 1)),
    ],
    ids=["fiscal-year-grain", "period-before-the-newest-month"],
)
def test_no_outlook_where_it_would_not_continue_the_lines(
    sample_con: duckdb.DuckDBPyConnection, filters: views.Filters
) -> None:
    model = views.trends(sample_con, CATALOG, filters, TODAY)
    assert model.chart_spec is not None and _projection_rows(model.chart_spec) == []


def test_season_view_overlays_the_fiscal_years_month_by_month(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    charts = views.season(sample_con, CATALOG, views.Filters(procedure_ids=("shokibo_kanyu",)))
    ((label, spec),) = charts
    assert label == "(小) 加入手続き"
    line = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "line")
    assert line["encoding"]["x"]["sort"][:2] == ["4月", "5月"]
    assert line["encoding"]["x"]["sort"][-1] == "3月"
    assert line["encoding"]["color"]["scale"]["domain"] == ["令和5年度", "令和6年度", "令和7年度"]
    rows = spec["datasets"][line["data"]["name"]]
    december = [r for r in rows if r["fiscal_month"] == "12月"]
    assert {r["fy"] for r in december} == {"令和5年度", "令和6年度"}  # R7.12 is not in yet
