"""取込履歴: every upload, the figures it brought, and undo."""

import streamlit as st

from kyosai.literal import markdown_literal
from kyosai.store import StoreError
from kyosai.ui import auth, data, render, upload_render
from kyosai.ui.routing import require_router

require_router()
user = auth.require_staff()
upload_render.storage_notice(data.storage_notice())
upload_render.flash()
history = data.history()
render.html_table(history.table_html)
if not history.is_empty:
    chosen = st.selectbox(
        "内容を見る取込",
        options=list(history.labels),
        format_func=history.labels.__getitem__,
        key="history_upload",
    )
    shown = data.upload_detail(chosen)
    item = shown.detail
    upload_render.detail(item, shown.rows)
    if upload_render.undo_controls(item):
        try:
            data.undo(item.upload_id, user)
        except StoreError as error:
            st.error(markdown_literal(error))
        else:
            upload_render.after_undo(item.upload_id)
if upload_render.remove_sample_controls(data.sample_left()):
    try:
        removal = data.remove_sample(user)
    except StoreError as error:
        st.error(markdown_literal(error))
    else:
        upload_render.after_removal(removal)
