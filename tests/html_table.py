"""Read the rate tables the app renders as HTML back into headers and cell text.

Used by the AppTest tests (on the HTML sent to the browser) and the Playwright tests (on the
table in the page), so both read a table the way a person does: a cell under a merged
「期間集計」 heading is named "期間集計 R6.4~R7.3", as the downloads name it.
"""

from __future__ import annotations

import html as html_text
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pandas as pd


@dataclass
class HtmlTable:
    """One table: column names (merged headings joined) and the text of each body row."""

    headers: list[str]
    rows: list[list[str]]
    met: list[list[bool]] = field(default_factory=list)

    def column(self, header: str) -> list[str]:
        """The cells of one column, top to bottom."""
        index = self.headers.index(header)
        return [row[index] for row in self.rows]

    def cell(self, row_label: str, header: str) -> str:
        """The cell in the row whose first cell is ``row_label`` and the column ``header``."""
        matches = [row for row in self.rows if row and row[0] == row_label]
        assert len(matches) == 1, f"{len(matches)} rows labelled {row_label!r}: {self.rows}"
        return matches[0][self.headers.index(header)]

    def is_met(self, row_label: str, header: str) -> bool:
        """Whether that cell is marked as at or above target (shaded and bold)."""
        index = [row[0] for row in self.rows].index(row_label)
        return self.met[index][self.headers.index(header)]


@dataclass
class _Cell:
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    met: bool = False


class _TableParser(HTMLParser):
    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.tables: list[tuple[list[list[_Cell]], list[list[_Cell]]]] = []
        self._inside = False
        self._section = ""
        self._row: list[_Cell] | None = None
        self._cell: _Cell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "table" and self.table_class in classes:
            self._inside = True
            self.tables.append(([], []))
        elif not self._inside:
            return
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = _Cell(
                rowspan=int(attributes.get("rowspan") or 1),
                colspan=int(attributes.get("colspan") or 1),
                met="met" in classes,
            )

    def handle_endtag(self, tag: str) -> None:
        if not self._inside:
            return
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._cell.text = self._cell.text.strip()
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            head, body = self.tables[-1]
            (head if self._section == "thead" else body).append(self._row)
            self._row = None
        elif tag == "table":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data


def _column_names(head: list[list[_Cell]]) -> list[str]:
    if not head:
        return []
    names: list[str] = []
    lower = iter(head[1]) if len(head) > 1 else iter(())
    for cell in head[0]:
        if cell.colspan > 1 or (cell.rowspan == 1 and len(head) > 1):
            names += [f"{cell.text} {next(lower).text}" for _ in range(cell.colspan)]
        else:
            names.append(cell.text)
    return names


def _spread(body: list[list[_Cell]]) -> list[list[_Cell]]:
    # A cell merged down (rowspan) is repeated in every row it covers, as a reader sees it.
    rows: list[list[_Cell]] = []
    pending: dict[int, tuple[_Cell, int]] = {}
    for row in body:
        cells = iter(row)
        full: list[_Cell] = []
        column = 0
        while True:
            if column in pending:
                cell, left = pending.pop(column)
                if left > 1:
                    pending[column] = (cell, left - 1)
            else:
                cell = next(cells, None)  # type: ignore[arg-type]
                if cell is None:
                    break
                if cell.rowspan > 1:
                    pending[column] = (cell, cell.rowspan - 1)
            full.append(cell)
            column += 1
        rows.append(full)
    return rows


def read_tables(html: str, table_class: str = "rates") -> list[HtmlTable]:
    """Every ``<table class="{table_class}">`` in ``html``, in order."""
    parser = _TableParser(table_class)
    parser.feed(html)
    tables = []
    for head, body in parser.tables:
        rows = _spread(body)
        tables.append(
            HtmlTable(
                headers=_column_names(head),
                rows=[[cell.text for cell in row] for row in rows],
                met=[[cell.met for cell in row] for row in rows],
            )
        )
    return tables


def sent_html(app: Any) -> str:
    """All the ``st.html`` bodies an AppTest run sent, in order."""
    return "".join(element.proto.body for element in app.get("html"))


def rate_frame(app: Any, table_class: str = "rates") -> pd.DataFrame:
    """The one table of that class an AppTest run shows, as a frame of the cell texts."""
    tables = read_tables(sent_html(app), table_class)
    assert len(tables) == 1, f"{len(tables)} tables of class {table_class!r}"
    return pd.DataFrame(tables[0].rows, columns=tables[0].headers)


def shown_counts(app: Any) -> dict[str, str]:
    """The big counts an AppTest run shows (the upload preview's 新規, 修正, 変更なし): label →
    value text."""
    blocks = re.findall(r'<div class="kpis counts">(.*?)</div></div></div>', sent_html(app))
    assert len(blocks) == 1, f"{len(blocks)} blocks of counts"
    pairs = re.findall(
        r'<div class="label">(.*?)</div><div class="value">(.*?)</div>', blocks[0] + "</div>"
    )
    return {html_text.unescape(label): html_text.unescape(value) for label, value in pairs}
