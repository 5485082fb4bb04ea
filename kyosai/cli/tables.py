"""Commands that create the DB or write figures out: init, table, outlook, template, export,
deck."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl

from kyosai import store, views
from kyosai.calendar import (
    FiscalQuarter,
    MonthParseError,
    fiscal_year_label,
    month_label,
    parse_fiscal_quarter,
    parse_month,
)
from kyosai.catalog import Catalog, default_catalog
from kyosai.cli.common import (
    EXIT_INPUT_PROBLEM,
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_USAGE,
    db_session,
    printable,
    say,
    say_problem,
)
from kyosai.exports import csv_text, table_csv_bytes, table_rows
from kyosai.ingest import template_xlsx
from kyosai.outlook import outlooks
from kyosai.percent import format_tenths_number
from kyosai.periods import Grain
from kyosai.rates import rate_table
from kyosai.store import backups


def run_init(args: argparse.Namespace) -> int:
    """Create the DB (with the sample data unless --empty), or describe the one there."""
    path = store.db_path_from_env(args.db)
    if path.exists():
        say_problem(f"データベースは既にあります（変更しません）: {path}")
        with db_session(args.db, sample=False) as con:
            uploads = store.read_uploads(con).height
            say(f"スキーマ版 {store.schema_version(con)}、アップロード {uploads} 件")
        return EXIT_OK
    with db_session(args.db, sample=not args.empty) as con:
        problem = backups.backup_problem(con)
    contents = "空" if args.empty else "サンプルデータ入り"
    say(f"データベースを作成しました（{contents}）: {path}")
    if problem is not None:
        say_problem(f"エラー: バックアップを作成できませんでした: {problem}")
        return EXIT_STORAGE
    return EXIT_OK


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _as_text(rows: list[list[str]]) -> str:
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        padded = [
            cell + " " * (width - _display_width(cell)) if index < 2 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines) + "\n"


def run_table(args: argparse.Namespace) -> int:
    """Print the rate table (CSV or aligned text), or write it for Excel with --out."""
    with db_session(args.db) as con:
        counts = store.read_counts(con, ordered=False)
        table = rate_table(counts, default_catalog(), Grain(args.columns))
        fresh = views.shown_freshness(con, counts, date.today())
    if args.out:
        # For Excel: a BOM, and the data's date and the sample note above the table.
        data = table_csv_bytes(table, views.export_notes(fresh, date.today()))
        try:
            Path(args.out).write_bytes(data)
        except OSError as error:
            say_problem(f"{args.out}: 書き出せません（{error.strerror}）。")
            return EXIT_INPUT_PROBLEM
        say(str(args.out))
        return EXIT_OK
    rows = table_rows(table)
    sys.stdout.write(printable(csv_text(rows) if args.format == "csv" else _as_text(rows)))
    return EXIT_OK


def _default_quarter(db: str | None) -> FiscalQuarter:
    path = store.db_path_from_env(db)
    latest = None
    if path.exists():
        with db_session(db) as con:
            latest = store.latest_month(con)
    return FiscalQuarter.to_report(latest, date.today())


def run_template(args: argparse.Namespace) -> int:
    """Write the long-layout template for a quarter."""
    try:
        quarter = parse_fiscal_quarter(args.quarter) if args.quarter else _default_quarter(args.db)
    except MonthParseError as error:
        say_problem(str(error))
        return EXIT_USAGE
    catalog = default_catalog()
    if store.db_path_from_env(args.db).exists():
        with db_session(args.db) as con:
            catalog = store.stored_catalog(con, catalog)
    Path(args.out).write_bytes(template_xlsx(catalog, quarter))
    say(f"{quarter.label} のテンプレートを書き出しました: {args.out}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the committee pack (all schemes, all data) to --out."""
    # A missing DB is created with the sample data, as `table` does.
    with db_session(args.db) as con:
        # Imported here: the pack renders PNGs with vl-convert, which every other command
        # would otherwise load at start-up (about 0.3 s).
        from kyosai.pack import build_pack

        data = build_pack(con, store.stored_catalog(con, default_catalog()), date.today())
    return _write_out(Path(args.out), data)


def _write_out(out: Path, data: bytes) -> int:
    try:
        out.write_bytes(data)
    except OSError as error:
        say_problem(f"{out}: 書き出せません（{error.strerror}）。")
        return EXIT_INPUT_PROBLEM
    say(str(out))
    return EXIT_OK


def run_deck(args: argparse.Namespace) -> int:
    """Write 資料3 as an editable PowerPoint deck (all schemes, all data) to --out."""
    # Imported here, as for the pack: python-pptx and vl-convert load only for the deck.
    from kyosai.deck import build_deck
    from kyosai.report import ReportTextError, load_report_text

    try:
        created = parse_month(args.created) if args.created else None
    except MonthParseError as error:
        say_problem(f"--created: {error}（例: 令和7年12月、2025-12）")
        return EXIT_USAGE
    try:
        text = load_report_text()
    except ReportTextError as error:
        say_problem(f"エラー: {error}")
        return EXIT_INPUT_PROBLEM
    if args.label:
        text = replace(text, document_label=args.label)
    with db_session(args.db) as con:
        catalog = store.stored_catalog(con, default_catalog())
        data = build_deck(con, catalog, text, date.today(), created)
    return _write_out(Path(args.out), data)


OUTLOOK_HEADER = [
    "制度",
    "手続",
    "年度",
    "基準月",
    "年度累計",
    "残り月数",
    "見込み",
    "利用目標",
    "必要オンライン件数",
    "月あたり",
]


def outlook_rows(counts: pl.DataFrame, catalog: Catalog) -> list[list[str]]:
    """The outlook of every procedure in catalogue order, as the CSV's text cells."""
    found = {item.procedure_id: item for item in outlooks(counts, catalog)}
    rows = [list(OUTLOOK_HEADER)]
    for procedure in catalog.procedures:
        names = [catalog.scheme(procedure.scheme_id).name, procedure.name]
        target = format_tenths_number(procedure.target_tenths)
        item = found.get(procedure.procedure_id)
        if item is None:
            rows.append([*names, "", "", "", "", "", target, "", ""])
            continue
        done = item.remaining_months == 0
        rows.append(
            [
                *names,
                fiscal_year_label(item.fiscal_year),
                month_label(item.as_of),
                format_tenths_number(item.ytd_tenths),
                str(item.remaining_months),
                format_tenths_number(item.projected_tenths),
                target,
                "" if done else str(item.needed),
                "" if done or item.per_month is None else str(item.per_month),
            ]
        )
    return rows


def run_outlook(args: argparse.Namespace) -> int:
    """Print each procedure's outlook for the fiscal year (CSV or aligned text)."""
    with db_session(args.db) as con:
        counts = store.read_counts(con, ordered=False)
    rows = outlook_rows(counts, default_catalog())
    sys.stdout.write(printable(csv_text(rows) if args.format == "csv" else _as_text(rows)))
    return EXIT_OK
