"""データ取込: drop a quarterly file, read its problems or its preview, confirm."""

import streamlit as st

from kyosai.ingest import UPLOAD_SUFFIXES
from kyosai.literal import markdown_literal
from kyosai.store import StoreError
from kyosai.ui import auth, data, upload_render
from kyosai.ui.routing import require_router

require_router()
user = auth.require_staff()
upload_render.storage_notice(data.storage_notice())
data.warm_reader()
upload_render.flash()
st.markdown(
    "四半期ごとの申請件数（オンライン件数と全体件数）を Excel（.xlsx・.xls・.xlsb）、"
    "OpenDocument（.ods）または CSV で取り込みます。"
    "テンプレートの縦型のほか、部内で使っている横型の表（月ごとに「オンライン」「全体」の列）も読めます。"
    "アップロードしただけでは登録されません。確認画面で内容を見てから「登録する」を押してください。"
)
quarter = upload_render.template_choice(data.next_quarter())
upload_render.template_download(quarter, data.template(quarter))
uploaded = st.file_uploader(
    "件数ファイル（.xlsx / .xls / .xlsb / .ods / .csv）",
    type=list(UPLOAD_SUFFIXES),
    key=upload_render.uploader_key(),
)
if uploaded is not None:
    plan = data.plan(uploaded.getvalue(), uploaded.name)
    if not plan.ok:
        upload_render.problems(plan)
    elif plan.already_loaded is not None:
        upload_id, when = plan.already_loaded
        st.info(
            f"このファイルは既に取り込まれています（取込 #{upload_id}、{when:%Y-%m-%d %H:%M}）。"
            "同じファイルをもう一度登録することはありません。"
        )
    elif upload_render.preview(plan):
        try:
            result = data.commit(plan, user)
        except StoreError as error:
            st.error(markdown_literal(error))
        else:
            upload_render.after_commit(result, plan)
