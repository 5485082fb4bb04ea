"""AppTest rerun time of each page next to a bare one-line page, measured in the same run.

Usage: python bench/page_rerun.py [--runs 20] [--json FILE]
Reports the median over --runs reruns after a warm-up, and each page's ratio to the bare page.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["pages/overview.py", "pages/trends.py", "pages/table.py", "pages/definitions.py"]


def _median_rerun_ms(at: object, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    """Measure and print the table; optionally write JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    os.environ["KYOSAI_DB"] = str(Path(tempfile.mkdtemp()) / "bench.duckdb")
    from streamlit.testing.v1 import AppTest

    bare = AppTest.from_file(str(ROOT / "bench" / "bare_page.py"), default_timeout=60)
    bare.run()
    results: dict[str, float] = {}
    bare_runs: list[float] = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page).run()
        at.run()  # warm-up: caches filled
        results[page] = _median_rerun_ms(at, args.runs)
        # The bare page is measured between pages, so both see the same machine state.
        bare_runs.append(_median_rerun_ms(bare, args.runs))
    bare_ms = statistics.median(bare_runs)
    print(f"{'page':28} {'median ms':>10} {'× bare':>8}")
    print(f"{'bench/bare_page.py':28} {bare_ms:10.1f} {1.0:8.2f}")
    for page, ms in results.items():
        print(f"{page:28} {ms:10.1f} {ms / bare_ms:8.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "page_rerun_ms": results,
                    "bare_page_rerun_ms": bare_ms,
                    "page_rerun_ratio": max(results.values()) / bare_ms,
                    "runs": args.runs,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
