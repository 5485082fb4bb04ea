"""Reading single values: header words, counts, months and scheme/procedure names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import polars as pl

from kyosai.calendar import parse_month
from kyosai.catalog import Catalog, Procedure, Scheme, normalise_name

SCHEME, PROCEDURE, MONTH, ONLINE, TOTAL, PAPER = (
    "scheme",
    "procedure",
    "month",
    "online",
    "total",
    "paper",
)
COUNT_KINDS = (ONLINE, TOTAL, PAPER)
COUNT_LABELS = {ONLINE: "オンライン件数", TOTAL: "全体件数", PAPER: "書面件数"}

# Header words after normalise_header (NFKC, no spaces, no trailing unit in brackets).
HEADER_ALIASES: dict[str, frozenset[str]] = {
    SCHEME: frozenset({"制度", "共済", "共済制度", "制度名", "共済名"}),
    PROCEDURE: frozenset({"手続", "対象手続", "手続き", "手続名", "手続き名", "対象手続き"}),
    MONTH: frozenset({"年月", "月", "対象月", "年月日", "対象年月"}),
    ONLINE: frozenset(
        {
            "オンライン件数",
            "オンライン",
            "電子申請件数",
            "オンライン申請件数",
            "電子申請",
            "うちオンライン",
            "うちオンライン件数",
            "うち電子申請",
        }
    ),
    TOTAL: frozenset(
        {"全体件数", "全体", "合計件数", "総件数", "申請件数", "全件数", "件数", "受付件数", "総数"}
    ),
    PAPER: frozenset({"書面件数", "書面", "紙", "紙申請件数", "書面申請件数", "紙件数"}),
}
HEADER_KIND = {alias: kind for kind, aliases in HEADER_ALIASES.items() for alias in aliases}
# A row or column whose label is one of these sums others and is not data.
TOTAL_WORDS = frozenset({"合計", "計", "総計", "小計", "累計", "総合計"})
# Cells staff fill with a dash to mean "nothing here" (after NFKC, which maps － to -).
DASHES = ("-", "ー", "―", "—", "‐", "–", "−", "ｰ")

_UNIT_RE = re.compile(r"[(\[【〔<＜][^()\[\]【】〔〕]*[)\]】〕>＞]$")
_DATE_RE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    r"|^(\d{4})年(\d{1,2})月(\d{1,2})日$"
)
_PREFIX_RE = re.compile(r"^\((.+?)\)(.+)$")
# Counts: optional sign, up to 15 digits (beyond that it is not a count of applications, and
# Int64 would overflow), optionally ".0…" as Excel writes a whole number stored as a float.
# ASCII digits only: `\d` also matches ١٢٣ or १२३, which Int64 cannot read (NFKC has already
# folded full-width digits); such a value is refused with its cell named.
_COUNT_OK = r"^[+-]?[0-9]{1,15}(\.0*)?$"
_COUNT_DECIMAL = r"^[+-]?[0-9]*\.[0-9]+$"


def normalise_header(text: str | None) -> str:
    """A header cell folded for matching: NFKC, no spaces, no trailing unit such as (件)."""
    if text is None:
        return ""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return _UNIT_RE.sub("", folded)


def normalised_expr(column: str) -> pl.Expr:
    """The vectorised normalise_header of a text column (null stays null)."""
    return (
        pl.col(column)
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", "")
        .str.replace(_UNIT_RE.pattern, "")
    )


def parse_month_text(text: str | None) -> date | None:
    """The month a cell names (2025-10, 2025/10, 2025年10月, R7.10, 令和7年10月, a date) or None."""
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.removesuffix("分").strip()
    if not cleaned:
        return None
    # Excel date cells arrive as "2025-10-01 00:00:00"; any day of the month names the month.
    if match := _DATE_RE.match(cleaned):
        parts = [int(part) for part in match.groups() if part is not None]
        try:
            day = date(parts[0], parts[1], parts[2])
        except ValueError:
            return None
        return date(day.year, day.month, 1)
    try:
        return parse_month(cleaned)
    except ValueError:  # MonthParseError, or a year out of date()'s range
        return None


def count_columns(text_column: str, prefix: str) -> list[pl.Expr]:
    """`<prefix>_state` (empty|ok|decimal|bad) and `<prefix>_value` (Int64) of a count cell."""
    text = (
        pl.col(text_column)
        .str.normalize("NFKC")
        .str.strip_chars()
        .str.replace_all(",", "")
        .str.replace(r"件$", "")
        .str.strip_chars()
    )
    empty = text.is_null() | (text == "") | text.is_in(DASHES)
    ok = text.str.contains(_COUNT_OK)
    state = (
        pl.when(empty)
        .then(pl.lit("empty"))
        .when(ok)
        .then(pl.lit("ok"))
        .when(text.str.contains(_COUNT_DECIMAL))
        .then(pl.lit("decimal"))
        .otherwise(pl.lit("bad"))
    )
    value = (
        pl.when(~empty & ok)
        .then(text.str.replace(r"\.0*$", "").str.replace(r"^\+", "").cast(pl.Int64, strict=False))
        .otherwise(None)
    )
    return [state.alias(f"{prefix}_state"), value.alias(f"{prefix}_value")]


# A count cell as calamine gives a number: nothing for count_columns to clean.
_PLAIN_COUNT = r"^[0-9]{1,15}$"


def count_frame_columns(frame: pl.DataFrame, texts: dict[str, str]) -> list[pl.Expr]:
    """count_columns of each `text column → prefix`, cheaper where every cell is plain digits."""
    plain = frame.select(
        (pl.col(column).is_null() | pl.col(column).str.contains(_PLAIN_COUNT)).all()
        for column in texts
    ).row(0)
    exprs: list[pl.Expr] = []
    for (column, prefix), is_plain in zip(texts.items(), plain, strict=True):
        if not is_plain:
            exprs += count_columns(column, prefix)
            continue
        # Plain digits are already what count_columns would make of them: "ok", or "empty".
        text = pl.col(column)
        state = pl.when(text.is_null()).then(pl.lit("empty")).otherwise(pl.lit("ok"))
        exprs += [state.alias(f"{prefix}_state"), text.cast(pl.Int64).alias(f"{prefix}_value")]
    return exprs


@dataclass(frozen=True)
class NameResult:
    """A row's scheme and procedure, or why they could not be read."""

    procedure: Procedure | None
    error: str = ""  # "" | scheme_empty | scheme_unknown | procedure_empty | procedure_unknown
    #                   | procedure_other | conflict
    scheme: Scheme | None = None
    other: Scheme | None = None  # the scheme a misplaced procedure belongs to
    prefix_scheme: Scheme | None = None


