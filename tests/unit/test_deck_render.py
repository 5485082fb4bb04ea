"""The 資料3 deck as LibreOffice Impress draws it: no text runs past its box or its slide.

The deck is rendered to PDF (`soffice --convert-to pdf`, Debian's libreoffice-impress) and
pdftotext gives where each line was drawn. Skipped with the reason where LibreOffice or poppler
is missing; CI (KYOSAI_REQUIRE_OFFICE=1) requires them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from kyosai import store
from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeChoice, committee
from kyosai.deck import deck_pptx
from kyosai.report import load_report_text
from tests.deck_reading import Line, open_deck, pdf_lines, squeezed
from tests.office import convert, require_tool

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)
EMU_PER_PT = 12700
TOLERANCE = 1.5  # points: the PDF's glyph boxes against the shape's edge


def _deck(con: duckdb.DuckDBPyConnection, choice: CommitteeChoice) -> bytes:
    model = committee(con, CATALOG, choice, TODAY)
    return deck_pptx(model, CATALOG, load_report_text(), TODAY)


def _line_with(lines: list[Line], piece: str, top: float, *, at_end: bool) -> Line:
    found = [
        line for line in lines
        if line.top >= top - TOLERANCE
        and (squeezed(line.text).endswith(piece) if at_end else piece in squeezed(line.text))
    ]  # fmt: skip
    assert found, f"no line drawn with {piece!r} below {top:.1f}pt"
    return min(found, key=lambda line: line.top)


def _last_line_of(lines: list[Line], text: str, top: float) -> Line:
    """The last of the consecutive lines that draw exactly this text, from below `top`."""
    for start, line in enumerate(lines):
        if line.top < top - TOLERANCE or not text.startswith(squeezed(line.text)[:6]):
            continue
        drawn = ""
        for end in range(start, len(lines)):
            drawn += squeezed(lines[end].text)
            if not text.startswith(drawn):
                break
            if drawn == text:
                return lines[end]
    raise AssertionError(f"the text {text[:30]!r}… is not drawn whole below {top:.1f}pt")


def _check_rendered(data: bytes, tmp_path: Path) -> int:
    require_tool("pdftotext", "poppler-utils")
    pdf = tmp_path / "deck.pdf"
    pdf.write_bytes(convert(data, ".pptx", "pdf"))
    deck = open_deck(data)
    height = deck.slide_height / EMU_PER_PT
    checked = 0
    for number, slide in enumerate(deck.slides, start=1):
        lines = pdf_lines(pdf, number)
        assert lines, f"slide {number} drew no text"
        assert all(line.top >= 0 and line.bottom <= height for line in lines), number
        for shape in slide.shapes:
            top = shape.top / EMU_PER_PT
            bottom = (shape.top + shape.height) / EMU_PER_PT
            if shape.has_text_frame and squeezed(shape.text_frame.text):
                drawn = _last_line_of(lines, squeezed(shape.text_frame.text), top)
            elif shape.has_table:
                # The last row's label is drawn inside the table: no row grew past its height.
                label = squeezed(shape.table.cell(len(shape.table.rows) - 1, 0).text)
                drawn = _line_with(lines, label, top, at_end=False)
                # Every heading is on one line, none wrapped in its column.
                for cell in shape.table.rows[1].cells:
                    if cell.text:
                        _line_with(lines, squeezed(cell.text), top, at_end=False)
            else:
                continue
            assert drawn.bottom <= bottom + TOLERANCE, (number, shape.name, drawn, bottom)
            checked += 1
    return checked


def test_the_sample_deck_keeps_its_text_inside_its_boxes(
    sample_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    checked = _check_rendered(_deck(sample_con, CommitteeChoice(("shokibo", "tosan"))), tmp_path)
    assert checked >= 20


def test_a_long_history_deck_keeps_its_text_inside_its_boxes(
    empty_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    months = [date(2014 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(12 * 12)]
    frame = pl.DataFrame(
        [(pid, month, 100 + index, 1000) for index, month in enumerate(months)
         for pid in ("shokibo_kanyu", "tosan_kanyu", "tosan_hozen")],
        schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
        orient="row",
    )  # fmt: skip
    store.write_upload(empty_con, frame, file_name="long.xlsx", sha256="long", uploaded_by="t")
    checked = _check_rendered(_deck(empty_con, CommitteeChoice(("shokibo", "tosan"))), tmp_path)
    assert checked >= 20
