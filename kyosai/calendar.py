"""Months, fiscal years and Japanese era (和暦) labels as used in 資料3."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

# Era start months. A month belongs to the era that was in force on its first day, except that
# 2019-05 (the month Reiwa began on the 1st) is R1.5 and 2019-04 is H31.4.
_ERAS: tuple[tuple[str, str, date], ...] = (
    ("R", "令和", date(2019, 5, 1)),
    ("H", "平成", date(1989, 2, 1)),
)
_ERA_BY_LETTER = {letter: start for letter, _, start in _ERAS}
_ERA_BY_KANJI = {kanji: start for _, kanji, start in _ERAS}
_ERA_LETTER_BY_KANJI = {kanji: letter for letter, kanji, _ in _ERAS}

QUARTER_END_MONTHS = (3, 6, 9, 12)


class MonthParseError(ValueError):
    """A text that is not a month in any accepted form."""


def month_start(value: date) -> date:
    """The first day of the month of `value`."""
    return date(value.year, value.month, 1)


def add_months(month: date, count: int) -> date:
    """The month `count` months after `month` (negative goes back)."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> Iterator[date]:
    """Every month from `first` to `last`, both included."""
    month = month_start(first)
    end = month_start(last)
    while month <= end:
        yield month
        month = add_months(month, 1)


def _era_of(month: date) -> tuple[str, str, int]:
    for letter, kanji, start in _ERAS:
        if month >= start:
            return letter, kanji, month.year - start.year + 1
    raise ValueError(f"{month:%Y-%m} is before the Heisei era")


def month_label(month: date) -> str:
    """The seed's label of a month, for example `R7.9` for 2025-09."""
    letter, _, era_year = _era_of(month_start(month))
    return f"{letter}{era_year}.{month.month}"


def month_label_long(month: date) -> str:
    """A month in words, for example `令和7年9月`."""
    _, kanji, era_year = _era_of(month_start(month))
    year_text = "元" if era_year == 1 else str(era_year)
    return f"{kanji}{year_text}年{month.month}月"


def fiscal_year(month: date) -> int:
    """The fiscal year (April–March) a month belongs to, as the Gregorian year it starts in."""
    return month.year if month.month >= 4 else month.year - 1


def fiscal_year_start(fy: int) -> date:
    """April of fiscal year `fy`."""
    return date(fy, 4, 1)


def fiscal_year_end(fy: int) -> date:
    """March (its first day) that closes fiscal year `fy`."""
    return date(fy + 1, 3, 1)


def _fiscal_era(fy: int) -> tuple[str, str, int]:
    # A fiscal year is named in the era in force when it ends: FY2019 is 令和元年度, not 平成31年度.
    letter, kanji, _ = _era_of(fiscal_year_end(fy))
    era_year = fy - _ERA_BY_LETTER[letter].year + 1
    if era_year < 1:
        return _era_of(fiscal_year_start(fy))
    return letter, kanji, era_year


def fiscal_year_label(fy: int) -> str:
    """A fiscal year in words, for example `令和7年度` for FY2025 and `令和元年度` for FY2019."""
    _, kanji, era_year = _fiscal_era(fy)
    year_text = "元" if era_year == 1 else str(era_year)
    return f"{kanji}{year_text}年度"


def fiscal_quarter(month: date) -> int:
    """The fiscal quarter 1–4 of a month: April–June is 1, January–March is 4."""
    return (month.month - 4) % 12 // 3 + 1


def fiscal_quarter_months(fy: int, quarter: int) -> tuple[date, date, date]:
    """The three months of fiscal quarter `quarter` of fiscal year `fy`."""
    first = add_months(fiscal_year_start(fy), (quarter - 1) * 3)
    return first, add_months(first, 1), add_months(first, 2)


def is_quarter_end(month: date) -> bool:
    """Whether the month closes a quarter (March, June, September, December)."""
    return month.month in QUARTER_END_MONTHS


def period_label(first: date, last: date) -> str:
    """A period's label as in the seed, for example `R7.4~R7.9`."""
    return f"{month_label(first)}~{month_label(last)}"


