"""取組と対象手続: the outreach measures staff keep, each change recorded and undoable."""

import streamlit as st

from kyosai.calendar import fiscal_year_label
from kyosai.ui import auth, data, event_render, plan_render, render, upload_render
from kyosai.ui.routing import require_router

require_router()
user = auth.require_staff()
upload_render.storage_notice(data.storage_notice())
event_render.flash()
screen = data.events_screen()
catalog = screen.catalog
st.caption(
    "取組は利用率の推移・会議資料のグラフと、資料3の「取組み」に載ります。"
    "変更はすべて記録され、取り消せます。"
)
event_render.tables(screen.events_html, screen.changes_html, screen.has_changes)
undo = event_render.undo_choice(screen.live_changes, "変更", "event_undo", "取り消す")
if undo is not None:
    event_render.act(
        lambda: data.undo_event_change(undo, user),
        lambda _: f"取組の変更 #{undo} を取り消しました。",
    )
st.subheader("取組を追加")
if (added := event_render.event_form("event_add", catalog, None, "追加する")) is not None:
    event_render.act(
        lambda: data.add_event(added, user),
        lambda change: f"取組 #{change.event_id}「{added.label}」を追加しました。",
    )
st.subheader("取組を変更・削除")
if (chosen := event_render.chosen_event(catalog)) is not None and chosen.event_id is not None:
    event_id = chosen.event_id
    edited = event_render.event_form(f"event_edit_{event_id}", catalog, chosen, "変更する")
    if edited is not None:
        event_render.act(
            lambda: data.edit_event(event_id, edited, user),
            lambda _: f"取組 #{event_id} を変更しました。",
        )
    if event_render.remove_controls(chosen):
        event_render.act(
            lambda: data.remove_event(event_id, user),
            lambda _: f"取組 #{event_id} を削除しました。",
        )
st.subheader("対象手続と利用目標")
render.html_table(screen.scorecard_html)
st.caption(
    f"{fiscal_year_label(screen.fiscal_year)}の計画です。基本計画が改定されたときは、下の"
    "「計画の変更」で、適用開始年度からの利用目標と取組期間を登録します。それより前の年度は"
    "その年度の計画で判定します。"
)
st.subheader("計画の変更（基本計画の改定）")
if (plan := plan_render.plan_form(catalog, screen.fiscal_year)) is not None:
    event_render.act(
        lambda: data.revise_plan(
            plan.procedure_id, plan.from_fy, plan.target_tenths, plan.deadline_fy, user
        ),
        lambda revised: f"計画の変更 #{revised.change_id} を登録しました。",
    )
if screen.plan_changes_html:
    render.html_table(screen.plan_changes_html)
taken = event_render.undo_choice(
    screen.live_plan_changes, "計画の変更", "plan_undo", "計画の変更を取り消す"
)
if taken is not None:
    event_render.act(
        lambda: data.undo_revision(taken, user),
        lambda _: f"計画の変更 #{taken} を取り消しました。",
    )
st.subheader("対象手続を追加（オンライン化）")
if (new := plan_render.addition_form(catalog, screen.fiscal_year)) is not None:
    event_render.act(
        lambda: data.add_procedure(new, user),
        lambda added: f"対象手続「{new.name}」を追加しました（変更 #{added.change_id}）。",
    )
if screen.additions_html:
    render.html_table(screen.additions_html)
gone = event_render.undo_choice(
    screen.live_additions, "手続の追加", "add_undo", "手続の追加を取り消す"
)
if gone is not None:
    event_render.act(
        lambda: data.undo_addition(gone, user),
        lambda _: f"対象手続の追加 #{gone} を取り消しました。",
    )
