"""Evaluate: the active model's scores on analogy and word-similarity benchmarks, the
questions it got wrong, and how it compares with the other models in the catalog."""

from __future__ import annotations

import streamlit as st

from embedlab.app import jobs as app_jobs
from embedlab.app import ui
from embedlab.app.charts.evaluation import analogy_figure, scores_figure, similarity_figure
from embedlab.app.markup import escape_markdown
from embedlab.app.reports import (
    BenchmarkReport,
    analogy_bars,
    benchmark_title,
    coverage_text,
    failure_rows,
    fmt_score,
    percent,
    run_report,
    scores_across_models,
    workspace_metrics,
)
from embedlab.embeddings import Embeddings

REQUEST = "_eval_request"
UPLOADED = "upload"
METHODS = {
    "3cosadd": "3CosAdd: nearest to b − a + c",
    "3cosmul": "3CosMul: a product of similarities (Levy & Goldberg)",
}
READING = {
    "analogy": (
        "**How to read it.** Accuracy is the share of the questions the model could answer "
        "(all four words in its vocabulary; coverage says how many) whose answer, the word "
        "nearest to b − a + c, is exactly right. A model trained on a small corpus such as "
        "Lee's 60,000 words knows few of these words and has seen each only a few times, so a "
        "score near zero says more about the corpus than about the method."
    ),
    "similarity": (
        "**How to read it.** Spearman's ρ compares the order of the pairs by the model's "
        "cosine similarity with their order by people's ratings (1: the same order, 0: no "
        "relation, −1: the reverse), over the pairs whose words the model knows (coverage). "
        "WordSim353 rewards relatedness (cup–coffee), SimLex-999 only likeness (cup–mug)."
    ),
}


@st.cache_data(max_entries=32, show_spinner=False)
def _report(
    model_path: str, benchmark: str, method: str, upload: tuple[str, bytes] | None, _emb: Embeddings
) -> BenchmarkReport:
    if upload is None:
        return run_report(_emb, benchmark, method=method)
    return run_report(_emb, benchmark, method=method, filename=upload[0], data=upload[1])


def _show(report: BenchmarkReport, index: int, explain: bool) -> None:
    """Draw one benchmark's result: headline, coverage, how to read it, chart, failures."""
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
        st.caption(
            f"{METHODS[result.method].split(':')[0]}: {result.correct:,} right; "
            f"{coverage_text(result)}."
        )
        if explain:
            st.markdown(READING["analogy"])
        st.plotly_chart(analogy_figure(analogy_bars(result)), key=f"eval_sections_{index}")
        st.markdown(f"**Wrong answers** ({len(result.failures):,})")
        if result.failures:
            st.dataframe(failure_rows(result), hide_index=True)
        else:
            st.caption("None: every question answered was answered right.")
        return
    cols = st.columns(3)
    cols[0].metric("Spearman ρ", fmt_score("spearman", result.spearman))
    cols[1].metric("Pearson r", fmt_score("pearson", result.pearson))
    cols[2].metric("Coverage", percent(result.coverage))
    st.caption(f"{coverage_text(result).capitalize()}.")
    if explain:
        st.markdown(READING["similarity"])
    st.plotly_chart(similarity_figure(report.points), key=f"eval_scatter_{index}")
    st.markdown("**The pairs the model ranks furthest from people**")
    rows = failure_rows(result)
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption("None: the model orders every pair as people do.")


st.title("Evaluate")
st.caption(
    "How well the active model's geometry matches people: analogy questions (*Athens is to "
    "Greece as Baghdad is to ?*) and word pairs that people rated for similarity. Pick the "
    "benchmarks, run them, and read each score with its coverage: the share of the benchmark "
    "the model knows the words of."
)

emb = ui.require_model()
record = ui.active_record()
ws = ui.workspace()

checks = st.columns(3)
chosen = {
    "analogy": checks[0].checkbox(
        "Google analogies",
        value=True,
        key="eval_analogy",
        help="19,544 questions in 14 sections: capitals, currencies, family; plurals, tenses…",
    ),
    "ws353": checks[1].checkbox(
        "WordSim353",
        value=True,
        key="eval_ws353",
        help="353 word pairs rated 0–10 for how related they are.",
    ),
    "simlex": checks[2].checkbox(
        "SimLex-999",
        value=True,
        key="eval_simlex",
        help="999 word pairs rated 0–10 for how similar (not merely related) they are.",
    ),
}
upload = st.file_uploader(
    "Your own benchmark (optional)",
    key="eval_upload",
    max_upload_size=ui.upload_limit_mb(),
    help=(
        "An analogy file (lines of 4 words 'a b c d', ': name' starts a section) or a "
        "similarity file (lines of 'word<TAB>word<TAB>score'), as gensim's questions-words.txt "
        "and wordsim353.tsv. Which one it is, is told from its lines."
    ),
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
    names = [name for name, on in chosen.items() if on]
    too_big = upload and app_jobs.upload_too_big(upload.name, upload.size, ui.upload_limit_mb())
    if not names and upload is None:
        st.warning("Tick a benchmark or upload a file first.")
    elif too_big:
        st.error(escape_markdown(too_big))
    else:
        st.session_state[REQUEST] = {
            "path": str(record.path),
            "benchmarks": names + ([UPLOADED] if upload is not None else []),
            "method": method,
            "upload": None if upload is None else (upload.name, upload.getvalue()),
            "save": True,
        }

request = st.session_state.get(REQUEST)
if request and request["path"] == str(record.path):
    explained: set[str] = set()  # say how to read a kind of score once
    for i, name in enumerate(request["benchmarks"]):
        is_upload = name == UPLOADED
        label = request["upload"][0] if is_upload else benchmark_title(name)
        with ui.shown_errors():
            with st.spinner(f"Running {escape_markdown(label)}…"):
                report = _report(
                    request["path"],
                    name,
                    request["method"],
                    request["upload"] if is_upload else None,
                    emb,
                )
            if request["save"]:
                ws.save_metrics(record.name, report.benchmark, report.result.to_dict())
            _show(report, i, explain=report.kind not in explained)
            explained.add(report.kind)
    request["save"] = False  # saved once, when run; a rerun only redraws
else:
    st.info("Pick the benchmarks above and press **Run the benchmarks**.")

# --- the other models ------------------------------------------------------------------------
st.subheader("Compared with the other models")
st.caption(
    "The latest saved score of every model in the catalog on each benchmark; the active model "
    "is orange. Compare scores with similar coverage: a score on 2 % of a benchmark is a "
    "different test from one on 90 %."
)
scores = scores_across_models(workspace_metrics(ws, ws.models()))
shown = 0
for bench, items in scores.items():
    if len(items) < 2:
        continue
    shown += 1
    st.plotly_chart(
        scores_figure(items, items[0].metric, highlight=record.name, title=benchmark_title(bench)),
        key=f"eval_compare_{bench}",
    )
if not shown:
    st.caption(
        "No comparison yet: run benchmarks on at least two models (make another model active "
        "in the sidebar and run them here)."
    )
