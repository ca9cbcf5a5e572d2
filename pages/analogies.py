"""Analogies: "a is to b as c is to ?" by 3CosAdd and 3CosMul, and the odd one out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from embedlab.app import explore, ui
from embedlab.app.charts.analogies import analogy_figure
from embedlab.app.markup import escape_markdown
from embedlab.embeddings import Embeddings

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("a", "b", "c")


@st.cache_data(max_entries=16, show_spinner="Finding examples this model can answer…")
def _examples(_emb: Embeddings, model: str, path: str) -> list[explore.ExampleAnalogy]:
    return explore.analogy_examples(_emb)


@st.cache_data(max_entries=128, show_spinner=False)
def _solve(
    _emb: Embeddings, model: str, path: str, a: str, b: str, c: str, inputs: bool
) -> explore.AnalogyAnswer:
    return explore.solve_analogy(_emb, a, b, c, k=5, include_inputs=inputs)


def _use_example(a: str, b: str, c: str) -> None:
    st.session_state.update({"a": a, "b": b, "c": c})


def _score_format(table: pd.DataFrame) -> dict[str, Any]:
    return {table.columns[-1]: st.column_config.NumberColumn(format="%.3f")}


st.title("Analogies")
st.caption(
    "“a is to b as c is to ?”: the answer d is the word whose vector best continues the "
    "offset from a to b when it starts at c, so man : king :: woman : ? asks for the word "
    "near king − man + woman. The three input words are left out of the answers, as in "
    "gensim's most_similar, unless you ask for them."
)
emb = ui.require_model()
record = ui.active_record()

examples = _examples(emb, record.name, str(record.path))
linked = ui.linked_params("analogies", ["a", "b", "c"])
if linked and len(linked) == 3:  # a link's words, else the first worked example
    _use_example(linked["a"], linked["b"], linked["c"])
elif "a" not in st.session_state:
    _use_example(*((examples[0].a, examples[0].b, examples[0].c) if examples else "   "))
if examples:
    st.caption(
        "Try an example (hover for the expected answer; :material/quiz: marks questions "
        "from Google's analogy test that fit this model):"
    )
    with st.container(horizontal=True):
        for i, ex in enumerate(examples):
            st.button(
                " : ".join(escape_markdown(w) for w in (ex.a, ex.b))
                + " :: "
                + escape_markdown(ex.c)
                + " : ?",
                key=f"example_{i}",
                on_click=_use_example,
                args=(ex.a, ex.b, ex.c),
                help=f"Expected: {ex.expected} ({ex.source})",
                icon=None if ex.source == "classic" else ":material/quiz:",
            )
else:
    st.caption("No classic example fits this model's vocabulary; type three words of your own.")

col_a, col_b, col_c = st.columns(3)
a = col_a.text_input("a", key="a", placeholder="man")
b = col_b.text_input("is to b", key="b", placeholder="king")
c = col_c.text_input("as c is to ?", key="c", placeholder="woman")

ui.keep_in_url("analogies", {"a": a, "b": b, "c": c})
ui.linked_widgets("analogies_settings", explore.ANALOGY_LINKS)  # the toggle, the odd one out
inputs = st.toggle(
    "List the input words too",
    key="an_inputs",
    help="Without this, a, b and c are never answers (b or c is usually nearest the target).",
)
if not (a.strip() and b.strip() and c.strip()):
    st.info("Fill in a, b and c, or click an example above.")
else:
    with ui.shown_errors():
        answer = _solve(emb, record.name, str(record.path), a, b, c, inputs)
        if note := answer.note(escape_markdown):  # subwords, or 'King' looked up as 'king'
            st.info(note)
        left, right = st.columns(2)
        with left:
            st.subheader("3CosAdd")
            st.caption(
                "Ranks each word d by cos(d, b) − cos(d, a) + cos(d, c): the word nearest "
                "to b − a + c."
            )
            table = answer.table("3cosadd")
            st.dataframe(table, hide_index=True, column_config=_score_format(table))
        with right:
            st.subheader("3CosMul")
            st.caption(
                "Multiplies instead, cos(d, b) · cos(d, c) / cos(d, a) with cosines shifted to "
                "0–1, so one large similarity cannot outweigh the other two."
            )
            table = answer.table("3cosmul")
            st.dataframe(table, hide_index=True, column_config=_score_format(table))
        expected = explore.expected_rank_text(examples, answer, escape_markdown)
        if expected:
            st.caption(expected)
        if answer.picture is not None:
            st.plotly_chart(
                analogy_figure(answer.picture.points()),
                key="an_chart",
                config={"displayModeBar": False},
            )
            st.caption(
                "The five vectors flattened to 2D (PCA, keeping "
                f"{answer.picture.explained:.0%} of their spread). The arrows are the offsets "
                "a → b and c → d; the hollow circle is b − a + c (the dotted line is a → b "
                "moved to start at c), where d would sit if the analogy held exactly."
            )

ui.save_view_control("analogies")  # the three words and settings, from the URL
st.divider()
st.subheader("Odd one out")
st.caption(
    "Which word does not belong? Each word is compared (cosine) with the mean direction of "
    "all of them; the least similar one is the odd one out."
)
odd_text = st.text_input(
    "Three or more words, separated by commas or spaces",
    key="odd",
    placeholder="e.g. " + ", ".join(explore.example_words(emb, n=4)),
)
if odd_text.strip():
    with ui.shown_errors():
        result = explore.odd_one_out(emb, odd_text)
        if note := result.note(escape_markdown):
            st.info(note)
        left, right = st.columns([1, 2])
        left.metric("Odd one out", result.odd)
        table = result.table()
        right.dataframe(table, hide_index=True, column_config=_score_format(table))
