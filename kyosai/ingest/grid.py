"""Raw cell grids: every sheet of an xlsx, or the CSV text, as strings at their real positions."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass

import fastexcel
import polars as pl

from kyosai.ingest.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEETS,
    cell_too_long,
    too_many_cells,
    too_many_rows,
    too_many_sheets,
    too_wide,
)
from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem
from kyosai.ingest.values import normalised_expr

ROW = "row"
__all__ = ["MAX_COLUMNS", "ROW", "Grid", "column_name", "read_csv_grid", "read_workbook_grids"]


@dataclass(frozen=True)
class Grid:
    """One sheet's cells as text; `sheet` is None for a CSV. Columns are `row` and `c<index>`."""

    sheet: str | None
    index: int
    frame: pl.DataFrame

    @property
    def last_row(self) -> int:
        """The last sheet row (or CSV line) the grid holds; 0 when empty."""
        last = self.frame.get_column(ROW).max()
        return int(last) if isinstance(last, int) else 0

    @property
    def columns(self) -> list[int]:
        """The 0-based absolute column indices the grid holds, left to right."""
        return [int(name[1:]) for name in self.frame.columns if name != ROW]

    @functools.cached_property
    def folded(self) -> dict[str, str]:
        """Each distinct non-ASCII cell text → its normalise_header form, computed once."""
        # Header and 合計 words are all non-ASCII, and NFKC keeps ASCII text ASCII, so numbers
        # and dates (most cells) can never match one: only the few distinct labels are folded.
        texts = [name for name in self.frame.columns if name != ROW]
        if not texts:
            return {}
        values = pl.concat([self.frame.get_column(name) for name in texts]).unique().drop_nulls()
        values = values.filter(values.str.len_bytes() != values.str.len_chars())
        if values.is_empty():
            return {}
        words = pl.DataFrame({"text": values}).with_columns(word=normalised_expr("text"))
        return dict(zip(words["text"].to_list(), words["word"].to_list(), strict=True))

    def texts_folding_to(self, words: Iterable[str]) -> list[str]:
        """The cell texts whose normalise_header form is one of `words` (all non-ASCII)."""
        wanted = set(words)
        return [text for text, word in self.folded.items() if word in wanted]


def column_name(index: int) -> str:
    """The grid column holding absolute column `index`."""
    return f"c{index}"


def _unreadable(error: str) -> Problem:
    # The reader's error type means nothing to staff; it stays in `found` for whoever debugs.
    body = (
        "Excel ファイルとして読み込めませんでした（ファイルが壊れているか、"
        "Excel の形式として正しくありません）。Excel で開けるか確かめ、"
        ".xlsx 形式で保存し直してください。"
    )
    return make_problem(FILE_LOCATION, error, "読み込める Excel ファイル", body)


def _sheet_too_big(name: str, height: int, width: int, first_column: int) -> Problem | None:
    """The after-loading guard: a file whose XML hid its size is still refused here."""
    if height > MAX_ROWS:
        return too_many_rows(name, height)
    if first_column + width > MAX_COLUMNS:
        return too_wide(name, first_column + width - 1, None)
    return None


def _long_cell(grid: Grid) -> Problem | None:
    """The first cell, top to bottom and left to right, longer than MAX_CELL_CHARS."""
    texts = [name for name in grid.frame.columns if name != ROW]
    if not texts:
        return None
    lengths = grid.frame.select(ROW, *(pl.col(name).str.len_chars().fill_null(0) for name in texts))
    long_rows = lengths.filter(pl.max_horizontal(texts) > MAX_CELL_CHARS)
    if long_rows.is_empty():
        return None
    first = long_rows.row(0, named=True)
    name = next(name for name in texts if first[name] > MAX_CELL_CHARS)
    return cell_too_long(grid.sheet, int(name[1:]), int(first[ROW]), int(first[name]))


