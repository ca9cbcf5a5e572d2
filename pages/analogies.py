"""analogies page (being built)."""

import streamlit as st

st.title("Analogies")
st.info("This page is being built.")
