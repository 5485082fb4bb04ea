"""Problems found in an upload, each naming where, what was found and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FILE_LOCATION = "ファイル"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload; any problem means nothing is written."""

    location: str
    found: str
    expected: str
    message: str  # what users read: the full sentence, starting with the location


def make_problem(location: str, found: str, expected: str, body: str) -> Problem:
    """A problem whose message is `location: body` (body names the value and what to enter)."""
    return Problem(location=location, found=found, expected=expected, message=f"{location}: {body}")


def column_letters(index: int) -> str:
    """The Excel column letters of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_location(sheet: str | None, column: int, row: int) -> str:
    """A cell as users see it: `シート「入力」セル D6`, or `CSV 6行目 D列` (sheet None is CSV)."""
    if sheet is None:
        return f"CSV {row}行目 {column_letters(column)}列"
    return f"シート「{sheet}」セル {column_letters(column)}{row}"


def row_location(sheet: str | None, row: int) -> str:
    """A row as users see it: `シート「入力」5行目`, or `CSV 5行目`."""
    if sheet is None:
        return f"CSV {row}行目"
    return f"シート「{sheet}」{row}行目"


def month_text(month: date) -> str:
    """A month in the form the messages and the template use, for example `2025年10月`."""
    return f"{month.year}年{month.month}月"


def shown(value: str | None) -> str:
    """A cell value as quoted in messages: trimmed, and cut short when very long."""
    text = (value or "").strip()
    # A whole paragraph pasted into a cell would drown the message; the start identifies it.
    return text if len(text) <= 40 else text[:40] + "…"


def cell_ref(sheet: str | None, column: int, row: int) -> str:
    """A second cell named in a message about the first: `セル E6`, or `E列` in a CSV row."""
    if sheet is None:
        return f"{column_letters(column)}列"
    return f"セル {column_letters(column)}{row}"
