"""Background classification runs: done, failed with the run's sentence, cancelled."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from embedlab.analysis.classify import ClassifyConfig, run_classification
from embedlab.errors import InputError
from embedlab.ingest.labelled import demo_labelled, read_labelled
from embedlab.jobs.classify import (
    SLOW_TEXTS,
    baselines_cache,
    classify_and_save,
    runs_as_job,
    start_classification,
)
from embedlab.jobs.thread import JobBoard
from embedlab.store.workspace import Workspace


def test_a_job_gives_the_same_result_as_a_direct_run(tmp_path):
    ws, data, config = Workspace(tmp_path), demo_labelled(), ClassifyConfig(cv=3, seed=4)
    board = JobBoard()
    finished = board.wait(start_classification(board, ws, data, config).id, timeout=120)
    direct = run_classification(data, config)
    assert finished.state == "done" and finished.error is None
    assert finished.result.accuracy == direct.accuracy
    assert finished.result.confusion == direct.confusion
    assert finished.event is not None and finished.event.stage == "done"
    assert [r.id for r in ws.classifications()] == [finished.result.record_id]


def test_an_error_in_the_thread_is_the_runs_sentence(tmp_path):
    rows = ["text,label"] + [f"good film {i},pos\nbad film {i},neg" for i in range(3)]
    data = read_labelled(("\n".join(rows) + "\n").encode(), "small.csv")
    board = JobBoard()
    job = board.wait(
        start_classification(board, Workspace(tmp_path), data, ClassifyConfig(cv=5)).id
    )
    assert job.state == "failed" and job.result is None
    assert "fewer than the 5 folds" in job.error and "\n" not in job.error
    assert Workspace(tmp_path).classifications() == []


def test_a_bad_config_is_refused_before_a_thread_starts(tmp_path):
    board = JobBoard()
    with pytest.raises(InputError, match="pool word vectors; choose a model"):
        start_classification(
            board, Workspace(tmp_path), demo_labelled(), ClassifyConfig(features="sif")
        )
    assert board.get("anything") is None


def test_which_runs_go_to_the_background():
    assert not runs_as_job(ClassifyConfig(), SLOW_TEXTS)
    assert runs_as_job(ClassifyConfig(), SLOW_TEXTS + 1)
    assert runs_as_job(ClassifyConfig(features="minilm"), 10)
    assert runs_as_job(ClassifyConfig(features="mean", classifier="torch", model="m"), 10)


def test_runs_in_a_workspace_share_one_baseline_per_dataset(tmp_path, lee_emb):
    ws, data = Workspace(tmp_path), demo_labelled()
    board = JobBoard()
    tfidf = board.wait(start_classification(board, ws, data, ClassifyConfig(cv=3)).id, 120)
    assert tfidf.state == "done" and tfidf.result.baseline is None
    assert len(list(baselines_cache(ws).glob("baseline-*.json"))) == 1  # it is the baseline
    pooled = classify_and_save(
        ws, data, ClassifyConfig(features="mean", model="lee", cv=3), emb=lee_emb
    )
    assert pooled.baseline["cached"] is True
    assert pooled.baseline["accuracy"] == tfidf.result.accuracy
    stored = ws.classifications()[0].report["baseline"]
    assert stored["cached"] is True and stored["accuracy"] == tfidf.result.accuracy


def test_full_collections_skip_what_a_running_job_holds():
    """Streamlit collects every object after each poll of the page; a job's objects (and
    the server's) are frozen out of those collections while it runs, and handed back."""
    board, release, seen = JobBoard(), threading.Event(), {}

    def work(on_progress):
        seen["at_start"] = gc.get_freeze_count()
        made = [[i] for i in range(5_000)]  # what a job builds: lists of tokens, arrays
        on_progress("built")
        seen["after_event"] = gc.get_freeze_count()
        release.wait(10)
        return len(made)

    job = board.start("frozen", work)
    release.set()
    assert board.wait(job.id, timeout=10).result == 5_000
    assert seen["at_start"] > 0 and seen["after_event"] >= seen["at_start"] + 5_000
    assert gc.get_freeze_count() == 0  # the last job ended: everything is collectable again


def test_objects_made_between_progress_events_are_frozen_too():
    """A job that reports rarely (a TF-IDF fold) or another thread's churn (the app's numba
    warm-up) would fill every poll's full collection; while a job runs, what survives a
    moment is frozen without waiting for the next event, and handed back at the end."""
    board, built, release, seen = JobBoard(), threading.Event(), threading.Event(), {}

    def work(on_progress):
        seen["at_start"] = gc.get_freeze_count()
        made = [[i] for i in range(5_000)]
        built.set()
        release.wait(30)  # no progress event from here to the end
        return len(made)

    job = board.start("quiet", work)
    assert built.wait(10)
    deadline = time.monotonic() + 20
    while gc.get_freeze_count() < seen["at_start"] + 5_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    frozen = gc.get_freeze_count()
    release.set()
    assert board.wait(job.id, timeout=10).result == 5_000
    assert frozen >= seen["at_start"] + 5_000  # frozen with no event from the job
    assert gc.get_freeze_count() == 0
    while any(t.name == "embedlab-refreeze" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the refreeze ticker outlived the last job"
        time.sleep(0.05)
