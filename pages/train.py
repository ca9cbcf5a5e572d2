"""Train page: pick a corpus and settings, start a training job, watch it live."""

from __future__ import annotations

from typing import Any

import streamlit as st

from embedlab.app import corpus as corpus_view
from embedlab.app import train as train_view
from embedlab.app import train_form, ui
from embedlab.app.charts.training import loss_figure
from embedlab.app.markup import escape_markdown
from embedlab.errors import EmbedlabError, NotFoundError
from embedlab.ingest.corpus import read_vocab
from embedlab.jobs import status as run_state
from embedlab.jobs.process import cancel_job, default_model_name
from embedlab.train import algorithms

WATCHED = "train_run"  # the run this session shows (also in the URL as ?run=N)
PIDS = "train_pids"  # run id -> the child process this session started for it
SEEN_ACTIVE = "train_seen_active"  # runs this session has shown while they were going
ACTIVATED = "train_activated"  # runs whose model this session has made active already
SHARED = "selected_corpus"  # set by the Corpus page


@st.cache_resource(max_entries=4, show_spinner=False)
def _vocab(path: str) -> list[tuple[str, int]]:  # shared and read-only: never mutate it
    return read_vocab(path)


@st.cache_data(max_entries=64, show_spinner=False)
def _coverage(path: str, min_count: int) -> corpus_view.Coverage:
    return corpus_view.coverage(_vocab(path), min_count)


def field_ui(
    spec: train_form.FieldSpec, default: Any, disabled: bool = False, prefix: str = "train"
) -> Any:
    """One setting's widget, its one-line explanation under it; returns its value."""
    key = f"{prefix}_{spec.name}"
    if spec.choices:
        value = st.selectbox(
            spec.label,
            spec.choices,
            index=spec.choices.index(default) if default in spec.choices else 0,
            format_func=spec.choice_label,
            key=key,
        )
    elif isinstance(default, int):
        value = st.number_input(
            spec.label,
            min_value=None if spec.min_value is None else int(spec.min_value),
            value=default,
            step=int(spec.step or 1),
            key=key,
            disabled=disabled,
        )
    else:
        value = st.number_input(
            spec.label,
            min_value=spec.min_value,
            value=float(default),
            step=spec.step,
            format=spec.number_format,
            key=key,
            disabled=disabled,
        )
    st.caption(spec.help)
    return value


def settings_ui(algo: str, corpus_path: str, tokens: int) -> dict[str, Any]:
    """The algorithm's settings (built from TrainConfig's fields), main ones first."""
    defaults = train_form.default_values(tokens, algo)
    # word2vec and fasttext share their widgets; another algorithm (GloVe wants its own
    # learning rate and more epochs) gets its own, so its suggested values show.
    prefix = "train" if algo in ("word2vec", "fasttext") else f"train_{algo}"
    values: dict[str, Any] = {}
    fields = train_form.form_fields(algo)

    def grid(specs: list[train_form.FieldSpec]) -> None:
        for start in range(0, len(specs), 3):
            for col, spec in zip(st.columns(3), specs[start : start + 3], strict=False):
                with col:
                    off = spec.name == "negative" and values.get("loss") == "hs"
                    values[spec.name] = field_ui(spec, defaults[spec.name], off, prefix)

    grid([f for f in fields if not f.advanced])
    if "min_count" in values:
        with ui.shown_errors():
            min_count = max(int(values["min_count"] or 1), 1)
            cover = _coverage(corpus_path, min_count)
            st.info(
                f"With min count {min_count}, the model learns {cover.kept_words:,} of the "
                f"corpus's {cover.vocabulary:,} distinct words; {cover.oov_share:.1%} of its "
                "tokens are rarer and skipped.",
                icon=":material/filter_alt:",
            )
    advanced = [f for f in fields if f.advanced]
    if advanced:
        with st.expander("Advanced settings"):
            grid(advanced)
    return values


def run_panel(view: run_state.RunView) -> None:
    """A run's progress bar (with Cancel while it runs), speed, times and loss curve."""
    title = f"Run {view.id}" + (f": {view.model_name}" if view.model_name else "")
    st.subheader(title)
    st.caption(
        escape_markdown(view.description)
        + (f" · corpus {escape_markdown(view.corpus)}" if view.corpus else "")
    )
    if view.waiting:
        st.info(
            view.progress_text + ". It starts by itself when a running job ends.",
            icon=":material/hourglass_top:",
        )
    if view.active:
        bar, stop = st.columns([5, 1], vertical_alignment="bottom")
        bar.progress(view.fraction, text=view.progress_text)
        if stop.button("Cancel", key="train_cancel", help="Stop this run; no model is saved."):
            with ui.shown_errors():
                cancel_job(ui.workspace(), view.id)
                st.info("Cancelling…")
    cols = st.columns(3)
    cols[0].metric(
        "Words per second",
        run_state.format_rate(view.words_per_sec),
        help="Corpus words trained per second: how fast this machine goes.",
    )
    cols[1].metric("Elapsed", run_state.format_seconds(view.elapsed))
    cols[2].metric(
        "Time left" if view.active else "Epochs",
        run_state.format_seconds(view.eta) if view.active else f"{view.epoch}/{view.epochs}",
    )
    if view.losses:
        st.markdown("**Loss after each epoch**")
        st.caption("The training error: falling means still learning; flat means done learning.")
        st.plotly_chart(
            loss_figure(view.losses, view.epochs), key="train_loss_curve", width="stretch"
        )
    elif view.reports_loss is False:
        st.caption(
            "This trainer reports no training loss (gensim's FastText computes none), so there "
            "is no loss curve; the progress bar and speed still show how it goes."
        )
    elif view.active:
        st.caption("The loss curve appears when the first epoch is done.")


