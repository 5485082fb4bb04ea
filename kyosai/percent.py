"""Exact half-up rounding of rates to 0.1 point, as Excel's ROUND does, in integers only."""

from __future__ import annotations

from fractions import Fraction

import polars as pl


def rate_tenths(online: int, total: int) -> int | None:
    """The rate online/total in tenths of a percent, rounded half up exactly; None if total is 0."""
    if total <= 0:
        return None
    # tenths = online / total * 1000, rounded half up: floor((2 * 1000 * online + total) / 2total)
    return (2000 * online + total) // (2 * total)


def round_half_up_tenths(value: Fraction) -> int:
    """A percentage-point fraction (in points) rounded to tenths, halves away from zero."""
    scaled = value * 10
    magnitude = (abs(scaled) * 2 + 1) // 2
    return int(magnitude) if scaled >= 0 else -int(magnitude)


def format_tenths(tenths: int | None) -> str:
    """Tenths of a percent as the seed writes them, for example `38.2%`; empty when missing."""
    if tenths is None:
        return ""
    return f"{tenths // 10}.{tenths % 10}%"


def format_target(tenths: int) -> str:
    """A target as the seed writes it: `20%`, not `20.0%` (a fractional target keeps 0.1)."""
    return f"{tenths // 10}%" if tenths % 10 == 0 else format_tenths(tenths)


def format_tenths_number(tenths: int | None) -> str:
    """Tenths of a percent without the sign, for example `38.2`; empty when missing."""
    if tenths is None:
        return ""
    return f"{tenths // 10}.{tenths % 10}"


def format_points(delta_tenths: int | None) -> str:
    """A change in tenths of a point, signed, for example `+4.7pt` or `-0.3pt`."""
    if delta_tenths is None:
        return ""
    sign = "+" if delta_tenths > 0 else ("-" if delta_tenths < 0 else "±")
    magnitude = abs(delta_tenths)
    return f"{sign}{magnitude // 10}.{magnitude % 10}pt"


def tenths_expr(online: str = "online", total: str = "total") -> pl.Expr:
    """Polars expression for rate_tenths over integer columns; null where total is 0."""
    online_col = pl.col(online).cast(pl.Int64)
    total_col = pl.col(total).cast(pl.Int64)
    return (
        pl.when(total_col > 0)
        .then((online_col * 2000 + total_col) // (total_col * 2))
        .otherwise(None)
        .cast(pl.Int64)
    )


def rate_expr(online: str = "online", total: str = "total") -> pl.Expr:
    """Polars expression for the rate as a fraction 0–1; null where total is 0."""
    return (
        pl.when(pl.col(total) > 0)
        .then(pl.col(online).cast(pl.Float64) / pl.col(total).cast(pl.Float64))
        .otherwise(None)
    )
