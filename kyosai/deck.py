"""資料3 as an editable PowerPoint deck (16:9), drafted from the same CommitteeModel as the
会議資料 page and the committee pack: the title, the background with the scorecard, the current
state with the quarterly rate table, the 取組, and one chart per scheme."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date

import duckdb
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu

from kyosai import chart_png, charts
from kyosai.calendar import month_label_long
from kyosai.catalog import Catalog
from kyosai.committee import CommitteeChoice, CommitteeModel, committee
from kyosai.deck_layout import (
    RULE_BLUE,
    SAMPLE_FILL,
    SAMPLE_INK,
    Style,
    add_text,
    pt,
    text_height_pt,
)
from kyosai.deck_tables import ROW_HEIGHT, RateLayout, rate_layout, rate_table, scorecard_table
from kyosai.outlook import ASSUMPTIONS
from kyosai.report import ReportText, outreach_lines, progress_sentences, start_lines
from kyosai.views import SAMPLE_NOTICE, Freshness, export_notes

SLIDE_WIDTH, SLIDE_HEIGHT = 960.0, 540.0  # points: 13.333 x 7.5 inches, 16:9
MARGIN = 30.0
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
FOOTER_TOP = SLIDE_HEIGHT - 24.0
TITLE_STYLE = Style(22, bold=True)
# Type sizes tried, largest first, until a slide's content fits above the footer.
SIZES = (16.0, 15.0, 14.0, 13.0, 12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)
BULLET = "・"
GAP = 8.0  # between the blocks of a slide, in points
DECK_NOTE = (
    "{month} 等は各月の値、期間集計は年度ごとに期間内の件数を合計して算出。0.1% 未満を四捨五入。"
    "緑・太字は利用目標以上。"
)


class Deck:
    """A deck being built: the presentation, the words and the running slide chrome."""

    def __init__(self, model: CommitteeModel, text: ReportText) -> None:
        self.model = model
        self.text = text
        self.presentation: PresentationType = Presentation()
        self.presentation.slide_width = Emu(pt(SLIDE_WIDTH))
        self.presentation.slide_height = Emu(pt(SLIDE_HEIGHT))
        self._blank = self.presentation.slide_layouts[6]

    def slide(self, title: str | None) -> tuple[Slide, float]:
        """A new slide with its title and sample note; returns it and where content starts."""
        slide = self.presentation.slides.add_slide(self._blank)
        top = MARGIN / 2
        if title is not None:
            add_text(
                slide.shapes,
                (MARGIN, top, CONTENT_WIDTH, 40),
                [(title, TITLE_STYLE)],
                self.text.font,
                name="見出し",
                anchor=MSO_ANCHOR.MIDDLE,
            )
            rule = slide.shapes.add_shape(
                MSO_SHAPE.RECTANGLE,
                Emu(pt(MARGIN)),
                Emu(pt(top + 41)),
                Emu(pt(CONTENT_WIDTH)),
                Emu(pt(2.5)),
            )
            rule.name = "見出しの下線"
            rule.fill.solid()
            rule.fill.fore_color.rgb = RULE_BLUE
            rule.line.fill.background()
            top += 48
        if self.model.is_sample:
            add_text(
                slide.shapes,
                (MARGIN, top, CONTENT_WIDTH, 22),
                [(f"⚠ {SAMPLE_NOTICE}", Style(11, color=SAMPLE_INK))],
                self.text.font,
                name="サンプルの注記",
                fill=SAMPLE_FILL,
                anchor=MSO_ANCHOR.MIDDLE,
            )
            top += 28
        return slide, top + 4

    def number_slides(self) -> None:
        """Page numbers at the foot of every slide but the title."""
        slides = list(self.presentation.slides)
        for index, slide in enumerate(slides[1:], start=2):
            add_text(
                slide.shapes,
                (SLIDE_WIDTH - MARGIN - 80, FOOTER_TOP, 80, 18),
                [(f"{index} / {len(slides)}", Style(9, align=PP_ALIGN.RIGHT))],
                self.text.font,
                name="ページ番号",
            )

    def save(self) -> bytes:
        """The deck as .pptx bytes."""
        buffer = io.BytesIO()
        self.presentation.save(buffer)
        return buffer.getvalue()


def fit_size(height_at: Callable[[float], float], available: float) -> float:
    """The largest type size of SIZES whose content height fits, else the smallest."""
    for size in SIZES:
        if height_at(size) <= available:
            return size
    return SIZES[-1]


def _title_slide(deck: Deck) -> None:
    slide, top = deck.slide(None)
    font = deck.text.font
    shapes = slide.shapes
    add_text(
        shapes,
        (SLIDE_WIDTH - MARGIN - 150, max(top, MARGIN), 150, 36),
        [(deck.text.document_label, Style(20, bold=True, align=PP_ALIGN.CENTER))],
        font,
        name="資料番号",
        anchor=MSO_ANCHOR.MIDDLE,
    )
    add_text(
        shapes,
        (MARGIN + 40, 170, CONTENT_WIDTH - 80, 110),
        [(deck.model.title, Style(30, bold=True, align=PP_ALIGN.CENTER))],
        font,
        name="表題",
        anchor=MSO_ANCHOR.MIDDLE,
    )
    add_text(
        shapes,
        (MARGIN, 300, CONTENT_WIDTH, 36),
        [(deck.model.created_label, Style(20, align=PP_ALIGN.CENTER))],
        font,
        name="作成年月",
        anchor=MSO_ANCHOR.MIDDLE,
    )
    lines = [(line, Style(18, align=PP_ALIGN.RIGHT)) for line in deck.text.organisation]
    add_text(
        shapes,
        (MARGIN + 300, 400, CONTENT_WIDTH - 300, 30 * max(1, len(lines)) + 12),
        lines,
        font,
        name="組織名",
    )


def _bullets(heading: str, bullets: Sequence[str], size: float) -> list[tuple[str, Style]]:
    return [(heading, Style(size + 1, bold=True))] + [
        (f"{BULLET}{text}", Style(size)) for text in bullets
    ]


def _height(paragraphs: Sequence[tuple[str, Style]], width: float) -> float:
    return text_height_pt([(text, style.size) for text, style in paragraphs], width)


def _background_slide(deck: Deck) -> None:
    slide, top = deck.slide(deck.text.background_title)
    rows = deck.model.scorecard.height + 1

    def paragraphs(size: float) -> list[tuple[str, Style]]:
        found: list[tuple[str, Style]] = []
        for section in deck.text.background:
            found += _bullets(section.heading, section.bullets, size)
        return found

    def height_at(size: float) -> float:
        return _height(paragraphs(size), CONTENT_WIDTH) + GAP + rows * size * ROW_HEIGHT

    size = fit_size(height_at, FOOTER_TOP - top - 4)
    text = paragraphs(size)
    text_height = _height(text, CONTENT_WIDTH)
    add_text(slide.shapes, (MARGIN, top, CONTENT_WIDTH, text_height), text, deck.text.font,
             name="経緯と第三者チェック")  # fmt: skip
    box = (MARGIN, top + text_height + GAP, CONTENT_WIDTH)
    scorecard_table(slide.shapes, deck.model.scorecard, box, size, deck.text.font)


def _progress_slide(deck: Deck, catalog: Catalog) -> None:
    model = deck.model
    slide, top = deck.slide(deck.text.progress_title)
    bullets = start_lines(model.events, catalog) + progress_sentences(model, catalog)
    if deck.text.progress_closing:
        bullets.append(deck.text.progress_closing)
    as_of = f"最新データ {model.as_of_label}" if model.as_of_label else "データなし"
    outlook = [f"{label}　{line}" for label, line in model.outlook]
    has_table = bool(model.rates.periods) and model.rates.rows.height > 0
    rows = model.rates.rows.height + 2 if has_table else 0

    def layout(size: float) -> RateLayout:
        return rate_layout(model.rates, CONTENT_WIDTH, size, SIZES)

    def blocks(size: float) -> tuple[list[tuple[str, Style]], list[tuple[str, Style]]]:
        above = _bullets(deck.text.progress_heading, bullets, size)
        small = size - 1
        note = ""
        if has_table:
            shown = layout(size)
            note = DECK_NOTE.format(month=model.rates.periods[shown.columns[0]].label)
            note += shown.omitted_note
        below = [(f"{as_of}。{note}", Style(small))]
        if outlook:
            below.append((f"今年度の見通し（{model.as_of_label} 時点）", Style(small, bold=True)))
            below += [(f"{BULLET}{line}", Style(small)) for line in outlook]
            below.append((ASSUMPTIONS, Style(small - 1)))
        return above, below

    def height_at(size: float) -> float:
        above, below = blocks(size)
        table_height = rows * layout(size).height if has_table else 0
        text_height = _height(above, CONTENT_WIDTH) + _height(below, CONTENT_WIDTH)
        return text_height + table_height + 2 * GAP

    size = fit_size(height_at, FOOTER_TOP - top - 4)
    above, below = blocks(size)
    above_height = _height(above, CONTENT_WIDTH)
    add_text(slide.shapes, (MARGIN, top, CONTENT_WIDTH, above_height), above, deck.text.font,
             name="現在の状況")  # fmt: skip
    cursor = top + above_height + GAP
    if has_table:
        table_layout = layout(size)
        box = (MARGIN, cursor, CONTENT_WIDTH)
        rate_table(slide.shapes, model.rates, table_layout, box, deck.text.font)
        cursor += rows * table_layout.height + GAP
    add_text(slide.shapes, (MARGIN, cursor, CONTENT_WIDTH, _height(below, CONTENT_WIDTH)),
             below, deck.text.font, name="注記と見通し")  # fmt: skip


def _outreach_slide(deck: Deck, catalog: Catalog) -> None:
    slide, top = deck.slide(deck.text.outreach_title)
    lines = outreach_lines(deck.model.events, catalog) or ["（取組の登録はありません）"]

    def height_at(size: float) -> float:
        return _height(_bullets(deck.text.outreach_heading, lines, size), CONTENT_WIDTH)

    size = fit_size(height_at, FOOTER_TOP - top - 4)
    paragraphs = _bullets(deck.text.outreach_heading, lines, size)
    add_text(slide.shapes, (MARGIN, top, CONTENT_WIDTH, _height(paragraphs, CONTENT_WIDTH)),
             paragraphs, deck.text.font, name="取組")  # fmt: skip


def _freshness(model: CommitteeModel) -> Freshness:
    latest = model.rates.latest_month
    return Freshness(
        latest_label=model.as_of_label,
        latest_long=month_label_long(latest) if latest else None,
        age_text=None,
        is_sample=model.is_sample,
    )


def _chart_slides(deck: Deck, today: date) -> None:
    for chart in deck.model.charts:
        slide, top = deck.slide(f"{deck.text.charts_title}（{chart.scheme_name}）")
        # The picture is the PNG download's: the same renderer, with the data's date under its
        # title (the slide carries the sample note, the deck its own date).
        spec = charts.with_subtitle(chart.spec, export_notes(_freshness(deck.model), today)[:1])
        png = chart_png.spec_to_png(spec)
        width_px, height_px = _png_pixels(png)
        room_width, room_height = CONTENT_WIDTH, FOOTER_TOP - top - 6
        scale = min(room_width / width_px, room_height / height_px)
        width, height = width_px * scale, height_px * scale
        picture = slide.shapes.add_picture(
            io.BytesIO(png),
            Emu(pt(MARGIN + (room_width - width) / 2)),
            Emu(pt(top)),
            Emu(pt(width)),
            Emu(pt(height)),
        )
        picture.name = f"グラフ {chart.scheme_name}"
        description = f"{chart.scheme_name} のオンライン利用率の推移"
        picture._element.find(qn("p:nvPicPr")).find(qn("p:cNvPr")).set("descr", description)


def _png_pixels(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def deck_pptx(model: CommitteeModel, catalog: Catalog, text: ReportText, today: date) -> bytes:
    """The 資料3 deck of this committee model as .pptx bytes."""
    deck = Deck(model, text)
    core = deck.presentation.core_properties
    core.title = f"{text.document_label} {model.title}"
    core.subject = "共済小委員会 資料（オンライン利用率）"
    _title_slide(deck)
    _background_slide(deck)
    _progress_slide(deck, catalog)
    _outreach_slide(deck, catalog)
    _chart_slides(deck, today)
    deck.number_slides()
    return deck.save()


def build_deck(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    text: ReportText,
    today: date,
    created: date | None = None,
) -> bytes:
    """The default deck: every scheme, all data, created in the given month (default: the
    December after the newest data)."""
    choice = CommitteeChoice(tuple(s.scheme_id for s in catalog.schemes), created=created)
    model = committee(con, catalog, choice, today)
    return deck_pptx(model, catalog, text, today)
