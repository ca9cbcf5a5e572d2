"""Classify: a text classifier on labelled texts, scored next to TF-IDF; mistakes; a map."""

from __future__ import annotations

import streamlit as st

from embedlab.app import classify as view
from embedlab.app import ui
from embedlab.app.charts import classification as charts
from embedlab.app.markup import escape_markdown as md
from embedlab.jobs.thread import BOARD

RESULT, JOB, JOB_PARAM, ADOPTED = "_cls_result", "_cls_job", "classify_job", "_cls_adopted"
H, NUMBER, GUESS = view.HELP, st.column_config.NumberColumn, ""
SCORE, PERCENT = NUMBER(format="%.3f"), {"confidence": NUMBER(format="percent")}


@st.cache_data(max_entries=8, show_spinner=False)
def _data(file_id: str | None, name: str | None, text: str, label: str, _raw: bytes | None):
    return view.load_labelled(None if name is None else (name, _raw or b""), text, label)


def data_ui():  # the labelled texts chosen (demo or upload), or None with the reason shown
    if st.radio("Labelled texts", list(view.SOURCES), format_func=view.SOURCES.get, horizontal=True,
                key="cls_source") == "demo":  # fmt: skip
        return _data(None, None, GUESS, GUESS, None)
    limit, note = ui.upload_limit_mb(), f"{H['upload']} Up to {ui.upload_limit_text()}."
    upload = st.file_uploader("A labelled file", key="cls_upload", max_upload_size=limit, help=note)
    if upload is None:
        st.info("Upload a file of labelled texts, or use the demo data.")
        return None
    ui.check_upload(upload)
    raw, picked = upload.getvalue(), [GUESS, GUESS]
    if columns := view.table_columns(raw, upload.name):
        for i, (col, what) in enumerate(zip(st.columns(2), ("Text", "Label"), strict=True)):
            picked[i] = col.selectbox(f"{what} column", [GUESS, *columns],
                key=f"cls_{what.lower()}_column", format_func=view.column_label)  # fmt: skip
    return _data(upload.file_id, upload.name, picked[0], picked[1], raw)


def run_ui(data) -> None:  # features, classifier and evaluation widgets, and the run button
    ws = ui.workspace()
    models, active = [m.name for m in ws.models()], st.session_state.get(ui.ACTIVE)
    left, middle, right = st.columns(3)
    features = left.selectbox("Features", view.feature_choices(bool(models)), key="cls_features",
                              format_func=view.FEATURES.get, help=H["features"])  # fmt: skip
    left.caption(H["no_model"]) if not models else None
    model = left.selectbox("Word vectors", models, index=view.model_index(models, active),
        key="cls_model", help=H["model"]) if features in view.POOLED else None  # fmt: skip
    classifier = middle.radio("Classifier", view.classifier_choices(features), key="cls_classifier",
                              format_func=view.CLASSIFIERS.get, help=H["classifier"])  # fmt: skip
    kw = {"finetune": middle.checkbox(**view.FINETUNE)} if features == "minilm" else {}  # & seed
    if classifier == "torch":
        with middle.expander("Torch head settings"):
            kw["hidden"] = st.number_input("Hidden units (0: linear)", 0, 1024, 0, key="cls_hidden")
            kw["epochs"] = st.number_input("Epochs at most", 1, 200, 30, key="cls_epochs")
            kw["finetune"] = st.checkbox("Fine-tune the word vectors", key="cls_finetune")
    evaluation = right.radio("Evaluation", list(view.EVALUATIONS), format_func=view.EVALUATIONS.get,
                             horizontal=True, key="cls_evaluation")  # fmt: skip
    folds = right.slider("Folds", 2, 10, 5, key="cls_folds") if evaluation == "cv" else None
    share = None if folds else right.slider("Test share", 0.1, 0.5, 0.2, 0.05, key="cls_test_size")
    kw["seed"] = right.number_input("Seed", 0, 2**31 - 1, 0, key="cls_seed")
    if not st.button("Run", key="cls_run", type="primary", disabled=data is None) or data is None:
        return
    config = view.make_config(features, classifier, model, folds=folds, test_size=share, **kw)
    emb = ui.load_model(ws.model(model)) if config.needs_model and model else None
    if job := view.start_in_background(BOARD, ws, data, config, emb):  # seconds or more
        st.session_state[JOB] = st.query_params[JOB_PARAM] = job.id
        st.rerun()
    with st.status(f"Running {md(config.describe())}…", expanded=True) as status:
        bar = st.progress(*view.progress_bar(None))
        result = view.run_now(ws, data, config, lambda e: bar.progress(*view.progress_bar(e)), emb)
        status.update(label=md(view.done_text(result)), state="complete", expanded=False)
    st.session_state[RESULT] = {"result": result, "maps": {}}
    st.session_state.pop(JOB, None), st.query_params.pop(JOB_PARAM, None)  # an earlier one


