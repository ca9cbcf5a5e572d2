"""Home: what embedlab is and what the workspace holds (the full app is issue #3)."""

from __future__ import annotations

import streamlit as st

from embedlab.workspace import Workspace

st.title("embedlab")
st.write(
    "Train word embeddings on a corpus, or load pretrained vectors, then explore them: "
    "nearest neighbours, analogies, projections and benchmark scores."
)
st.info(
    "The interactive pages are being built. Everything already works from the command "
    "line: `embedlab train`, `embedlab neighbours`, `embedlab analogy`, `embedlab evaluate` "
    "(see the README)."
)
models = Workspace().models()
if models:
    st.subheader("Models in this workspace")
    st.dataframe(
        [{"model": m.name, "origin": m.origin, "vocab": m.vocab, "dim": m.dim} for m in models],
        hide_index=True,
    )
else:
    st.write("No models yet: `embedlab train lee` after `embedlab ingest` of the demo corpus.")
