"""`embedlab app --demo`, the way `make run` starts it, on a fresh workspace."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from embedlab.jobs.bootstrap import DEMO_MODEL, PRETRAINED, pending_steps
from embedlab.store.workspace import Workspace


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_make_runs_first_start_lists_the_pretrained_model_and_warms_up(tmp_path):
    home, port = tmp_path / "ws", _free_port()
    cmd = [sys.executable, "-m", "embedlab.cli", "--home", str(home), "app", "--demo",
           "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _healthy(port):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "the app did not answer within 120 s"
            time.sleep(0.5)
        ws = Workspace(home)
        assert [m.name for m in ws.models()] == [PRETRAINED]  # listed before the app answered
        assert [c.name for c in ws.corpora()] == ["lee"]
        deadline = time.monotonic() + 600  # the warm-up child: train, score, classify
        while pending_steps(ws) and time.monotonic() < deadline:
            time.sleep(2)
        log = (home / "logs" / "warm-up.log").read_text()
        assert pending_steps(ws) == [], log
        assert ws.has_model(DEMO_MODEL) and ws.metrics(PRETRAINED)["ws353"]["spearman"] >= 0.7
        assert log.strip().endswith("warm-up done")
    finally:
        server.terminate()
        server.wait(timeout=30)
