"""Checking records: names, months and counts read, every problem listed, clean rows kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from kyosai.calendar import month_label, month_start
from kyosai.catalog import Catalog, Procedure
from kyosai.ingest.headers import LONG
from kyosai.ingest.problems import (
    Problem,
    cell_location,
    cell_ref,
    make_problem,
    month_text,
    row_location,
    shown,
)
from kyosai.ingest.values import (
    COUNT_KINDS,
    COUNT_LABELS,
    ONLINE,
    PAPER,
    TOTAL,
    NameResult,
    count_frame_columns,
    parse_month_text,
    resolve_names,
)

ROW_SCHEMA: dict[str, pl.DataType] = {
    "procedure_id": pl.String(),
    "month": pl.Date(),
    "online": pl.Int64(),
    "total": pl.Int64(),
    "source": pl.String(),
}
MONTH_FORMS = "2025年10月、2025/10、R7.10 のように"
WHOLE = "0以上の整数"
# Sort problems by place; a row-level problem comes after the row's cell-level ones.
_ROW_LEVEL = 1 << 20

SortedProblem = tuple[tuple[int, int, int], Problem]


def _source_expr() -> pl.Expr:
    return (
        pl.when(pl.col("sheet").is_null())
        .then(pl.format("CSV {}行目", pl.col("row")))
        .otherwise(pl.format("シート「{}」{}行目", pl.col("sheet"), pl.col("row")))
    )


class _Messages:
    """Builds the problems of one bad record."""

    def __init__(self, catalog: Catalog, today: date) -> None:
        self.catalog = catalog
        self.today = today
        self.this_month = month_start(today)
        self.scheme_names = "「" + "」または「".join(s.name for s in catalog.schemes) + "」"

    def row_context(self, r: dict[str, Any]) -> str:
        """Which procedure and month the row is, so staff can find it without counting cells."""
        if r.get("procedure_id") is None or r.get("month") is None:
            return ""
        label = self.catalog.row_label(r["procedure_id"])
        return f"（{label} {month_label(r['month'])} の行）"

    def procedure_list(self, scheme_id: str) -> str:
        """The procedures of a scheme, as listed in messages."""
        return "・".join(p.name for p in self.catalog.procedures_of(scheme_id))

    def names(self, r: dict[str, Any], result: NameResult) -> SortedProblem:
        """The problem with a record's 制度 / 手続 cells."""
        sheet, key = r["sheet"], r["sheet_idx"]
        proc_at = (r["proc_col"], r["proc_row"])
        scheme_at = (r["scheme_col"], r["scheme_row"]) if r["scheme_col"] is not None else proc_at
        proc_text = shown(r["proc_text"])
        at = proc_at
        expected = self.scheme_names
        if result.error == "scheme_unknown":
            at = scheme_at
            found = shown(r["scheme_text"])
            body = f"「{found}」は制度名として読めません。{self.scheme_names}と入力してください。"
        elif result.error == "scheme_empty":
            at, found = scheme_at, ""
            body = (
                f"制度が空欄です。{self.scheme_names}と入力するか、"
                "手続を「(小) 加入手続き」のように制度の略称を付けて書いてください。"
            )
        elif result.scheme is None:  # procedure_empty without a readable scheme
            found, expected = "", "手続名"
            body = "手続が空欄です。手続名（加入関係手続 など）を入力してください。"
        else:
            scheme = result.scheme
            expected = self.procedure_list(scheme.scheme_id)
            found = proc_text
            if result.error == "procedure_empty":
                body = (
                    f"手続が空欄です。{scheme.name}の手続（{expected}）の"
                    "いずれかを入力してください。"
                )
            elif result.error == "procedure_other" and result.other is not None:
                body = (
                    f"「{found}」は{result.other.name}の手続で、{scheme.name}にはありません。"
                    f"制度か手続を直してください（{scheme.name}の手続は {expected}）。"
                )
            elif result.error == "conflict" and result.prefix_scheme is not None:
                body = (
                    f"手続「{found}」は{result.prefix_scheme.name}の手続ですが、"
                    f"制度欄は「{scheme.name}」です。どちらかを直してください。"
                )
            else:
                body = (
                    f"「{found}」は{scheme.name}の手続名として読めません。"
                    f"{expected}のいずれかを入力してください。"
                )
        location = cell_location(sheet, at[0], at[1])
        return (key, at[1], at[0]), make_problem(location, found, expected, body)

    def month(self, r: dict[str, Any]) -> SortedProblem:
        """The problem with a long record's 年月 cell."""
        location = cell_location(r["sheet"], r["month_col"], r["row"])
        found = shown(r["month_text"])
        if found:
            body = f"「{found}」は年月として読めません。{MONTH_FORMS}入力してください。"
        else:
            body = f"年月が空欄です。{MONTH_FORMS}入力してください。"
        key = (r["sheet_idx"], r["row"], r["month_col"])
        return key, make_problem(location, found, "年月（2025年10月 など）", body)

    def counts(self, r: dict[str, Any]) -> list[SortedProblem]:
        """The problems with a record's count cells."""
        found_problems: list[SortedProblem] = []
        for kind in COUNT_KINDS:
            column = r[f"{kind}_col"]
            state, value = r[f"{kind}_state"], r[f"{kind}_value"]
            if column is None or (state == "ok" and value >= 0):
                continue
            found = shown(r[f"{kind}_text"])
            if state == "empty":
                body = f"{COUNT_LABELS[kind]}が空欄です。{WHOLE}を入力してください。"
            elif state == "ok":
                body = f"「{found}」はマイナスの数です。件数は{WHOLE}で入力してください。"
            elif state == "decimal":
                body = f"「{found}」は件数として読めません（小数です）。{WHOLE}を入力してください。"
            else:
                body = f"「{found}」は件数として読めません。{WHOLE}を入力してください。"
            location = cell_location(r["sheet"], column, r["row"])
            key = (r["sheet_idx"], r["row"], column)
            body += self.row_context(r)
            found_problems.append((key, make_problem(location, found, WHOLE, body)))
        return found_problems

    def over(self, r: dict[str, Any], with_paper: bool) -> SortedProblem:
        """Online (or online + paper) more than the total."""
        sheet, row = r["sheet"], r["row"]
        online, total = r["online_value"], r["total_value"]
        total_ref = cell_ref(sheet, r["total_col"], row)
        tail = "全体件数はオンライン＋書面＋その他の合計です。"
        if with_paper:
            paper = r["paper_value"]
            column = r["paper_col"]
            found = f"{online}＋{paper}＝{online + paper}"
            body = (
                f"オンライン件数（{online}）と書面件数（{paper}）の合計 {online + paper} が"
                f"全体件数（{total}、{total_ref}）を超えています。{tail}"
            )
        else:
            column = r["online_col"]
            found = str(online)
            body = (
                f"オンライン件数（{online}）が全体件数（{total}、{total_ref}）より"
                f"多くなっています。{tail}"
            )
        key = (r["sheet_idx"], row, column)
        body += self.row_context(r)
        return key, make_problem(cell_location(sheet, column, row), found, f"{total}以下", body)

    def month_range(self, r: dict[str, Any], procedure: Procedure | None) -> SortedProblem:
        """A month in the future, or before the procedure went online."""
        month: date = r["month"]
        # In the wide layout the heading is shared by every row: name the row's own count cell.
        column = r["month_col"] if r["layout"] == LONG else r["online_col"]
        location = cell_location(r["sheet"], column, r["row"])
        key = (r["sheet_idx"], r["row"], column)
        found = month_text(month)
        if month > self.this_month:
            today = f"{self.today.year}年{self.today.month}月{self.today.day}日"
            expected = f"{month_text(self.this_month)}以前"
            body = (
                f"{found}はまだ来ていない月です（今日は {today}）。"
                f"{month_text(self.this_month)}までの件数を入力してください。"
            )
            return key, make_problem(location, found, expected, body)
        assert procedure is not None
        start = month_text(procedure.online_start_month)
        scheme = self.catalog.scheme(procedure.scheme_id).name
        body = (
            f"{found}は{procedure.name}（{scheme}）のオンライン受付開始（{start}）より前です。"
            f"{start}以降の件数を入力してください。"
        )
        return key, make_problem(location, found, f"{start}以降", body)

    def duplicate(self, r: dict[str, Any], months: list[date]) -> SortedProblem:
        """The same procedure and month(s) given again in a later row."""
        procedure = self.catalog.procedure(r["procedure_id"])
        scheme = self.catalog.scheme(procedure.scheme_id).name
        first = row_location(r["first_sheet"], r["first_row"])
        when = "・".join(month_text(m) for m in months)
        found = f"{procedure.name}（{scheme}）{when}"
        body = f"{found}の件数が {first} にもあります。同じ手続・年月は1行にまとめてください。"
        location = row_location(r["sheet"], r["row"])
        key = (r["sheet_idx"], r["row"], _ROW_LEVEL)
        return key, make_problem(location, found, "手続・年月ごとに1行", body)


