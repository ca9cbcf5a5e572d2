"""Neighbours: the words nearest to a word, or to an expression such as king - man + woman."""

from __future__ import annotations

import streamlit as st

from embedlab.app import explore, ui
from embedlab.app.charts.neighbours import neighbours_figure
from embedlab.app.markup import escape_markdown
from embedlab.embeddings import Embeddings

QUERY = "query"
SUGGEST = "nb_suggest"
EXAMPLES = "nb_examples"
CHART = "nb_chart"


@st.cache_data(max_entries=128, show_spinner=False)
def _query(
    _emb: Embeddings, model: str, path: str, text: str, k: int, metric: str, restrict: int | None
) -> explore.QueryResult:
    return explore.query(_emb, text, k=k, metric=metric, restrict=restrict)


def _fill(source: str, replace_last: bool) -> None:
    """Put the clicked word into the query (completing the last word, or as the query)."""
    word = st.session_state.get(source)
    if word:
        current = st.session_state.get(QUERY, "")
        st.session_state[QUERY] = explore.replace_last_word(current, word) if replace_last else word
    st.session_state[source] = None


def _jump() -> None:
    """A clicked bar makes its word the new query."""
    points = st.session_state[CHART]["selection"]["points"]
    if points and points[0].get("customdata"):
        st.session_state[QUERY] = points[0]["customdata"][0]


st.title("Neighbours")
st.caption(
    "The words whose vectors point in nearly the same direction as yours. Cosine similarity "
    "is 1 for the same direction and near 0 for unrelated words; words used in similar "
    "contexts end up close. Expressions work too: `king - man + woman` adds and subtracts "
    "the word vectors and lists the words nearest to the result."
)
emb = ui.require_model()
record = ui.active_record()
linked = ui.linked_params("neighbours", ["q"])
if linked or QUERY not in st.session_state:  # a link's word, else a classic word the model knows
    st.session_state[QUERY] = (linked or {}).get("q") or explore.default_query(emb)

text = st.text_input(
    "A word or an expression",
    key=QUERY,
    live=True,
    placeholder="e.g. police, or king - man + woman",
    help="Suggestions from the vocabulary appear below as you type; click one to use it.",
)
ui.keep_in_url("neighbours", {"q": text})
prefix = explore.last_word(text)
completions = explore.suggest_words(emb, prefix, n=8, include_exact=False) if prefix else []
if completions:
    st.pills(
        f"Words starting with “{escape_markdown(prefix)}”",
        completions,
        key=SUGGEST,
        on_change=_fill,
        args=(SUGGEST, True),
    )

ui.linked_widgets("neighbours_settings", explore.NEIGHBOUR_LINKS)  # k, metric, restriction
col_k, col_metric, col_restrict = st.columns(3)
k = col_k.slider("How many neighbours (k)", 1, 50, 10, key="nb_k")
metric = col_metric.radio(
    "Metric",
    ["cosine", "euclidean"],
    key="nb_metric",
    horizontal=True,
    help="Cosine similarity: higher is closer. Euclidean distance: lower is closer. "
    "Expressions are always ranked by cosine similarity.",
)
restrict = col_restrict.number_input(
    f"Only the N most frequent words (0 = all {len(emb):,})",
    min_value=0,
    value=0,
    step=100 if len(emb) < 20_000 else 1000,
    key="nb_restrict",
    help="Rare words have noisy vectors; searching only the frequent ones gives cleaner lists.",
)

if not text.strip():
    st.info("Type a word above, or start with one of these from the model's vocabulary:")
    st.pills(
        "Examples",
        explore.example_queries(emb),
        key=EXAMPLES,
        on_change=_fill,
        args=(EXAMPLES, False),
        label_visibility="collapsed",
    )
else:
    with ui.shown_errors():
        result = _query(emb, record.name, str(record.path), text, k, metric, int(restrict) or None)
        if note := result.note(escape_markdown):  # subwords, or 'King' looked up as 'king'
            st.info(note)
        if result.metric_ignored:
            st.info(
                "Expressions are ranked by cosine similarity; the euclidean metric applies to "
                "single words only."
            )
        if not result.neighbours:
            st.info("Nothing to show: the expression adds up to the zero vector.")
        else:
            scope = (
                f"the {int(restrict):,} most frequent words"
                if 0 < restrict < len(emb)
                else f"all {len(emb):,} words"
            )
            st.markdown(
                f"The {len(result.neighbours)} words nearest to "
                f"**{escape_markdown(result.text)}**, among {scope}:"
            )
            left, right = st.columns([2, 3])
            left.dataframe(
                result.table(),
                hide_index=True,
                column_config={result.score_label: st.column_config.NumberColumn(format="%.3f")},
            )
            right.plotly_chart(
                neighbours_figure(result.rows(), result.score_label),
                key=CHART,
                on_select=_jump,
                selection_mode="points",
                config={"displayModeBar": False},
            )
            right.caption("Click a bar to see that word's neighbours.")
            ui.save_view_control("neighbours")  # the query and settings, from the URL
