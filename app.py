"""embedlab's web app: navigation over pages/ and a sidebar shared by every page.

Run it with `make run` or `embedlab app`. Pages read widgets, call one embedlab function
and draw what comes back; everything they compute lives in the embedlab package.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from embedlab import ui

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="embedlab", page_icon="🧭", layout="wide")
ui.sidebar()
page = st.navigation(
    {
        "Build": [
            st.Page(PAGES / "corpus.py", title="Corpus", icon="📚", default=True),
            st.Page(PAGES / "train.py", title="Train", icon="🏋️"),
            st.Page(PAGES / "models.py", title="Models", icon="🗂️"),
        ],
        "Explore": [
            st.Page(PAGES / "neighbours.py", title="Neighbours", icon="🔎"),
            st.Page(PAGES / "analogies.py", title="Analogies", icon="➗"),
            st.Page(PAGES / "projection.py", title="Projection", icon="🗺️"),
            st.Page(PAGES / "evaluate.py", title="Evaluate", icon="📏"),
        ],
    }
)
ui.guarded(page)
