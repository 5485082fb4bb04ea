"""The catalogue of schemes, procedures and outreach events, read from the CSV files in data/."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, cached_property
from pathlib import Path

import polars as pl

from kyosai.calendar import fiscal_year_end, month_start

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Scheme:
    """A mutual-aid scheme (制度)."""

    scheme_id: str
    name: str
    short_label: str
    table_label: str  # as in 資料3's scorecard: 小規模, 倒産防止
    sort_order: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Revision:
    """A revision of a procedure's plan (基本計画の改定): from this fiscal year on, this target
    and deadline."""

    from_fy: int
    target: float
    deadline_fy: int
    change_id: int | None = None


@dataclass(frozen=True)
class Procedure:
    """A procedure (対象手続) of a scheme, with its target and deadline (as first planned;
    `revisions` change them from a fiscal year on, and in_year gives the plan of a year)."""

    procedure_id: str
    scheme_id: str
    name: str
    short_name: str
    sort_order: int
    target: float
    deadline_fy: int
    online_start_month: date
    online_start_day: date | None
    aliases: tuple[str, ...]
    revisions: tuple[Revision, ...] = ()

    def in_year(self, fiscal_year: int) -> Procedure:
        """The procedure with the target and deadline in force in that fiscal year."""
        held = [r for r in self.revisions if r.from_fy <= fiscal_year]
        if not held:
            return self
        latest = max(held, key=lambda r: (r.from_fy, r.change_id or 0))
        return replace(self, target=latest.target, deadline_fy=latest.deadline_fy)

    @property
    def target_tenths(self) -> int:
        """The target in tenths of a percent (20% is 200)."""
        return round(self.target * 1000)

    @property
    def deadline_month(self) -> date:
        """The last month of the deadline fiscal year (令和5年度内 → 2024-03)."""
        return fiscal_year_end(self.deadline_fy)


@dataclass(frozen=True)
class Event:
    """An outreach measure; `when` is None for measures the seed gives no date for."""

    when: date | None
    precise_day: bool
    scheme_id: str | None
    procedure_ids: tuple[str, ...]
    label: str
    detail: str
    until: date | None = None  # the last month of a measure that ran over a period
    event_id: int | None = None  # its number in the database (None for the shipped CSV's)

    def applies_to(self, procedure_id: str) -> bool:
        """Whether the event concerns the procedure (events with no procedures concern all)."""
        return not self.procedure_ids or procedure_id in self.procedure_ids


@dataclass(frozen=True)
class Catalog:
    """Schemes, procedures and events, in display order."""

    schemes: tuple[Scheme, ...]
    procedures: tuple[Procedure, ...]
    events: tuple[Event, ...]

    @cached_property
    def _schemes_by_id(self) -> dict[str, Scheme]:
        return {s.scheme_id: s for s in self.schemes}

    @cached_property
    def _procedures_by_id(self) -> dict[str, Procedure]:
        return {p.procedure_id: p for p in self.procedures}

    def scheme(self, scheme_id: str) -> Scheme:
        """The scheme with this id."""
        return self._schemes_by_id[scheme_id]

    def procedure(self, procedure_id: str) -> Procedure:
        """The procedure with this id."""
        return self._procedures_by_id[procedure_id]

    def procedures_of(self, scheme_id: str) -> tuple[Procedure, ...]:
        """The procedures of one scheme, in display order."""
        return tuple(p for p in self.procedures if p.scheme_id == scheme_id)

    def row_label(self, procedure_id: str) -> str:
        """The seed's row label, for example `(小) 加入手続き`."""
        procedure = self.procedure(procedure_id)
        return f"({self.scheme(procedure.scheme_id).short_label}) {procedure.short_name}"

    @cached_property
    def frame(self) -> pl.DataFrame:
        """One row per procedure in display order: row_order, ids, names, row_label, target."""
        return pl.DataFrame(
            {
                "row_order": list(range(len(self.procedures))),
                "procedure_id": [p.procedure_id for p in self.procedures],
                "scheme_id": [p.scheme_id for p in self.procedures],
                "scheme": [self.scheme(p.scheme_id).name for p in self.procedures],
                "procedure": [p.name for p in self.procedures],
                "row_label": [self.row_label(p.procedure_id) for p in self.procedures],
                "target_tenths": [p.target_tenths for p in self.procedures],
            },
            schema_overrides={"row_order": pl.Int32, "target_tenths": pl.Int64},
        )

    def as_of(self, fiscal_year: int) -> Catalog:
        """The catalogue with every procedure's plan as in force in that fiscal year."""
        if not any(p.revisions for p in self.procedures):
            return self
        return replace(self, procedures=tuple(p.in_year(fiscal_year) for p in self.procedures))

    def target_tenths_in(self, procedure_id: str, fiscal_year: int) -> int:
        """A procedure's target in that fiscal year, in tenths of a percent."""
        return self.procedure(procedure_id).in_year(fiscal_year).target_tenths

    def events_for(self, procedure_ids: list[str]) -> list[Event]:
        """The events that concern any of these procedures, in the catalogue's order."""
        return [e for e in self.events if any(e.applies_to(pid) for pid in procedure_ids)]

    def find_scheme(self, text: str) -> Scheme | None:
        """The scheme named by `text`, its short label or one of its aliases."""
        key = normalise_name(text)
        for scheme in self.schemes:
            names = (scheme.name, scheme.short_label, scheme.table_label, *scheme.aliases)
            if key in {normalise_name(name) for name in names}:
                return scheme
        return None

    def find_procedure(self, scheme_id: str, text: str) -> Procedure | None:
        """The procedure of a scheme named by `text`, its short name or one of its aliases."""
        key = normalise_name(text)
        for procedure in self.procedures_of(scheme_id):
            names = (procedure.name, procedure.short_name, *procedure.aliases)
            if key in {normalise_name(name) for name in names}:
                return procedure
        return None