@dataclass(frozen=True)
class FiscalQuarter:
    """A fiscal quarter, written `R7Q3` (令和7年度 第3四半期, October–December 2025)."""

    fiscal_year: int
    quarter: int

    @property
    def months(self) -> tuple[date, date, date]:
        """The quarter's three months."""
        return fiscal_quarter_months(self.fiscal_year, self.quarter)

    @property
    def label(self) -> str:
        """The short label, for example `R7Q3`."""
        letter, _, era_year = _fiscal_era(self.fiscal_year)
        return f"{letter}{era_year}Q{self.quarter}"

    @property
    def long_label(self) -> str:
        """The quarter in words with its months, for example `令和7年度第3四半期（R7.10~R7.12）`."""
        first, _, last = self.months
        return (
            f"{fiscal_year_label(self.fiscal_year)}第{self.quarter}四半期"
            f"（{month_label(first)}~{month_label(last)}）"
        )

    def next(self) -> FiscalQuarter:
        """The quarter after this one."""
        if self.quarter == 4:
            return FiscalQuarter(self.fiscal_year + 1, 1)
        return FiscalQuarter(self.fiscal_year, self.quarter + 1)

    @classmethod
    def of(cls, month: date) -> FiscalQuarter:
        """The fiscal quarter a month belongs to."""
        return cls(fiscal_year(month), fiscal_quarter(month))

    @classmethod
    def to_report(cls, latest: date | None, today: date) -> FiscalQuarter:
        """The next quarter staff report: the one after the latest stored month, or the
        current quarter when nothing is stored yet."""
        return cls.of(latest).next() if latest is not None else cls.of(today)


_QUARTER_RE = re.compile(r"^([RH])(\d{1,2})Q([1-4])$")


def parse_fiscal_quarter(text: str) -> FiscalQuarter:
    """Parse `R7Q3` into the fiscal quarter it names."""
    match = _QUARTER_RE.match(unicodedata.normalize("NFKC", text).strip().upper())
    if not match:
        raise MonthParseError(f"四半期は R7Q3 のように書いてください（{text!r}）")
    letter, era_year, quarter = match.groups()
    start = _ERA_BY_LETTER[letter]
    return FiscalQuarter(start.year + int(era_year) - 1, int(quarter))


_GREGORIAN_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_ERA_LETTER_RE = re.compile(r"^([RH])\s*(\d{1,2}|元)\s*[./年]\s*(\d{1,2})\s*月?$")
_ERA_KANJI_RE = re.compile(r"^(令和|平成)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月$")


def _era_month(start: date, era_year_text: str, month_text: str, original: str) -> date:
    era_year = 1 if era_year_text == "元" else int(era_year_text)
    month_number = int(month_text)
    if not 1 <= month_number <= 12 or era_year < 1:
        raise MonthParseError(f"月として読めません: {original!r}")
    result = date(start.year + era_year - 1, month_number, 1)
    # Eras begin and end mid-year: R1.4 does not exist (it is H31.4), nor does H31.5 (R1.5).
    successor = next((s for _, _, s in _ERAS if s > start), None)
    if result < month_start(start) or (successor is not None and result >= successor):
        raise MonthParseError(f"{original!r} はその元号の期間にありません")
    return result


def parse_month(text: str) -> date:
    """Parse a month written as 2025-10, 2025/10, 2025年10月, R7.10 or 令和7年10月."""
    cleaned = unicodedata.normalize("NFKC", text).strip().upper()
    if match := _GREGORIAN_RE.match(cleaned):
        year, month_number = int(match.group(1)), int(match.group(2))
        if not 1 <= month_number <= 12:
            raise MonthParseError(f"月として読めません: {text!r}")
        return date(year, month_number, 1)
    if match := _ERA_LETTER_RE.match(cleaned):
        return _era_month(_ERA_BY_LETTER[match.group(1)], match.group(2), match.group(3), text)
    if match := _ERA_KANJI_RE.match(cleaned):
        start = _ERA_BY_KANJI[match.group(1)]
        return _era_month(start, match.group(2), match.group(3), text)
    raise MonthParseError(f"月として読めません: {text!r}")


def era_letter(kanji: str) -> str:
    """The letter (R, H) of an era written in kanji."""
    return _ERA_LETTER_BY_KANJI[kanji]
