"""Classify: train a text classifier on labelled texts, next to the TF-IDF baseline, and see
its scores, its confusion, its most confident mistakes and a map of the documents."""

from __future__ import annotations

import uuid

import streamlit as st

from embedlab.analysis.classify import (
    CLASSIFIERS,
    FEATURES,
    POOLED,
    ClassificationResult,
    ClassifyEvent,
    document_map,
)
from embedlab.app import classify as view
from embedlab.app import ui
from embedlab.app.charts.classification import (
    confusion_figure,
    document_map_figure,
    per_class_figure,
)
from embedlab.app.markup import escape_markdown
from embedlab.ingest.labelled import LabelledTexts
from embedlab.jobs.classify import classify_and_save, runs_as_job, start_classification
from embedlab.jobs.thread import BOARD, ThreadJob

RESULT = "_cls_result"  # {"result": ClassificationResult, "token": str}: redrawn, not re-run
JOB = "_cls_job"  # the id of this session's background run
JOB_PARAM = "classify_job"  # ... also in the URL, so a reload finds it
ADOPTED = "_cls_adopted"  # background runs whose result this session has taken up
GUESS = ""
MAP_METHODS = {"pca": "PCA (instant)", "umap": "UMAP", "tsne": "t-SNE"}
SCORE = st.column_config.NumberColumn(format="%.3f")
PERCENT = st.column_config.NumberColumn(format="percent")


@st.cache_data(max_entries=8, show_spinner=False)
def _data(
    file_id: str | None, name: str | None, text_column: str, label_column: str, _raw: bytes | None
) -> LabelledTexts:
    upload = None if name is None else (name, _raw or b"")
    return view.load_labelled(upload, text_column, label_column)


@st.cache_data(max_entries=8, show_spinner=False)
def _map(home: str, record_id: int | None, token: str, method: str, _result: ClassificationResult):  # noqa: ANN202 - a DataFrame
    return document_map(_result, method)


def data_ui() -> LabelledTexts | None:
    """The labelled texts chosen (demo or upload), or None with the reason shown."""
    source = st.radio(
        "Labelled texts",
        ["demo", "upload"],
        format_func={"demo": view.DEMO_TITLE, "upload": "Upload a file"}.get,
        horizontal=True,
        key="cls_source",
    )
    if source == "demo":
        return _data(None, None, GUESS, GUESS, None)
    upload = st.file_uploader(
        "A labelled file",
        key="cls_upload",
        max_upload_size=ui.upload_limit_mb(),
        help="CSV/TSV with a text and a label column, JSONL objects with a text and a label "
        "field, fastText lines ('__label__pos some text'), label<TAB>text lines, or a .zip "
        "with one folder per class; .gz works too. Any common encoding; up to "
        f"{ui.upload_limit_text()}.",
    )
    if upload is None:
        st.info("Upload a file of labelled texts, or use the demo data.")
        return None
    ui.check_upload(upload)
    raw = upload.getvalue()
    columns = view.table_columns(raw, upload.name)
    text_column = label_column = GUESS
    if columns:
        left, right = st.columns(2)
        options = [GUESS, *columns]
        text_column = left.selectbox(
            "Text column",
            options,
            format_func=lambda c: c or "guess it",
            key="cls_text_column",
        )
        label_column = right.selectbox(
            "Label column",
            options,
            format_func=lambda c: c or "guess it",
            key="cls_label_column",
        )
    return _data(upload.file_id, upload.name, text_column, label_column, raw)


