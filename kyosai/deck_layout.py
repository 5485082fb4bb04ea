"""python-pptx building blocks for the 資料3 deck: Japanese text runs, text boxes sized from
their text, and native tables with borders and merged cells."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.shapes.shapetree import SlideShapes
from pptx.table import Table, _Cell
from pptx.text.text import TextFrame, _Paragraph
from pptx.util import Emu, Pt

EMU_PER_PT = 12700
# Lines are spaced exactly this many points per point of type: "single" spacing follows each
# font's own metrics (about 1.2 em for Noto Sans CJK in LibreOffice, 1.5 em for Meiryo in
# PowerPoint), which would make a box's height depend on the PC that opens it.
LINE_HEIGHT = 1.3
# Space left between paragraphs of a text box, in em.
PARAGRAPH_GAP = 0.35
INSET_PT = 4.0
INK = RGBColor(0x11, 0x11, 0x11)
RULE = RGBColor(0x55, 0x55, 0x55)
HEADER_FILL = RGBColor(0xDF, 0xE8, 0xF3)
LABEL_FILL = RGBColor(0xF2, 0xF5, 0xF9)
MET_FILL = RGBColor(0xD9, 0xF0, 0xD3)
MET_INK = RGBColor(0x0B, 0x4F, 0x0B)
RULE_BLUE = RGBColor(0x1F, 0x5F, 0xA8)
SAMPLE_FILL = RGBColor(0xFF, 0xF3, 0xCD)
SAMPLE_INK = RGBColor(0x5C, 0x44, 0x00)
# Japanese character set in the run's font: PowerPoint then substitutes a Japanese Gothic for
# a missing typeface, never a Latin font.
SHIFT_JIS_CHARSET = "-128"


def text_width_em(text: str) -> float:
    """The width of a line of text in em: full-width characters 1, the others about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.6 for ch in text)


def line_count(text: str, width_pt: float, size_pt: float) -> int:
    """How many lines the text wraps to in a box of this inner width (never fewer than one)."""
    per_line = max(1.0, width_pt / size_pt - 0.5)  # half an em lost to wrapping at word ends
    return max(1, math.ceil(text_width_em(text) / per_line))


def text_height_pt(paragraphs: Sequence[tuple[str, float]], width_pt: float) -> float:
    """The height that paragraphs of (text, type size) take in a box of this width, insets
    included."""
    inner = width_pt - 2 * INSET_PT
    height = 2 * INSET_PT
    for index, (text, size) in enumerate(paragraphs):
        height += line_count(text, inner, size) * size * LINE_HEIGHT
        height += PARAGRAPH_GAP * size if index else 0
    return height


def set_font(run_properties: etree._Element, typeface: str) -> None:
    """Set the Latin, East Asian and complex-script typeface of one run."""
    for tag in ("a:latin", "a:ea", "a:cs"):
        for old in run_properties.findall(qn(tag)):
            run_properties.remove(old)
    anchor = None
    # The schema's order is fills and effects first, then latin, ea, cs, then the rest.
    for child in run_properties:
        if child.tag in {qn("a:sym"), qn("a:hlinkClick"), qn("a:hlinkMouseOver"), qn("a:rtl")}:
            anchor = child
            break
    for tag in ("a:latin", "a:ea", "a:cs"):
        font = etree.SubElement(run_properties, qn(tag))
        font.set("typeface", typeface)
        if tag == "a:ea":
            font.set("charset", SHIFT_JIS_CHARSET)
        if anchor is not None:
            anchor.addprevious(font)


@dataclass(frozen=True)
class Style:
    """How a paragraph's runs look."""

    size: float
    bold: bool = False
    color: RGBColor = INK
    align: PP_ALIGN = PP_ALIGN.LEFT


def write_paragraph(paragraph: _Paragraph, text: str, style: Style, typeface: str) -> None:
    """Fill one paragraph with a single run of text in this style."""
    paragraph.alignment = style.align
    paragraph.line_spacing = Pt(style.size * LINE_HEIGHT)
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(style.size)
    run.font.bold = style.bold
    run.font.color.rgb = style.color
    set_font(run._r.get_or_add_rPr(), typeface)
    # The paragraph's end mark takes the size too, so an empty line is as tall as the others.
    end = paragraph._p.get_or_add_endParaRPr()
    end.set("sz", str(int(style.size * 100)))
    set_font(end, typeface)


def _plain_frame(frame: TextFrame, anchor: MSO_ANCHOR = MSO_ANCHOR.TOP) -> None:
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    inset = Pt(INSET_PT)
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = inset


def add_text(
    shapes: SlideShapes,
    box: tuple[float, float, float, float],
    paragraphs: Sequence[tuple[str, Style]],
    typeface: str,
    *,
    name: str,
    fill: RGBColor | None = None,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
) -> None:
    """A text box at (left, top, width, height) in points, one paragraph per (text, style)."""
    left, top, width, height = box
    shape = shapes.add_textbox(Emu(pt(left)), Emu(pt(top)), Emu(pt(width)), Emu(pt(height)))
    shape.name = name
    if fill is not None:
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
    frame = shape.text_frame
    _plain_frame(frame, anchor)
    for index, (text, style) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if index:
            paragraph.space_before = Pt(style.size * PARAGRAPH_GAP)
        write_paragraph(paragraph, text, style, typeface)


def pt(points: float) -> int:
    """Points as EMU."""
    return round(points * EMU_PER_PT)


def _border(cell: _Cell) -> None:
    properties = cell._tc.get_or_add_tcPr()
    for tag in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        line = etree.Element(qn(tag), w="9525", cap="flat", cmpd="sng", algn="ctr")
        fill = etree.SubElement(line, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:srgbClr"), val=str(RULE))
        etree.SubElement(line, qn("a:prstDash"), val="solid")
        # Borders come before the cell's fill in the schema.
        properties.insert(len([c for c in properties if c.tag.startswith(qn("a:ln"))]), line)


# "No Style, No Grid": the table's look is all set cell by cell, the same in every client.
PLAIN_TABLE_STYLE = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"


def add_table(
    shapes: SlideShapes,
    box: tuple[float, float, float, float],
    column_widths: Sequence[float],
    row_heights: Sequence[float],
    *,
    name: str,
) -> Table:
    """A plain native table whose columns and rows have these sizes in points."""
    left, top, width, height = box
    frame = shapes.add_table(
        len(row_heights),
        len(column_widths),
        Emu(pt(left)),
        Emu(pt(top)),
        Emu(pt(width)),
        Emu(pt(height)),
    )
    frame.name = name
    table = frame.table
    table.first_row = table.horz_banding = False
    properties = table._tbl.get_or_add_tblPr()
    style = properties.find(qn("a:tableStyleId"))
    if style is None:
        style = etree.SubElement(properties, qn("a:tableStyleId"))
    style.text = PLAIN_TABLE_STYLE
    for index, column_width in enumerate(column_widths):
        table.columns[index].width = Emu(pt(column_width))
    for index, row_height in enumerate(row_heights):
        table.rows[index].height = Emu(pt(row_height))
    return table


def fill_cell(
    cell: _Cell, text: str, style: Style, typeface: str, fill: RGBColor | None = None
) -> None:
    """Write one cell's text, fill and borders."""
    cell.margin_left = cell.margin_right = Pt(3)
    cell.margin_top = cell.margin_bottom = Pt(2)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    for run in list(paragraph.runs):
        paragraph._p.remove(run._r)
    write_paragraph(paragraph, text, style, typeface)
    if fill is not None:
        cell.fill.solid()
        cell.fill.fore_color.rgb = fill
    else:
        cell.fill.background()
    _border(cell)