@st.fragment(run_every=1.0)
def live_run(run_id: int) -> None:
    """Polls the run every second; when it ends, reruns the whole page to show the result."""
    ws = ui.workspace()
    view = run_state.run_view(ws, run_id, st.session_state.get(PIDS, {}).get(run_id))
    if not view.active:
        st.rerun()  # the whole page: the result, the sidebar's active model, the Start button
    run_panel(view)


def finished_run(view: run_state.RunView) -> None:
    """The outcome of a run that has ended: the model, or why there is none."""
    ws = ui.workspace()
    if view.status == "done" and view.model_name and ws.has_model(view.model_name):
        activated = st.session_state.setdefault(ACTIVATED, set())
        watched = view.id in st.session_state.get(SEEN_ACTIVE, set())
        if watched and view.id not in activated:  # once: a later choice in the sidebar stands
            activated.add(view.id)
            ui.set_active_model(view.model_name)
            st.rerun()
        record = ws.model(view.model_name)
        active = ui.active_record()
        now_active = " It is the active model now." if active and active.id == record.id else ""
        st.success(
            f"Model **{escape_markdown(record.name)}** is trained: "
            f"{record.vocab:,} words × {record.dim} dimensions.{now_active}"
        )
        links = st.columns(3)
        links[0].page_link(
            "pages/neighbours.py", label="See its nearest neighbours →", icon=":material/search:"
        )
        links[1].page_link("pages/projection.py", label="See it on a map →", icon=":material/map:")
    elif view.status == "done":
        st.info("This run finished, but its model has since been deleted.")
    elif view.status == "cancelled":
        st.warning(escape_markdown(view.error or "The run was cancelled."))
    else:
        st.error(escape_markdown(view.error or "The run failed."))
    run_panel(view)


ws = ui.workspace()
st.title("Train")
st.markdown(
    "Train word vectors on a corpus: the model reads every sentence and learns to place words "
    "that appear in similar contexts close together. Training runs in the background, so you "
    "can leave this page and come back; its progress and loss show here as it goes."
)

corpora = ws.corpora()
if not corpora:
    st.info("There is no corpus to train on yet: add the demo corpus or upload text first.")
    st.page_link(
        "pages/corpus.py", label="Go to the Corpus page →", icon=":material/library_books:"
    )
    st.stop()

run_id = run_state.parse_run_id(st.query_params.get("run")) or st.session_state.get(WATCHED)
view = None
if run_id is not None:
    try:
        view = run_state.run_view(ws, run_id, st.session_state.get(PIDS, {}).get(run_id))
    except NotFoundError:
        run_id = None
if run_id is None:
    st.session_state.pop(WATCHED, None)
    st.query_params.pop("run", None)
else:
    st.session_state[WATCHED] = run_id
    st.query_params["run"] = str(run_id)
busy = view is not None and view.active
if busy:  # a run seen going is made active when it ends (an old link to a done run is not)
    st.session_state.setdefault(SEEN_ACTIVE, set()).add(run_id)

names = [c.name for c in corpora]
preferred = st.session_state.get(SHARED)
top = st.columns(2, gap="large")
with top[0]:
    corpus = st.selectbox(
        "Corpus",
        names,
        index=names.index(preferred) if preferred in names else 0,
        key="train_corpus",
        help="The text to learn from; the newest corpus comes first.",
    )
with top[1]:
    algo = st.selectbox(
        "Algorithm",
        algorithms(),
        format_func=train_form.algo_label,
        key="train_algo",
        help=train_form.algorithms_help(),
    )
record = next(c for c in corpora if c.name == corpus)

tokens = int(record.stats.get("tokens", 0))
values = settings_ui(algo, str(record.path), tokens)
st.caption(
    f"The starting values suit a corpus of {tokens:,} words: "
    + (
        "a small corpus needs more epochs and fewer dimensions to learn useful vectors."
        if tokens < 1_000_000
        else "change them freely; each has a one-line explanation."
    )
)

name_col, start_col = st.columns([2, 1], vertical_alignment="bottom")
with name_col:
    try:
        suggested = default_model_name(corpus, train_form.build_config(algo, values))
    except EmbedlabError:  # a bad setting: Start says which
        suggested = f"{corpus}-{algo}"
    model_name = st.text_input(
        "Model name (optional)",
        key="train_name",
        max_chars=80,
        placeholder=suggested,
        help="Leave empty for a name made from the corpus and settings.",
    )
with start_col:
    start = st.button("Start training", key="train_start", type="primary", disabled=busy)
if busy:
    st.caption("A run from this page is still going: wait for it or cancel it to start another.")
st.caption(run_state.job_limits_text())

if start and not busy:
    with ui.shown_errors():
        config = train_form.build_config(algo, values)
        new_id, pid = train_view.start_run(ws, corpus, config, model_name)
        st.session_state.setdefault(PIDS, {})[new_id] = pid
        st.session_state.setdefault(SEEN_ACTIVE, set()).add(new_id)
        st.session_state[WATCHED] = new_id
        st.query_params["run"] = str(new_id)
        st.rerun()

if view is not None:
    st.divider()
    if view.active:
        live_run(view.id)
    else:
        finished_run(view)

others = run_state.active_runs(ws, exclude=[run_id] if run_id else [])
if others:
    st.markdown("**Other runs in progress**")
    st.caption(
        "Started in another tab or by another user: they go on whatever you do here, "
        "and they share this machine's CPU with yours."
    )
    st.dataframe(train_view.runs_table(ws, runs=others), hide_index=True, key="train_others")

runs = train_view.runs_table(ws, limit=10)
if len(runs):
    st.markdown("**Recent runs**")
    st.dataframe(runs, hide_index=True, key="train_recent")
