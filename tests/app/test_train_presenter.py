"""The Train page's decisions without AppTest: which run is watched and whose model becomes
active after it ends, the runs tables agreeing with the progress bar (issue 13), the quality
curve of a gensim run, the form's widgets and the outcome sentences."""

from __future__ import annotations

import os

import pytest
from app_helpers import DEMO_MODEL

from embedlab.app import train as view
from embedlab.app.charts.training import training_figure
from embedlab.app.train_form import default_values, form_fields
from embedlab.errors import InputError
from embedlab.jobs.process import cancel_job
from embedlab.jobs.status import RunView, run_status, run_view
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig

NASTY = "<b>*bold*</b> [x](javascript:alert(1))"


@pytest.fixture
def ws(lee_home) -> Workspace:
    """The Lee workspace: corpus "lee", model "lee-demo" from run 1 (done)."""
    return Workspace(lee_home)


def a_view(run_id: int = 1, status: str = "done", **changes) -> RunView:
    fields = {
        "id": run_id,
        "status": status,
        "algo": "word2vec",
        "description": "word2vec skip-gram",
        "model_name": DEMO_MODEL,
        "corpus": "lee",
        "epoch": 2,
        "epochs": 2,
        "fraction": 1.0,
        "words_per_sec": 1000.0,
        "elapsed": 3.0,
        "eta": 0.0,
        "losses": [],
        "error": None,
        "building_vocab": False,
    }
    return RunView(**{**fields, **changes})


def new_run(ws: Workspace, epochs: int = 10) -> int:
    config = TrainConfig(epochs=epochs).to_dict()
    return ws.create_run("word2vec", config, ws.corpus("lee").id, None)


# --- which run is watched, and whose model becomes active ----------------------------------


def test_the_url_names_the_run_else_the_session_remembers_it(ws):
    watch = view.Watch()
    assert watch.follow(ws) is None and watch.run_id is None
    assert watch.follow(ws, url_value="1").id == 1 and watch.run_id == 1
    assert watch.follow(ws).id == 1  # no URL: the run this session watches
    assert watch.follow(ws, url_value="99") is None and watch.run_id is None  # no such run
    assert watch.follow(ws, url_value="nonsense") is None


def test_only_a_run_seen_going_is_remembered_for_activation(ws):
    watch = view.Watch()
    watch.follow(ws, url_value="1")  # an old link to a finished run
    assert watch.seen_active == set()
    queued = new_run(ws)
    assert watch.follow(ws, url_value=str(queued)).active
    assert watch.seen_active == {queued}


def test_a_finished_runs_model_is_made_active_once_and_only_if_seen(ws):
    done = a_view(1)
    assert view.Watch().model_to_activate(ws, done) is None  # never seen going: a link
    watch = view.Watch(seen_active={1})
    assert watch.model_to_activate(ws, done) == DEMO_MODEL
    assert watch.model_to_activate(ws, done) is None  # once: a later sidebar choice stands
    for other in (a_view(1, "failed"), a_view(1, "cancelled"), a_view(1, model_name=None)):
        assert view.Watch(seen_active={1}).model_to_activate(ws, other) is None
    ws.delete_model(DEMO_MODEL)
    assert view.Watch(seen_active={1}).model_to_activate(ws, done) is None  # deleted since


def test_a_refused_start_watches_nothing_and_lists_nothing(ws):
    watch, before = view.Watch(), ws.runs()
    with pytest.raises(InputError, match="already exists"):
        watch.start(ws, "lee", TrainConfig(epochs=1), DEMO_MODEL)
    assert (watch.run_id, watch.pids, watch.seen_active) == (None, {}, set())
    assert ws.runs() == before


def test_a_started_run_is_watched_with_its_process(ws):
    watch = view.Watch()
    run_id = watch.start(ws, "lee", TrainConfig(epochs=1, dim=8), "  lee-started  ")
    try:
        assert watch.run_id == run_id and run_id in watch.seen_active
        assert watch.pids[run_id] > 0
        assert ws.run(run_id).model_name == "lee-started"  # the name is trimmed
    finally:
        cancel_job(ws, run_id)


# --- the tables say what the bar says (issue 13) -------------------------------------------


def test_a_started_run_is_running_in_the_bar_and_in_both_tables(ws):
    run_id = new_run(ws)
    assert ws.claim_slot(run_id, 1, os.getpid())  # the job took its slot...
    ws.add_progress(run_id, {"stage": "vocab", "epoch": 0, "epochs": 10, "fraction": 0.0})
    shown = run_view(ws, run_id)  # ...and built its vocabulary: "Epoch 0/10"
    assert (shown.status, shown.progress_text) == ("running", "Epoch 0/10")
    tables = view.runs_tables(ws, shown)
    assert tables.others is None  # the watched run is not "another" run
    row = tables.recent.set_index("run").loc[run_id]
    assert row["status"] == "running" and row["duration"] == ""
    other = view.runs_tables(ws, None).others  # seen from another session's page
    assert list(other["run"]) == [run_id] and list(other["status"]) == ["running"]