def run_ui(data: LabelledTexts | None) -> None:
    """Features, classifier and evaluation widgets, and the run button."""
    ws = ui.workspace()
    models = [m.name for m in ws.models()]
    left, middle, right = st.columns(3)
    features = left.selectbox(
        "Features",
        view.feature_choices(bool(models)),
        format_func=FEATURES.get,
        key="cls_features",
        help="How a text becomes numbers: TF-IDF counts its words; the pooled features "
        "average a word-vector model's vectors (SIF down-weights common words and removes "
        "their shared direction); MiniLM is a pretrained sentence encoder.",
    )
    if not models:
        left.caption(
            "Pooled word-vector features need a model: train one on the **Train** page or "
            "load one on the **Models** page."
        )
    model = None
    if features in POOLED:
        active = st.session_state.get(ui.ACTIVE)
        model = left.selectbox(
            "Word vectors",
            models,
            index=models.index(active) if active in models else 0,
            key="cls_model",
            help="The model whose vectors are pooled; the active model by default.",
        )
    classifier = middle.radio(
        "Classifier",
        view.classifier_choices(features),
        format_func=CLASSIFIERS.get,
        key="cls_classifier",
        help="Logistic regression on the features, or (with the mean of word vectors) a "
        "small torch network that reads the words through the model's vectors.",
    )
    hidden, finetune, epochs = 0, False, 30
    if classifier == "torch":
        with middle.expander("Torch head settings"):
            hidden = st.number_input("Hidden units (0: linear)", 0, 1024, 0, key="cls_hidden")
            epochs = st.number_input("Epochs at most", 1, 200, 30, key="cls_epochs")
            finetune = st.checkbox(
                "Fine-tune the word vectors", key="cls_finetune", help="Train them too."
            )
    evaluation = right.radio(
        "Evaluation",
        ["cv", "split"],
        format_func={"cv": "Cross-validation", "split": "Held-out split"}.get,
        horizontal=True,
        key="cls_evaluation",
    )
    folds, test_size = 5, None
    if evaluation == "cv":
        folds = right.slider("Folds", 2, 10, 5, key="cls_folds")
    else:
        test_size = right.slider("Test share", 0.1, 0.5, 0.2, 0.05, key="cls_test_size")
    seed = right.number_input("Seed", 0, 2**31 - 1, 0, key="cls_seed")

    if not st.button("Run", key="cls_run", type="primary", disabled=data is None):
        return
    assert data is not None
    config = view.make_config(
        features,
        classifier,
        model,
        folds=folds,
        test_size=test_size,
        seed=int(seed),
        hidden=int(hidden),
        finetune=finetune,
        epochs=int(epochs),
    )
    emb = ui.load_model(ws.model(model)) if config.needs_model and model else None
    if runs_as_job(config, len(data)):  # seconds or more: in the background, with Cancel
        job = start_classification(BOARD, ws, data, config, emb)
        st.session_state[JOB] = job.id
        st.query_params[JOB_PARAM] = job.id
        st.rerun()
    with st.status(f"Running {escape_markdown(config.describe())}…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")

        def on_progress(event: ClassifyEvent) -> None:
            fraction = min(max(float(event.fraction), 0.0), 1.0)
            bar.progress(fraction, text=escape_markdown(view.progress_text(event)))

        result = classify_and_save(ws, data, config, on_progress, emb=emb)
        status.update(
            label=f"Done in {result.seconds:.1f} s: accuracy {result.accuracy:.1%}",
            state="complete",
            expanded=False,
        )
    st.session_state[RESULT] = {"result": result, "token": uuid.uuid4().hex}
    st.session_state.pop(JOB, None)  # an earlier background run is no longer the page's
    st.query_params.pop(JOB_PARAM, None)


@st.fragment(run_every=0.5)
def live_job(job_id: str) -> None:
    """A background run's progress, polled twice a second, with Cancel; when it ends, the
    whole page reruns to show the result."""
    job = BOARD.get(job_id)
    if job is None or job.finished:
        st.rerun()
    assert job is not None
    fraction = min(max(float(job.event.fraction), 0.0), 1.0) if job.event else 0.0
    text = view.progress_text(job.event) if job.event else "Starting…"
    st.markdown(f"**Running {escape_markdown(job.description)}** ({job.seconds:.0f} s)")
    st.progress(fraction, text=escape_markdown(text))
    if st.button("Cancel", key="cls_cancel"):
        BOARD.cancel(job_id)


def finished_job(job: ThreadJob) -> None:
    """A background run that has ended: its result becomes the page's, or its error shows."""
    if job.result is not None:
        adopted = st.session_state.setdefault(ADOPTED, set())
        if job.id not in adopted:  # once: a later run on this page replaces it
            adopted.add(job.id)
            st.session_state[RESULT] = {"result": job.result, "token": job.id}
        return
    if job.state == "cancelled":
        st.warning(escape_markdown(job.error or "The run was cancelled."))
    else:
        st.error(escape_markdown(job.error or "The run failed."))