@st.fragment(run_every=1.0)
def live_job(job_id: str) -> None:  # polled each second; at its end the whole page reruns
    if (job := BOARD.get(job_id)) is None or job.finished:
        st.rerun()
    st.markdown(f"**Running {md(job.description)}** ({job.seconds:.0f} s)")
    st.progress(*view.progress_bar(job.event))
    st.button("Cancel", key="cls_cancel", on_click=BOARD.cancel, args=(job_id,))


def show(result, maps: dict) -> None:  # scores, baseline, confusion, per class, mistakes, map
    st.subheader(md(result.config.describe()))
    st.caption(md(view.result_caption(result)))
    for col, (label, value, delta, note) in zip(st.columns(4), view.headline(result), strict=False):
        col.metric(label, value, delta, help=note)
    st.dataframe(view.comparison_table(result), hide_index=True, key="cls_comparison",
                 column_config={"accuracy": SCORE, "macro-F1": SCORE})  # fmt: skip
    if oov := view.oov_caption(result):
        st.caption(md(oov))
    left, right, labels = *st.columns(2), result.labels
    left.plotly_chart(charts.confusion_figure(labels, result.confusion), key="cls_confusion")
    right.plotly_chart(charts.per_class_figure(labels, result.per_class), key="cls_per_class")
    st.markdown(f"**The most confident mistakes** ({len(result.mistakes)} shown)")
    if len(mistakes := view.mistakes_table(result)):
        st.dataframe(mistakes, hide_index=True, column_config=PERCENT, key="cls_mistakes")
    else:
        st.caption("None: every text was classified right.")
    st.markdown("**Map of the documents**")
    method_col, rings_col = st.columns([3, 1], vertical_alignment="bottom")
    method = method_col.radio("Projection", list(view.MAP_METHODS), horizontal=True,
        format_func=view.MAP_METHODS.get, key="cls_map_method", help=H["projection"])  # fmt: skip
    rings = rings_col.toggle("Show mistakes", value=True, key="cls_map_mistakes")
    with st.spinner("Projecting the documents…"):
        frame, sampled = view.map_sample(view.cached_map(maps, result, method))
    st.caption(view.map_caption(sampled))
    figure = charts.document_map_figure(frame, result.labels, mistakes=rings)
    event = st.plotly_chart(figure, key="cls_map", on_select="rerun",
                            selection_mode=("points", "box", "lasso"))  # fmt: skip
    if points := (event.selection.get("points", []) if event else []):
        picked = view.selected_documents(frame, points)
        with st.container(key="cls_selected"):
            st.markdown(f"**{len(picked):,} selected texts**")
            st.dataframe(picked, hide_index=True, column_config=PERCENT)
    else:
        st.caption("Select points (click, box or lasso) to read their texts.")


st.title("Classify"), st.caption(view.INTRO)
view.warm_up()  # a spare process for the next run, its imports done while the page is read
ui.linked_widgets("classify", view.LINKS)  # the settings: in the URL, kept across pages
data = None
with ui.shown_errors():
    data = data_ui()
st.caption(md(view.data_caption(data))) if data is not None else None
with ui.shown_errors():
    run_ui(data)
job_id = st.query_params.get(JOB_PARAM) or st.session_state.get(JOB)
bg = view.background(job_id, BOARD.get(job_id), st.session_state.setdefault(ADOPTED, set()))
if bg.running:
    live_job(job_id)
if bg.result is not None:
    st.session_state[RESULT] = {"result": bg.result, "maps": {}}
if bg.message:
    (st.warning if bg.cancelled else st.error)(md(bg.message))
if bg.forget:  # a link to a job this server no longer has (restarted, or long ago)
    st.query_params.pop(JOB_PARAM, None), st.session_state.pop(JOB, None)
if stored := st.session_state.get(RESULT):
    show(stored["result"], stored["maps"])
st.subheader("Earlier runs")
if records := ui.workspace().classifications():
    st.dataframe(view.history_table(records), hide_index=True, placeholder="—", key="cls_history",
                 column_config=dict.fromkeys(view.HISTORY_SCORES, SCORE))  # fmt: skip
else:
    st.caption("None yet: every run is stored in the workspace and listed here.")
