"""A store with months whose total is 0, which the schema and the validator allow: such a month
has no rate, and no page or file may show it as NaN, inf or 0.0%."""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

import polars as pl

from kyosai import store

OCTOBER = date(2025, 10, 1)
# (倒) 加入 has a month of 0 applications after months with figures; (倒) 解約 has only one,
# so it has no rate at all; (小) 加入 has an ordinary month beside them.
ZERO_ROWS = pl.DataFrame(
    [
        ("tosan_kanyu", OCTOBER, 0, 0),
        ("tosan_kaiyaku", OCTOBER, 0, 0),
        ("shokibo_kanyu", OCTOBER, 500, 1000),
    ],
    schema={"procedure_id": pl.String, "month": pl.Date, "online": pl.Int64, "total": pl.Int64},
    orient="row",
)
NOT_A_NUMBER = re.compile(r"\b(nan|NaN|inf|Infinity)\b")


def add_zero_months(db_path: Path) -> None:
    """Write ZERO_ROWS as an upload to the DB at db_path (created with the sample if new)."""
    con = store.connect(db_path)
    try:
        store.write_upload(con, ZERO_ROWS, file_name="zero.csv", sha256="zero", uploaded_by="t")
    finally:
        con.close()


def not_numbers(text: str) -> list[str]:
    """Every NaN or infinity written into a text, including inside base64 SVG images."""
    found = NOT_A_NUMBER.findall(text)
    for image in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text):
        found += NOT_A_NUMBER.findall(base64.b64decode(image).decode("utf-8"))
    return found