def _prefix(catalog: Catalog, text: str) -> tuple[Scheme | None, str]:
    match = _PREFIX_RE.match(normalise_name(text))
    if not match:
        return None, text
    scheme = catalog.find_scheme(match.group(1)) or catalog.find_scheme(f"({match.group(1)})")
    return (scheme, match.group(2)) if scheme else (None, text)


def resolve_names(
    catalog: Catalog, scheme_text: str | None, scheme_explicit: bool, procedure_text: str | None
) -> NameResult:
    """Resolve a row's 制度 and 手続 cells, accepting a `(小) 加入手続き` label in the 手続 cell."""
    cell_scheme = catalog.find_scheme(scheme_text) if scheme_text else None
    if scheme_text and cell_scheme is None:
        return NameResult(None, "scheme_unknown")
    if not procedure_text or normalise_name(procedure_text) in DASHES:
        return NameResult(None, "procedure_empty", scheme=cell_scheme)
    prefix_scheme, name = _prefix(catalog, procedure_text)
    if prefix_scheme and cell_scheme and prefix_scheme != cell_scheme and scheme_explicit:
        return NameResult(None, "conflict", scheme=cell_scheme, prefix_scheme=prefix_scheme)
    # A label's own prefix beats a 制度 value carried down from a merged cell above.
    scheme = prefix_scheme or cell_scheme
    if scheme is None:
        return NameResult(None, "scheme_empty")
    procedure = catalog.find_procedure(scheme.scheme_id, name)
    if procedure is not None:
        return NameResult(procedure, scheme=scheme)
    for other in catalog.schemes:
        if other != scheme and catalog.find_procedure(other.scheme_id, name) is not None:
            return NameResult(None, "procedure_other", scheme=scheme, other=other)
    return NameResult(None, "procedure_unknown", scheme=scheme)
