"""A procedure that goes online, added by staff: in the catalogue and the scorecard, its counts
accepted from an upload, and its addition undone only once nothing refers to it."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import duckdb
import pytest
import xlsxwriter

from kyosai import store
from kyosai.calendar import FiscalQuarter
from kyosai.catalog import default_catalog
from kyosai.ingest import commit_plan, plan_upload, template_xlsx
from kyosai.rates import rate_table
from kyosai.scorecard import scorecard_frame
from tests.quarter_files import HEADERS, TITLE

CATALOG = default_catalog()
TODAY = date(2025, 12, 10)
HENKO = store.NewProcedure(
    "tosan_henko", "tosan", "変更関係手続", "変更手続き", 200, 2026, date(2025, 10, 1)
)


def _upload(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("件数")
    for r, cells in enumerate([[TITLE], [], list(HEADERS), *rows]):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_an_added_procedure_is_in_the_catalogue_and_takes_uploads(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    added = store.add_procedure(sample_con, CATALOG, HENKO, "山田")
    assert (added.change_id, added.procedure_id) == (1, "tosan_henko")
    catalog = store.stored_catalog(sample_con, CATALOG)
    assert [p.procedure_id for p in catalog.procedures_of("tosan")][-1] == "tosan_henko"
    assert catalog.row_label("tosan_henko") == "(倒) 変更手続き"
    card = scorecard_frame(catalog).filter(scorecard_frame(catalog)["対象手続"] == "変更関係手続")
    assert card.row(0) == (
        "中小企業倒産防止共済",
        "変更関係手続",
        "令和8年度内",
        "20%",
        "令和7年10月より開始",
    )
    # The template offers it, and an upload naming it is read and stored.
    template = zipfile.ZipFile(io.BytesIO(template_xlsx(catalog, FiscalQuarter(2025, 3))))
    assert "変更関係手続" in template.read("xl/sharedStrings.xml").decode("utf-8")
    data = _upload([["中小企業倒産防止共済", "変更関係手続", "2025年10月", 300, 1000]])
    plan = plan_upload(sample_con, data, "henko.xlsx", catalog, TODAY)
    assert plan.ok, [p.message for p in plan.parsed.problems]
    commit_plan(sample_con, plan, "山田")
    table = rate_table(store.read_counts(sample_con), catalog, procedure_ids=["tosan_henko"])
    assert table.wide().row(0, named=True)["row_label"] == "(倒) 変更手続き"
    # Counts refer to it: the addition cannot be undone until the upload is.
    with pytest.raises(store.StoreError, match="件数が 1 件登録されているため"):
        store.undo_addition(sample_con, 1, "山田")
    store.undo_upload(sample_con, 2, "山田")
    store.undo_addition(sample_con, 1, "山田")
    assert "tosan_henko" not in {
        p.procedure_id for p in store.stored_catalog(sample_con, CATALOG).procedures
    }


def test_an_upload_naming_a_procedure_nobody_added_is_refused(
    sample_con: duckdb.DuckDBPyConnection,
) -> None:
    data = _upload([["中小企業倒産防止共済", "変更関係手続", "2025年10月", 300, 1000]])
    plan = plan_upload(
        sample_con, data, "henko.xlsx", store.stored_catalog(sample_con, CATALOG), TODAY
    )
    assert not plan.ok
    assert any("変更関係手続" in p.message for p in plan.parsed.problems)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"procedure_id": "tosan_kanyu"}, "ID「tosan_kanyu」は既にあります"),
        ({"procedure_id": "Tosan-Henko"}, "ID は英小文字で始まる"),
        ({"name": "加入関係手続"}, "同じ制度に同じ名称"),
        ({"name": " "}, "名称と略称を書いてください"),
        ({"deadline_fy": 2024}, "（令和6年度内）がオンライン受付開始の年度（令和7年度）より前です"),
        ({"target_tenths": 0}, "0.1% から 100% の間"),
        ({"scheme_id": "kokumin"}, "制度「kokumin」はカタログにありません"),
    ],
)
def test_a_bad_addition_is_named_and_writes_nothing(
    sample_con: duckdb.DuckDBPyConnection, changes: dict[str, object], message: str
) -> None:
    version = store.data_version(sample_con)
    bad = store.NewProcedure(**{**HENKO.__dict__, **changes})  # type: ignore[arg-type]
    with pytest.raises(store.StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.add_procedure(sample_con, CATALOG, bad, "t")
    assert store.data_version(sample_con) == version
    assert store.read_addition_changes(sample_con).is_empty()
