"""A one-pass check of a small, plainly written sheet part, giving what XmlScan would give.

XmlScan walks every row and cell tag in Python, which costs about 10 ms for ten years of counts.
A sheet saved by Excel, openpyxl or xlsxwriter writes every cell as `<c r="B7" ...>`; for such a
part the used range is simply the extent of those references, found by one regex. Anything else
(a prefixed tag, a cell without a plain reference, an `<sst>`, a limit reached) is left to the
full scan, which then decides exactly as before: this only ever answers "nothing wrong".
"""

from __future__ import annotations

import re

from kyosai.ingest.limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    TextRuns,
    XmlScan,
    column_index,
)

# Parts up to this size are inflated whole for the quick check; bigger ones stream as before.
QUICK_PART_BYTES = 1024 * 1024
# A cell start tag as those writers produce it: the reference first, then plain double-quoted
# attributes without markup characters, so it reads exactly as the full scan's pattern reads it.
_PLAIN_CELL_RE = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?:\s+[A-Za-z_][\w:.-]*="[^"<>]*+")*+\s*(/?)>'
)
# What may follow a tag name in the full scan's pattern (`\s`, `/` or `>`), all folded to a
# space: then every cell start tag, plain or not, reads `<c ` and one count finds them all.
_AFTER_NAME = bytes.maketrans(b"\t\n\x0b\x0c\r/>", b"       ")


def quick_scan(part: bytes, scan: XmlScan) -> bool:
    """Whether a whole, plainly written part is within every limit; if so, `scan` is filled in."""
    tags = part.count(b"<")
    last = part.rfind(b"<")
    if last >= 0 and part.find(b">", last) < 0:
        tags -= 1  # an unfinished last tag is never counted by the full scan either
    if tags > scan.tag_budget or b"sst" in part:
        return False
    folded = part.translate(_AFTER_NAME)
    if b":c " in folded:
        return False  # a namespace-prefixed cell (`<x:c>`) is left to the full scan
    cells = _PLAIN_CELL_RE.findall(part)
    if len(cells) != folded.count(b"<c "):
        return False  # some cell start tag is not plain; rows only place cells without r=
    if TextRuns().feed(part):
        return False
    # calamine drops a cell with no value (`<c r="B2" s="1"/>`): it cannot widen the range.
    letters, digits, empty = zip(*cells, strict=True) if cells else ((), (), ())
    if b"/" in empty:
        kept = [(name, number) for name, number, slash in cells if not slash]
        letters, digits = zip(*kept, strict=True) if kept else ((), ())
    max_row = max(map(int, digits), default=0) - 1
    columns = [column_index(name) for name in set(letters)]
    max_column = max(columns, default=-1)
    min_column = min(columns, default=MAX_COLUMNS)
    if max_row >= MAX_ROWS or max_column >= MAX_COLUMNS:
        return False  # the full scan names the first cell beyond the limit
    scan.tag_budget -= tags
    scan.max_row, scan.min_column, scan.max_column = max_row, min_column, max_column
    return True
