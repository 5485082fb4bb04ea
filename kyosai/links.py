"""Links that keep their filters: the explorer's choices as URL query parameters and back.

`scheme` and `procedure` are ids as in data/*.csv, comma-separated; `from` and `to` are
months written YYYY-MM; `grain` is the CLI's --columns value. A value that cannot be used is
left out, with a note that names it, and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from kyosai.calendar import fiscal_year, fiscal_year_start, month_label
from kyosai.periods import Grain
from kyosai.views import FilterOptions, Filters

PARAMETERS = ("scheme", "procedure", "from", "to", "grain")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# A value is shown in a note at most this long, so a pasted page of text stays a short note.
_SHOWN = 40
# The pages open on this many latest fiscal years: twenty years of columns are a table no one
# reads at once (and its every click cost several times a short one's). 期間 widens it.
DEFAULT_YEARS = 5


@dataclass(frozen=True)
class FilterChoice:
    """A full choice of the filter widgets: schemes, procedures, months and grain."""

    scheme_ids: tuple[str, ...]
    procedure_ids: tuple[str, ...]
    first: date | None
    last: date | None
    grain: Grain

    @classmethod
    def of(cls, filters: Filters, options: FilterOptions) -> FilterChoice:
        """The choice the filters stand for (None means everything offered)."""
        months = options.months
        return cls(
            scheme_ids=filters.scheme_ids
            if filters.scheme_ids is not None
            else tuple(s for s, _ in options.schemes),
            procedure_ids=filters.procedure_ids
            if filters.procedure_ids is not None
            else tuple(p for p, _, _ in options.procedures),
            first=filters.first or (months[0] if months else None),
            last=filters.last or (months[-1] if months else None),
            grain=filters.grain,
        )


def default_choice(options: FilterOptions, grain: Grain) -> FilterChoice:
    """Everything offered at the page's grain, over the latest DEFAULT_YEARS fiscal years (all
    months where the history is shorter)."""
    everything = FilterChoice.of(Filters(grain=grain), options)
    months = options.months
    if not months:
        return everything
    start = fiscal_year_start(fiscal_year(months[-1]) - DEFAULT_YEARS + 1)
    return replace(everything, first=next(m for m in months if m >= start))


@dataclass(frozen=True)
class LinkReading:
    """What a URL asks for: the choice (None where it asks nothing) and the values left out."""

    choice: FilterChoice | None
    notes: list[str] = field(default_factory=list)


def _shown(value: str) -> str:
    value = "".join(ch if ch.isprintable() else "?" for ch in value)
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _single(params: Mapping[str, str | list[str]], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value.strip() if value is not None else None


def _month(text: str) -> date | None:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def _ids(text: str, known: list[str], name: str, notes: list[str]) -> tuple[str, ...] | None:
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    kept = tuple(i for i in known if i in wanted)
    unknown = [part for part in wanted if part not in known]
    if unknown:
        notes.append(f"{name}={_shown(','.join(unknown))}（該当するものがありません）")
    return kept or None


def read_link(
    params: Mapping[str, str | list[str]], options: FilterOptions, default: FilterChoice
) -> LinkReading:
    """The choice a URL's query parameters ask for, on top of `default`; notes for the rest."""
    if not any(_single(params, name) for name in PARAMETERS):
        return LinkReading(None)
    notes: list[str] = []
    schemes = default.scheme_ids
    if text := _single(params, "scheme"):
        schemes = _ids(text, [s for s, _ in options.schemes], "scheme", notes) or schemes
    offered = [p for p, scheme, _ in options.procedures if scheme in schemes]
    procedures = tuple(offered)
    if text := _single(params, "procedure"):
        picked = _ids(text, [p for p, _, _ in options.procedures], "procedure", notes) or ()
        outside = [p for p in picked if p not in offered]
        if outside:
            notes.append(f"procedure={','.join(outside)}（選んだ制度の手続ではありません）")
        procedures = tuple(p for p in picked if p in offered) or procedures
    first, last = default.first, default.last
    for name in ("from", "to"):
        text = _single(params, name)
        if not text:
            continue
        month = _month(text)
        if month is None:
            notes.append(f"{name}={_shown(text)}（年月は 2025-09 のように書きます）")
        elif month not in options.months:
            notes.append(f"{name}={text}（データのある月ではありません）")
        elif name == "from":
            first = month
        else:
            last = month
    if not _single(params, "from") and first is not None and last is not None and last < first:
        first = options.months[0]  # a `to` before the default start reaches back to the data's
    if first is not None and last is not None and first > last:
        notes.append(f"from={month_label(first)}, to={month_label(last)}（開始が終了より後です）")
        first, last = default.first, default.last
    grain = default.grain
    if text := _single(params, "grain"):
        try:
            grain = Grain(text)
        except ValueError:
            allowed = "|".join(g.value for g in Grain)
            notes.append(f"grain={_shown(text)}（{allowed} のいずれか）")
    return LinkReading(FilterChoice(schemes, procedures, first, last, grain), notes)


def link_params(
    choice: FilterChoice, default: FilterChoice, options: FilterOptions
) -> dict[str, str]:
    """The query parameters of a choice: only what differs from the page's default."""
    params: dict[str, str] = {}
    if choice.scheme_ids != default.scheme_ids and choice.scheme_ids:
        params["scheme"] = ",".join(choice.scheme_ids)
    offered = tuple(p for p, scheme, _ in options.procedures if scheme in choice.scheme_ids)
    if choice.procedure_ids != offered and choice.procedure_ids:
        params["procedure"] = ",".join(choice.procedure_ids)
    if choice.first is not None and choice.first != default.first:
        params["from"] = f"{choice.first:%Y-%m}"
    if choice.last is not None and choice.last != default.last:
        params["to"] = f"{choice.last:%Y-%m}"
    if choice.grain != default.grain:
        params["grain"] = choice.grain.value
    return params
