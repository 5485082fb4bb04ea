"""The quick scan of a plain sheet part agrees with the full XmlScan whenever it answers."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from kyosai.ingest.limits import XmlScan
from kyosai.ingest.quickscan import quick_scan
from tests.xml_strategies import Element, cell_references, sheet_elements

ELEMENTS = sheet_elements(
    cell_references(800, 25_000, ["", "A0", "1A", "a5", "$A$1", "A", "A01"]), ("c", "x:c")
)


def sheet_xml(elements: list[Element], spacing: str) -> bytes:
    parts = ['<worksheet xmlns="x"><sheetData>']
    for kind, reference, empty in elements:
        r = "" if reference is None else f'{spacing}r="{reference}"'
        if kind == "/row":
            parts.append("</row>")
        elif kind == "row":
            parts.append(f"<row{r}{'/' if empty else ''}>")
        elif empty:
            parts.append(f'<{kind}{r} s="0"/>')
        else:
            parts.append(f'<{kind}{r} t="n"><v>1</v></{kind}>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(ELEMENTS, max_size=40), st.sampled_from([" ", "  ", "\n"]))
def test_quick_scan_matches_the_full_scan(elements: list[Element], spacing: str) -> None:
    part = sheet_xml(elements, spacing)
    full = XmlScan(sheet="s")
    problem = full.feed(part)
    quick = XmlScan(sheet="s")
    if quick_scan(part, quick):
        assert problem is None
        assert (quick.max_row, quick.min_column, quick.max_column) == (
            full.max_row,
            full.min_column,
            full.max_column,
        )
        assert quick.tag_budget == full.tag_budget
        assert quick.cells == full.cells


def test_plain_sheet_takes_the_quick_path() -> None:
    part = sheet_xml([("row", "1", False), ("c", "B3", False), ("c", "D2", True)], " ")
    scan = XmlScan(sheet="s")
    assert quick_scan(part, scan)
    assert (scan.max_row, scan.min_column, scan.max_column) == (2, 1, 1)
