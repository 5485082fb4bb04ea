"""parse_upload: the bytes of an uploaded file → monthly count rows and every problem found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.catalog import Catalog
from kyosai.ingest.formats import Kind
from kyosai.ingest.grid import Grid, read_csv_grid, read_workbook_grids
from kyosai.ingest.headers import Table, find_tables
from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem
from kyosai.ingest.records import empty_records, table_records
from kyosai.ingest.sniff import sniff
from kyosai.ingest.validate import ROW_SCHEMA, validate

_TABLE_HINT = (
    "見出し行に「制度」「手続」「年月」「オンライン件数」「全体件数」を並べた表（縦持ち）か、"
    "「制度」「手続」と月ごとの見出し（その下に「オンライン」「全体」）を並べた表（横持ち）にしてください。"
    "ダウンロードできるテンプレートも使えます。"
)


@dataclass(frozen=True)
class ParseResult:
    """What an uploaded file holds: clean rows, all problems, its layout and the sheets used."""

    rows: pl.DataFrame
    problems: list[Problem]
    layout: str
    sheets: list[str]

    @property
    def ok(self) -> bool:
        """Whether the file had no problems at all."""
        return not self.problems


def empty_rows() -> pl.DataFrame:
    """No rows, in the shape of ParseResult.rows."""
    return pl.DataFrame(schema=ROW_SCHEMA)


def _failed(problems: list[Problem]) -> ParseResult:
    return ParseResult(rows=empty_rows(), problems=problems, layout="", sheets=[])


def _no_table(grids: list[Grid]) -> Problem:
    if grids and grids[0].sheet is not None:
        names = "・".join(f"「{grid.sheet}」" for grid in grids)
        body = f"どのシート（{names}）にも件数の表が見つかりません。{_TABLE_HINT}"
        found = f"シート {names}"
    else:
        body = f"件数の表が見つかりません。{_TABLE_HINT}"
        found = "見出し行なし" if grids and grids[0].frame.height else "空の表"
    return make_problem(FILE_LOCATION, found, "件数の表（見出し行つき）", body)


def _no_data(tables: list[Table]) -> Problem:
    grid = tables[0].grid
    location = f"シート「{grid.sheet}」" if grid.sheet is not None else "CSV"
    body = (
        "表はありますが、件数が1件も入力されていません。"
        "オンライン件数と全体件数を入力してください。"
    )
    return make_problem(location, "件数なし", "1行以上の件数", body)


def _layout(tables: list[Table]) -> str:
    layouts = {table.layout for table in tables}
    # Sheets in different layouts are read fine; the first table's layout describes the file.
    return tables[0].layout if layouts else ""


def _parse(data: bytes, file_name: str, catalog: Catalog, today: date) -> ParseResult:
    sniffed = sniff(data, file_name)
    if sniffed.problem is not None:
        return _failed([sniffed.problem])
    problems: list[Problem] = []
    if sniffed.kind in (Kind.XLSX, Kind.NATIVE):
        grids, problems = read_workbook_grids(sniffed.package, sniffed.chart_sheets)
    else:
        grid, problems = read_csv_grid(sniffed.text)
        grids = [grid]
    tables: list[Table] = []
    for grid in grids:
        found, table_problems = find_tables(grid)
        tables.extend(found)
        problems.extend(table_problems)
    if not tables:
        if not problems:
            problems.append(_no_table(grids))
        return _failed(problems)
    records = pl.concat([table_records(table) for table in tables], how="vertical")
    if records.is_empty():
        records = empty_records()
    rows, row_problems, filled = validate(records, catalog, today)
    problems.extend(problem for _, problem in sorted(row_problems, key=lambda item: item[0]))
    if filled == 0 and not problems:
        problems.append(_no_data(tables))
    # A merged 制度 cell or a wide row repeats the same mistake on many records: say it once.
    unique = list({(p.location, p.message): p for p in problems}.values())
    sheets = list(dict.fromkeys(t.grid.sheet for t in tables if t.grid.sheet is not None))
    return ParseResult(rows=rows, problems=unique, layout=_layout(tables), sheets=sheets)


def parse_upload(data: bytes, file_name: str, catalog: Catalog, today: date) -> ParseResult:
    """Read an uploaded workbook or CSV into count rows, listing every problem; never raises."""
    try:
        return _parse(data, file_name, catalog, today)
    except Exception as error:  # an upload must never crash the page: it becomes a problem
        name = type(error).__name__
        body = (
            f"「{file_name}」を読み込む途中で思いがけないエラーが起きました（{name}）。"
            "Excel で開いて .xlsx か CSV（UTF-8）で保存し直し、もう一度お試しください。"
        )
        return _failed([make_problem(FILE_LOCATION, name, "読み込めるファイル", body)])
