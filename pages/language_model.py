"""Language model: train a small next-word model from random embeddings and from a model's
vectors (frozen, fine-tuned), watch their validation perplexity, and ask each for next words."""

from __future__ import annotations

import streamlit as st

from embedlab.app import lm as view
from embedlab.app import ui
from embedlab.app.charts.lm import perplexity_figure
from embedlab.app.markup import escape_markdown
from embedlab.jobs.thread import BOARD

JOB = "_lm_job"
JOB_PARAM = "lm_job"
RESULT = "_lm_result"
ADOPTED = "_lm_adopted"


def run_ui() -> None:
    """Corpus, model, starting points and settings; Train starts the comparison."""
    ws = ui.workspace()
    corpora = [c.name for c in ws.corpora()]
    if not corpora:
        st.info("No corpus yet: add one on the **Corpus** page (the Lee demo takes seconds).")
        return
    models = [m.name for m in ws.models()]
    ui.linked_widgets("lm", view.LINKS)  # the settings: in the URL, kept across pages
    left, right = st.columns(2)
    corpus = left.selectbox("Corpus", corpora, key="lm_corpus")
    active = st.session_state.get(ui.ACTIVE)
    model = right.selectbox(
        "Model whose vectors start the embedding layer",
        models,
        index=models.index(active) if active in models else (0 if models else None),
        key="lm_model",
        placeholder="No model yet",
    )
    options = list(view.START_TITLES) if model else ["random"]
    chosen = st.multiselect(
        "Starting points",
        options,
        default=options,
        format_func=lambda key: view.START_TITLES[key].replace("Model", model or "Model"),
        key="lm_starts",
        help="Random: the embedding layer learns from this corpus alone. Frozen: the model's "
        "vectors, kept as they are. Fine-tuned: the model's vectors, trained further.",
    )
    with st.expander("Settings"):
        a, b, c, d = st.columns(4)
        epochs = a.number_input("Epochs", 1, 50, 3, key="lm_epochs")
        hidden = b.number_input("Hidden units", 8, 1024, 128, key="lm_hidden")
        max_tokens = c.number_input("Tokens used", 1_000, 10_000_000, 60_000, key="lm_tokens")
        seed = d.number_input("Seed", 0, 2**31 - 1, 0, key="lm_seed")
        arch = st.radio("Network", ["lstm", "transformer"], horizontal=True, key="lm_arch")
    if not st.button("Train", key="lm_train", type="primary"):
        return
    runs = view.starts(chosen, model)
    emb = ui.load_model(ws.model(model)) if model and any(r.model for r in runs) else None
    config = view.demo_config(emb, epochs=int(epochs), hidden=int(hidden), arch=arch,
                              max_tokens=int(max_tokens), seed=int(seed))  # fmt: skip
    record = ws.corpus(corpus)
    job = view.start_comparison(BOARD, record.path, runs, config, emb, record.name, ws)
    st.session_state[JOB] = st.query_params[JOB_PARAM] = job.id
    st.rerun()


@st.fragment(run_every=0.5)
def live_job(job_id: str) -> None:
    """The running comparison: progress, the curves so far, Cancel."""
    job = BOARD.get(job_id)
    if job is None or job.finished:
        st.rerun()
    event = job.event  # type: ignore[union-attr]
    st.markdown(f"**Training** ({job.seconds:.0f} s)")  # type: ignore[union-attr]
    st.progress(event.fraction if event else 0.0, text=escape_markdown(view.progress_text(event)))
    if event is not None and any(event.curves.values()):
        st.plotly_chart(perplexity_figure(event.curves), key="lm_live_chart")
    if st.button("Cancel", key="lm_cancel"):
        BOARD.cancel(job_id)


def finished_job(job) -> None:  # noqa: ANN001 - a ThreadJob
    """A comparison that ended: its result becomes the page's (once), or say why it stopped."""
    if job.result is None:
        show = st.warning if job.state == "cancelled" else st.error
        show(escape_markdown(job.error or "The run stopped."))
        return
    adopted = st.session_state.setdefault(ADOPTED, set())
    if job.id not in adopted:
        adopted.add(job.id)
        st.session_state[RESULT] = job.result


def show(comparison: view.Comparison) -> None:
    """Curves, results, and each model's next words for a prompt."""
    st.subheader(f"On {escape_markdown(comparison.corpus)}")
    epochs = max((r.config.epochs for r in comparison.reports.values()), default=None)
    st.plotly_chart(
        perplexity_figure(view.comparison_curves(comparison), epochs, view.unigram(comparison)),
        key="lm_chart",
    )
    st.caption(view.PERPLEXITY + " " + view.WHY)
    st.markdown(escape_markdown(view.summary(comparison)))
    st.dataframe(
        view.results_table(comparison),
        hide_index=True,
        column_config={
            "test perplexity": st.column_config.NumberColumn(format="%.1f"),
            "test words unknown": st.column_config.NumberColumn(format="percent"),
        },
        key="lm_results",
    )
    left, right = st.columns([3, 1])
    prompt = left.text_input(
        "Prompt", "the government", key="lm_prompt", help="Each column: one model's next words."
    )
    k = right.slider("Words", 1, 20, 5, key="lm_k")
    with ui.shown_errors():
        st.dataframe(view.completions_table(comparison, prompt, int(k)), key="lm_next")


st.title("Language model")
st.caption(
    "Does a model's training carry over? The same small next-word model is trained on a "
    "corpus with its embedding layer starting from random vectors, or from a model's vectors."
)
with ui.shown_errors():
    run_ui()

job_id = st.query_params.get(JOB_PARAM) or st.session_state.get(JOB)
job = BOARD.get(job_id)
if job is not None and not job.finished:
    live_job(job.id)
elif job is not None:
    finished_job(job)
elif job_id:  # a job this server no longer has (restarted, or long ago)
    st.query_params.pop(JOB_PARAM, None)
    st.session_state.pop(JOB, None)

stored = st.session_state.get(RESULT)
if stored is not None:
    show(stored)

st.subheader("Earlier runs")
records = ui.workspace().analyses(view.KIND)
if records:
    st.dataframe(view.history_table(records), hide_index=True, key="lm_history")
else:
    st.caption("None yet: every run's report is stored in the workspace and listed here.")
