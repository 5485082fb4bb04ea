"""The bare page the upload preview is measured against: one uploader, the byte count."""

import streamlit as st

uploaded = st.file_uploader("ファイル")
if uploaded is not None:
    st.write(f"{len(uploaded.getvalue())} bytes")
