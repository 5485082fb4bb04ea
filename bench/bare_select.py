"""The bare app the click and cold-start figures are measured against."""

import streamlit as st

st.write("bare")
choice = st.selectbox("表示単位", ["月次", "四半期末月"])
st.write(choice)
