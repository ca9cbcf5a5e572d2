"""Training jobs: in this process, in a child process, cancelled, and killed."""

from __future__ import annotations

import os
import signal
import time

import pytest

from embedlab.errors import InputError
from embedlab.jobs.child import JOB_NICENESS
from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import cancel_job, create_training_run, run_training, start_training_job
from embedlab.jobs.queue import claim_run, reap_dead_runs
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig

TINY = TrainConfig(dim=16, epochs=2, min_count=3, workers=1)
LONG = TrainConfig(dim=64, epochs=1000, min_count=1, workers=1)


@pytest.fixture
def ws(tmp_path, lee_corpus_file) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    add_corpus(ws, lee_corpus_file, name="lee")
    return ws


def wait_for(ws: Workspace, run_id: int, states: set[str], timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap_dead_runs(ws)  # as every status view does: a dead process's run is failed
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


def niceness(pid: int) -> int:
    """A process's nice value (field 19 of /proc/PID/stat)."""
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])


def _wait_for_progress(ws: Workspace, run_id: int) -> None:
    deadline = time.monotonic() + 90
    while not any(e["stage"] == "epoch" for e in ws.progress(run_id)):
        assert time.monotonic() < deadline, "no epoch finished in time"
        time.sleep(0.2)


def test_cancel_stops_a_running_job_and_keeps_earlier_models(ws, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CLASS", "1")  # a class's jobs run below the server's priority
    run_training(ws, create_training_run(ws, "lee", TINY, name="earlier"))
    run_id = create_training_run(ws, "lee", LONG, name="never")
    pid = start_training_job(ws, run_id)
    _wait_for_progress(ws, run_id)
    assert niceness(pid) == min(os.nice(0) + JOB_NICENESS, 19)  # pages answer first
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


# --- the queue: at most MAX_JOBS run, the rest wait their turn ------------------------------


@pytest.mark.slow
def test_a_job_waits_for_a_free_slot_and_shows_its_place(ws, monkeypatch):
    from embedlab.jobs.status import run_status, run_view

    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")  # the children inherit it
    first = create_training_run(ws, "lee", LONG, name="first")
    start_training_job(ws, first)
    _wait_for_progress(ws, first)
    second = create_training_run(ws, "lee", TINY, name="second")
    third = create_training_run(ws, "lee", TINY, name="third")
    third_pid = None
    for run_id in (second, third):
        pid = start_training_job(ws, run_id)
        third_pid = pid
    time.sleep(3)  # several polls: neither may take the one slot
    assert [ws.run(r).status for r in (first, second, third)] == ["running", "queued", "queued"]
    assert (ws.queue_position(second), ws.queue_position(third)) == (1, 2)
    view = run_view(ws, third)
    assert view.waiting and view.progress_text == (
        "Queued: 2nd in line, waiting for a free slot (1 job runs at once)"
    )
    assert run_status(ws, third) == "queued (2nd in line)"

    assert cancel_job(ws, third)  # a queued job is cancelled, and its waiting process ends
    assert ws.run(third).status == "cancelled"
    deadline = time.monotonic() + 20
    while os.waitpid(third_pid, os.WNOHANG)[0] == 0:
        assert time.monotonic() < deadline, "the cancelled queued job's process did not exit"
        time.sleep(0.2)
    assert ws.queue_position(second) == 1

    assert cancel_job(ws, first)  # the slot frees up: the queued job starts by itself
    assert wait_for(ws, first, {"cancelled", "failed", "done"}) == "cancelled"
    assert wait_for(ws, second, {"done", "failed", "cancelled"}) == "done", ws.run(second).error
    assert [m.name for m in ws.models()] == ["second"]
    assert ws.model("second").run_id == second


def _claim(root: str, run_id: int, start_at: float, pid: int) -> bool:
    time.sleep(max(start_at - time.time(), 0))
    return claim_run(Workspace(root), run_id, 1, pid=pid)  # pid: a process that outlives the pool


def test_two_processes_never_both_take_the_last_slot(tmp_path):
    import multiprocessing

    ws = Workspace(tmp_path / "race")
    runs = [ws.create_run("word2vec", {}, None, None) for _ in range(8)]  # none waits yet
    start_at = time.time() + 1.5
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        claimed = pool.starmap(_claim, [(str(ws.root), r, start_at, os.getpid()) for r in runs])
    assert sum(claimed) == 1
    assert [r.status for r in ws.runs()].count("running") == 1


@pytest.mark.slow
def test_a_dead_queued_job_is_reaped(ws, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOBS", "1")
    first = create_training_run(ws, "lee", LONG, name="first")
    start_training_job(ws, first)
    _wait_for_progress(ws, first)
    waiting = create_training_run(ws, "lee", TINY, name="waiting")
    pid = start_training_job(ws, waiting)
    time.sleep(2)
    assert ws.run(waiting).status == "queued"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert wait_for(ws, waiting, {"failed", "cancelled", "done"}, timeout=10) == "failed"
    assert "stopped unexpectedly" in ws.run(waiting).error
    cancel_job(ws, first)
    wait_for(ws, first, {"cancelled", "failed", "done"})


# --- the run-time limit ----------------------------------------------------------------------


def test_a_job_over_the_time_limit_is_stopped_and_lists_nothing(ws, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOB_SECONDS", "2")
    run_id = create_training_run(ws, "lee", LONG, name="too-long")
    start_training_job(ws, run_id)
    assert wait_for(ws, run_id, {"failed", "cancelled", "done"}, timeout=60) == "failed"
    run = ws.run(run_id)
    assert run.error.startswith("The run was stopped after 2 seconds")
    assert "EMBEDLAB_MAX_JOB_SECONDS" in run.error
    assert ws.models() == []
    from embedlab.jobs.status import seconds_between

    assert 2 <= seconds_between(run.started, run.finished) < 10  # the alarm, not the backstop


def test_the_time_limit_holds_in_process_too(ws, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_JOB_SECONDS", "1")
    from embedlab.jobs.process import TimeLimitExceeded

    run_id = create_training_run(ws, "lee", LONG, name="too-long")
    with pytest.raises(TimeLimitExceeded, match="after 1 second,"):
        run_training(ws, run_id)
    assert ws.run(run_id).status == "failed" and ws.models() == []


# --- a full disk -------------------------------------------------------------------------------


def test_a_full_disk_while_saving_the_model_is_one_sentence(ws, monkeypatch):
    import errno

    import numpy as np

    from embedlab.errors import EmbedlabError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)  # the native format's vectors.npy write
    run_id = create_training_run(ws, "lee", TINY, name="nowhere")
    with pytest.raises(EmbedlabError, match=r"^The disk is full: the model could not be saved;"):
        run_training(ws, run_id)
    run = ws.run(run_id)
    assert run.status == "failed" and run.error.startswith("The disk is full")
    assert ws.models() == []
    assert list((ws.root / "models").iterdir()) == []
    assert list((ws.root / "tmp").iterdir()) == []


def test_the_cli_says_when_its_run_waits_for_a_slot(ws, tmp_path):
    """`embedlab train` behind a full set of running jobs says so on stderr, then trains."""
    import subprocess
    import sys

    holder = ws.create_run("word2vec", {}, None, None)
    assert claim_run(ws, holder, 1, pid=os.getpid())  # a live process holds the only slot
    env = {**os.environ, "EMBEDLAB_MAX_JOBS": "1"}
    argv = [sys.executable, "-m", "embedlab.cli", "--home", str(ws.root), "train", "lee"]
    argv += ["--dim", "8", "--epochs", "1", "--min-count", "3", "--workers", "1"]
    child = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stderr.readline()
        assert "queued (1st in line)" in line and "EMBEDLAB_MAX_JOBS" in line, line
        assert [r.status for r in ws.runs() if r.id != holder] == ["queued"]
        ws.fail_run(holder, "done holding the slot")  # the slot frees up: the run goes on
        _, err = child.communicate(timeout=90)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert len(ws.models()) == 1
