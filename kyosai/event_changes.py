"""The records of changes to 取組 and to the plan, as 取組と対象手続 shows them: who, when,
what, before → after."""

from __future__ import annotations

import polars as pl

from kyosai.calendar import fiscal_year_label
from kyosai.catalog import Catalog
from kyosai.events import event_summary
from kyosai.percent import format_target
from kyosai.store.events import ACTION_WORDS, event_from_json
from kyosai.uploads import TIMESTAMP_FORMAT


def changes_frame(changes: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Every change, newest first, in words."""
    rows = []
    for row in changes.iter_rows(named=True):
        before = event_from_json(row["before_json"], row["event_id"])
        after = event_from_json(row["after_json"], row["event_id"])
        state = (
            "有効"
            if row["undone_at"] is None
            else f"取消済み（{row['undone_at']:{TIMESTAMP_FORMAT}}、{row['undone_by']}）"
        )
        rows.append(
            {
                "変更": row["change_id"],
                "日時": f"{row['changed_at']:{TIMESTAMP_FORMAT}}",
                "変更者": row["changed_by"],
                "操作": ACTION_WORDS[row["action"]],
                "取組": row["event_id"],
                "変更前": event_summary(before, catalog) if before else "",
                "変更後": event_summary(after, catalog) if after else "",
                "状態": state,
            }
        )
    schema = {
        "変更": pl.Int64,
        "日時": pl.String,
        "変更者": pl.String,
        "操作": pl.String,
        "取組": pl.Int64,
        "変更前": pl.String,
        "変更後": pl.String,
        "状態": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def plan_changes_frame(changes: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Every revision of the plan, newest first, in words."""
    rows = []
    for row in changes.iter_rows(named=True):
        pid = row["procedure_id"]
        known = pid in {p.procedure_id for p in catalog.procedures}
        rows.append(
            {
                "変更": row["change_id"],
                "日時": f"{row['changed_at']:{TIMESTAMP_FORMAT}}",
                "変更者": row["changed_by"],
                "対象手続": catalog.row_label(row["procedure_id"])
                if known
                else row["procedure_id"],
                "適用開始": f"{fiscal_year_label(row['from_fy'])}から",
                "利用目標": format_target(row["target_tenths"]),
                "取組期間": f"{fiscal_year_label(row['deadline_fy'])}内",
                "状態": "有効"
                if row["undone_at"] is None
                else f"取消済み（{row['undone_at']:{TIMESTAMP_FORMAT}}、{row['undone_by']}）",
            }
        )
    schema = {"変更": pl.Int64} | dict.fromkeys(
        ("日時", "変更者", "対象手続", "適用開始", "利用目標", "取組期間", "状態"), pl.String
    )
    return pl.DataFrame(rows, schema=schema)


def additions_frame(changes: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Every procedure staff added, newest first, in words."""
    rows = []
    for row in changes.iter_rows(named=True):
        start = row["online_start"]
        started = f"{start:%Y-%m-%d}" if row["precise_day"] else f"{start:%Y-%m}"
        rows.append(
            {
                "変更": row["change_id"],
                "日時": f"{row['changed_at']:{TIMESTAMP_FORMAT}}",
                "変更者": row["changed_by"],
                "制度": catalog.scheme(row["scheme_id"]).name,
                "ID": row["procedure_id"],
                "対象手続": f"{row['name']}（{row['short_name']}）",
                "利用目標": format_target(row["target_tenths"]),
                "取組期間": f"{fiscal_year_label(row['deadline_fy'])}内",
                "受付開始": started,
                "状態": "有効"
                if row["undone_at"] is None
                else f"取消済み（{row['undone_at']:{TIMESTAMP_FORMAT}}、{row['undone_by']}）",
            }
        )
    schema = {"変更": pl.Int64} | dict.fromkeys(
        ("日時", "変更者", "制度", "ID", "対象手続", "利用目標", "取組期間", "受付開始", "状態"),
        pl.String,
    )
    return pl.DataFrame(rows, schema=schema)
