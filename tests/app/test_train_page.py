"""The Train page: the form from TrainConfig, a training job watched live, cancel, errors."""

from __future__ import annotations

import time

import pytest
from app_helpers import DEMO_MODEL, new_app

from embedlab.app.train_form import algo_label
from embedlab.jobs.process import cancel_job, create_training_run
from embedlab.store.workspace import Workspace
from embedlab.train import TRAINERS, TrainConfig, algorithms, register_trainer


@pytest.fixture(autouse=True)
def _stop_leftover_jobs():
    """No training process outlives its test."""
    yield
    ws = Workspace()
    for run in ws.runs():
        if run.status in ("queued", "running"):
            cancel_job(ws, run.id)


def open_train(query_run: int | None = None):
    at = new_app()
    if query_run is not None:
        at.query_params["run"] = str(query_run)
    at.run()
    return at.switch_page("pages/train.py").run()


def metric(at, label: str) -> str | None:
    return next((m.value for m in at.metric if m.label == label), None)


def poll(at, done, timeout: float = 60.0, seen: list[str] | None = None):
    """Rerun the page every half second (as the fragment does) until `done(at)`."""
    deadline = time.monotonic() + timeout
    while True:
        assert not at.exception
        if seen is not None:
            seen.append(metric(at, "Words per second") or "")
        if done(at):
            return at
        assert time.monotonic() < deadline, "the page never showed the expected state"
        time.sleep(0.5)
        at.run()


def test_the_form_starts_from_settings_suggested_for_the_corpus(lee_home):
    at = open_train()
    assert not at.exception and not at.error
    assert at.title[0].value == "Train"
    assert at.selectbox(key="train_corpus").value == "lee"
    assert at.selectbox(key="train_algo").value == "word2vec"
    assert at.selectbox(key="train_algo").options == [algo_label(a) for a in algorithms()]
    tokens = Workspace().corpus("lee").stats["tokens"]
    defaults = TrainConfig.suggested(tokens)
    assert defaults.epochs > TrainConfig().epochs  # a small corpus gets more passes
    assert at.number_input(key="train_dim").value == defaults.dim
    assert at.number_input(key="train_epochs").value == defaults.epochs
    assert at.number_input(key="train_window").value == defaults.window
    captions = " ".join(c.value for c in at.caption)
    assert "How many words on each side of a word count as its context." in captions
    assert "learns" in at.info[0].value and "distinct words" in at.info[0].value
    assert not at.button(key="train_start").disabled
    assert at.text_input(key="train_name").placeholder == f"lee-w2v-sg-{defaults.dim}d"
    keys = {w.key for w in at.number_input}
    assert not {"train_min_n", "train_max_n", "train_bucket"} & keys


def test_fasttext_fields_show_only_for_fasttext(lee_home):
    at = open_train()
    at.selectbox(key="train_algo").select("fasttext").run()
    assert not at.exception
    keys = {w.key for w in at.number_input}
    assert {"train_min_n", "train_max_n", "train_bucket"} <= keys
    at.selectbox(key="train_loss").select("hs").run()
    assert at.number_input(key="train_negative").disabled  # unused with hierarchical softmax


def test_sgns_offers_the_same_vectors_every_run_as_a_checkbox(lee_home):
    at = open_train()
    label = "Same vectors every run"
    assert label not in [w.label for w in at.checkbox]  # word2vec: not offered
    at.selectbox(key="train_algo").select("sgns").run()
    assert not at.exception
    box = next(w for w in at.checkbox if w.label == label)
    assert box.value is False and box.key.endswith("deterministic")


def test_a_newly_registered_trainer_appears_without_page_changes(lee_home):
    @register_trainer("toy-glove")
    def toy(corpus, config, tracker):  # pragma: no cover - never trained here
        raise NotImplementedError

    try:
        at = open_train()
        assert "toy-glove" in at.selectbox(key="train_algo").options
        at.selectbox(key="train_algo").select("toy-glove").run()
        assert not at.exception
        keys = {w.key for w in at.number_input} | {w.key for w in at.selectbox}
        own = "train_toy-glove_"  # an algorithm other than word2vec/fasttext gets own widgets
        assert {own + "dim", own + "epochs", own + "device"} <= keys
        assert not {own + "architecture", own + "loss", own + "min_n"} & keys
    finally:
        del TRAINERS["toy-glove"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (("number_input", "train_negative", 0), "negative must be between 1 and 100"),
        (("text_input", "train_name", DEMO_MODEL), "already exists"),
        (("number_input", "train_dim", 5000), "dim must be between 1 and 2000"),
    ],
    ids=["no-negative-samples", "taken-name", "dim-too-big"],
)
def test_a_bad_setting_is_one_error_and_starts_nothing(lee_home, setting, message):
    kind, key, value = setting
    runs_before = Workspace().runs()
    at = open_train()
    widget = getattr(at, kind)(key=key)
    (widget.input(value) if kind == "text_input" else widget.set_value(value)).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value
    assert Workspace().runs() == runs_before
    assert "run" not in at.query_params