def show(result: ClassificationResult, token: str) -> None:
    """Draw one result: scores next to the baseline, confusion, per class, mistakes, map."""
    dataset = result.dataset
    st.subheader(escape_markdown(result.config.describe()))
    st.caption(
        f"On {escape_markdown(dataset['name'])}: {dataset['documents']:,} texts, "
        f"{len(result.labels)} classes; the largest class is "
        f"{dataset['majority_share']:.0%} of the texts (what always guessing it would score)."
    )
    cols = st.columns(4)
    cols[0].metric("Accuracy", f"{result.accuracy:.3f}", view.baseline_delta(result, "accuracy"))
    cols[1].metric("Macro-F1", f"{result.macro_f1:.3f}", view.baseline_delta(result, "macro_f1"))
    if result.oov is not None:
        cols[2].metric(
            "OOV rate",
            f"{result.oov['oov_rate']:.1%}",
            help="Share of the tokens that have no vector in the model (they are left out "
            "of the pooled features).",
        )
    cols[3 if result.oov is not None else 2].metric("Seconds", f"{result.seconds:.1f}")
    st.dataframe(
        view.comparison_table(result),
        hide_index=True,
        column_config={"accuracy": SCORE, "macro-F1": SCORE},
        key="cls_comparison",
    )
    if result.oov is not None:
        oov = result.oov
        top = ", ".join(w for w, _ in oov["top_oov"][:10])
        st.caption(
            f"{oov['oov_tokens']:,} of {oov['tokens']:,} tokens ({oov['oov_types']:,} distinct "
            f"words) have no vector in {escape_markdown(result.model['name'])}; "
            f"{oov['documents_without_known_words']:,} texts have no known word at all."
            + (f" Most common: {escape_markdown(top)}." if top else "")
        )
    left, right = st.columns(2)
    left.plotly_chart(
        confusion_figure(result.labels, result.confusion), key="cls_confusion", width="stretch"
    )
    right.plotly_chart(
        per_class_figure(result.labels, result.per_class), key="cls_per_class", width="stretch"
    )
    st.markdown(f"**The most confident mistakes** ({len(result.mistakes)} shown)")
    mistakes = view.mistakes_table(result)
    if len(mistakes):
        st.dataframe(
            mistakes,
            hide_index=True,
            column_config={"confidence": PERCENT},
            key="cls_mistakes",
        )
    else:
        st.caption("None: every text was classified right.")

    st.markdown("**Map of the documents**")
    st.caption(
        "Each dot is a text, coloured by its true class; a black ring marks a text the "
        "classifier got wrong. Texts whose features are alike land close together."
    )
    method = st.radio(
        "Projection",
        list(MAP_METHODS),
        format_func=MAP_METHODS.get,
        horizontal=True,
        key="cls_map_method",
        help="How the texts' features are drawn in 2D: PCA keeps the overall layout, UMAP "
        "and t-SNE keep neighbourhoods. Clusters of one colour are classes the features separate.",
    )
    with st.spinner("Projecting the documents…"):
        frame = _map(ui.home(), result.record_id, token, method, result)
    event = st.plotly_chart(
        document_map_figure(frame),
        key="cls_map",
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        width="stretch",
    )
    points = event.selection.get("points", []) if event else []
    if points:
        picked = view.selected_documents(frame, points)
        with st.container(key="cls_selected"):
            st.markdown(f"**{len(picked):,} selected texts**")
            st.dataframe(picked, hide_index=True, column_config={"confidence": PERCENT})
    else:
        st.caption("Select points (click, box or lasso) to read their texts.")


st.title("Classify")
st.caption(
    "Train a classifier on labelled texts and see what it gets wrong. Each run is scored on "
    "texts it did not train on (cross-validation or a held-out split) and compared with a "
    "plain TF-IDF + logistic regression baseline on the same splits."
)

data = None
with ui.shown_errors():
    data = data_ui()
if data is not None:
    st.caption(escape_markdown(view.data_caption(data)))
with ui.shown_errors():
    run_ui(data)

job_id = st.query_params.get(JOB_PARAM) or st.session_state.get(JOB)
job = BOARD.get(job_id)
if job is not None and not job.finished:
    live_job(job.id)
elif job is not None:
    finished_job(job)
elif job_id:  # a link to a job this server no longer has (restarted, or long ago)
    st.query_params.pop(JOB_PARAM, None)
    st.session_state.pop(JOB, None)

stored = st.session_state.get(RESULT)
if stored:
    show(stored["result"], stored["token"])

st.subheader("Earlier runs")
records = ui.workspace().classifications()
if records:
    st.dataframe(
        view.history_table(records),
        hide_index=True,
        column_config={
            name: SCORE
            for name in ("accuracy", "macro-F1", "baseline accuracy", "baseline macro-F1")
        },
        key="cls_history",
    )
else:
    st.caption("None yet: every run is stored in the workspace and listed here.")
