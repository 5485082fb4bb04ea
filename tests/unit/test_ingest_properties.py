"""Properties of parse_upload: valid tables read back exactly; damage never crashes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import hypothesis.strategies as st
import xlsxwriter
from hypothesis import HealthCheck, given, settings

from kyosai.calendar import month_label, month_label_long, months_between
from kyosai.catalog import Procedure, default_catalog
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.problems import column_letters
from tests.xml_strategies import damage

TODAY = date(2025, 12, 10)
CATALOG = default_catalog()
MONTHS = list(months_between(date(2023, 9, 1), date(2025, 12, 1)))
CRASH = "思いがけないエラー"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Key = tuple[str, date]
Cell = str | int | float | datetime | None


@dataclass(frozen=True)
class Table:
    """Counts to write, and how to write them."""

    counts: dict[Key, tuple[int, int]]
    procedures: list[Procedure]
    months: list[date]
    title_rows: int


@st.composite
def tables(draw: st.DrawFn) -> Table:
    months = sorted(draw(st.sets(st.sampled_from(MONTHS), min_size=1, max_size=5)))
    procedures = draw(st.lists(st.sampled_from(CATALOG.procedures), min_size=1, unique=True))
    counts: dict[Key, tuple[int, int]] = {}
    for procedure in procedures:
        for month in months:
            if month >= procedure.online_start_month and draw(st.booleans()):
                total = draw(st.integers(0, 2_000_000))
                counts[(procedure.procedure_id, month)] = (draw(st.integers(0, total)), total)
    if not counts:
        procedure = procedures[0]
        month = max(months[-1], procedure.online_start_month)
        counts[(procedure.procedure_id, month)] = (1, 2)
        months = sorted({*months, month})
    return Table(counts, procedures, months, draw(st.integers(0, 3)))


def scheme_text(draw: st.DrawFn, procedure: Procedure) -> str:
    scheme = CATALOG.scheme(procedure.scheme_id)
    return draw(st.sampled_from([scheme.name, scheme.short_label, *scheme.aliases]))


def procedure_text(draw: st.DrawFn, procedure: Procedure) -> str:
    return draw(st.sampled_from([procedure.name, procedure.short_name, *procedure.aliases]))


def month_cell(draw: st.DrawFn, month: date, excel: bool) -> Cell:
    forms: list[Cell] = [
        f"{month.year}-{month.month:02d}",
        f"{month.year}/{month.month}",
        f"{month.year}年{month.month}月",
        month_label(month),
        month_label_long(month),
    ]
    if excel:
        forms.append(datetime(month.year, month.month, 1))
    return draw(st.sampled_from(forms))


def count_cell(draw: st.DrawFn, value: int, excel: bool) -> Cell:
    forms: list[Cell] = [
        str(value),
        f"{value:,}",
        str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]
    if excel:
        forms += [value, float(value)]
    return draw(st.sampled_from(forms))


def long_grid(draw: st.DrawFn, table: Table, excel: bool) -> list[list[Cell]]:
    grid: list[list[Cell]] = [["オンライン利用件数"] for _ in range(table.title_rows)]
    grid.append(
        draw(
            st.sampled_from(
                [
                    ["制度", "手続", "年月", "オンライン件数", "全体件数"],
                    ["共済制度", "対象手続", "対象月", "オンライン申請件数", "総件数"],
                    ["制度", "手続き", "年月", "オンライン", "全体"],
                ]
            )
        )
    )
    by_id = {p.procedure_id: p for p in CATALOG.procedures}
    for (procedure_id, month), (online, total) in draw(st.permutations(list(table.counts.items()))):
        procedure = by_id[procedure_id]
        if draw(st.booleans()):
            scheme: Cell = scheme_text(draw, procedure)
            name = procedure_text(draw, procedure)
        else:  # the seed's row label, with the 制度 cell left empty
            scheme = None
            label = CATALOG.scheme(procedure.scheme_id).short_label
            name = f"({label}) {procedure.short_name}"
        grid.append(
            [
                scheme,
                name,
                month_cell(draw, month, excel),
                count_cell(draw, online, excel),
                count_cell(draw, total, excel),
            ]
        )
    return grid


def wide_grid(draw: st.DrawFn, table: Table, excel: bool) -> list[list[Cell]]:
    grid: list[list[Cell]] = [["オンライン利用件数の推移"] for _ in range(table.title_rows)]
    header: list[Cell] = ["制度", "手続"]
    sub: list[Cell] = [None, None]
    for month in table.months:
        header += [month_cell(draw, month, excel), None]
        sub += ["オンライン", draw(st.sampled_from(["全体", "全体件数"]))]
    grid += [header, sub]
    previous = None
    for procedure in sorted(table.procedures, key=lambda p: CATALOG.procedures.index(p)):
        # Like a merged cell: the 制度 only on the first row of its group.
        scheme = scheme_text(draw, procedure) if procedure.scheme_id != previous else None
        previous = procedure.scheme_id
        row: list[Cell] = [scheme, procedure_text(draw, procedure)]
        for month in table.months:
            pair = table.counts.get((procedure.procedure_id, month))
            row += [None, None] if pair is None else [count_cell(draw, v, excel) for v in pair]
        grid.append(row)
    grid.append(["合計", None, *([1] * (2 * len(table.months)))])
    return grid


def to_xlsx(grid: list[list[Cell]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy/m"})
    workbook.add_worksheet("記入方法").write("A1", "件数を入力してください")
    sheet = workbook.add_worksheet("入力")
    for r, values in enumerate(grid):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def to_csv(grid: list[list[Cell]], encoding: str) -> bytes:
    def quote(value: Cell) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if "," in text else text

    return "\r\n".join(",".join(quote(v) for v in row) for row in grid).encode(encoding)


@st.composite
def files(draw: st.DrawFn) -> tuple[Table, bytes, str]:
    table = draw(tables())
    excel = draw(st.booleans())
    layout = draw(st.sampled_from(["long", "wide"]))
    grid = long_grid(draw, table, excel) if layout == "long" else wide_grid(draw, table, excel)
    if excel:
        return table, to_xlsx(grid), layout
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    return table, to_csv(grid, encoding), layout


def read_back(result: ParseResult) -> dict[Key, tuple[int, int]]:
    return {
        (r["procedure_id"], r["month"]): (r["online"], r["total"])
        for r in result.rows.iter_rows(named=True)
    }


@PROPERTY
@given(files())
def test_valid_tables_read_back_exactly(case: tuple[Table, bytes, str]) -> None:
    table, data, layout = case
    result = parse_upload(data, "upload", CATALOG, TODAY)
    assert result.ok, [p.message for p in result.problems]
    assert result.layout == layout
    assert len(result.rows) == len(table.counts)
    assert read_back(result) == table.counts


DAMAGES = ("text", "negative", "decimal", "over", "blank", "procedure", "future")


@PROPERTY
@given(tables(), st.booleans(), st.sampled_from(DAMAGES), st.data())
def test_damaged_cell_is_reported_at_its_place(
    table: Table, excel: bool, damage: str, data: st.DataObject
) -> None:
    grid = long_grid(data.draw, table, excel)
    header_row = table.title_rows
    index = data.draw(st.integers(header_row + 1, len(grid) - 1))
    row = grid[index]
    column = {"procedure": 1, "future": 2, "total": 4}.get(damage, 3)
    if damage == "text":
        row[3] = data.draw(st.sampled_from(["abc", "十二", "1 2", "?", "1e3"]))
    elif damage == "negative":
        row[3] = -data.draw(st.integers(1, 10_000))
    elif damage == "decimal":
        row[3] = f"{data.draw(st.integers(0, 999))}.5"
    elif damage == "over":
        row[3], row[4] = 11, 10
    elif damage == "blank":
        row[4] = None
        column = 4
    elif damage == "procedure":
        row[0], row[1] = "小規模企業共済", "存在しない手続"
    else:
        row[2] = "2026年1月"
    body = to_xlsx(grid) if excel else to_csv(grid, "utf-8")
    result = parse_upload(body, "damaged", CATALOG, TODAY)
    assert not result.ok
    line = index + 1
    where = (
        f"シート「入力」セル {column_letters(column)}{line}"
        if excel
        else f"CSV {line}行目 {column_letters(column)}列"
    )
    assert where in [p.location for p in result.problems], [p.message for p in result.problems]
    assert len(result.rows) == len(table.counts) - 1


def check_sane(result: ParseResult) -> None:
    assert all(CRASH not in p.message for p in result.problems), [
        p.message for p in result.problems
    ]
    assert all(p.message.startswith(p.location) for p in result.problems)
    ids = {p.procedure_id for p in CATALOG.procedures}
    for r in result.rows.iter_rows(named=True):
        assert r["procedure_id"] in ids
        assert 0 <= r["online"] <= r["total"]
        assert r["month"] <= date(2025, 12, 1)


@PROPERTY
@given(files(), st.data())
def test_random_byte_damage_never_crashes(
    case: tuple[Table, bytes, str], data: st.DataObject
) -> None:
    _, body, _ = case
    result = parse_upload(damage(data, body), "damaged", CATALOG, TODAY)
    check_sane(result)


@PROPERTY
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(body: bytes) -> None:
    check_sane(parse_upload(body, "random.bin", CATALOG, TODAY))


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text: str) -> None:
    check_sane(parse_upload(text.encode("utf-8"), "random.csv", CATALOG, TODAY))
