"""Regenerate data/sample_counts.csv: synthetic monthly counts that reproduce 資料3 exactly.

Run from the project root: `python tools/make_sample_data.py`. The output is deterministic.

Every quarter-end month gets an online count whose rate rounds (half up, 0.1 point) to the
published cell. The other months start from rates interpolated between those anchors, then the
free months of each fiscal-year period are scaled together so the period's Σonline/Σtotal rounds
to the published 期間集計 cell. Totals follow a plausible seasonal pattern, with the December rush
of paper enrolments in 小規模企業共済.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kyosai.calendar import add_months, month_label, months_between, period_label  # noqa: E402
from kyosai.catalog import load_catalog  # noqa: E402
from kyosai.percent import rate_tenths  # noqa: E402

PUBLISHED = ROOT / "tests" / "fixtures" / "published_rates.csv"
OUTPUT = ROOT / "data" / "sample_counts.csv"
FIRST = date(2023, 9, 1)
LAST = date(2025, 9, 1)
PERIODS = ((date(2023, 9, 1), date(2024, 3, 1)), (date(2024, 4, 1), date(2025, 3, 1)),
           (date(2025, 4, 1), date(2025, 9, 1)))  # fmt: skip

# Typical monthly applications and the December factor, per procedure.
BASE_TOTAL = {
    "shokibo_kanyu": (7200, 2.6),
    "shokibo_hozen": (3100, 1.5),
    "tosan_kanyu": (4300, 1.2),
    "tosan_hozen": (1650, 1.1),
}
GROWTH_PER_YEAR = 0.04


def _window(tenths: int, total: int) -> tuple[int, int]:
    """The smallest and largest online counts whose rate rounds to `tenths` for this total."""
    online = [o for o in range(total + 1) if rate_tenths(o, total) == tenths]
    return online[0], online[-1]


def _totals(procedure_id: str, rng: random.Random) -> dict[date, int]:
    base, december = BASE_TOTAL[procedure_id]
    totals = {}
    for index, month in enumerate(months_between(FIRST, LAST)):
        season = {12: december, 3: 1.15, 1: 0.9, 8: 0.85, 5: 0.95}.get(month.month, 1.0)
        trend = (1 + GROWTH_PER_YEAR) ** (index / 12)
        totals[month] = round(base * season * trend * rng.uniform(0.93, 1.07))
    return totals


def _anchor_rates(published: dict[str, int]) -> dict[date, float]:
    anchors = {}
    for month in months_between(FIRST, LAST):
        if month_label(month) in published:
            anchors[month] = published[month_label(month)] / 1000
    return anchors


def _interpolated(month: date, anchors: dict[date, float], skip_december: bool) -> float:
    # A December dip is a paper rush, not a trend: other months interpolate around it.
    usable = {m: r for m, r in anchors.items() if not (skip_december and m.month == 12)}
    before = max((m for m in usable if m <= month), default=min(usable))
    after = min((m for m in usable if m >= month), default=max(usable))
    if before == after:
        return usable[before]
    span = (after.year - before.year) * 12 + after.month - before.month
    offset = (month.year - before.year) * 12 + month.month - before.month
    return usable[before] + (usable[after] - usable[before]) * offset / span


def generate() -> list[dict[str, object]]:
    """Every sample row: procedure_id, month, online, total."""
    catalog = load_catalog()
    rows: list[dict[str, object]] = []
    with PUBLISHED.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    for seed, record in enumerate(table):
        scheme = catalog.find_scheme(record["scheme"])
        assert scheme is not None
        procedure = catalog.find_procedure(scheme.scheme_id, record["procedure"])
        assert procedure is not None
        pid = procedure.procedure_id
        published = {
            key: round(float(value) * 10)
            for key, value in record.items()
            if key not in ("scheme", "procedure")
        }
        rng = random.Random(1000 + seed)
        totals = _totals(pid, rng)
        anchors = _anchor_rates(published)
        online: dict[date, int] = {}
        for month, total in totals.items():
            label = month_label(month)
            if label in published:
                low, high = _window(published[label], total)
                online[month] = rng.randint(low, high)
            else:
                rate = _interpolated(month, anchors, skip_december=scheme.short_label == "小")
                online[month] = round(total * max(0.0, rate * rng.uniform(0.96, 1.04)))
        for first, last in PERIODS:
            months = list(months_between(first, last))
            free = [m for m in months if month_label(m) not in published]
            fixed_online = sum(online[m] for m in months if m not in free)
            period_total = sum(totals[m] for m in months)
            low, high = _window(published[period_label(first, last)], period_total)
            wanted = (low + high) // 2 - fixed_online
            current = sum(online[m] for m in free)
            scaled = {m: online[m] * wanted / current for m in free}
            for m in free:
                online[m] = round(scaled[m])
            # Integer rounding can leave the sum a few counts off; put the rest on one month.
            online[free[-1]] += wanted - sum(online[m] for m in free)
            assert 0 <= online[free[-1]] <= totals[free[-1]]
        for month in sorted(totals):
            rows.append(
                {
                    "procedure_id": pid,
                    "month": f"{month:%Y-%m}",
                    "online": online[month],
                    "total": totals[month],
                }
            )
        _verify(published, online, totals)
    return rows


def _verify(published: dict[str, int], online: dict[date, int], totals: dict[date, int]) -> None:
    for month in totals:
        label = month_label(month)
        if label in published:
            assert rate_tenths(online[month], totals[month]) == published[label], label
    for first, last in PERIODS:
        months = list(months_between(first, last))
        tenths = rate_tenths(sum(online[m] for m in months), sum(totals[m] for m in months))
        assert tenths == published[period_label(first, last)], period_label(first, last)
    assert add_months(FIRST, 24) == LAST


def main() -> None:
    """Write data/sample_counts.csv."""
    rows = generate()
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["procedure_id", "month", "online", "total"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
