"""neighbours page (being built)."""

import streamlit as st

st.title("Neighbours")
st.info("This page is being built.")
