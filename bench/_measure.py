"""Shared helpers for the benchmarks: run a command, time it, read its peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@dataclass
class Measured:
    """Wall time, peak resident memory and stdout of one child process."""

    seconds: float
    peak_mib: float
    stdout: str


def measure(cmd: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run `cmd` (wrapped by `timed`) to completion; time it and read the peak it reports."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    peak = _peak_from_stderr(err.decode(errors="replace"))
    return Measured(seconds, peak, out.decode())


def timed(cmd: list[str]) -> list[str]:
    """Wrap a command so that it reports its own peak RSS on stderr when it exits."""
    wrapper = (
        "import resource, subprocess, sys;"
        "rc = subprocess.call(sys.argv[1:]);"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "sys.stderr.write(f'\\nPEAK_KIB={peak}\\n'); sys.exit(rc)"
    )
    return [sys.executable, "-c", wrapper, *cmd]


def _peak_from_stderr(text: str) -> float:
    for line in reversed(text.splitlines()):
        if line.startswith("PEAK_KIB="):
            return int(line.split("=", 1)[1]) / 1024
    return float("nan")


def save(name: str, payload: dict) -> Path:
    """Write a benchmark's results as JSON under bench/results/."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path
