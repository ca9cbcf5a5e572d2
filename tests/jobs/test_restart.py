"""Runs across a server restart (SIGTERM to the app's process group): a training child
outlives the server and finishes; a run the server listed but had not yet started is failed
(not left queued for ever) and can be run again; a class's queued run is never left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import create_training_run, run_training
from embedlab.jobs.queue import NEVER_STARTED, reap_dead_runs
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig

TINY = TrainConfig(dim=16, epochs=2, min_count=3, workers=1)

# What the app's Start button does (app/train.py start_run), in a process of its own that
# stands for the server: list the run, then (with "start") start its training child.
SERVER = """
import sys, time
from embedlab.jobs.process import create_training_run, start_training_job
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig
ws = Workspace(sys.argv[1])
run_id = create_training_run(ws, "lee", TrainConfig(dim=16, epochs=2, min_count=3, workers=1))
if sys.argv[2] == "start":
    start_training_job(ws, run_id)
print(run_id, flush=True)
time.sleep(120)
"""


@pytest.fixture
def ws(tmp_path, lee_corpus_file) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    add_corpus(ws, lee_corpus_file, name="lee")
    return ws


def _server(root: Path, mode: str) -> tuple[subprocess.Popen, int]:
    """A stand-in server in its own process group (as `embedlab app` runs); its run id."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(root), mode],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip().isdigit(), f"the stand-in server said {line!r}"
    return proc, int(line)


def _terminate_group(proc: subprocess.Popen) -> None:
    """What a restart does: SIGTERM to the server's whole process group."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


def _wait_for(ws: Workspace, run_id: int, states: set[str], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap_dead_runs(ws)
        if (status := ws.run(run_id).status) in states:
            return status
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {ws.run(run_id).status} after {timeout} s")


def test_a_training_child_outlives_the_servers_sigterm_and_finishes(ws):
    server, run_id = _server(ws.root, "start")
    _terminate_group(server)
    assert _wait_for(ws, run_id, {"done", "failed", "cancelled"}) == "done", ws.run(run_id).error
    assert [m.name for m in ws.models()] == ["lee-w2v-sg-16d"]


def test_a_run_listed_by_a_server_stopped_before_its_child_started_is_failed(ws):
    server, run_id = _server(ws.root, "list-only")  # stopped between listing and starting
    _terminate_group(server)
    run = ws.run(run_id)
    assert run.status == "queued" and run.pid is None  # no process will ever take it
    assert reap_dead_runs(ws) == 0  # a just-listed run has time to be taken
    assert reap_dead_runs(ws, unclaimed_after=-1) == 1
    run = ws.run(run_id)
    assert run.status == "failed" and run.error == NEVER_STARTED
    again = create_training_run(ws, "lee", TrainConfig.from_dict(run.config))
    assert run_training(ws, again).name == "lee-w2v-sg-16d"  # run again: it trains
    assert ws.run(again).status == "done"


def test_an_old_unclaimed_run_no_longer_blocks_or_lingers(ws):
    stale = ws.create_run("word2vec", TINY.to_dict(), ws.corpus("lee").id, None)
    assert reap_dead_runs(ws, unclaimed_after=3600) == 0 and ws.run(stale).status == "queued"
    assert reap_dead_runs(ws, unclaimed_after=-1) == 1 and ws.run(stale).status == "failed"
    assert reap_dead_runs(ws, unclaimed_after=-1) == 0  # a finished run is left as it is