@pytest.mark.slow
def test_training_runs_as_a_job_and_activates_the_model(lee_home):
    at = open_train()
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_dim").set_value(16)
    at.number_input(key="train_min_count").set_value(3)
    at.text_input(key="train_name").input("lee-tiny").run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    run_id = int(at.query_params["run"])
    rates: list[str] = []
    poll(at, lambda at: len(at.success) > 0, seen=rates)

    assert "lee-tiny" in at.success[0].value and "16 dimensions" in at.success[0].value
    assert "lee-tiny" in [m.name for m in Workspace().models()]
    assert at.sidebar.selectbox[0].value == "lee-tiny"
    assert any(rate not in ("", "—") for rate in rates)  # words/s was shown
    assert metric(at, "Epochs") == "2/2"
    assert at.get("plotly_chart")  # the loss per epoch
    assert {p.proto.page for p in at.get("page_link")} >= {"neighbours", "projection"}
    runs = at.dataframe[-1].value  # recent runs, the last table
    assert runs.iloc[0]["status"] == "done" and runs.iloc[0]["model"] == "lee-tiny"
    assert not at.button(key="train_start").disabled

    again = open_train(query_run=run_id)  # a reload: a new session, the run from the URL
    assert not again.exception
    assert "lee-tiny" in again.success[0].value
    assert again.sidebar.selectbox[0].value == "lee-tiny"  # the newest model, by default


@pytest.mark.slow
def test_cancel_stops_the_job_and_saves_no_model(lee_home):
    at = open_train()
    at.number_input(key="train_epochs").set_value(500)
    at.number_input(key="train_dim").set_value(16).run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    assert at.button(key="train_start").disabled  # one run at a time from this page
    run_id = int(at.query_params["run"])
    poll(at, lambda at: any("Epoch" in p.proto.text for p in at.get("progress")))
    assert Workspace().run(run_id).status == "running"
    recent = at.dataframe[-1].value  # drawn with the bar, from the same view (issue 13)
    assert recent.set_index("run").loc[run_id, "status"] == "running"

    at.button(key="train_cancel").click().run()
    poll(at, lambda at: len(at.warning) > 0)
    assert "cancelled" in at.warning[0].value
    assert Workspace().run(run_id).status == "cancelled"
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]
    assert not at.button(key="train_start").disabled


def test_runs_from_other_sessions_are_shown_read_only(lee_home):
    ws = Workspace()
    other = create_training_run(ws, "lee", TrainConfig(epochs=1), name="someone-else")
    at = open_train()
    assert not at.exception
    table = at.dataframe[0].value  # other runs in progress, above recent runs
    assert list(table["run"]) == [other] and list(table["model"]) == ["someone-else"]
    assert not at.button(key="train_start").disabled  # not this session's run
    assert not [b for b in at.button if b.key == "train_cancel"]
    assert ws.run(other).status == "queued"


def test_glove_starts_from_its_own_learning_rate(lee_home):
    at = open_train()
    at.selectbox(key="train_algo").select("glove").run()
    assert not at.exception and not at.error
    assert at.number_input(key="train_glove_alpha").value == pytest.approx(0.05)
    assert at.number_input(key="train_glove_epochs").value >= 25
    at.selectbox(key="train_algo").select("word2vec").run()
    assert at.number_input(key="train_alpha").value == pytest.approx(0.025)


@pytest.mark.slow
def test_a_run_waits_in_the_queue_says_its_place_and_can_be_cancelled(lee_home, monkeypatch):
    from embedlab.jobs.process import start_training_job

    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")
    ws = Workspace()
    busy = create_training_run(ws, "lee", TrainConfig(dim=16, epochs=1000, workers=1), "busy")
    start_training_job(ws, busy)  # another user's job holds the one slot
    at = open_train()
    assert "At most 1 job trains at once" in " ".join(c.value for c in at.caption)
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_dim").set_value(16).run()
    at.button(key="train_start").click().run()
    run_id = int(at.query_params["run"])
    poll(at, lambda at: any(i.value.startswith("Queued:") for i in at.info))
    waiting = next(i.value for i in at.info if i.value.startswith("Queued:"))
    assert waiting == (
        "Queued: next in line, waiting for a free slot (1 job runs at once). "
        "It starts by itself when a running job ends."
    )
    assert ws.run(run_id).status == "queued" and ws.run(busy).status == "running"
    others, recent = (df.value for df in at.dataframe)  # other runs in progress, then recent
    assert list(others["run"]) == [busy] and list(others["status"]) == ["running"]
    assert recent.set_index("run").loc[run_id, "status"] == "queued (1st in line)"

    at.button(key="train_cancel").click().run()  # cancel works on a queued run
    poll(at, lambda at: len(at.warning) > 0)
    assert at.warning[0].value == "The run was cancelled."
    assert ws.run(run_id).status == "cancelled" and ws.run(busy).status == "running"
    assert [m.name for m in ws.models()] == [DEMO_MODEL]


@pytest.mark.slow
def test_a_run_over_the_time_limit_fails_with_a_sentence(lee_home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOB_SECONDS", "2")
    at = open_train()
    at.number_input(key="train_epochs").set_value(1000)
    at.number_input(key="train_dim").set_value(16).run()
    at.button(key="train_start").click().run()
    poll(at, lambda at: len(at.error) > 0)
    assert at.error[0].value.startswith("The run was stopped after 2 seconds, the longest")
    assert "EMBEDLAB\\_MAX\\_JOB\\_SECONDS" in at.error[0].value
    assert [m.name for m in Workspace().models()] == [DEMO_MODEL]


def test_a_finished_gensim_run_shows_its_quality_and_loss_per_epoch(lee_home):
    at = open_train(query_run=1)  # lee-demo's run: gensim word2vec, 5 epochs
    assert not at.exception and not at.error
    assert "lee-demo" in at.success[0].value
    assert "**Quality and loss after each epoch**" in [m.value for m in at.markdown]
    assert any(c.value.startswith("Quality is the chance") and "0.5" in c.value for c in at.caption)
    chart = at.get("plotly_chart")[0].proto.spec.replace(" ", "")
    assert '"name":"quality"' in chart and '"name":"loss"' in chart
    runs = at.dataframe[-1].value
    assert runs.set_index("run").loc[1, "status"] == "done"
    assert at.query_params["run"] == "1"
