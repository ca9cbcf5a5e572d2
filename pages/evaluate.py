"""Evaluate: the active model's scores on analogy and word-similarity benchmarks, the
questions it got wrong, and how it compares with the other models in the catalog."""

from __future__ import annotations

import streamlit as st

from embedlab.app import evaluate as view
from embedlab.app import ui
from embedlab.app.charts.evaluation import analogy_figure, scores_figure, similarity_figure
from embedlab.app.markup import escape_markdown
from embedlab.app.reports import (
    analogy_bars,
    benchmark_title,
    coverage_text,
    failure_rows,
    fmt_score,
    percent,
)
from embedlab.store.workspace import ModelRecord

RESULTS = "_eval_results"  # {"path": the model's folder, "outcomes": [view.Outcome]}: redrawn
METHODS = view.METHODS


def _show(outcome: view.Outcome, index: int, record: ModelRecord) -> None:
    """Draw one benchmark's result: headline, coverage, how to read it, chart, failures."""
    if outcome.error is not None:
        st.error(escape_markdown(outcome.error))
        return
    report = outcome.report
    assert report is not None
    result = report.result
    st.subheader(escape_markdown(benchmark_title(report.benchmark)))
    if report.kind == "analogy":
        cols = st.columns(4)
        cols[0].metric("Accuracy", fmt_score("accuracy", result.accuracy))
        cols[1].metric("Coverage", percent(result.coverage))
        if result.semantic_accuracy is not None:
            cols[2].metric("Semantic", fmt_score("accuracy", result.semantic_accuracy))
        if result.syntactic_accuracy is not None:
            cols[3].metric("Syntactic", fmt_score("accuracy", result.syntactic_accuracy))
        method = METHODS[result.method].split(":")[0]
        st.caption(f"{method}: {result.correct:,} right; {coverage_text(result)}.")
    else:
        cols = st.columns(3)
        cols[0].metric("Spearman ρ", fmt_score("spearman", result.spearman))
        cols[1].metric("Pearson r", fmt_score("pearson", result.pearson))
        cols[2].metric("Coverage", percent(result.coverage))
        st.caption(f"{coverage_text(result).capitalize()}.")
    if outcome.explain:
        st.markdown(view.reading_text(report.kind, record))
    rows = failure_rows(result, report.spelling)
    if report.kind == "analogy":
        st.plotly_chart(analogy_figure(analogy_bars(result)), key=f"eval_sections_{index}")
        st.markdown(f"**Wrong answers** ({len(result.failures):,}, as the model spells the words)")
        empty = "None: every question answered was answered right."
    else:
        st.plotly_chart(similarity_figure(report.points), key=f"eval_scatter_{index}")
        st.markdown("**The pairs the model ranks furthest from people**")
        empty = "None: the model orders every pair as people do."
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption(empty)


st.title("Evaluate")
st.caption(
    "How well the active model's geometry matches people: analogy questions (*Athens is to "
    "Greece as Baghdad is to ?*) and word pairs that people rated for similarity. Pick the "
    "benchmarks, run them, and read each score with its coverage: the share of the benchmark "
    "the model knows the words of."
)

record, emb = ui.require_active()
ws = ui.workspace()
ui.linked_widgets("evaluate", view.LINKS)  # the ticks and method: in the URL, kept across pages
chosen = {
    name: col.checkbox(label, value=True, key=f"eval_{name}", help=note)
    for col, (name, label, note) in zip(st.columns(3), view.CHOICES, strict=True)
}
upload = st.file_uploader(
    "Your own benchmark (optional)",
    key="eval_upload",
    max_upload_size=ui.upload_limit_mb(),
    help=view.UPLOAD_HELP,
)
method = st.radio(
    "Analogy method",
    list(METHODS),
    format_func=METHODS.get,
    horizontal=True,
    key="eval_method",
    help="3CosMul is less dominated by one large similarity; it often scores a little higher.",
)
if st.button("Run the benchmarks", key="eval_run", type="primary"):
    names = view.benchmarks_to_run(chosen, has_upload=upload is not None)
    if not names:
        st.warning("Tick a benchmark or upload a file first.")
    with ui.shown_errors():
        ui.check_upload(upload)
        if names:
            with st.spinner("Running the benchmarks…"):
                data = None if upload is None else (upload.name, upload.getvalue())
                outcomes = view.run_and_save(ws, record, emb, names, method, data)
            st.session_state[RESULTS] = {"path": str(record.path), "outcomes": outcomes}

stored = st.session_state.get(RESULTS)
if stored and stored["path"] == str(record.path):
    for i, outcome in enumerate(stored["outcomes"]):
        _show(outcome, i, record)
else:
    st.info("Pick the benchmarks above and press **Run the benchmarks**.")

# --- the other models ------------------------------------------------------------------------
st.subheader("Compared with the other models")
st.caption(
    "The latest saved score of every model in the catalog on each benchmark; the active model "
    "is orange. Compare scores with similar coverage: a score on 2 % of a benchmark is a "
    "different test from one on 90 %."
)
scores = view.comparisons(ws)
for bench, items in scores.items():
    st.plotly_chart(
        scores_figure(items, items[0].metric, highlight=record.name, title=benchmark_title(bench)),
        key=f"eval_compare_{bench}",
    )
if not scores:
    st.caption(
        "No comparison yet: run benchmarks on at least two models (make another model active "
        "in the sidebar and run them here)."
    )
