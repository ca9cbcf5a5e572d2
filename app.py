"""embedlab's web app: navigation over pages/ and a sidebar shared by every page.

Run it with `make run` or `embedlab app`. The pages read widgets, call one embedlab
function and draw what comes back; all computing lives in the embedlab package.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from embedlab.workspace import Workspace

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="embedlab", page_icon="🧭", layout="wide")


@st.cache_resource
def workspace() -> Workspace:
    """One Workspace per server process (EMBEDLAB_HOME or ./.embedlab)."""
    return Workspace()


ws = workspace()
with st.sidebar:
    st.caption(f"Workspace: `{ws.root}`")
    models = ws.models()
    st.caption(f"{len(models)} model(s), {len(ws.corpora())} corpus/corpora in the catalog.")

page = st.navigation([st.Page(PAGES / "home.py", title="Home", icon="🏠", default=True)])
page.run()
