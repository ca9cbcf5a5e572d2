"""Projection: the model's most frequent words as a 2D or 3D map (PCA, UMAP or t-SNE)."""

from __future__ import annotations

import streamlit as st

from embedlab.app import projection as view
from embedlab.app import ui
from embedlab.app.exports import csv_bytes
from embedlab.app.markup import escape_markdown
from embedlab.jobs.thread import BOARD

CHART = "projection"
cached = st.cache_data(max_entries=16, show_spinner=False)
projection, clusters = cached(view.projection), cached(view.clusters)
faithfulness = st.cache_data(max_entries=8, show_spinner=False)(view.faithfulness)


def _clicked() -> None:
    """A click on one word highlights it (its neighbours get lines, the list beside the map)."""
    if word := view.clicked_word(st.session_state[CHART]["selection"]):
        st.session_state["proj_highlight"] = word


@st.fragment(run_every=0.5)
def waiting(job_id: str) -> None:
    """A big map being computed in the background: progress, time, Cancel."""
    if (job := BOARD.get(job_id)) is None or job.finished:
        st.rerun()
    st.progress(view.progress_fraction(job), text=escape_markdown(view.progress_text(job)))
    st.button("Cancel", key="proj_cancel", on_click=BOARD.cancel, args=(job_id,))


def background_map(key: tuple):  # noqa: ANN201 - a Projection or None
    """A big UMAP/t-SNE: cached, running, to start (a click if minutes), or stopped (why)."""
    if (done := view.finished_map(key)) is not None:
        return done
    if (job := view.map_job(BOARD, key)) is None:
        st.info(view.estimate_note(method, n))
        if view.needs_confirming(method, n) and not st.button("Start", key="proj_start"):
            return None
        job = view.start_map(BOARD, key, emb)
    if not job.finished:
        waiting(job.id)
    elif job.error:
        (st.warning if job.state == "cancelled" else st.error)(escape_markdown(job.error))
        st.button("Try again", key="proj_retry", on_click=view.forget_map, args=(key,))
    return None


st.title("Projection")
st.caption(view.INTRO)
emb = ui.require_model()
record = ui.active_record()
vocab, memory = len(emb), st.session_state.setdefault("proj_memory", {})
view.seed_widgets(st.session_state, st.query_params.to_dict(), memory, vocab)

top = st.columns([2, 1, 3])
method = top[0].radio(
    "Method", list(view.METHOD_LABELS), format_func=view.METHOD_LABELS.get, horizontal=True,
    key="proj_method", help=view.METHOD_HELP,
)  # fmt: skip
dims = top[1].radio("Dimensions", [2, 3], format_func="{}D".format, horizontal=True,
                    key="proj_dims")  # fmt: skip
n = vocab
if vocab > view.MIN_N:
    n = top[2].slider(
        "Words (the most frequent)", view.MIN_N, view.max_n(vocab),
        step=10 if vocab > 1_000 else 1, key="proj_n",
    )  # fmt: skip
if limit := view.limit_caption(vocab):
    top[2].caption(limit)
if method != "pca":
    with st.expander(f"{view.METHOD_LABELS[method]} settings"):
        cols = st.columns(3)
        if method == "umap":
            cols[0].slider("Neighbours", 2, 100, key="proj_umap_neighbors", help=view.HELP[0])
            cols[1].slider("Minimum distance", 0.0, 1.0, step=0.05, key="proj_umap_min_dist",
                           help=view.HELP[1])  # fmt: skip
        else:
            cols[0].slider("Perplexity", 2, 100, key="proj_perplexity", help=view.HELP[2])
        cols[2].number_input("Seed", 0, 2**31 - 1, step=1, key="proj_seed")

row = st.columns([3, 2, 1, 2])
colour = row[0].radio(
    "Colour by", list(view.COLOURS), format_func=view.COLOURS.get, horizontal=True,
    key="proj_colour", help=view.COLOUR_HELP,
)  # fmt: skip
if colour == "cluster":
    row[0].slider("Clusters (k)", 2, 30, key="proj_k")
elif colour == "faithfulness":
    row[0].slider("Neighbours compared (k)", 2, 50, key="proj_faith_k")
word = row[1].text_input("Highlight a word (or click one)", key="proj_highlight",
                         placeholder="e.g. police")  # fmt: skip
word_k = row[2].number_input("How many (k)", 1, 50, key="proj_highlight_k")
search = row[3].text_input("Find a word", key="proj_search", placeholder="e.g. fire")
memory.update((key, st.session_state[key]) for key in view.REMEMBERED if key in st.session_state)
st.query_params.update(view.to_query(st.session_state))  # keeps model= and space=

proj = labels = faith = found = word_view = None
settings = view.settings_of(method, st.session_state)
key, shape = (record.name, str(record.path)), (method, min(n, vocab), dims)
proj, note = view.saved_map(ui.workspace(), record.name, st.query_params.get("view"), shape)
if proj is None and view.in_background(method, min(n, vocab)):
    proj = background_map((*key, method, n, dims, settings))
elif proj is None:
    with ui.shown_errors(), st.spinner(view.SPINNER[method].format(n=min(n, vocab))):
        proj = projection(*key, method, n, dims, settings, emb)
if proj is None:
    st.stop()
shown = len(proj)
if colour == "cluster":
    with ui.shown_errors(), st.spinner(f"Clustering {shown:,} words…"):
        labels = clusters(*key, shown, st.session_state["proj_k"], emb)
elif colour == "faithfulness":
    with ui.shown_errors(), st.spinner(f"Comparing neighbours of {shown:,} words…"):
        view_key = (method, n, dims, settings)
        faith = faithfulness(*key, view_key, st.session_state["proj_faith_k"], emb, proj)
with ui.shown_errors():
    word_view = view.word_view(emb, proj, word, int(word_k)) if word.strip() else None
with ui.shown_errors():
    found = view.projecting.locate(emb, search, n=shown) if search.strip() else None

st.caption(escape_markdown(note) + view.caption(proj, vocab))
ui.save_view_control("projection", coords=proj)  # the settings and the map's coordinates
if faith is not None:
    st.caption(f"{view.colour_explained(faith.k)} {faith.summary()}")
marked = word_view.marked if word_view else ()
fig = view.figure(proj, colour, labels=labels, faith=faith, marked=marked, found=found)
chart, side = st.columns([3, 1]) if word_view else (st.container(), None)
if word_view and side is not None:
    side.markdown(word_view.heading())
    side.dataframe(word_view.table, hide_index=True)
    side.caption(view.WORD_LIST_NOTE)
if dims == 3:
    chart.plotly_chart(fig, key="projection_3d")
    st.caption("Drag to turn the cloud. Selecting words works on the 2D map only.")
    st.stop()
event = chart.plotly_chart(fig, key=CHART, on_select=_clicked,
                           selection_mode=("box", "lasso", "points"))  # fmt: skip
table = view.selection_table(proj, event.selection)
if table is None:
    st.caption(view.SELECT_HELP)
else:
    st.subheader(f"{len(table):,} selected words")
    st.dataframe(table, hide_index=True)
    st.download_button(  # csv_bytes: a word such as "=1+1" stays text in a spreadsheet
        "Download the selection as CSV", csv_bytes(table), file_name=f"{record.name}-selection.csv",
        mime="text/csv", key="proj_download", on_click="ignore",
    )  # fmt: skip
