"""A count problem also says which procedure and month the row is, so staff find it at once."""

from __future__ import annotations

from datetime import date

from kyosai.catalog import default_catalog
from kyosai.ingest import parse_upload
from tests.quarter_files import long_xlsx, quarter_counts


def test_count_problems_name_the_row() -> None:
    damaged = {
        ("shokibo_kanyu", date(2025, 10, 1)): (900, 100),
        ("tosan_hozen", date(2025, 11, 1)): ("abc", 100),
    }
    result = parse_upload(
        long_xlsx(quarter_counts(), damaged), "q.xlsx", default_catalog(), date(2026, 1, 10)
    )
    texts = [problem.message for problem in result.problems]
    assert len(texts) == 2
    assert texts[0].startswith(
        "シート「件数」セル D4: オンライン件数（900）が全体件数（100、セル E4）"
    )
    assert texts[0].endswith("（(小) 加入手続き R7.10 の行）")
    assert texts[1].startswith("シート「件数」セル D20: 「abc」は件数として読めません。")
    assert texts[1].endswith("（(倒) 保全手続き R7.11 の行）")
