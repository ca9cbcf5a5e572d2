"""Compare: two models side by side — whose neighbours changed, which words moved."""

from __future__ import annotations

import streamlit as st

from embedlab.analysis.compare import Comparison
from embedlab.app import compare as view
from embedlab.app import ui
from embedlab.app.charts.compare import aligned_map, jaccard_histogram
from embedlab.app.markup import escape_markdown
from embedlab.embeddings import Embeddings
from embedlab.jobs.thread import BOARD

NONE = "(none)"


@st.fragment(run_every=0.5)
def waiting(job_id: str) -> None:
    """A comparison running in the background: progress, time so far, Cancel."""
    if (job := BOARD.get(job_id)) is None or job.finished:
        st.rerun()
    st.progress(view.progress_fraction(job), text=escape_markdown(view.progress_text(job)))
    st.button("Cancel", key=f"cmp_cancel_{job_id}", on_click=BOARD.cancel, args=(job_id,))


def comparison(a: Embeddings, b: Embeddings, key: tuple) -> Comparison | None:
    """The comparison for `key`: cached, or started on the job board (shown while it runs)."""
    if (done := view.finished(key)) is not None:
        return done
    job = view.start(BOARD, key, a, b, *key[-3:])  # or the job already on it, or its error
    if not (job := view.settle(BOARD, job)).finished:
        waiting(job.id)
    elif job.error:
        (st.warning if job.state == "cancelled" else st.error)(escape_markdown(job.error))
        st.button("Try again", key=f"cmp_retry_{job.id}", on_click=view.forget, args=(key,))
    return job.result


st.title("Compare")
st.caption(
    "Two models side by side, on the words both know. For each word, do its nearest "
    "neighbours stay the same? And after rotating A onto B (their axes mean nothing on their "
    "own), which words moved? Pick a *seed twin* of A (same settings, another seed) to see "
    "how much two runs differ by chance alone: the noise floor."
)
records = {r.name: r for r in ui.workspace().models()}
names = list(records)
if len(names) < 2:
    st.info(
        "Comparing needs two models. Train another on the **Train** page (a different window, "
        "size or seed) or load one on the **Models** page."
    )
    st.stop()

ui.remember_widgets("compare", [f"cmp_{k}" for k in ("a", "b", "twin", "k", "top", "fit", "word")])
query = st.query_params
if st.session_state.get("cmp_a") not in names or st.session_state.get("cmp_b") not in names:
    st.session_state.cmp_a, st.session_state.cmp_b = view.pick_pair(
        names, query.get("a"), query.get("b"), st.session_state.get(ui.ACTIVE)
    )
if "cmp_word" not in st.session_state:
    st.session_state.cmp_word = query.get("word", "")

col_a, col_b, col_twin = st.columns(3)
name_a = col_a.selectbox("Model A", names, key="cmp_a")
name_b = col_b.selectbox("Model B", names, key="cmp_b")
twin = col_twin.selectbox(
    "Seed twin of A (optional)",
    [NONE] + [n for n in names if n != name_a],
    key="cmp_twin",
    help="A model trained like A but with another seed: A vs twin is the noise floor.",
)
col_k, col_top, col_fit = st.columns(3)
k = col_k.slider("Neighbours per word (k)", 1, 50, 10, key="cmp_k")
top = col_top.number_input(
    "Words per model (most frequent)",
    min_value=100,
    max_value=view.MAX_TOP,
    value=view.DEFAULT_TOP,
    step=1000,
    key="cmp_top",
    help="Rare words have noisy vectors, and fewer words compare faster.",
)
fit_top = col_fit.number_input(
    "Fit the rotation on the N most frequent shared words (0 = all)",
    min_value=0,
    value=0,
    step=500,
    key="cmp_fit",
)
query["a"], query["b"] = name_a, name_b

with ui.shown_errors():
    a, b = ui.load_model(records[name_a]), ui.load_model(records[name_b])
    rec_a, rec_b = records[name_a], records[name_b]
    args = (int(k), int(top), int(fit_top) or None)
    c = comparison(a, b, (name_a, str(rec_a.path), name_b, str(rec_b.path), *args))
    floor = None
    if twin != NONE:
        rec_t = records[twin]
        t = ui.load_model(rec_t)
        floor = comparison(a, t, (name_a, str(rec_a.path), twin, str(rec_t.path), *args))
    if c is None or (twin != NONE and floor is None):
        st.stop()  # still running (the progress is shown), or stopped (the reason is shown)
    st.markdown(escape_markdown(view.headline(c, floor)))
    st.table(view.summary_table(c, floor), hide_index=True)  # a static table wraps its sentences
    if c.alignment_note:
        st.info(c.alignment_note)
    st.plotly_chart(
        jaccard_histogram(c.agreement.jaccard, c.agreement.k, None if floor is None else
                          floor.agreement.jaccard),
        config={"displayModeBar": False},
    )  # fmt: skip
    st.caption(view.jaccard_note(c))
    for column, (title, table) in zip(st.columns(2), view.extreme_tables(c), strict=True):
        column.markdown(title)
        column.dataframe(table, hide_index=True, column_config=view.column_config(table))

    st.subheader("One word in both models")
    word = st.text_input("A shared word", key="cmp_word", placeholder="e.g. government")
    word = word.strip()
    if word:
        query["word"] = word
        with ui.shown_errors():
            w = view.look_up(a, b, c, word)
            st.markdown(escape_markdown(view.word_sentence(w)))
            table = view.word_table(w)
            st.dataframe(table, hide_index=True, column_config=view.column_config(table))
    elif "word" in query:
        del query["word"]
    if c.alignment is not None:
        st.subheader("Both models on one map")
        frame = view.map_frame(a, b, c)
        shown = word if word in set(frame["word"]) else None
        st.plotly_chart(aligned_map(frame, shown), config={"displayModeBar": False})
        st.caption(
            f"The {len(frame) // 2:,} most frequent shared words: A's vectors rotated onto B's, "
            "and B's, placed by one PCA fitted on both. "
            + ("The line joins the chosen word's two places." if shown else
               "Type one of these words above to join its two places with a line.")
        )  # fmt: skip
