"""Reading a .pptx deck back: its tables as grids, and where LibreOffice drew its text."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.table import Table

EMU_PER_PT = 12700


def open_deck(data: bytes) -> PresentationType:
    """The deck, opened by python-pptx."""
    return Presentation(io.BytesIO(data))


def table_named(slide: Slide, name: str) -> Table:
    """The native table of that shape name on the slide."""
    for shape in slide.shapes:
        if shape.name == name and shape.has_table:
            return shape.table
    raise AssertionError(f"no table {name!r} on the slide")


def grid(table: Table) -> list[list[str]]:
    """Every cell's text, row by row (spanned cells read empty)."""
    return [[cell.text for cell in row.cells] for row in table.rows]


@dataclass(frozen=True)
class Line:
    """One line of text as LibreOffice drew it on a PDF page, in points from the top left."""

    text: str  # the line's words joined without spaces
    top: float
    bottom: float


def pdf_lines(pdf: Path, page: int) -> list[Line]:
    """The lines pdftotext finds on one page of the PDF."""
    layout = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = []
    for match in re.finditer(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                             r"(.*?)</line>", layout, re.S):  # fmt: skip
        words = re.findall(r">([^<]*)</word>", match.group(3))
        text = "".join(words).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        lines.append(Line(text, float(match.group(1)), float(match.group(2))))
    return lines


def squeezed(text: str) -> str:
    """Text without the spaces LibreOffice puts between Japanese and Latin characters."""
    return re.sub(r"\s+", "", text)