def _name_results(frame: pl.DataFrame, catalog: Catalog) -> list[NameResult]:
    cache: dict[tuple[str | None, bool, str | None], NameResult] = {}
    results = []
    columns = (frame["scheme_text"], frame["scheme_explicit"], frame["proc_text"])
    for key in zip(*(c.to_list() for c in columns), strict=True):
        if key not in cache:
            cache[key] = resolve_names(catalog, key[0], bool(key[1]), key[2])
        results.append(cache[key])
    return results


def _months(frame: pl.DataFrame) -> list[date | None]:
    cache: dict[str | None, date | None] = {}
    months: list[date | None] = []
    for fixed, text in zip(
        frame["month_fixed"].to_list(), frame["month_text"].to_list(), strict=True
    ):
        if fixed is not None:
            months.append(fixed)
            continue
        if text not in cache:
            cache[text] = parse_month_text(text)
        months.append(cache[text])
    return months


def validate(
    records: pl.DataFrame, catalog: Catalog, today: date
) -> tuple[pl.DataFrame, list[SortedProblem], int]:
    """Clean rows (ROW_SCHEMA), the problems with their sort keys, and how many records had data."""
    texts = {"online_text": ONLINE, "total_text": TOTAL, "paper_text": PAPER}
    frame = records.with_columns(count_frame_columns(records, texts))
    # A record with every count cell empty is a month not filled in (yet): not data, not wrong.
    frame = frame.filter(~pl.all_horizontal([pl.col(f"{k}_state") == "empty" for k in COUNT_KINDS]))
    frame = frame.with_row_index("rid")
    names = _name_results(frame, catalog)
    start_of = {p.procedure_id: p.online_start_month for p in catalog.procedures}
    this_month = month_start(today)
    frame = frame.with_columns(
        pl.Series(
            "procedure_id",
            [r.procedure.procedure_id if r.procedure else None for r in names],
            dtype=pl.String,
        ),
        pl.Series("month", _months(frame), dtype=pl.Date),
    )

    def fine(kind: str) -> pl.Expr:
        state_ok = (pl.col(f"{kind}_state") == "ok") & (pl.col(f"{kind}_value") >= 0)
        return pl.col(f"{kind}_col").is_null() | state_ok.fill_null(False)

    has_total = pl.col("total_col").is_not_null()
    has_paper = pl.col("paper_col").is_not_null()
    online, paper = pl.col("online_value"), pl.col("paper_value")
    frame = frame.with_columns(
        pl.col("procedure_id")
        .replace_strict(start_of, default=None, return_dtype=pl.Date)
        .alias("start"),
        pl.when(has_total)
        .then(pl.col("total_value"))
        .otherwise(online + paper)
        .alias("total_value"),
        (fine(ONLINE) & fine(TOTAL) & fine(PAPER)).alias("counts_ok"),
        (pl.col("procedure_id").is_not_null() & pl.col("month").is_not_null()).alias("keyed"),
    )
    over = pl.col("counts_ok") & has_total & (online > pl.col("total_value"))
    first = pl.col("rid").first().over(["procedure_id", "month"])
    frame = frame.with_columns(
        over.alias("over"),
        (
            pl.col("counts_ok")
            & has_total
            & has_paper
            & ~over
            & (online + paper > pl.col("total_value"))
        ).alias("paper_over"),
        (pl.col("month") > this_month).fill_null(False).alias("future"),
        (pl.col("month") < pl.col("start")).fill_null(False).alias("early"),
        pl.when(pl.col("keyed"))
        .then(pl.col("sheet").first().over(["procedure_id", "month"]))
        .alias("first_sheet"),
        pl.when(pl.col("keyed"))
        .then(pl.col("row").first().over(["procedure_id", "month"]))
        .alias("first_row"),
        (pl.col("keyed") & (pl.col("rid") != first)).alias("dup"),
    )
    good = (
        pl.col("keyed")
        & pl.col("counts_ok")
        & ~pl.col("over")
        & ~pl.col("paper_over")
        & ~pl.col("future")
        & ~pl.col("early")
        & ~pl.col("dup")
    )
    rows = (
        frame.filter(good)
        .sort("sheet_idx", "row", "month_col")
        .select(
            "procedure_id",
            "month",
            pl.col("online_value").alias("online"),
            pl.col("total_value").alias("total"),
            _source_expr().alias("source"),
        )
    )
    messages = _Messages(catalog, today)
    problems: list[SortedProblem] = []
    # A repeated wide row repeats every month: one problem per pair of rows, listing the months.
    duplicates: dict[tuple[Any, ...], tuple[dict[str, Any], list[date]]] = {}
    for r in frame.filter(~good).iter_rows(named=True):
        result = names[r["rid"]]
        if r["procedure_id"] is None:
            problems.append(messages.names(r, result))
        if r["month"] is None:
            problems.append(messages.month(r))
        problems.extend(messages.counts(r))
        if r["over"] or r["paper_over"]:
            problems.append(messages.over(r, with_paper=bool(r["paper_over"])))
        if r["future"] or r["early"]:
            problems.append(messages.month_range(r, result.procedure))
        if r["dup"]:
            key = tuple(
                r[k] for k in ("sheet_idx", "row", "procedure_id", "first_sheet", "first_row")
            )
            duplicates.setdefault(key, (r, []))[1].append(r["month"])
    problems.extend(messages.duplicate(r, sorted(months)) for r, months in duplicates.values())
    return rows, problems, frame.height
