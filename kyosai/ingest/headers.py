"""Finding the table on a sheet: scan for its header row, whatever rows surround it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.ingest.grid import ROW, Grid, column_name
from kyosai.ingest.problems import Problem, cell_location, make_problem, row_location, shown
from kyosai.ingest.values import (
    COUNT_LABELS,
    HEADER_ALIASES,
    HEADER_KIND,
    MONTH,
    ONLINE,
    PAPER,
    PROCEDURE,
    SCHEME,
    TOTAL,
    TOTAL_WORDS,
    normalise_header,
    parse_month_text,
)

LONG, WIDE = "long", "wide"
_MONTH_EXAMPLES = "2025年10月、2025/10、R7.10 のように"


@dataclass(frozen=True)
class MonthColumns:
    """One month of a wide table: its heading cell and the columns of its sub-columns."""

    month: date
    heading: str
    heading_column: int
    online: int | None
    total: int | None
    paper: int | None


@dataclass(frozen=True)
class Table:
    """A table found on a grid: its layout, the columns it uses and its data rows (sheet rows)."""

    grid: Grid
    layout: str
    header_row: int
    first_row: int
    last_row: int
    scheme: int | None
    procedure: int
    month: int | None = None
    online: int | None = None
    total: int | None = None
    paper: int | None = None
    months: tuple[MonthColumns, ...] = ()


@dataclass(frozen=True)
class _Header:
    row: int
    raw: dict[int, str]
    kinds: dict[str, int]  # first column of each header kind
    headings: dict[int, date]  # month headings (wide), by column
    sub_row: int = 0  # wide: the row of the オンライン / 全体 sub-headings


def _first_columns(row: dict[int, str]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for column, text in row.items():
        kind = HEADER_KIND.get(normalise_header(text))
        if kind is not None and kind not in kinds:
            kinds[kind] = column
    return kinds


def _row_cells(grid: Grid, row: int) -> dict[int, str]:
    """The non-empty cells of one sheet row, by absolute column."""
    found = grid.frame.filter(pl.col(ROW) == row)
    if found.is_empty():
        return {}
    values = found.row(0, named=True)
    cells: dict[int, str] = {}
    for column in grid.columns:
        value = values[column_name(column)]
        if value is not None and value.strip():
            cells[column] = value
    return cells


def _candidate_rows(grid: Grid) -> list[int]:
    """Rows holding a 手続 header word: the only rows worth classifying cell by cell."""
    texts = grid.texts_folding_to(HEADER_ALIASES[PROCEDURE])
    hits = [pl.col(column_name(c)).is_in(texts) for c in grid.columns]
    if not hits or not texts:
        return []
    found = grid.frame.filter(pl.any_horizontal(hits)).get_column(ROW)
    return [int(row) for row in found.to_list()]


def _neighbour(grid: Grid, row: int, step: int) -> int:
    """The sheet row of the record before (step -1) or after (step 1) `row`; 0 when none."""
    rows = grid.frame.get_column(ROW)
    near = rows.filter(rows < row).max() if step < 0 else rows.filter(rows > row).min()
    return int(near) if isinstance(near, int) else 0


def _headings(raw: dict[int, str], start: int, taken: set[int]) -> dict[int, date]:
    headings = {}
    for column, text in raw.items():
        if column > start and column not in taken:
            month = parse_month_text(text)
            if month is not None:
                headings[column] = month
    return headings


def _header(grid: Grid, row: int) -> _Header | None:
    raw = _row_cells(grid, row)
    kinds = _first_columns(raw)
    if PROCEDURE not in kinds:
        return None
    start = kinds[PROCEDURE]
    headings = _headings(raw, start, set(kinds.values()))
    if headings or MONTH in kinds or ONLINE not in kinds:
        return _Header(
            row=row, raw=raw, kinds=kinds, headings=headings, sub_row=_neighbour(grid, row, 1)
        )
    # 制度 / 手続 beside the オンライン / 全体 sub-headings, the months merged in the row above.
    above = _neighbour(grid, row, -1)
    above_raw = _row_cells(grid, above) if above else {}
    above_headings = _headings(above_raw, start, set())
    if not above_headings:
        return _Header(row=row, raw=raw, kinds=kinds, headings={})
    names = {kind: column for kind, column in kinds.items() if kind in (SCHEME, PROCEDURE)}
    above_raw = {c: t for c, t in above_raw.items() if c > start}
    return _Header(row=above, raw=above_raw, kinds=names, headings=above_headings, sub_row=row)


def _long_table(grid: Grid, header: _Header, last_row: int) -> Table:
    k = header.kinds
    return Table(
        grid=grid,
        layout=LONG,
        header_row=header.row,
        first_row=header.row + 1,
        last_row=last_row,
        scheme=k.get(SCHEME),
        procedure=k[PROCEDURE],
        month=k[MONTH],
        online=k[ONLINE],
        total=k.get(TOTAL),
        paper=k.get(PAPER),
    )


def _spans(header: _Header, columns: list[int]) -> dict[int, list[int]]:
    """The columns under each header cell right of 手続: a merged heading covers its sub-columns."""
    cells = sorted(c for c in header.raw if c > header.kinds[PROCEDURE])
    spans: dict[int, list[int]] = {}
    for position, cell in enumerate(cells):
        end = cells[position + 1] if position + 1 < len(cells) else max(columns, default=cell) + 1
        spans[cell] = [c for c in columns if cell <= c < end]
    return spans


def _wide_table(grid: Grid, header: _Header, last_row: int) -> tuple[Table | None, list[Problem]]:
    sheet = grid.sheet
    sub_cells = _row_cells(grid, header.sub_row)
    sub = {c: HEADER_KIND.get(normalise_header(t)) for c, t in sub_cells.items()}
    columns = sorted(c for c in set(header.raw) | set(sub) if c > header.kinds[PROCEDURE])
    problems: list[Problem] = []
    months: list[MonthColumns] = []
    seen: dict[date, int] = {}
    for cell, span in _spans(header, columns).items():
        text = header.raw[cell]
        location = cell_location(sheet, cell, header.row)
        parts: dict[str, int] = {}
        for column in span:
            kind = sub.get(column)
            if kind in (ONLINE, TOTAL, PAPER) and kind not in parts:
                parts[kind] = column
        month = header.headings.get(cell)
        if month is None:
            word = normalise_header(text)
            # 合計, 備考 or a period (R7.4~R7.9) over other columns is simply not data; a heading
            # over count sub-columns that is not a month is a month typed wrongly.
            if parts and word not in TOTAL_WORDS and "~" not in word and "〜" not in word:
                body = (
                    f"見出し「{shown(text)}」は年月として読めません。"
                    f"{_MONTH_EXAMPLES}入力してください。"
                )
                problems.append(
                    make_problem(location, shown(text), "年月（2025年10月 など）", body)
                )
            continue
        if ONLINE not in parts or (TOTAL not in parts and PAPER not in parts):
            body = (
                f"月の見出し「{shown(text)}」の下の行に「オンライン」と「全体」（または「書面」）の"
                "見出しがありません。各月の下に オンライン・全体 の2列を作ってください。"
            )
            problems.append(make_problem(location, shown(text), "オンライン・全体の見出し", body))
            continue
        if month in seen:
            first = cell_location(sheet, seen[month], header.row)
            body = (
                f"月の見出し「{shown(text)}」が {first} と同じ月です。"
                "同じ月の列は1組にしてください。"
            )
            problems.append(make_problem(location, shown(text), "重複しない月の見出し", body))
            continue
        seen[month] = cell
        months.append(
            MonthColumns(
                month=month,
                heading=text,
                heading_column=cell,
                online=parts.get(ONLINE),
                total=parts.get(TOTAL),
                paper=parts.get(PAPER),
            )
        )
    if not months:
        return None, problems
    table = Table(
        grid=grid,
        layout=WIDE,
        header_row=header.row,
        first_row=header.sub_row + 1,
        last_row=last_row,
        scheme=header.kinds.get(SCHEME),
        procedure=header.kinds[PROCEDURE],
        months=tuple(months),
    )
    return table, problems


def _missing_columns(grid: Grid, header: _Header) -> Problem:
    missing = [
        label
        for kind, label in ((MONTH, "年月"), (ONLINE, COUNT_LABELS[ONLINE]))
        if kind not in header.kinds
    ]
    if TOTAL not in header.kinds and PAPER not in header.kinds:
        missing.append("全体件数（または書面件数）")
    found = "・".join(shown(header.raw[c]) for c in sorted(header.raw))
    names = "・".join(f"「{name}」" for name in missing)
    body = (
        f"見出し行に{names}の列がありません。"
        "見出しは 制度・手続・年月・オンライン件数・全体件数 としてください。"
    )
    return make_problem(
        row_location(grid.sheet, header.row),
        found,
        "制度・手続・年月・オンライン件数・全体件数",
        body,
    )


def find_tables(grid: Grid) -> tuple[list[Table], list[Problem]]:
    """Every table on a grid (a header row starts one, the next header row ends it)."""
    headers: list[_Header] = []
    partial: list[_Header] = []
    for row in _candidate_rows(grid):
        header = _header(grid, row)
        if header is None:
            continue
        kinds = header.kinds
        is_long = MONTH in kinds and ONLINE in kinds and (TOTAL in kinds or PAPER in kinds)
        is_wide = bool(header.headings) and MONTH not in kinds
        if is_long or is_wide:
            headers.append(header)
        elif {MONTH, ONLINE, TOTAL, PAPER} & set(kinds):
            partial.append(header)
    tables: list[Table] = []
    problems: list[Problem] = []
    for position, header in enumerate(headers):
        last_row = headers[position + 1].row - 1 if position + 1 < len(headers) else grid.last_row
        if header.headings and MONTH not in header.kinds:
            table, found = _wide_table(grid, header, last_row)
            problems.extend(found)
            if table is not None:
                tables.append(table)
        else:
            tables.append(_long_table(grid, header, last_row))
    if not headers:
        problems.extend(_missing_columns(grid, header) for header in partial)
    return tables, problems
