"""Raw cell grids: every sheet of an xlsx, or the CSV text, as strings at their real positions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import fastexcel
import polars as pl

from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem

ROW = "row"
# Nobody keeps counts in column ZZ; a wider CSV line is damage, and would only slow things down.
MAX_COLUMNS = 702


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


def column_name(index: int) -> str:
    """The grid column holding absolute column `index`."""
    return f"c{index}"


def _unreadable(detail: str) -> Problem:
    body = (
        f"Excel ファイルとして読み込めませんでした（{detail}）。"
        "Excel で開けるか確かめ、.xlsx 形式で保存し直してください。"
    )
    return make_problem(FILE_LOCATION, detail, "読み込める .xlsx ファイル", body)


def read_xlsx_grids(data: bytes) -> tuple[list[Grid], list[Problem]]:
    """Every visible, non-empty sheet of an xlsx as a text grid with real row and column numbers."""
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as error:  # calamine raises its own types for every kind of damage
        return [], [_unreadable(type(error).__name__)]
    grids: list[Grid] = []
    problems: list[Problem] = []
    for index, name in enumerate(names):
        try:
            # header_row=None keeps the first row as data; skip_rows=0 keeps leading empty rows,
            # so frame row i is sheet row i + 1. dtypes="string" stops type inference: numbers,
            # dates and text all arrive as the text we parse ourselves.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if sheet.visible != "visible":
                # Staff hide helper and old sheets; what they cannot see is not what they upload.
                continue
            if sheet.width == 0 or sheet.height == 0:
                continue
            # The range starts at the first used column, so name columns by absolute index.
            renames = {col.name: column_name(col.absolute_index) for col in sheet.selected_columns}
            frame = sheet.to_polars().rename(renames)
        except Exception as error:  # one damaged sheet should not hide the others' problems
            location = f"シート「{name}」"
            body = (
                f"このシートを読み込めませんでした（{type(error).__name__}）。"
                "Excel で開いて保存し直してください。"
            )
            problems.append(make_problem(location, type(error).__name__, "読み込めるシート", body))
            continue
        frame = frame.select(
            pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW),
            pl.all().cast(pl.String),
        )
        grids.append(Grid(sheet=name, index=index, frame=frame))
    return grids, problems


def _delimiter(text: str) -> str:
    head = text[:4096]
    # Excel's "テキスト（タブ区切り）" saved as .csv is common; semicolons are not used in Japan.
    return "\t" if head.count("\t") > head.count(",") else ","


def read_csv_grid(text: str) -> tuple[Grid, list[Problem]]:
    """The CSV text as a grid; a row's number is the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[int] = []
    records: list[list[str | None]] = []
    line = 0
    problems: list[Problem] = []
    try:
        for record in reader:
            rows.append(line + 1)
            line = reader.line_num
            records.append([cell if cell.strip() else None for cell in record[:MAX_COLUMNS]])
    except csv.Error as error:
        # Typically an unterminated quote that swallowed the rest of the file.
        location = f"CSV {line + 1}行目"
        body = (
            f"この行から先を CSV として読めませんでした（{error}）。"
            '引用符（"）が閉じられているか確かめてください。'
        )
        problems.append(make_problem(location, str(error), "正しい CSV の行", body))
    width = max((len(cells) for cells in records), default=0)
    columns: dict[str, list[str | None]] = {column_name(j): [] for j in range(width)}
    for cells in records:
        for j in range(width):
            columns[column_name(j)].append(cells[j] if j < len(cells) else None)
    data: dict[str, list[int] | list[str | None]] = {ROW: rows, **columns}
    frame = pl.DataFrame(
        data,
        schema={ROW: pl.Int64, **{name: pl.String for name in columns}},
    )
    return Grid(sheet=None, index=0, frame=frame), problems
