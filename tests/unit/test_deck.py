"""Tests for kyosai.deck: 資料3 as a PowerPoint deck, read back with python-pptx."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.committee import REPORT_TITLE, CommitteeChoice, committee
from kyosai.deck import build_deck, deck_pptx
from kyosai.deck_layout import MET_FILL
from kyosai.report import load_report_text
from kyosai.scorecard import scorecard_frame
from kyosai.views import SAMPLE_NOTICE
from tests.deck_reading import grid, open_deck, table_named
from tests.quarter_files import quarter_counts
from tests.sample_db import copy_db

CATALOG = default_catalog()
TEXT = load_report_text()
TODAY = date(2025, 12, 10)
SLIDE_TITLES = [
    None,
    "1. オンライン利用率引上げの基本計画について ①",
    "2. オンライン利用率引き上げの基本計画について ②",
    "3. オンライン利用率引上げの基本計画について ③",
    "参考 オンライン利用率の推移（小規模企業共済）",
    "参考 オンライン利用率の推移（中小企業倒産防止共済）",
]


@pytest.fixture(scope="module")
def sample_deck(tmp_path_factory: pytest.TempPathFactory, sample_db_template: Path) -> bytes:
    """The deck of the sample DB, as `python -m kyosai deck` makes it."""
    path = copy_db(sample_db_template, tmp_path_factory.mktemp("deck") / "k.duckdb")
    con = store.connect(path)
    try:
        return build_deck(con, CATALOG, TEXT, TODAY)
    finally:
        con.close()


def _shape_texts(slide: object) -> dict[str, str]:
    return {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}  # type: ignore[attr-defined]


def test_slides_follow_the_seed(sample_deck: bytes) -> None:
    slides = list(open_deck(sample_deck).slides)
    assert [_shape_texts(s).get("見出し") for s in slides] == SLIDE_TITLES
    title = _shape_texts(slides[0])
    assert title["資料番号"] == "資料3"
    assert title["表題"] == REPORT_TITLE
    assert title["作成年月"] == "令和7年12月"
    # The organisation comes from data/report.toml.
    assert title["組織名"].splitlines() == list(TEXT.organisation)
    assert title["組織名"].splitlines() == ["独立行政法人 中小企業基盤整備機構", "共済事業推進部"]


def test_the_deck_is_16_to_9(sample_deck: bytes) -> None:
    deck = open_deck(sample_deck)
    assert deck.slide_width * 9 == deck.slide_height * 16


def test_rate_table_holds_the_48_published_cells(
    sample_deck: bytes, published: tuple[list[str], dict[tuple[str, str], dict[str, str]]]
) -> None:
    labels, rows = published
    cells = grid(table_named(list(open_deck(sample_deck).slides)[2], "オンライン利用率"))
    # Months head their column in row 0 (merged down), 期間集計's years in row 1.
    column = {text: col for col, text in enumerate(cells[0]) if text}
    column |= {text: col for col, text in enumerate(cells[1]) if text}
    body = {row[0]: row for row in cells[2:]}
    checked = 0
    for procedure in CATALOG.procedures:
        key = (CATALOG.scheme(procedure.scheme_id).name, procedure.name)
        if key not in rows:
            assert CATALOG.row_label(procedure.procedure_id) not in body
            continue
        row = body[CATALOG.row_label(procedure.procedure_id)]
        for label in labels:
            assert row[column[label]] == f"{rows[key][label]}%", (key, label)
            checked += 1
    assert checked == 48
    assert [text for text in cells[0] if text] == ["手続", *labels[:9], "期間集計"]


def test_rate_table_merges_as_in_the_seed(sample_deck: bytes) -> None:
    table = table_named(list(open_deck(sample_deck).slides)[2], "オンライン利用率")
    for col in range(10):  # 手続 and the nine quarter-end months
        assert (table.cell(0, col).is_merge_origin, table.cell(0, col).span_height) == (True, 2)
    group = table.cell(0, 10)
    assert (group.text, group.span_width, group.span_height) == ("期間集計", 3, 1)
    assert [table.cell(1, col).text for col in range(10, 13)] == [
        "R5.9~R6.3",
        "R6.4~R7.3",
        "R7.4~R7.9",
    ]


def _fill(cell: object) -> RGBColor | None:
    fill = cell.fill  # type: ignore[attr-defined]
    return fill.fore_color.rgb if fill.type == 1 else None


def test_cells_at_or_above_the_target_are_marked(sample_deck: bytes) -> None:
    table = table_named(list(open_deck(sample_deck).slides)[2], "オンライン利用率")
    rows = {table.cell(r, 0).text: r for r in range(2, len(table.rows))}
    met = table.cell(rows["(小) 加入手続き"], 9)  # R7.9, 38.2%
    missed = table.cell(rows["(倒) 加入手続き"], 9)  # R7.9, 18.0%
    assert (met.text, _fill(met), met.text_frame.paragraphs[0].runs[0].font.bold) == (
        "38.2%",
        MET_FILL,
        True,
    )
    assert (missed.text, _fill(missed), missed.text_frame.paragraphs[0].runs[0].font.bold) == (
        "18.0%",
        None,
        False,
    )
    # 20.0% is the target itself: at the target is marked, as on 集計表.
    at_target = table.cell(rows["(小) 加入手続き"], 10)
    assert (at_target.text, _fill(at_target)) == ("20.0%", MET_FILL)


def test_scorecard_rows_with_the_scheme_merged_down(sample_deck: bytes) -> None:
    table = table_named(list(open_deck(sample_deck).slides)[1], "スコアカード")
    cells = grid(table)
    expected = scorecard_frame(CATALOG, short_scheme=True)
    assert cells[0] == list(expected.columns)
    assert [row[1:] for row in cells[1:]] == [list(r)[1:] for r in expected.iter_rows()]
    assert cells[1][1:] == ["加入関係手続", "令和5年度内", "20%", "令和5年9月より開始"]
    assert cells[7][1:] == ["解約関係手続", "令和7年度内", "20%", "令和7年9月より開始"]
    assert (table.cell(1, 0).text, table.cell(1, 0).span_height) == ("小規模", 4)
    assert (table.cell(5, 0).text, table.cell(5, 0).span_height) == ("倒産防止", 3)
    assert all(table.cell(r, 0).is_spanned for r in (2, 3, 4, 6, 7))


def test_background_comes_from_the_data_file(sample_deck: bytes) -> None:
    text = _shape_texts(list(open_deck(sample_deck).slides)[1])["経緯と第三者チェック"]
    paragraphs = text.splitlines()
    assert paragraphs[0] == "(1) これまでの経緯"
    assert (
        "・経済産業省は「オンライン利用率引上げの基本計画」を作成。令和2年12月4日にホームページで公表。"
        in paragraphs
    )
    assert "(2) 利用者目線での第三者チェックの方法と時期について" in paragraphs


def test_current_state_drafted_from_the_figures(sample_deck: bytes) -> None:
    paragraphs = _shape_texts(list(open_deck(sample_deck).slides)[2])["現在の状況"].splitlines()
    assert paragraphs[:3] == [
        "(3) 現在の状況",
        "・令和5年9月、加入及び保全関係手続きのオンラインによる申請受付を開始。",
        "・令和7年9月22日、小規模企業共済の「掛金納付月数の通算申出手続き」及び「給付関係手続き」、"
        "中小企業倒産防止共済の「解約関係手続き」のオンラインによる申請受付を開始。",
    ]
    assert paragraphs[3:7] == [
        "・(小) 加入手続き：令和7年度（R7.4~R7.9）の利用率は34.5%で、令和6年度の26.6%から"
        "7.9ポイント向上。利用目標（20%）以上。",
        "・(小) 保全手続き：令和7年度（R7.4~R7.9）の利用率は41.4%で、令和6年度の35.2%から"
        "6.2ポイント向上。利用目標（20%）以上。",
        "・(倒) 加入手続き：令和7年度（R7.4~R7.9）の利用率は17.9%で、令和6年度の13.8%から"
        "4.1ポイント向上。利用目標（20%）まであと2.1ポイント。",
        "・(倒) 保全手続き：令和7年度（R7.4~R7.9）の利用率は26.2%で、令和6年度の26.0%から"
        "0.2ポイント向上。利用目標（20%）以上。",
    ]
    assert paragraphs[7] == f"・{TEXT.progress_closing}"


def test_as_of_and_outlook_lines_under_the_rate_table(
    sample_deck: bytes, sample_con: duckdb.DuckDBPyConnection
) -> None:
    text = _shape_texts(list(open_deck(sample_deck).slides)[2])["注記と見通し"]
    assert text.startswith("最新データ R7.9。")
    model = committee(sample_con, CATALOG, CommitteeChoice(("shokibo", "tosan")), TODAY)
    assert len(model.outlook) == 4
    for label, line in model.outlook:
        assert f"・{label}　{line}" in text.splitlines()
    assert "・(倒) 加入手続き　見込み 18.1% — 目標まで残り6か月で 6,281 件（月 1,047 件）" in text


def test_outreach_slide_lists_the_measures_with_their_dates(sample_deck: bytes) -> None:
    paragraphs = _shape_texts(list(open_deck(sample_deck).slides)[3])["取組"].splitlines()
    assert paragraphs[0] == "(4) オンライン利用率向上に向けた取組み"
    assert (
        paragraphs[1]
        == "・オンライン手続きを勧奨するインターネット広告を断続的に実施。（Google、Yahooなど）"
    )
    # The dated measure keeps its date; the online starts are on the slide before, not here.
    assert paragraphs[-1].startswith("・令和7年9月のオンライン手続きメニューの拡充に合わせて")
    assert len(paragraphs) == 5
    assert not any("申請受付を開始" in p for p in paragraphs)


def test_one_chart_picture_per_scheme(sample_deck: bytes) -> None:
    slides = list(open_deck(sample_deck).slides)
    pictures = [
        (index, shape) for index, slide in enumerate(slides) for shape in slide.shapes
        if shape.shape_type == 13
    ]  # fmt: skip
    assert [index for index, _ in pictures] == [4, 5]
    for (_, picture), scheme in zip(
        pictures, ["小規模企業共済", "中小企業倒産防止共済"], strict=True
    ):
        assert picture.image.content_type == "image/png"
        assert picture.image.blob.startswith(b"\x89PNG")
        assert picture.image.size[0] >= 1600  # rendered at twice the export width
        descr = picture._element.find(qn("p:nvPicPr")).find(qn("p:cNvPr")).get("descr")
        assert descr == f"{scheme} のオンライン利用率の推移"


def test_the_sample_note_is_on_every_slide(sample_deck: bytes) -> None:
    for slide in open_deck(sample_deck).slides:
        assert _shape_texts(slide)["サンプルの注記"] == f"⚠ {SAMPLE_NOTICE}"


def test_every_run_names_the_japanese_font(sample_deck: bytes) -> None:
    runs = 0
    for slide in open_deck(sample_deck).slides:
        assert all(run.find(qn("a:rPr")) is not None for run in slide._element.iter(qn("a:r")))
        for properties in slide._element.iter(qn("a:rPr")):
            faces = {tag: properties.find(qn(tag)) for tag in ("a:latin", "a:ea")}
            assert all(face is not None for face in faces.values())
            assert {face.get("typeface") for face in faces.values()} == {"Noto Sans CJK JP"}
            assert faces["a:ea"].get("charset") == "-128"
            runs += 1
    assert runs > 150  # every table cell and paragraph of the six slides


def _boxes(slide: object) -> list[tuple[str, float, float, float, float]]:
    return [
        (s.name, s.left / 12700, s.top / 12700, (s.left + s.width) / 12700,
         (s.top + s.height) / 12700)
        for s in slide.shapes  # type: ignore[attr-defined]
    ]  # fmt: skip


def test_shapes_stay_on_the_slide_and_apart(sample_deck: bytes) -> None:
    deck = open_deck(sample_deck)
    width, height = deck.slide_width / 12700, deck.slide_height / 12700
    for number, slide in enumerate(deck.slides, start=1):
        boxes = _boxes(slide)
        for name, left, top, right, bottom in boxes:
            assert 0 <= left < right <= width and 0 <= top < bottom <= height, (number, name)
        for index, first in enumerate(boxes):
            for second in boxes[index + 1 :]:
                apart = (
                    first[3] <= second[1] + 0.01 or second[3] <= first[1] + 0.01
                    or first[4] <= second[2] + 0.01 or second[4] <= first[2] + 0.01
                )  # fmt: skip
                assert apart, (number, first[0], second[0])


def _deck(con: duckdb.DuckDBPyConnection, choice: CommitteeChoice) -> bytes:
    return deck_pptx(committee(con, CATALOG, choice, TODAY), CATALOG, TEXT, TODAY)


def test_the_presenters_choice_decides_the_deck(sample_con: duckdb.DuckDBPyConnection) -> None:
    choice = CommitteeChoice(("tosan",), date(2024, 4, 1), date(2025, 3, 1), date(2025, 11, 1))
    slides = list(open_deck(_deck(sample_con, choice)).slides)
    assert [_shape_texts(s).get("見出し") for s in slides][-1] == SLIDE_TITLES[-1]
    assert len(slides) == 5  # one chart
    assert _shape_texts(slides[0])["作成年月"] == "令和7年11月"
    cells = grid(table_named(slides[2], "オンライン利用率"))
    assert [row[0] for row in cells[2:]] == ["(倒) 加入手続き", "(倒) 保全手続き"]
    assert [t for t in cells[0] if t] == ["手続", "R6.6", "R6.9", "R6.12", "R7.3", "期間集計"]
    assert cells[1][-1] == "R6.4~R7.3" and cells[2][-1] == "13.8%"
    scorecard = grid(table_named(slides[1], "スコアカード"))
    assert [row[0] for row in scorecard[1:]] == ["倒産防止", "", ""]


def _uploaded(
    con: duckdb.DuckDBPyConnection, counts: dict[tuple[str, date], tuple[int, int]]
) -> None:
    frame = pl.DataFrame(
        [(pid, month, online, total) for (pid, month), (online, total) in counts.items()],
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )
    store.write_upload(con, frame, file_name="real.xlsx", sha256="real", uploaded_by="t")


def test_real_figures_have_no_sample_note(empty_con: duckdb.DuckDBPyConnection) -> None:
    counts = quarter_counts()
    _uploaded(empty_con, counts)
    slides = list(open_deck(_deck(empty_con, CommitteeChoice(("shokibo", "tosan")))).slides)
    assert all("サンプルの注記" not in _shape_texts(s) for s in slides)
    paragraphs = _shape_texts(slides[2])["現在の状況"].splitlines()
    online = sum(counts[("shokibo_tsusan", m)][0] for m in {m for _, m in counts})
    total = sum(counts[("shokibo_tsusan", m)][1] for m in {m for _, m in counts})
    tenths = (online * 2000 + total) // (2 * total)  # half up
    # A procedure with one year of figures is dated from its start, not compared.
    assert (
        f"・(小) 通算申出：令和7年9月22日に開始。令和7年度（R7.10~R7.12）の利用率は"
        f"{tenths // 10}.{tenths % 10}%。利用目標（20%）以上。"
    ) in paragraphs
    assert len(grid(table_named(slides[2], "オンライン利用率"))) == 2 + 7


def test_a_long_history_leaves_out_the_oldest_quarter_ends(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    months = [date(2014 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(12 * 12)]
    _uploaded(empty_con, {("tosan_kanyu", month): (100, 1000) for month in months})
    slides = list(open_deck(_deck(empty_con, CommitteeChoice(("tosan",)))).slides)
    cells = grid(table_named(slides[2], "オンライン利用率"))
    headings = [t for t in cells[0] if t]
    # The newest years stay whole: their quarter-ends, then their 期間集計.
    assert headings[0] == "手続" and headings[-2:] == ["R8.3", "期間集計"]
    kept = len(cells[0]) - 1
    assert 5 <= kept < 48 + 12
    assert cells[1][-1] == "R7.4~R8.3"
    note = _shape_texts(slides[2])["注記と見通し"]
    assert "紙幅のため平成26年度〜" in note and "年度の列を省略" in note
    test_shapes_stay_on_the_slide_and_apart(_deck(empty_con, CommitteeChoice(("tosan",))))
