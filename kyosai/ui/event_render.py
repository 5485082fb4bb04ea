"""取組と対象手続: the forms that add, change and remove a measure, and the undo of a change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from kyosai.catalog import Catalog, Event
from kyosai.events import EventDraft, EventInputError, checked_event, event_summary
from kyosai.literal import markdown_literal
from kyosai.store import StoreError
from kyosai.ui import render

_FLASH = "events_flash"
T = TypeVar("T")
ALL_SCHEMES = ""


def flash() -> None:
    """The outcome of the last change, once."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(markdown_literal(message))


def act(action: Callable[[], T], message: Callable[[T], str]) -> None:
    """Make one change; on success say so and rerun, on a refusal show why (nothing written)."""
    try:
        result = action()
    except StoreError as error:
        st.error(markdown_literal(error))
        return
    done(message(result))


def done(message: str) -> None:
    """Remember the outcome and rerun, so every chart shows the change."""
    st.session_state[_FLASH] = f"{message}グラフ・会議資料・資料3に反映されています。"
    st.rerun()


def _day_text(event: Event | None) -> str:
    if event is None or event.when is None:
        return ""
    return f"{event.when:%Y-%m-%d}" if event.precise_day else f"{event.when:%Y-%m}"


def event_form(key: str, catalog: Catalog, start: Event | None, submit: str) -> Event | None:
    """A measure's fields; the checked measure on submit, None otherwise (problems shown)."""
    schemes = {ALL_SCHEMES: "（制度を限らない）"} | {s.scheme_id: s.name for s in catalog.schemes}
    labels = {p.procedure_id: catalog.row_label(p.procedure_id) for p in catalog.procedures}
    with st.form(key, border=True):
        label = st.text_input("取組の名前（グラフに表示）", value=start.label if start else "",
                              max_chars=60)  # fmt: skip
        when_col, until_col, scheme_col = st.columns(3)
        when = when_col.text_input(
            "日付", value=_day_text(start), placeholder="2025-11 または 2025-11-20",
            help="空欄のときは「時期の記載なし」として一覧に載せ、グラフには表示しません。",
        )  # fmt: skip
        until = until_col.text_input(
            "期間の終わり（期間のある取組）",
            value=f"{start.until:%Y-%m}" if start and start.until else "",
            placeholder="2025-12",
        )
        scheme_ids = list(schemes)
        scheme = scheme_col.selectbox(
            "制度", options=scheme_ids, format_func=schemes.__getitem__,
            index=scheme_ids.index(start.scheme_id or ALL_SCHEMES) if start else 0,
        )  # fmt: skip
        procedures = st.multiselect(
            "対象手続（空欄: 制度のすべての手続）",
            options=list(labels),
            default=list(start.procedure_ids) if start else [],
            format_func=labels.__getitem__,
            placeholder="手続を選んでください（空欄のときは制度のすべての手続）",
        )
        detail = st.text_area("内容", value=start.detail if start else "", max_chars=400)
        submitted = st.form_submit_button(submit, type="primary", key=f"{key}_submit")
    if not submitted:
        return None
    draft = EventDraft(label, when, until, scheme, tuple(procedures), detail)
    try:
        return checked_event(draft, catalog, start.event_id if start else None)
    except EventInputError as error:
        st.error(
            markdown_literal("次の点を直してください。何も登録していません。\n")
            + "\n".join(f"- {markdown_literal(problem)}" for problem in error.problems)
        )
        return None


def chosen_event(catalog: Catalog) -> Event | None:
    """The measure to change or remove."""
    by_id = {e.event_id: e for e in catalog.events if e.event_id is not None}
    if not by_id:
        st.info("登録されている取組はありません。")
        return None
    chosen = st.selectbox(
        "変更・削除する取組",
        options=list(by_id),
        format_func=lambda i: f"#{i} {event_summary(by_id[i], catalog)}",
        key="events_chosen",
    )
    return by_id[chosen]


def remove_controls(event: Event) -> bool:
    """The removal, with a confirmation; True when confirmed."""
    sure = st.checkbox(
        f"取組 #{event.event_id} を削除します", key=f"event_remove_sure_{event.event_id}"
    )
    return st.button("削除する", disabled=not sure, key=f"event_remove_{event.event_id}")


def undo_choice(live: dict[int, str], what: str, key: str, button: str) -> int | None:
    """The undo of one live change (`what`: 変更, 計画の変更 …), newest first, with a
    confirmation; its id when confirmed."""
    if not live:
        return None
    chosen = st.selectbox(
        f"取り消す{what}", options=list(live), format_func=live.__getitem__, key=f"{key}_choice"
    )
    sure = st.checkbox(f"{what} #{chosen} を取り消します", key=f"{key}_sure_{chosen}")
    if st.button(button, disabled=not sure, key=f"{key}_{chosen}"):
        return chosen
    return None


def tables(events_html: str, changes_html: str, has_changes: bool) -> None:
    """The measures, then the change record."""
    render.html_table(events_html)
    st.subheader("変更の記録")
    if has_changes:
        render.html_table(changes_html)
    else:
        st.caption("まだ変更はありません（data/events.csv から取り込んだ取組のままです）。")
