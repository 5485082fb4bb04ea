"""The quick scan of a plain sheet part agrees with the full XmlScan whenever it answers."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from kyosai.ingest.limits import XmlScan
from kyosai.ingest.problems import column_letters
from kyosai.ingest.quickscan import quick_scan

REFERENCES = st.one_of(
    st.none(),
    st.builds(lambda c, r: f"{column_letters(c)}{r}", st.integers(0, 800), st.integers(1, 25_000)),
    st.sampled_from(["", "A0", "1A", "a5", "$A$1", "A", "A01"]),
)
ELEMENTS = st.one_of(
    st.tuples(st.just("row"), st.one_of(st.none(), st.integers(1, 400).map(str)), st.booleans()),
    st.tuples(st.just("/row"), st.none(), st.booleans()),
    st.tuples(st.just("c"), REFERENCES, st.booleans()),
    st.tuples(st.just("x:c"), REFERENCES, st.booleans()),
)


def sheet_xml(elements: list[tuple[str, str | None, bool]], spacing: str) -> bytes:
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
def test_quick_scan_matches_the_full_scan(
    elements: list[tuple[str, str | None, bool]], spacing: str
) -> None:
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