def read_workbook_grids(
    data: bytes, chart_sheets: frozenset[str] = frozenset()
) -> tuple[list[Grid], list[Problem]]:
    """Every visible, non-empty sheet of a workbook as a text grid, at its real rows and columns."""
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as error:  # calamine raises its own types for every kind of damage
        return [], [_unreadable(type(error).__name__)]
    if len(names) > MAX_SHEETS:
        return [], [too_many_sheets(len(names))]
    grids: list[Grid] = []
    problems: list[Problem] = []
    cells = 0
    for index, name in enumerate(names):
        try:
            # header_row=None keeps the first row as data; skip_rows=0 keeps leading empty rows,
            # so frame row i is sheet row i + 1. dtypes="string" stops type inference: numbers,
            # dates and text all arrive as the text we parse ourselves.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            first_column = min((c.absolute_index for c in sheet.selected_columns), default=0)
            too_big = _sheet_too_big(name, sheet.total_height, sheet.width, first_column)
            cells += sheet.total_height * sheet.width
            if too_big is not None or cells > MAX_CELLS:
                # Stop before turning the sheet into a frame: that would cost the memory again.
                return [], [too_big or too_many_cells(cells)]
            if sheet.visible != "visible":
                # Staff hide helper and old sheets; what they cannot see is not what they upload.
                continue
            if sheet.width == 0 or sheet.height == 0:
                continue
            # The range starts at the first used column, so name columns by absolute index.
            renames = {col.name: column_name(col.absolute_index) for col in sheet.selected_columns}
            frame = sheet.to_polars().rename(renames)
        except Exception as error:  # one damaged sheet should not hide the others' problems
            if name in chart_sheets:
                continue  # a chart, which holds no counts
            location = f"シート「{name}」"
            body = (
                "このシートを読み込めませんでした（シートの中身が壊れているか、"
                "Excel の形式として正しくありません）。Excel で開いて保存し直してください。"
            )
            problems.append(make_problem(location, type(error).__name__, "読み込めるシート", body))
            continue
        frame = frame.select(
            pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW),
            pl.all().cast(pl.String),
        )
        grid = Grid(sheet=name, index=index, frame=frame)
        long_cell = _long_cell(grid)
        if long_cell is not None:
            problems.append(long_cell)
            continue
        grids.append(grid)
    return grids, problems


def _delimiter(text: str) -> str:
    head = text[:4096]
    # Excel's "テキスト（タブ区切り）" saved as .csv is common; semicolons are not used in Japan.
    return "\t" if head.count("\t") > head.count(",") else ","


def _csv_lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _csv_error(line: int, error: csv.Error) -> Problem:
    location = f"CSV {line}行目"
    if "field larger than field limit" in str(error):
        # The csv module's own limit (128 KiB) is far above ours: say it in our terms.
        body = (
            f"{MAX_CELL_CHARS:,} 文字を大きく超える項目があります。"
            f"1 つの項目は {MAX_CELL_CHARS:,} 文字までです。長い文章を削除してください。"
        )
        return make_problem(location, "長すぎる項目", f"{MAX_CELL_CHARS:,} 文字以下", body)
    # Typically an unterminated quote that swallowed the rest of the file.
    body = (
        f"この行から先を CSV として読めませんでした（{error}）。"
        '引用符（"）が閉じられているか確かめてください。'
    )
    return make_problem(location, str(error), "正しい CSV の行", body)


def read_csv_grid(text: str) -> tuple[Grid, list[Problem]]:
    """The CSV text as a grid; a row's number is the line it starts on."""
    # Excel writes ",,,,," lines down to the last formatted row; they are not data.
    text = text.rstrip(",\t \r\n")
    empty = Grid(sheet=None, index=0, frame=pl.DataFrame(schema={ROW: pl.Int64}))
    lines = _csv_lines(text) if text else 0
    if lines > MAX_ROWS:
        # Counted before parsing: str.count is cheap, a list of 10 million rows is not.
        return empty, [too_many_rows(None, lines)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[int] = []
    records: list[list[str | None]] = []
    line = 0
    width = 0
    problems: list[Problem] = []
    try:
        for record in reader:
            rows.append(line + 1)
            kept = record[:MAX_COLUMNS]
            for column, cell in enumerate(kept):
                if len(cell) > MAX_CELL_CHARS:
                    return empty, [cell_too_long(None, column, line + 1, len(cell))]
            # The frame is rows x widest row, so that is what the limit counts.
            width = max(width, len(kept))
            if len(rows) * width > MAX_CELLS:
                return empty, [too_many_cells(len(rows) * width)]
            line = reader.line_num
            records.append([cell if cell.strip() else None for cell in kept])
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            return empty, [_csv_error(line + 1, error)]
        problems.append(_csv_error(line + 1, error))
    columns: dict[str, list[str | None]] = {column_name(j): [] for j in range(width)}
    for values in records:
        for j in range(width):
            columns[column_name(j)].append(values[j] if j < len(values) else None)
    data: dict[str, list[int] | list[str | None]] = {ROW: rows, **columns}
    frame = pl.DataFrame(
        data,
        schema={ROW: pl.Int64, **{name: pl.String for name in columns}},
    )
    return Grid(sheet=None, index=0, frame=frame), problems
