"""Rendering of the データ取込 and 取込履歴 pages: preview, confirm, history, undo."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import streamlit as st

from kyosai.calendar import FiscalQuarter, fiscal_year, month_label
from kyosai.exports import XLSX_MIME
from kyosai.html_tables import rate_table_html, text_table_html
from kyosai.ingest import UploadPlan
from kyosai.literal import markdown_literal
from kyosai.percent import format_tenths
from kyosai.store import REMOVE_SAMPLE_KIND, Removal, SampleLeft, UploadResult
from kyosai.ui import render
from kyosai.uploads import UploadDetail

_GENERATION = "upload_generation"
# What the preview counts, in the order shown: revisions overwrite stored values, so they get a
# box of their own that staff cannot miss.
UPLOAD_COUNTS = ("新規", "修正（登録済みの値を変更）", "変更なし")
_FLASH = "upload_flash"
COUNT_COLUMNS = {
    "オンライン件数": st.column_config.NumberColumn(format="localized"),
    "全体件数": st.column_config.NumberColumn(format="localized"),
}


def uploader_key() -> str:
    """The uploader's key; a new key after each commit empties the widget."""
    return f"uploader_{st.session_state.get(_GENERATION, 0)}"


def flash() -> None:
    """Show the message left by the last commit or undo, once."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message)


def after_commit(result: UploadResult, plan: UploadPlan) -> None:
    """Remember the outcome, clear the uploader and rerun so every figure is fresh."""
    st.session_state[_FLASH] = (
        f"「{markdown_literal(plan.file_name)}」を取込 #{result.upload_id} として登録しました"
        f"（新規 {result.rows_new} 件・修正 {result.rows_revised} 件・"
        f"変更なし {result.rows_unchanged} 件）。すべての画面に反映されています。"
    )
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
    st.rerun()


def template_choice(default: FiscalQuarter) -> FiscalQuarter:
    """A quarter picker for the template, defaulting to the next quarter to report."""
    options = [default]
    for _ in range(3):
        options.append(options[-1].next())
    return st.selectbox(
        "テンプレートの四半期",
        options=options,
        format_func=lambda q: q.long_label,
        key="template_quarter",
    )


def template_download(quarter: FiscalQuarter, content: bytes) -> None:
    """The template download button."""
    st.download_button(
        "入力用テンプレート（Excel）をダウンロード",
        data=content,
        file_name=f"kyosai_template_{quarter.label}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
    )


def problems(plan: UploadPlan) -> None:
    """Every problem, with where it is; nothing was written."""
    count = len(plan.parsed.problems)
    st.error(
        f"「{markdown_literal(plan.file_name)}」に {count} 件の問題があるため、取り込めません。"
        "何も登録していません。ファイルを直して、もう一度アップロードしてください。"
    )
    # A list, not a table: every message is read in full, however long.
    st.markdown(
        "\n".join(
            f"- **{markdown_literal(p.location)}**: "
            + markdown_literal(p.message.removeprefix(f"{p.location}: "))
            for p in plan.parsed.problems
        )
    )


def _changes(plan: UploadPlan, change: str) -> pl.DataFrame:
    rows = plan.changes.filter(pl.col("change") == change)
    return pl.DataFrame(
        {
            "手続": rows["row_label"],
            "年月": [month_label(m) for m in rows["month"]],
            "オンライン件数": rows["online"],
            "全体件数": rows["total"],
            "利用率": [format_tenths(t) for t in rows["tenths"]],
            "変更前（オンライン/全体）": [
                f"{o:,} / {t:,}" if t is not None else ""
                for o, t in zip(rows["old_online"], rows["old_total"], strict=True)
            ],
            "変更前の利用率": [format_tenths(t) for t in rows["old_tenths"]],
        }
    )


def rows_html(rows: pl.DataFrame) -> str:
    """The rows an upload writes, as a table with thousands separators."""
    return text_table_html(rows, "rows", separators=True)


def preview(plan: UploadPlan) -> bool:
    """The preview of a valid upload; True when the user confirms."""
    new, revised, unchanged = plan.count("new"), plan.count("revised"), plan.count("unchanged")
    st.subheader("取込内容の確認")
    layout = {"long": "縦型（1行1か月）", "wide": "横型（月ごとの列）"}.get(plan.parsed.layout, "")
    sheets = markdown_literal("、".join(plan.parsed.sheets))
    sheet_text = f"　シート: {sheets}" if sheets else ""
    st.caption(f"ファイル: {markdown_literal(plan.file_name)}　形式: {layout}{sheet_text}")
    render.counts(UPLOAD_COUNTS, (new, revised, unchanged))
    for warning in plan.warnings:
        st.warning(markdown_literal(warning), icon=":material/warning:")
    # HTML tables, not st.dataframe: in Chromium the grid took ~80 ms to draw and redrew
    # 300 ms later; the whole preview now draws in ~35 ms.
    if revised:
        st.markdown("**修正される行**（変更前 → 変更後）")
        render.html_table(rows_html(_changes(plan, "revised")), scroll=True)
    if new:
        with st.expander(f"新規の行（{new} 件）", expanded=revised == 0):
            new_rows = _changes(plan, "new").drop("変更前（オンライン/全体）", "変更前の利用率")
            render.html_table(rows_html(new_rows), scroll=True)
    if plan.rates_after is not None:
        months = plan.changes["month"]
        several_years = fiscal_year(months.min()) != fiscal_year(months.max())  # type: ignore[arg-type]
        earlier = "。それより前の年度は、登録後に「集計表」で見られます" if several_years else ""
        st.markdown(
            "**登録後のオンライン利用率**（取込の最新の年度の初めから対象月まで。"
            f"期間集計は年度累計{earlier}）"
        )
        render.html_table(rate_table_html(plan.rates_after))
    if not plan.can_commit:
        st.info("登録済みの値とすべて同じです。登録するものはありません。")
        return False
    return st.button(
        f"この内容で登録する（新規 {new} 件・修正 {revised} 件）",
        type="primary",
        key=f"confirm_{plan.sha256}",
    )


def detail(item: UploadDetail, rows: pa.Table) -> None:
    """One upload's record line and its rows."""
    record = item.summary
    if record.get("kind") != REMOVE_SAMPLE_KIND:
        st.caption(
            markdown_literal(
                f"ファイル {record['file_name']}　取込者 {record['uploaded_by']}　"
                f"ファイルの指紋（sha256） {record['sha256']}"
            )
        )
    st.dataframe(rows, hide_index=True, width="stretch", column_config=COUNT_COLUMNS)


