"""Projection: the model's most frequent words as a 2D or 3D map (PCA, UMAP or t-SNE)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from embedlab.analysis import project as projecting
from embedlab.app import ui
from embedlab.app.charts.projection import scatter
from embedlab.app.exports import csv_bytes
from embedlab.embeddings import Embeddings
from embedlab.limits import MAX_PROJECTION_WORDS

METHOD_LABELS = {"pca": "PCA (instant)", "umap": "UMAP", "tsne": "t-SNE (slow)"}
SPINNER = {
    "pca": "Projecting {n:,} words with PCA…",
    "umap": "Projecting {n:,} words with UMAP… (seconds; the first UMAP after the server "
    "starts also compiles its code, about 15 s more)",
    "tsne": "Projecting {n:,} words with t-SNE… (about a minute per few thousand words)",
}

REMEMBERED = (
    "proj_method",
    "proj_dims",
    "proj_n",
    "proj_umap_neighbors",
    "proj_umap_min_dist",
    "proj_perplexity",
    "proj_seed",
    "proj_colour",
    "proj_k",
    "proj_highlight",
    "proj_highlight_k",
    "proj_search",
)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_projection(
    model: str, path: str, method: str, n: int, dims: int, params: tuple, _emb: Embeddings
) -> projecting.Projection:
    """The projection, computed once per (model, method, N, dims, settings)."""
    return projecting.project(_emb, method, n, dims, **dict(params))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_clusters(model: str, path: str, n: int, k: int, _emb: Embeddings) -> np.ndarray:
    """k-means labels of the first n words, computed once per (model, N, k)."""
    return projecting.clusters(_emb, k, seed=0, n=n)


st.title("Projection")
st.caption(
    "Each dot is a word; words the model uses alike land near each other. Distances are "
    "only roughly kept: PCA keeps the global layout, UMAP and t-SNE keep local "
    "neighbourhoods (clusters are meaningful, the gaps between them much less so)."
)
emb = ui.require_model()
record = ui.active_record()
vocab = len(emb)

# Streamlit forgets a widget's value when a run does not draw it (another page, or the
# UMAP settings while PCA is chosen); the page keeps its own copy to come back to.
memory: dict = st.session_state.setdefault("proj_memory", {})


def last(key: str, default: Any) -> Any:
    """The value the widget `key` had when last drawn, else `default`."""
    return memory.get(key, default)


top = st.columns([2, 1, 3])
methods = list(METHOD_LABELS)
method = top[0].radio(
    "Method",
    methods,
    index=methods.index(last("proj_method", "pca")),
    format_func=METHOD_LABELS.get,
    horizontal=True,
    key="proj_method",
    help="PCA: linear, exact, instant. UMAP: keeps neighbourhoods, seconds. "
    "t-SNE: keeps neighbourhoods, slowest.",
)
dims = top[1].radio(
    "Dimensions",
    [2, 3],
    index=[2, 3].index(last("proj_dims", 2)),
    format_func=lambda d: f"{d}D",
    horizontal=True,
    key="proj_dims",
)
cap = projecting.max_words(method)
if vocab > 10:
    most = min(cap, vocab)
    n = top[2].slider(
        "Words (the most frequent)",
        min_value=10,
        max_value=most,
        value=min(max(last("proj_n", min(3_000, vocab)), 10), most),
        step=10 if vocab > 1_000 else 1,
        key="proj_n",
    )
else:
    n = vocab
if vocab > cap:
    why = (
        f"t-SNE maps at most {cap:,} words (beyond that it takes many minutes); "
        "choose UMAP or PCA to see more."
        if method == "tsne" and cap == projecting.TSNE_MAX_WORDS
        else f"A map shows at most {cap:,} of the model's {vocab:,} words "
        f"(the server's {MAX_PROJECTION_WORDS.env})."
    )
    top[2].caption(why)

settings: dict = {}
if method != "pca":
    with st.expander(f"{'UMAP' if method == 'umap' else 't-SNE'} settings"):
        cols = st.columns(3)
        if method == "umap":
            settings["umap_neighbors"] = cols[0].slider(
                "Neighbours",
                2,
                100,
                last("proj_umap_neighbors", 15),
                key="proj_umap_neighbors",
                help="How many neighbours shape each word's place: small = local detail, "
                "large = more global structure.",
            )
            settings["umap_min_dist"] = cols[1].slider(
                "Minimum distance",
                0.0,
                1.0,
                last("proj_umap_min_dist", 0.1),
                0.05,
                key="proj_umap_min_dist",
                help="How tightly words may pack together.",
            )
        else:
            settings["perplexity"] = float(
                cols[0].slider(
                    "Perplexity",
                    2,
                    100,
                    last("proj_perplexity", 30),
                    key="proj_perplexity",
                    help="Roughly how many neighbours each word pays attention to.",
                )
            )
        settings["seed"] = int(
            cols[2].number_input(
                "Seed", 0, 2**31 - 1, last("proj_seed", 0), step=1, key="proj_seed"
            )
        )

view = st.columns([2, 2, 1, 2])
colours = ["frequency", "cluster"]
colour_by = view[0].radio(
    "Colour by",
    colours,
    index=colours.index(last("proj_colour", "frequency")),
    format_func={"frequency": "Frequency", "cluster": "k-means cluster"}.get,
    horizontal=True,
    key="proj_colour",
    help="Clusters are found in the model's full space, not in the picture: a colour "
    "split across the map shows where the projection pulls similar words apart.",
)
k_clusters = 8
if colour_by == "cluster":
    k_clusters = view[0].slider("Clusters (k)", 2, 30, last("proj_k", 8), key="proj_k")
highlight_word = view[1].text_input(
    "Highlight a word and its neighbours",
    last("proj_highlight", ""),
    key="proj_highlight",
    placeholder="e.g. police",
)
highlight_k = view[2].number_input(
    "How many (k)", 1, 50, last("proj_highlight_k", 10), key="proj_highlight_k"
)
search_word = view[3].text_input(
    "Find a word", last("proj_search", ""), key="proj_search", placeholder="e.g. fire"
)
memory.update((key, st.session_state[key]) for key in REMEMBERED if key in st.session_state)

proj = None
with ui.shown_errors(), st.spinner(SPINNER[method].format(n=min(n, vocab))):
    proj = cached_projection(
        record.name, str(record.path), method, n, dims, tuple(sorted(settings.items())), emb
    )
if proj is None:
    st.stop()
shown = proj.params["n"]

labels = None
if colour_by == "cluster":
    with ui.shown_errors(), st.spinner(f"Clustering {shown:,} words…"):
        labels = cached_clusters(record.name, str(record.path), shown, k_clusters, emb)
    if labels is None:
        colour_by = "frequency"

marked: list[str] = []
if highlight_word.strip():
    with ui.shown_errors():
        marked = projecting.highlight(emb, highlight_word, int(highlight_k), n=shown)
found = None
if search_word.strip():
    with ui.shown_errors():
        found = projecting.locate(emb, search_word, n=shown)

st.caption(
    f"Showing the {shown:,} most frequent of {vocab:,} words · "
    f"{projecting.METHOD_NAMES[proj.method]} in {proj.seconds:.2f} s"
)
fig = scatter(proj.to_frame(), colour_by, clusters=labels, highlight=marked, search=found)
if dims == 2:
    event = st.plotly_chart(
        fig, key="projection", on_select="rerun", selection_mode=("box", "lasso", "points")
    )
    selected = projecting.selected_words(event.selection)
    if selected:
        table = proj.to_frame(selected)[["word", "rank", "count"]]
        st.subheader(f"{len(selected):,} selected words")
        st.dataframe(table, hide_index=True)
        st.download_button(
            "Download the selection as CSV",
            csv_bytes(table),  # a word such as "=1+1" stays text in a spreadsheet
            file_name=f"{record.name}-selection.csv",
            mime="text/csv",
            key="proj_download",
            on_click="ignore",
        )
    else:
        st.caption(
            "Drag a box or a lasso over the chart (or click points) to list the words you "
            "select; double-click the chart to clear the selection."
        )
else:
    st.plotly_chart(fig, key="projection_3d")
    st.caption("Drag to turn the cloud. Selecting words works on the 2D map only.")
