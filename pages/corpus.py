"""corpus page (being built)."""

import streamlit as st

st.title("Corpus")
st.info("This page is being built.")
