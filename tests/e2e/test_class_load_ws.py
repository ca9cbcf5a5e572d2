"""Smoke run of bench/class_load_ws.py: three students as websocket clients (Streamlit's own
protocol, no browser) for 25 s on one `embedlab app --class` server that restarts halfway;
the Neighbours replies carry the neighbours, nothing breaks and no run is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = [pytest.mark.slow]


def test_a_small_class_of_websocket_clients_with_a_server_restart():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "class_load_ws.py"), "--students", "3",
         "--seconds", "25", "--think", "0.5,1.5", "--wait-runs", "120", "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["errors"] == []  # only the restart's reconnect may show errors
    # replies were checked: each held "nearest to **word**" and a table of neighbour words
    assert report["neighbour_replies"] >= 3 and report["neighbour_words_seen"] >= 10
    assert report["pages"]["first page"]["n"] == 3  # every student arrived before the restart
    assert report["steps"] + report["steps_cut_by_restart"] >= 6
    assert report["wrong_space"] == []  # the cookie and the URL keep each student's space
    assert report["runs"]["lost"] == [] and report["runs"]["left_running"] == []
    assert report["runs"]["failed_otherwise"] == []
    assert set(report["integrity"].values()) == {"ok"}
    assert report["server_log_tracebacks"] == 0
    assert report["restart_seconds"] is not None
