"""Train page: pick a corpus and settings, start a training job, watch it live."""

from __future__ import annotations

from typing import Any

import streamlit as st

from embedlab.app import corpus as corpus_view
from embedlab.app import train as train_view
from embedlab.app import train_form, ui
from embedlab.app.charts.training import training_figure
from embedlab.jobs import status as run_state
from embedlab.jobs.process import cancel_job
from embedlab.train import algorithms

WATCH = "train_watch"  # this session's runs (train_view.Watch); the shown run is also ?run=N


def settings_ui(algo: str, corpus_path: str, tokens: int) -> dict[str, Any]:
    """The algorithm's settings (built from TrainConfig's fields), main ones first."""
    defaults, prefix = train_form.default_values(tokens, algo), train_view.form_prefix(algo)
    values: dict[str, Any] = {}
    main, advanced = train_view.field_groups(train_form.form_fields(algo))

    def grid(specs: list[train_form.FieldSpec]) -> None:
        for row in train_view.grid(specs):
            for col, spec in zip(st.columns(3), row, strict=False):
                with col:  # the setting's widget, its one-line explanation under it
                    widget, args = train_view.widget(spec, defaults[spec.name], values, prefix)
                    values[spec.name] = getattr(st, widget)(spec.label, **args)
                    st.caption(spec.help)

    grid(main)
    if (min_count := train_view.coverage_min_count(values)) is not None:
        with ui.shown_errors():
            cover = ui.corpus_coverage(corpus_path, min_count)
            st.info(corpus_view.coverage_note(cover), icon=":material/filter_alt:")
    if advanced:
        with st.expander("Advanced settings"):
            grid(advanced)
    return values


def run_panel(view: run_state.RunView) -> None:
    """A run's progress bar (with Cancel while it runs), speed, times, quality and loss."""
    st.subheader(train_view.run_title(view))
    st.caption(train_view.run_caption(view))
    if waiting := train_view.waiting_text(view):
        st.info(waiting, icon=":material/hourglass_top:")
    if view.active:
        bar, stop = st.columns([5, 1], vertical_alignment="bottom")
        bar.progress(view.fraction, text=view.progress_text)
        if stop.button("Cancel", key="train_cancel", help="Stop this run; no model is saved."):
            with ui.shown_errors():
                cancel_job(ui.workspace(), view.id)
                st.info("Cancelling…")
    for col, (label, value, tip) in zip(st.columns(3), train_view.panel_metrics(view), strict=True):
        col.metric(label, value, help=tip)
    if heading := train_view.curve_heading(view):
        st.markdown(heading)
    if caption := train_view.curve_caption(view):
        st.caption(caption)
    if view.losses or view.quality:
        figure = training_figure(view.losses, view.quality, view.epochs, view.loss_label)
        st.plotly_chart(figure, key="train_loss_curve", width="stretch")


def runs_tables(view: run_state.RunView | None) -> None:
    """Runs going elsewhere and the recent runs; the shown run's row says what its bar says."""
    tables = train_view.runs_tables(ui.workspace(), view)
    if tables.others is not None:
        st.markdown("**Other runs in progress**")
        st.caption(train_view.OTHERS)
        st.dataframe(tables.others, hide_index=True, key="train_others")
    if len(tables.recent):
        st.markdown("**Recent runs**")
        st.dataframe(tables.recent, hide_index=True, key="train_recent")


@st.fragment(run_every=1.0)
def live_run(run_id: int) -> None:
    """Polls the run every second; when it ends, reruns the whole page to show the result."""
    view = st.session_state[WATCH].view(ui.workspace(), run_id)
    if not view.active:
        st.rerun()  # the whole page: the result, the sidebar's active model, the Start button
    run_panel(view)
    runs_tables(view)


def finished_run(view: run_state.RunView) -> None:
    """The outcome of a run that has ended: the model, or why there is none."""
    ws = ui.workspace()
    if model := st.session_state[WATCH].model_to_activate(ws, view):
        ui.set_active_model(model)
        st.rerun()
    active = ui.active_record()
    result = train_view.outcome(ws, view, active.name if active else None)
    getattr(st, result.kind)(result.message)
    for col, (page, label, icon) in zip(st.columns(3), result.links, strict=False):
        col.page_link(page, label=label, icon=icon)
    run_panel(view)


ws = ui.workspace()
st.title("Train")
st.markdown(train_view.INTRO)
if not (corpora := ws.corpora()):
    st.info(train_view.NO_CORPUS)
    st.page_link("pages/corpus.py", label="Go to the Corpus page →",
                 icon=":material/library_books:")  # fmt: skip
    st.stop()

watch: train_view.Watch = st.session_state.setdefault(WATCH, train_view.Watch())
view = watch.follow(ws, (ui.linked_params("train", ["run"]) or {}).get("run"))
ui.keep_in_url("train", {"run": view.id if view else ""})
busy = view is not None and view.active

names = [c.name for c in corpora]
first = train_view.corpus_index(names, st.session_state.get(corpus_view.SELECTED))
top = st.columns(2, gap="large")
corpus = top[0].selectbox("Corpus", names, first, key="train_corpus", help=train_view.CORPUS_HELP)
algo = top[1].selectbox("Algorithm", algorithms(), format_func=train_form.algo_label,
                        key="train_algo", help=train_form.algorithms_help())  # fmt: skip
record = next(c for c in corpora if c.name == corpus)
tokens = int(record.stats.get("tokens", 0))
values = settings_ui(algo, str(record.path), tokens)
st.caption(train_view.settings_note(tokens))

name_col, start_col = st.columns([2, 1], vertical_alignment="bottom")
suggested = train_view.suggested_name(corpus, algo, values)
model_name = name_col.text_input("Model name (optional)", key="train_name", max_chars=80,
                                 placeholder=suggested, help=train_view.NAME_HELP)  # fmt: skip
start = start_col.button("Start training", key="train_start", type="primary", disabled=busy)
if busy:
    st.caption(train_view.BUSY)
st.caption(run_state.job_limits_text())
if start and not busy:
    with ui.shown_errors():
        watch.start(ws, corpus, train_form.build_config(algo, values), model_name)
        st.rerun()

if view is not None:
    st.divider()
    if view.active:
        live_run(view.id)  # it draws the runs tables too, refreshed with its bar
    else:
        finished_run(view)
if not busy:
    runs_tables(view)
