"""models page (being built)."""

import streamlit as st

st.title("Models")
st.info("This page is being built.")