def undo_controls(item: UploadDetail) -> bool:
    """The undo button, with a confirmation; True when the user undoes."""
    if item.undone:
        st.info(f"取込 #{item.upload_id} は取り消し済みです。")
        return False
    if item.blocked_by is not None:
        st.info(
            f"取込 #{item.blocked_by} が同じ手続・年月の件数を含んでいるため、"
            f"取込 #{item.upload_id} はまだ取り消せません。"
            f"先に取込 #{item.blocked_by} を取り消してください。"
        )
        return False
    if item.summary.get("kind") == REMOVE_SAMPLE_KIND:
        st.markdown(
            f"取込 #{item.upload_id}（サンプルデータの削除）を取り消すと、削除したサンプルデータの"
            "件数が元に戻ります。"
        )
    else:
        st.markdown(
            f"取込 #{item.upload_id} を取り消すと、この取込で追加された行は削除され、"
            "修正された行は取込前の値に戻ります。"
        )
    sure = st.checkbox(f"取込 #{item.upload_id} を取り消します", key=f"undo_sure_{item.upload_id}")
    return st.button("取り消す", disabled=not sure, type="primary", key=f"undo_{item.upload_id}")


def remove_sample_controls(left: SampleLeft) -> bool:
    """Going live: the removal of the sample data, with a confirmation; True when confirmed."""
    if left.removed + left.kept == 0:
        return False
    with st.expander("本番運用の開始：サンプルデータの削除", icon=":material/rocket_launch:"):
        kept = (
            f"実データの取込が同じ値を登録した {left.kept:,} 件は、その取込の値として残します。"
            if left.kept
            else ""
        )
        st.markdown(
            f"サンプルデータのまま残っている件数 {left.removed:,} 件を削除します。{kept}"
            "実データの取込が書いた件数は、そのまま残ります。削除は取込履歴に記録され、"
            "取り消すと元に戻ります。"
        )
        sure = st.checkbox("サンプルデータを削除します", key="remove_sample_sure")
        return st.button(
            "サンプルデータを削除する", disabled=not sure, type="primary", key="remove_sample"
        )


def after_removal(removal: Removal) -> None:
    """Remember the outcome and rerun so every figure is fresh."""
    st.session_state[_FLASH] = (
        f"サンプルデータの件数 {removal.removed:,} 件を削除しました（取込 #{removal.upload_id}）。"
        "すべての画面に反映されています。"
    )
    st.rerun()


def after_undo(upload_id: int) -> None:
    """Remember the outcome and rerun so every figure is fresh."""
    st.session_state[_FLASH] = (
        f"取込 #{upload_id} を取り消しました。すべての画面に反映されています。"
    )
    st.rerun()


def storage_notice(notice: str | None) -> None:
    """A warning above the staff's controls while writes cannot be made or are not backed up."""
    if notice is not None:
        st.warning(markdown_literal(notice), icon=":material/warning:")
