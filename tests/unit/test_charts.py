"""Tests for kyosai.charts: the trend chart's spec and its PNG export."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from kyosai.calendar import month_label, months_between
from kyosai.catalog import Event, default_catalog
from kyosai.chart_png import chart_to_png
from kyosai.charts import EMPTY_MESSAGE, catalog_trend_chart, procedure_looks, trend_chart
from kyosai.committee import CommitteeChoice, committee
from kyosai.percent import format_tenths, rate_tenths

LABELS = ("(小) 加入手続き", "(倒) 保全手続き")
TODAY = date(2025, 12, 10)
DEADLINES = [(date(2024, 3, 1), "取組期限 令和5年度末"), (date(2026, 3, 1), "取組期限 令和7年度末")]


def _series(first: date = date(2023, 9, 1), last: date = date(2025, 9, 1)) -> pl.DataFrame:
    rows = []
    for k, label in enumerate(LABELS):
        for i, month in enumerate(months_between(first, last)):
            total = 1000 + 37 * i + 200 * k
            online = total * (15 + i + 5 * k) // 100  # up to 44%
            rows.append(
                {
                    "series_label": label,
                    "period_start": month,
                    "period_label": month_label(month),
                    "online": online,
                    "total": total,
                    "rate": online / total,
                    "rate_text": format_tenths(rate_tenths(online, total)),
                }
            )
    schema = {"online": pl.Int64, "total": pl.Int64, "rate": pl.Float64}
    return pl.DataFrame(rows, schema_overrides=schema)


def test_a_long_history_of_many_procedures_is_drawn_whole() -> None:
    """30 lines × 20 years of months (7,200 points): more rows than Altair allows by default."""
    months = list(months_between(date(2006, 4, 1), date(2026, 3, 1)))
    frame = pl.DataFrame(
        {
            "series_label": [f"手続{k:02d}" for k in range(30) for _ in months],
            "period_start": months * 30,
            "period_label": [month_label(m) for m in months] * 30,
            "online": [150] * (30 * len(months)),
            "total": [1000] * (30 * len(months)),
            "rate": [0.15] * (30 * len(months)),
            "rate_text": ["15.0%"] * (30 * len(months)),
        }
    )
    spec = trend_chart(frame, target=0.2, deadlines=[], events=[], title="推移").to_dict()
    lines = next(layer for layer in _layers(spec) if _mark(layer) == "line")
    assert len(_rows(spec, lines)) == 30 * 240
    # The legend's 8 rows (4 columns) do not take the plot's height: 6 rows more than 2.
    assert spec["height"] == 360 + 6 * 26


def test_a_short_legend_leaves_the_height_as_asked(spec: dict[str, Any]) -> None:
    assert spec["height"] == 360


def _event(when: date | None, label: str) -> Event:
    return Event(
        when=when, precise_day=False, scheme_id=None, procedure_ids=(), label=label, detail="詳細"
    )


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec["layer"])


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return str(mark["type"] if isinstance(mark, dict) else mark)


def _rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    # Altair lifts the data of a single-layer chart to the top level.
    data: dict[str, Any] = layer.get("data") or spec["data"]
    return list(spec["datasets"][data["name"]])


def _tooltip_layer(spec: dict[str, Any], first_title: str) -> dict[str, Any]:
    return next(
        layer
        for layer in _layers(spec)
        if layer.get("encoding", {}).get("tooltip", [{}])[0].get("title") == first_title
    )


@pytest.fixture
def spec() -> dict[str, Any]:
    events = [
        _event(date(2022, 1, 1), "範囲前"),
        _event(date(2024, 6, 1), "範囲内"),
        _event(date(2026, 1, 1), "範囲後"),
        _event(None, "日付なし"),
    ]
    chart = trend_chart(_series(), target=0.2, deadlines=DEADLINES, events=events, title="推移")
    return chart.to_dict()


def test_target_band_rule_and_label_sit_at_the_target(spec: dict[str, Any]) -> None:
    layers = _layers(spec)
    band = next(layer for layer in layers if _mark(layer) == "rect")
    assert band["encoding"]["y"]["datum"] == 0.2
    assert band["encoding"]["y2"]["datum"] == 0.6  # max rate 44% → 0.5 + 0.1
    rule = next(layer for layer in layers if _mark(layer) == "rule" and "y" in layer["encoding"])
    assert rule["encoding"]["y"]["datum"] == 0.2
    texts = [layer["encoding"].get("text", {}).get("datum") for layer in layers]
    assert "利用目標 20%" in texts
    # The band comes first, so the lines are drawn over it.
    assert layers.index(band) == 0


def test_y_axis_is_a_fixed_percent_domain(spec: dict[str, Any]) -> None:
    line = next(layer for layer in _layers(spec) if _mark(layer) == "line")
    y = line["encoding"]["y"]
    assert y["field"] == "rate"
    assert y["scale"]["domain"] == [0, 0.6]
    assert y["axis"]["format"] == ".0%"
    assert y["axis"]["title"] == "オンライン利用率"


def test_y_domain_is_capped_at_one() -> None:
    frame = _series().with_columns(rate=pl.lit(0.97))
    chart = trend_chart(frame, target=0.2, deadlines=[], events=[]).to_dict()
    line = next(layer for layer in _layers(chart) if _mark(layer) == "line")
    assert line["encoding"]["y"]["scale"]["domain"] == [0, 1.0]


def test_one_line_per_series(spec: dict[str, Any]) -> None:
    lines = [layer for layer in _layers(spec) if _mark(layer) == "line"]
    assert len(lines) == 1
    color = lines[0]["encoding"]["color"]
    assert color["field"] == "series_label"
    assert color["scale"]["domain"] == list(LABELS)
    assert {row["series_label"] for row in _rows(spec, lines[0])} == set(LABELS)
    points = _tooltip_layer(spec, "手続")
    assert points["encoding"]["shape"]["field"] == "series_label"


def test_point_tooltips_show_counts_and_the_exact_rate_text(spec: dict[str, Any]) -> None:
    tooltip = _tooltip_layer(spec, "手続")["encoding"]["tooltip"]
    fields = {item["title"]: item for item in tooltip}
    assert list(fields) == ["手続", "期間", "オンライン件数", "全体件数", "オンライン利用率"]
    assert fields["手続"]["field"] == "series_label"
    assert fields["期間"]["field"] == "period_label"
    assert fields["オンライン件数"] == {
        "field": "online",
        "format": ",",
        "title": "オンライン件数",
        "type": "quantitative",
    }
    assert fields["全体件数"]["format"] == ","
    # Vega must never round the rate itself: the tooltip shows the exactly rounded text.
    assert fields["オンライン利用率"]["field"] == "rate_text"
    assert "format" not in fields["オンライン利用率"]


def test_x_axis_uses_wareki_labels(spec: dict[str, Any]) -> None:
    x = next(layer for layer in _layers(spec) if _mark(layer) == "line")["encoding"]["x"]
    assert x["type"] == "temporal"
    assert x["axis"]["title"] == "年月"
    assert '"2023-09-01": "R5.9"' in x["axis"]["labelExpr"]
    assert '"2025-09-01": "R7.9"' in x["axis"]["labelExpr"]
    # 25 months are too many labels for a projector: only the quarter-end months get one.
    assert len(x["axis"]["values"]) == 9
    assert x["scale"]["domain"][0] == {"year": 2023, "month": 9, "date": 1, "utc": True}
    assert x["scale"]["domain"][1] == {"year": 2025, "month": 9, "date": 1, "utc": True}


def test_events_and_deadlines_outside_the_data_are_dropped(spec: dict[str, Any]) -> None:
    markers = _tooltip_layer(spec, "施策")
    assert [row["label"] for row in _rows(spec, markers)] == ["範囲内"]
    deadline_rows = [
        row
        for layer in _layers(spec)
        if "data" in layer
        for row in _rows(spec, layer)
        if str(row.get("label", "")).startswith("取組期限")
    ]
    assert {row["label"] for row in deadline_rows} == {"取組期限 令和5年度末"}
    assert {row["x"] for row in deadline_rows} == {"2024-03-01"}


def test_event_in_a_period_snaps_to_its_start() -> None:
    frame = pl.DataFrame(
        {
            "series_label": ["(小) 加入手続き"] * 2,
            "period_start": [date(2025, 4, 1), date(2025, 7, 1)],
            "period_label": ["R7.4~R7.6", "R7.7~R7.9"],
            "online": [10, 20],
            "total": [100, 100],
            "rate": [0.1, 0.2],
            "rate_text": ["10.0%", "20.0%"],
        }
    )
    events = [_event(date(2025, 9, 22), "拡充"), _event(date(2025, 10, 1), "後")]
    spec = trend_chart(frame, target=0.2, deadlines=[], events=events).to_dict()
    rows = _rows(spec, _tooltip_layer(spec, "施策"))
    assert [(row["label"], row["x"]) for row in rows] == [("拡充", "2025-07-01")]


def test_fonts_and_sizes_are_configured(spec: dict[str, Any]) -> None:
    config = spec["config"]
    assert config["font"] == "Noto Sans CJK JP"
    assert config["title"]["fontSize"] >= 20
    assert config["axis"]["labelFontSize"] >= 14
    assert config["legend"]["labelFontSize"] >= 14
    assert config["legend"]["orient"] == "bottom"
    assert config["text"]["font"] == "Noto Sans CJK JP"


def test_empty_series_gives_a_valid_chart_with_a_message() -> None:
    empty = _series().clear()
    chart = trend_chart(empty, target=0.2, deadlines=DEADLINES, events=[_event(None, "x")])
    spec = chart.to_dict()
    (layer,) = _layers(spec)
    assert _rows(spec, layer) == [{"message": EMPTY_MESSAGE}]
    assert chart_to_png(chart)[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_to_png_returns_png_bytes() -> None:
    chart = trend_chart(_series(), target=0.2, deadlines=DEADLINES, events=[], title="推移")
    png = chart_to_png(chart, scale=1.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 1000
    # "container" width cannot be measured outside a browser, so export gives it a real width.
    assert int.from_bytes(png[16:20], "big") > 900


def _procedure_colours(spec: dict[str, Any]) -> dict[str, str]:
    line = next(layer for layer in _layers(spec) if layer.get("mark", {}).get("type") == "line")
    scale = line["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))


def test_a_procedure_keeps_its_colour_whichever_others_are_shown() -> None:
    catalog = default_catalog()
    looks = procedure_looks(catalog)
    both = _series()
    alone = both.filter(pl.col("series_label") == "(倒) 保全手続き")
    for series in (both, alone):
        spec = catalog_trend_chart(series, catalog, ["tosan_hozen"], title="t").to_dict()
        assert _procedure_colours(spec)["(倒) 保全手続き"] == looks["(倒) 保全手続き"][0]
    assert len({colour for colour, _ in looks.values()}) == len(looks)
    assert len({shape for _, shape in looks.values()}) == len(looks)  # for grey-scale prints


def test_the_x_axis_is_titled_by_the_grain() -> None:
    spec = trend_chart(_series(), target=0.2, deadlines=[], events=[], x_title="年度").to_dict()
    line = next(layer for layer in _layers(spec) if layer.get("mark", {}).get("type") == "line")
    assert line["encoding"]["x"]["axis"]["title"] == "年度"


def test_stacked_event_labels_are_a_line_apart_in_pixels_and_haloed() -> None:
    events = [_event(date(2025, 9, 1), "一つ目"), _event(date(2025, 9, 1), "二つ目")]
    spec = trend_chart(_series(), target=0.2, deadlines=DEADLINES, events=events).to_dict()
    texts = [layer for layer in _layers(spec) if layer.get("mark", {}).get("type") == "text"]
    labels = [t for t in texts if t["encoding"].get("text", {}).get("field") == "label"]
    rows = spec["datasets"][labels[-1]["data"]["name"]]
    offsets = sorted(row["offset"] for row in rows if row["label"] in ("一つ目", "二つ目"))
    assert offsets[1] - offsets[0] >= 18  # a 14 px label never overlaps the next
    # Every label is drawn twice, placed alike: a white outline first, then the text.
    halo, label = labels[-2], labels[-1]
    assert halo["mark"]["stroke"] == "white"
    assert {k: v for k, v in halo["mark"].items() if not k.startswith("stroke")} == label["mark"]


def test_committee_charts_share_one_y_scale(sample_con: Any) -> None:
    model = committee(sample_con, default_catalog(), CommitteeChoice(("shokibo", "tosan")), TODAY)
    domains = []
    for chart in model.charts:
        line = next(
            layer for layer in chart.spec["layer"] if layer.get("mark", {}).get("type") == "line"
        )
        domains.append(line["encoding"]["y"]["scale"]["domain"])
    assert len(domains) == 2 and domains[0] == domains[1]