def in_catalog_order(frame: pl.DataFrame, catalog: Catalog, *then: str) -> pl.DataFrame:
    """The frame with each row's `row_label`, sorted in catalogue order, then by `then`.

    A procedure the catalogue does not know (one removed since) keeps its id as its label and
    comes last.
    """
    labels = catalog.frame.select("procedure_id", "row_order", "row_label")
    return (
        frame.join(labels, on="procedure_id", how="left")
        .with_columns(pl.col("row_label").fill_null(pl.col("procedure_id")))
        .sort(pl.col("row_order"), *then, nulls_last=True)
        .drop("row_order")
    )


def normalise_name(text: str) -> str:
    """A name folded for matching: NFKC, no spaces, ASCII brackets."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split())


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split("|") if part)


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parse_day(text: str) -> tuple[date | None, bool]:
    if not text:
        return None, False
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 2:
        return date(parts[0], parts[1], 1), False
    return date(parts[0], parts[1], parts[2]), True


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Read the catalogue from data_dir."""
    schemes = tuple(
        sorted(
            (
                Scheme(
                    scheme_id=row["scheme_id"],
                    name=row["name"],
                    short_label=row["short_label"],
                    table_label=row["table_label"],
                    sort_order=int(row["sort_order"]),
                    aliases=_split(row["aliases"]),
                )
                for row in _read_rows(data_dir / "schemes.csv")
            ),
            key=lambda s: s.sort_order,
        )
    )
    scheme_order = {s.scheme_id: s.sort_order for s in schemes}
    procedures = []
    for row in _read_rows(data_dir / "procedures.csv"):
        start, exact = _parse_day(row["online_start"])
        assert start is not None, f"procedure {row['procedure_id']} has no online start"
        procedures.append(
            Procedure(
                procedure_id=row["procedure_id"],
                scheme_id=row["scheme_id"],
                name=row["name"],
                short_name=row["short_name"],
                sort_order=int(row["sort_order"]),
                target=float(row["target"]),
                deadline_fy=int(row["deadline_fy"]),
                online_start_month=month_start(start),
                online_start_day=start if exact else None,
                aliases=_split(row["aliases"]),
            )
        )
    procedures.sort(key=lambda p: (scheme_order[p.scheme_id], p.sort_order))
    events = []
    for row in _read_rows(data_dir / "events.csv"):
        when, exact = _parse_day(row["date"])
        events.append(
            Event(
                when=when,
                precise_day=exact,
                scheme_id=row["scheme_id"] or None,
                procedure_ids=_split(row["procedure_ids"]),
                label=row["label"],
                detail=row["detail"],
            )
        )
    return Catalog(schemes=schemes, procedures=tuple(procedures), events=tuple(events))


@cache
def default_catalog() -> Catalog:
    """The catalogue shipped in data/, read once per process."""
    return load_catalog()
