"""Contexts: one word in many sentences, as a contextual encoder sees it, next to the single
vector a static model gives it."""

from __future__ import annotations

import streamlit as st

from embedlab.analysis.contexts import EXAMPLE_WORD, ContextMap
from embedlab.app import contexts as view
from embedlab.app import ui
from embedlab.app.charts.contexts import context_figure
from embedlab.embeddings import Embeddings

STATE = {"ctx_word": "word", "ctx_source": "source", "ctx_corpus": "corpus", "ctx_k": "k"}


@st.cache_data(max_entries=16, show_spinner=False)
def _map(
    word: str,
    source: str,
    corpus: str | None,
    corpus_path: str | None,
    typed: str,
    k: int | None,
    model: str,
    _emb: Embeddings | None,
) -> ContextMap:
    return view.context_map(
        word, source, ws=ui.workspace(), corpus=corpus, typed=typed, k=k, emb=_emb
    )


st.title("Contexts")
st.caption(
    "One word, many sentences: a sentence encoder (MiniLM) gives a word a different vector in "
    "every sentence, while word2vec, GloVe and FastText give it one. Here are the word's "
    "vectors in each sentence, grouped by k-means and drawn in 2D."
)
ui.remember_widgets("contexts", [*STATE, "ctx_typed"])  # values kept across page changes
for key, param in STATE.items():  # the URL fills the widgets on a fresh visit
    if key not in st.session_state and param in st.query_params:
        st.session_state[key] = st.query_params[param]
if st.session_state.get("ctx_source") not in view.SOURCES:
    st.session_state["ctx_source"] = "examples"
if st.session_state.get("ctx_k") not in view.K_CHOICES:
    st.session_state["ctx_k"] = "auto"
st.session_state.setdefault("ctx_word", EXAMPLE_WORD)
st.session_state.setdefault("ctx_typed", view.EXAMPLE_TEXT)

left, middle, right = st.columns([2, 3, 1])
word = left.text_input("Word", key="ctx_word", max_chars=50)
source = middle.radio(
    "Sentences", list(view.SOURCES), format_func=view.SOURCES.get, key="ctx_source"
)
k_choice = right.selectbox(
    "Clusters",
    view.K_CHOICES,
    key="ctx_k",
    help="'auto' tries 2, 3 and 4 clusters and keeps the one with the best silhouette.",
)
corpus, corpus_path, typed = None, None, ""
ws = ui.workspace()
if source == "corpus":
    corpora = [c.name for c in ws.corpora()]
    if not corpora:
        st.info("No corpus yet: add one on the **Corpus** page.")
        st.stop()
    if st.session_state.get("ctx_corpus") not in corpora:
        st.session_state["ctx_corpus"] = corpora[0]
    corpus = st.selectbox("Corpus", corpora, key="ctx_corpus")
    corpus_path = str(ws.corpus(corpus).path)
elif source == "typed":
    typed = st.text_area("Sentences, one per line", key="ctx_typed", height=160, max_chars=100_000)
params = {"word": word, "source": source, "k": k_choice}
if corpus:
    params["corpus"] = corpus
st.query_params.update(params)

record = ui.active_record()
emb = ui.active_model()
model = f"{record.name}:{record.path}" if record is not None else ""
with ui.shown_errors():
    with st.spinner("Encoding the sentences with MiniLM…"):
        cm = _map(word, source, corpus, corpus_path, typed, view.parse_k(k_choice), model, emb)
    st.markdown(view.summary(cm))
    left, right = st.columns([3, 2])
    left.plotly_chart(
        context_figure(view.points_frame(cm)),
        key="ctx_chart",
        width="stretch",
        config={"displayModeBar": False},
    )
    left.caption("Hover a dot to read its sentence; the word is in bold.")
    right.markdown("**The clusters**")
    right.dataframe(view.clusters_table(cm), hide_index=True, key="ctx_clusters")
    if cm.static is not None and cm.static.in_vocabulary:
        right.markdown(f"**Nearest words to the static vector** ({len(cm.static.neighbours)})")
        right.dataframe(view.static_table(cm), hide_index=True, key="ctx_static")
    st.markdown(view.explanation(cm))
    with st.expander("Every sentence and the word pieces measured"):
        st.dataframe(view.sentences_table(cm), hide_index=True, key="ctx_sentences")
