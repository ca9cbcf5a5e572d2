"""Training jobs: in this process, in a child process, cancelled, and killed."""

from __future__ import annotations

import os
import signal
import time

import pytest

from embedlab.errors import InputError
from embedlab.jobs import cancel_job, create_training_run, run_training, start_training_job
from embedlab.train import TrainConfig
from embedlab.workspace import Workspace

TINY = TrainConfig(dim=16, epochs=2, min_count=3, workers=1)
LONG = TrainConfig(dim=64, epochs=1000, min_count=1, workers=1)


@pytest.fixture
def ws(tmp_path, lee_corpus_file) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.add_corpus(lee_corpus_file, name="lee")
    return ws


def wait_for(ws: Workspace, run_id: int, states: set[str], timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = ws.run(run_id).status
        if status in states:
            return status
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {ws.run(run_id).status} after {timeout} s")


def test_a_run_in_this_process(ws):
    run_id = create_training_run(ws, "lee", TINY, name="tiny")
    seen = []
    record = run_training(ws, run_id, seen.append)
    run = ws.run(run_id)
    assert run.status == "done" and run.model_id == record.id and record.name == "tiny"
    assert run.info["vocab"] == record.vocab and len(run.info["epoch_losses"]) == 2
    stages = [e["stage"] for e in ws.progress(run_id)]
    assert stages == ["vocab", "epoch", "epoch", "done"] == [e.stage for e in seen]
    with pytest.raises(InputError, match="is done, not queued"):
        run_training(ws, run_id)


def test_bad_settings_are_refused_before_a_run_exists(ws):
    with pytest.raises(InputError, match="dim must be between"):
        create_training_run(ws, "lee", TrainConfig(dim=0))
    run_training(ws, create_training_run(ws, "lee", TINY, name="taken"))
    with pytest.raises(InputError, match="'taken' already exists"):
        create_training_run(ws, "lee", TINY, name="taken")
    assert len(ws.runs()) == 1


def test_a_child_job_trains_and_lists_its_model(ws):
    run_id = create_training_run(ws, "lee", TINY)
    pid = start_training_job(ws, run_id)
    assert pid != os.getpid()
    assert wait_for(ws, run_id, {"done", "failed"}) == "done", ws.run(run_id).error
    assert [m.name for m in ws.models()] == ["lee-w2v-sg-16d"]
    assert ws.load_model("lee-w2v-sg-16d").dim == 16


def _wait_for_progress(ws: Workspace, run_id: int) -> None:
    deadline = time.monotonic() + 90
    while not any(e["stage"] == "epoch" for e in ws.progress(run_id)):
        assert time.monotonic() < deadline, "no epoch finished in time"
        time.sleep(0.2)


def test_cancel_stops_a_running_job_and_keeps_earlier_models(ws):
    run_training(ws, create_training_run(ws, "lee", TINY, name="earlier"))
    run_id = create_training_run(ws, "lee", LONG, name="never")
    start_training_job(ws, run_id)
    _wait_for_progress(ws, run_id)
    assert cancel_job(ws, run_id)
    assert wait_for(ws, run_id, {"cancelled", "failed", "done"}) == "cancelled"
    assert [m.name for m in ws.models()] == ["earlier"]
    assert ws.load_model("earlier").dim == 16


def test_a_killed_job_is_marked_failed_and_lists_nothing(ws):
    run_id = create_training_run(ws, "lee", LONG, name="killed")
    pid = start_training_job(ws, run_id)
    _wait_for_progress(ws, run_id)
    os.kill(pid, signal.SIGKILL)
    status = wait_for(ws, run_id, {"failed", "cancelled", "done"}, timeout=30)
    run = ws.run(run_id)
    assert status == "failed" and "stopped unexpectedly" in run.error
    assert ws.models() == []


def test_a_queued_run_is_cancelled_at_once(ws):
    run_id = create_training_run(ws, "lee", TINY)
    assert cancel_job(ws, run_id)
    assert ws.run(run_id).status == "cancelled"
    assert not cancel_job(ws, run_id)
