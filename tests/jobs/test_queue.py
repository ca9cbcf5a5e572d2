"""The queue's policy: a run whose process died is failed when anyone looks."""

from __future__ import annotations

import subprocess
import sys

from embedlab.jobs.queue import reap_dead_runs
from embedlab.store.workspace import Workspace


def test_a_run_whose_process_died_is_marked_failed(tmp_path):
    ws = Workspace(tmp_path / "ws")
    run_id = ws.create_run("word2vec", {}, None, None)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    ws.start_run(run_id, pid=child.pid)
    assert ws.run(run_id).status == "running"  # the catalog only records; jobs decide
    assert reap_dead_runs(ws) == 1
    run = ws.run(run_id)
    assert run.status == "failed" and "stopped unexpectedly" in run.error
    alive = ws.create_run("word2vec", {}, None, None)
    ws.start_run(alive)  # this process is alive
    assert reap_dead_runs(ws) == 0 and ws.run(alive).status == "running"


def test_a_queued_run_whose_process_died_is_marked_failed(tmp_path):
    ws = Workspace(tmp_path / "ws")
    run_id = ws.create_run("word2vec", {}, None, None)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    ws.set_run_pid(run_id, child.pid)
    assert reap_dead_runs(ws) == 1 and ws.run(run_id).status == "failed"
    untouched = ws.create_run("word2vec", {}, None, None)  # no process yet: stays queued
    assert ws.run(untouched).status == "queued"
