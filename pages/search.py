"""Search: a corpus's passages ranked for a query by meaning (MiniLM, SIF) and by words
(TF-IDF, BM25), side by side."""

from __future__ import annotations

import streamlit as st

from embedlab.analysis.retrieval import METHODS, Passages, SearchIndex, build_index
from embedlab.app import search as view
from embedlab.app import ui
from embedlab.app.markup import escape_markdown
from embedlab.embeddings import Embeddings
from embedlab.jobs.thread import BOARD

JOB = "search_job"  # the background build's id, in the URL
STATE = {"se_corpus": "corpus", "se_query": "q", "se_k": "k"}  # widget key -> URL parameter


@st.cache_resource(max_entries=4, show_spinner="Reading the corpus…")
def _passages(path: str, stamp: float, name: str) -> Passages:
    return Passages.from_corpus(path, name=name)


@st.cache_resource(max_entries=8, show_spinner="Loading the index…")
def _index(
    _passages: Passages, key: str, method: str, model: str, folder: str, _emb: Embeddings | None
) -> SearchIndex:
    return build_index(_passages, method, folder, emb=_emb)


@st.fragment(run_every=0.5)
def live_job(job_id: str) -> None:
    """The background build's progress, with Cancel; the page reruns when it ends."""
    job = BOARD.get(job_id)
    if job is None or job.finished:
        st.rerun()
    fraction, text = view.progress(job.event)
    st.markdown(f"**Building {escape_markdown(job.description)}** ({job.seconds:.0f} s)")
    st.progress(fraction, text=escape_markdown(text))
    if st.button("Cancel", key="se_cancel"):
        BOARD.cancel(job_id)


st.title("Search")
st.caption(
    "Find the passages (corpus lines) that answer a query. TF-IDF and BM25 count the query's "
    "words in each passage; the MiniLM sentence encoder and SIF-pooled word vectors compare "
    "meanings, so they also find passages in other words. Each corpus is encoded once and "
    "kept in the workspace."
)
ws = ui.workspace()
corpora = [c.name for c in ws.corpora()]
if not corpora:
    st.info("No corpus yet: add one on the **Corpus** page (the demo corpus takes seconds).")
    st.stop()
ui.remember_widgets("search", [*STATE, "se_methods"])  # values kept across page changes
for key, param in STATE.items():  # the URL fills the widgets on a fresh visit
    if key not in st.session_state and param in st.query_params:
        value = st.query_params[param]
        st.session_state[key] = int(value) if key == "se_k" and value.isdigit() else value
if st.session_state.get("se_corpus") not in corpora:
    st.session_state["se_corpus"] = corpora[0]
if st.session_state.get("se_k") not in range(1, 51):
    st.session_state["se_k"] = 10
emb = ui.active_model()
record = ui.active_record()
choices = view.method_choices(emb is not None)
if "se_methods" not in st.session_state:
    st.session_state["se_methods"] = view.parse_methods(st.query_params.get("methods"), bool(emb))
st.session_state["se_methods"] = [m for m in st.session_state["se_methods"] if m in choices]

left, middle, right = st.columns([2, 3, 1])
corpus = left.selectbox("Corpus", corpora, key="se_corpus")
methods = middle.multiselect(
    "Methods",
    choices,
    key="se_methods",
    format_func=METHODS.get,
    help="SIF pools the active model's word vectors; activate a model to offer it.",
)
k = right.number_input("Top k", 1, 50, key="se_k")
query = st.text_input(
    "Query", key="se_query", placeholder=f"e.g. {view.EXAMPLE_QUERIES[0]}", max_chars=1000
)
st.query_params.update({"corpus": corpus, "q": query, "k": str(k), "methods": ",".join(methods)})

record_c = ws.corpus(corpus)
passages = _passages(str(record_c.path), record_c.corpus_file.stat().st_mtime, corpus)
folder = str(view.cache_dir(ws))
model = f"{record.name}:{record.path}" if record is not None else ""
missing = [m for m in methods if view.needs_job(passages, m, folder, emb)]

job_id = st.query_params.get(JOB)
job = BOARD.get(job_id)
if job is not None and not job.finished:
    live_job(job.id)
    st.stop()
if job_id and (job is None or job.finished):  # ended, or unknown to a restarted server
    st.query_params.pop(JOB, None)
if job is not None and job.state != "done":
    st.error(escape_markdown(job.error or "The build failed."))
if missing:
    names = ", ".join(METHODS[m] for m in missing)
    st.info(
        f"{escape_markdown(names)} must first encode the {len(passages):,} passages of "
        f"**{escape_markdown(corpus)}** (once; the result is kept in the workspace)."
    )
    if st.button("Build the index", key="se_build", type="primary"):
        with ui.shown_errors():
            started = view.start_build(passages, missing, folder, emb)
            st.query_params[JOB] = started.id
            st.rerun()
    st.stop()
if not methods:
    st.info("Choose at least one method.")
    st.stop()
if not query.strip():
    st.info(
        f"Type a query to search the {len(passages):,} passages of **{escape_markdown(corpus)}**,"
        f" e.g. “{escape_markdown(view.EXAMPLE_QUERIES[0])}”."
    )
    st.stop()

with ui.shown_errors():
    results = []
    for method in methods:
        key_model = model if method == "sif" else ""
        index = _index(passages, passages.key, method, key_model, folder, emb)
        results.append(view.search(index, query, int(k)))
    st.markdown(view.summary(results))
    for column, result in zip(st.columns(len(results)), results, strict=True):
        with column.container(key=f"se_col_{result.method}"):
            st.subheader(METHODS[result.method])
            st.caption(view.caption(result))
            if result.note:
                st.info(escape_markdown(result.note))
            for hit in result.hits:
                st.markdown(view.hit_markdown(hit))