def test_a_waiting_run_says_its_place_in_the_bar_and_the_table(ws, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")
    busy, waiting = new_run(ws), new_run(ws)
    assert ws.claim_slot(busy, 1, os.getpid())
    ws.set_run_pid(waiting, os.getpid())
    shown = run_view(ws, waiting)
    assert shown.waiting and view.waiting_text(shown).startswith("Queued: next in line")
    label = view.status_label(shown)
    assert label == run_status(ws, waiting) == "queued (1st in line)"
    assert view.runs_tables(ws, shown).recent.set_index("run").loc[waiting, "status"] == label


def test_the_table_takes_the_watched_runs_status_from_its_view(ws):
    run_id = new_run(ws)  # the catalog says queued; the bar's view (read later) says running
    running = a_view(run_id, "running", epoch=0, epochs=10, fraction=0.0, eta=None)
    table = view.runs_table(ws, views={run_id: running})
    assert table.set_index("run").loc[run_id, "status"] == "running"


# --- the panel: quality and loss of a gensim run -------------------------------------------


def test_a_gensim_run_carries_its_quality_per_epoch_and_its_loss_label(ws):
    shown = run_view(ws, 1)  # lee-demo: gensim word2vec, 5 epochs
    assert [epoch for epoch, _ in shown.quality] == [1, 2, 3, 4, 5]
    assert all(0.0 <= q <= 1.0 for _, q in shown.quality)
    assert shown.loss_label and "loss" in shown.loss_label
    figure = training_figure(shown.losses, shown.quality, shown.epochs, shown.loss_label)
    assert [trace.name for trace in figure.data] == ["quality", "loss"]
    assert view.curve_heading(shown) == "**Quality and loss after each epoch**"
    caption = view.curve_caption(shown)
    assert "0.5" in caption and "random" in caption and "closer" in caption


def test_curve_captions_say_what_there_is():
    assert view.curve_caption(a_view(losses=[(1, 2.0)])) == view.LOSS_SENTENCE
    no_loss = view.curve_caption(a_view(quality=[(1, 0.6)]))  # FastText: quality, no loss
    assert no_loss.startswith(view.QUALITY_SENTENCE) and "reports no training loss" in no_loss
    assert "no curve" in view.curve_caption(a_view())
    starting = a_view(status="running", epoch=0, eta=None)
    assert view.curve_heading(starting) is None
    assert view.curve_caption(starting) == "The curve appears when the first epoch is done."


def test_the_panels_figures_show_time_left_while_going_and_epochs_after():
    assert [label for label, _, _ in view.panel_metrics(a_view())] == [
        "Words per second",
        "Elapsed",
        "Epochs",
    ]
    assert view.panel_metrics(a_view())[2][1] == "2/2"
    going = view.panel_metrics(a_view(status="running", eta=65.0))
    assert going[2][:2] == ("Time left", "1 min 05 s")


def test_outcomes_name_the_model_or_say_why_there_is_none(ws):
    trained = view.outcome(ws, a_view(1), DEMO_MODEL)
    assert trained.kind == "success" and trained.message.endswith("It is the active model now.")
    assert {page for page, _, _ in trained.links} == {"pages/neighbours.py", "pages/projection.py"}
    assert "active model" not in view.outcome(ws, a_view(1), None).message
    failed = view.outcome(ws, a_view(1, "failed", error=NASTY), None)
    assert failed.kind == "error" and "<b>" not in failed.message and not failed.links
    assert view.outcome(ws, a_view(1, "cancelled"), None).kind == "warning"
    ws.delete_model(DEMO_MODEL)
    gone = view.outcome(ws, a_view(1), None)
    assert gone.kind == "info" and "deleted" in gone.message


# --- the form -------------------------------------------------------------------------------


def test_widgets_come_from_the_declared_fields():
    fields = {f.name: f for f in form_fields("word2vec")}
    kind, args = view.widget(fields["loss"], "hs", {})
    assert kind == "selectbox" and args["options"][args["index"]] == "hs"
    kind, args = view.widget(fields["epochs"], 30, {})
    assert kind == "number_input" and args["value"] == 30 and args["key"] == "train_epochs"
    kind, args = view.widget(fields["alpha"], 0.05, {}, prefix="train_glove")
    assert isinstance(args["value"], float) and args["key"] == "train_glove_alpha"
    assert view.widget(fields["negative"], 5, {"loss": "hs"})[1]["disabled"]
    main, advanced = view.field_groups(list(fields.values()))
    assert main and advanced and not {f.name for f in main} & {f.name for f in advanced}


def test_every_widget_starts_from_a_suggested_value_it_accepts():
    for algo in ("word2vec", "fasttext", "glove"):
        defaults = default_values(60_000, algo)
        for spec in form_fields(algo):
            kind, args = view.widget(spec, defaults[spec.name], defaults, view.form_prefix(algo))
            if kind == "number_input" and args["min_value"] is not None:
                assert args["value"] >= args["min_value"], (algo, spec.name)


def test_the_model_name_placeholder_and_the_min_count_note():
    assert view.suggested_name("lee", "word2vec", {"dim": 16}) == "lee-w2v-sg-16d"
    assert view.suggested_name("lee", "word2vec", {"negative": 0}) == "lee-word2vec"
    assert view.coverage_min_count({"min_count": 3}) == 3
    assert view.corpus_index(["new", "lee"], "lee") == 1
    assert "more epochs" in view.settings_note(60_000)
    assert "more epochs" not in view.settings_note(5_000_000)
