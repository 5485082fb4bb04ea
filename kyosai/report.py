"""資料3's words: the text that stays from year to year (data/report.toml), and the sentences
drafted from the committee model's figures for staff to edit."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kyosai.calendar import fiscal_year, fiscal_year_label, month_label_long
from kyosai.catalog import DATA_DIR, Catalog, Event
from kyosai.committee import CommitteeModel
from kyosai.percent import format_target, format_tenths

REPORT_FILE = "report.toml"


@dataclass(frozen=True)
class Section:
    """A heading and its bullets, as on 資料3's first slide."""

    heading: str
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class ReportText:
    """The words of data/report.toml."""

    document_label: str
    organisation: tuple[str, ...]
    font: str
    background_title: str
    background: tuple[Section, ...]
    progress_title: str
    progress_heading: str
    progress_closing: str
    outreach_title: str
    outreach_heading: str
    charts_title: str


class ReportTextError(ValueError):
    """data/report.toml cannot be read; the message names the file and the key."""


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str):
        raise ReportTextError(f"{where}: 「{key}」に文字列を書いてください。")
    return value


def _texts(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ReportTextError(f'{where}: 「{key}」は文字列の並び ["…", "…"] で書いてください。')
    return tuple(value)


def _table(root: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = root.get(key)
    if not isinstance(value, dict):
        raise ReportTextError(f"{where}: [{key}] の節がありません。")
    return value


def load_report_text(data_dir: Path = DATA_DIR) -> ReportText:
    """Read data/report.toml; a mistake in it raises ReportTextError naming the key."""
    path = data_dir / REPORT_FILE
    try:
        root = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportTextError(f"{path}: 読めません（{error.strerror}）。") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ReportTextError(f"{path}: 書き方に誤りがあります（{error}）。") from error
    where = str(path)
    background = _table(root, "background", where)
    sections = background.get("sections", [])
    if not isinstance(sections, list):
        raise ReportTextError(f"{where}: [[background.sections]] の書き方に誤りがあります。")
    progress = _table(root, "progress", where)
    outreach = _table(root, "outreach", where)
    return ReportText(
        document_label=_text(root, "document_label", where),
        organisation=_texts(root, "organisation", where),
        font=_text(root, "font", where),
        background_title=_text(background, "title", where),
        background=tuple(
            Section(_text(s, "heading", where), _texts(s, "bullets", where)) for s in sections
        ),
        progress_title=_text(progress, "title", where),
        progress_heading=_text(progress, "heading", where),
        progress_closing=progress.get("closing", "") if isinstance(progress, dict) else "",
        outreach_title=_text(outreach, "title", where),
        outreach_heading=_text(outreach, "heading", where),
        charts_title=_text(_table(root, "charts", where), "title", where),
    )


def is_online_start(event: Event, catalog: Catalog) -> bool:
    """Whether the event announces the online start of the procedures it names (it is dated
    in the month each of them went online); those belong to 現在の状況, the rest to 取組."""
    if event.when is None or not event.procedure_ids:
        return False
    month = event.when.replace(day=1)
    return all(catalog.procedure(pid).online_start_month == month for pid in event.procedure_ids)


def event_date_text(event: Event) -> str:
    """The event's date as the seed writes it: 令和7年9月22日, 令和7年9月, or empty."""
    if event.when is None:
        return ""
    month = month_label_long(event.when.replace(day=1))
    return f"{month}{event.when.day}日" if event.precise_day else month


def outreach_lines(events: tuple[Event, ...], catalog: Catalog) -> list[str]:
    """The 取組 bullets: dated ones first in date order, then the standing ones as listed."""
    outreach = [e for e in events if not is_online_start(e, catalog)]
    dated = sorted((e for e in outreach if e.when is not None), key=lambda e: e.when or date.min)
    # A detail that already says when (「令和7年9月の…」) is not told its date twice.
    lines = [
        e.detail if event_date_text(e) in e.detail else f"【{event_date_text(e)}】{e.detail}"
        for e in dated
    ]
    return [e.detail for e in outreach if e.when is None] + lines


def start_lines(events: tuple[Event, ...], catalog: Catalog) -> list[str]:
    """The 現在の状況 bullets on the online starts, in date order."""
    starts = [e for e in events if is_online_start(e, catalog)]
    return [e.detail for e in sorted(starts, key=lambda e: e.when or date.min)]


def _change_words(now: int, before: int) -> str:
    delta = now - before
    if delta == 0:
        return "と同水準"
    points = f"{abs(delta) // 10}.{abs(delta) % 10}ポイント"
    return f"から{points}{'向上' if delta > 0 else '低下'}"


def progress_sentences(model: CommitteeModel, catalog: Catalog) -> list[str]:
    """One drafted sentence per procedure of the rate table, from its 期間集計 cells: this
    fiscal year's rate, the change from the year before and where it stands to the target."""
    table = model.rates
    fiscal_columns = [
        (key, period)
        for key, period in zip(table.keys, table.periods, strict=True)
        if period.kind == "fy"
    ]
    sentences = []
    for record in table.wide().iter_rows(named=True):
        pid = record["procedure_id"]
        shown = [(period, record[key]) for key, period in fiscal_columns if record[key] is not None]
        if not shown:
            continue
        period, tenths = shown[-1]
        year = fiscal_year_label(fiscal_year(period.first))
        rate = f"{year}（{period.label}）の利用率は{format_tenths(tenths)}"
        if len(shown) >= 2:
            before_period, before = shown[-2]
            before_year = fiscal_year_label(fiscal_year(before_period.first))
            change = _change_words(tenths, before)
            words = f"{rate}で、{before_year}の{format_tenths(before)}{change}"
        else:
            words = f"{_start_words(catalog, pid)}に開始。{rate}"
        target_tenths = table.target_tenths(pid, period)
        target = format_target(target_tenths)
        if table.meets_target(pid, tenths, period):
            words += f"。利用目標（{target}）以上。"
        else:
            gap = target_tenths - tenths
            words += f"。利用目標（{target}）まであと{gap // 10}.{gap % 10}ポイント。"
        sentences.append(f"{record['row_label']}：{words}")
    return sentences


def _start_words(catalog: Catalog, procedure_id: str) -> str:
    procedure = catalog.procedure(procedure_id)
    started = month_label_long(procedure.online_start_month)
    return f"{started}{procedure.online_start_day.day}日" if procedure.online_start_day else started
