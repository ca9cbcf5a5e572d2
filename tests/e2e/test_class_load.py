"""Smoke run of bench/class_load.py: three students in real browsers for 40 s on one
`embedlab app --class` server that restarts halfway; nothing breaks and no run is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed"),
]


def test_a_small_class_with_a_server_restart():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "class_load.py"), "--students", "3",
         "--seconds", "40", "--think", "0.5,1.5", "--wait-runs", "120", "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["pages"] and report["steps"] + report["steps_cut_by_restart"] >= 3
    assert all(row["p50"] > 0 for row in report["pages"].values())  # timed in the browser
    assert report["spaces_retyped"] == []  # the cookie keeps each student's space
    assert report["errors"] == []  # only the restart's reconnect may show errors
    assert report["runs"]["lost"] == [] and report["runs"]["left_running"] == []
    assert report["runs"]["failed_otherwise"] == []
    assert set(report["integrity"].values()) == {"ok"}
    assert report["server_log_tracebacks"] == 0
    assert report["restart_seconds"] is not None
