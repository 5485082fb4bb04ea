"""取組 (outreach measures) as staff write them: the checks before one is stored, and the words
for a measure and for a change to it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.calendar import month_label_long
from kyosai.catalog import Catalog, Event

LABEL_MAX = 60
DETAIL_MAX = 400
_DAY = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


class EventInputError(ValueError):
    """A measure that cannot be stored; the message names every problem, in Japanese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("。".join(problems) + "。")
        self.problems = problems


@dataclass(frozen=True)
class EventDraft:
    """A measure as typed: date or period text, scheme, procedures, label and detail."""

    label: str
    when: str = ""
    until: str = ""
    scheme_id: str = ""
    procedure_ids: tuple[str, ...] = ()
    detail: str = ""


def _day(text: str, name: str, problems: list[str]) -> tuple[date | None, bool]:
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("/", "-")
    if not cleaned:
        return None, False
    match = _DAY.match(cleaned)
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
        return date(year, month, int(day) if day else 1), day is not None
    except ValueError:
        problems.append(f"{name}「{text[:20]}」は 2025-11 または 2025-11-20 のように書いてください")
        return None, False


def checked_event(draft: EventDraft, catalog: Catalog, event_id: int | None = None) -> Event:
    """The measure to store, or EventInputError naming each problem (nothing is stored)."""
    problems: list[str] = []
    label = " ".join(draft.label.split())
    detail = draft.detail.strip()
    if not label:
        problems.append("取組の名前（ラベル）が空です")
    elif len(label) > LABEL_MAX:
        problems.append(f"取組の名前は {LABEL_MAX} 字以内にしてください（{len(label)} 字）")
    if len(detail) > DETAIL_MAX:
        problems.append(f"内容は {DETAIL_MAX} 字以内にしてください（{len(detail)} 字）")
    known_schemes = {s.scheme_id for s in catalog.schemes}
    scheme_id = draft.scheme_id.strip() or None
    if scheme_id is not None and scheme_id not in known_schemes:
        problems.append(f"制度「{scheme_id[:20]}」はカタログにありません")
        scheme_id = None
    known = {p.procedure_id for p in catalog.procedures}
    unknown = [pid for pid in draft.procedure_ids if pid not in known]
    if unknown:
        problems.append(f"対象手続「{'、'.join(u[:30] for u in unknown)}」はカタログにありません")
    procedures = tuple(
        p.procedure_id for p in catalog.procedures if p.procedure_id in draft.procedure_ids
    )
    if scheme_id is not None:
        others = [pid for pid in procedures if catalog.procedure(pid).scheme_id != scheme_id]
        if others:
            names = "、".join(catalog.row_label(pid) for pid in others)
            problems.append(f"対象手続 {names} は選んだ制度の手続ではありません")
    when, precise = _day(draft.when, "日付", problems)
    until, _ = _day(draft.until, "終了", problems)
    if until is not None and when is None:
        problems.append("期間の終わりだけがあります。始まりの日付も書いてください")
    if when is not None and until is not None and until < when:
        problems.append("期間の終わりが始まりより前です")
    concerned = [catalog.procedure(pid) for pid in procedures] or [
        p for p in catalog.procedures if scheme_id is None or p.scheme_id == scheme_id
    ]
    if when is not None and concerned:
        # A measure for online applications cannot come before any of them could be made.
        first = min(p.online_start_month for p in concerned)
        if when < first:
            problems.append(
                f"日付 {when:%Y-%m} は、対象の手続のオンライン受付開始（{month_label_long(first)}）"
                "より前です"
            )
    if problems:
        raise EventInputError(problems)
    return Event(
        when=when,
        precise_day=precise,
        scheme_id=scheme_id,
        procedure_ids=procedures,
        label=label,
        detail=detail,
        until=until.replace(day=1) if until is not None else None,
        event_id=event_id,
    )


def event_when_text(event: Event) -> str:
    """When a measure was, in words: 令和7年11月, 令和7年9月22日, 令和7年10月〜令和7年12月, or
    時期の記載なし."""
    if event.when is None:
        return "時期の記載なし"
    text = month_label_long(event.when.replace(day=1))
    if event.precise_day:
        text += f"{event.when.day}日"
    if event.until is not None and event.until != event.when.replace(day=1):
        text += f"〜{month_label_long(event.until)}"
    return text


def event_summary(event: Event, catalog: Catalog) -> str:
    """One line for a change record: when, label, and whom it concerns."""
    return f"{event_when_text(event)}　{event.label}（{event_whom(event, catalog)}）"


def events_frame(events: tuple[Event, ...], catalog: Catalog) -> pl.DataFrame:
    """The measures as 取組と対象手続 lists them."""
    return pl.DataFrame(
        [
            {
                "番号": e.event_id or 0,
                "時期": event_when_text(e),
                "取組": e.label,
                "対象": event_whom(e, catalog),
                "内容": e.detail,
            }
            for e in events
        ],
        schema={"番号": pl.Int64, "時期": pl.String, "取組": pl.String, "対象": pl.String,
                "内容": pl.String},
    )  # fmt: skip


def event_whom(event: Event, catalog: Catalog) -> str:
    """Whom a measure concerns: its procedures, its scheme, or every procedure."""
    whom = "、".join(catalog.row_label(pid) for pid in event.procedure_ids)
    if whom:
        return whom
    return catalog.scheme(event.scheme_id).name if event.scheme_id else "全手続"
