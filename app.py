"""embedlab's web app: navigation over pages/ and a sidebar shared by every page.

Run it with `make run` or `embedlab app`. Pages read widgets, call one embedlab function
and draw what comes back; everything they compute lives in the embedlab package.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from embedlab.app import gate, ui
from embedlab.app import projection as projection_view

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="embedlab", page_icon="🧭", layout="wide")
gate.require_password()  # a locked session sees only the password box
projection_view.warm_up()  # once per process: compiles UMAP in a background thread
page = st.navigation(
    {
        "Build": [
            st.Page(
                PAGES / "corpus.py", title="Corpus", icon=":material/library_books:", default=True
            ),
            st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
            st.Page(PAGES / "models.py", title="Models", icon=":material/inventory_2:"),
            st.Page(PAGES / "share.py", title="Share", icon=":material/share:"),
        ],
        "Explore": [
            st.Page(PAGES / "neighbours.py", title="Neighbours", icon=":material/hub:"),
            st.Page(PAGES / "analogies.py", title="Analogies", icon=":material/compare_arrows:"),
            st.Page(PAGES / "projection.py", title="Projection", icon=":material/scatter_plot:"),
            st.Page(PAGES / "compare.py", title="Compare", icon=":material/difference:"),
            st.Page(PAGES / "axes.py", title="Axes", icon=":material/straighten:"),
            st.Page(PAGES / "contexts.py", title="Contexts", icon=":material/blur_on:"),
            st.Page(PAGES / "search.py", title="Search", icon=":material/search:"),
            st.Page(
                PAGES / "language_model.py", title="Language model", icon=":material/psychology:"
            ),
            st.Page(PAGES / "evaluate.py", title="Evaluate", icon=":material/leaderboard:"),
            st.Page(PAGES / "classify.py", title="Classify", icon=":material/category:"),
        ],
    },
    expanded=True,  # every page in view: a newcomer does not look behind "View more"
)
ui.sidebar()  # after the navigation, so the tour's links name registered pages
ui.guarded(page)
ui.copy_link()  # last, so the link holds what the page put in the URL
