"""Browser tests: a real `streamlit run app.py` on a free loopback port, driven by Playwright
in Debian's headless Chromium (modelled on Streamlit's own e2e_playwright/conftest.py).

Screenshots land in tests/e2e/screenshots/ (git-ignored); look at them after a run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The app served on loopback with its own empty workspace; yields its URL."""
    yield from _serve(tmp_path_factory, tmp_path_factory.mktemp("e2e") / "workspace")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> Iterator[str]:
    """The app as `make run` first starts it: the demo corpus 'lee', the pretrained model
    'minilm-static' (active by default) and the Lee demo model 'lee-demo', plus its seed
    twin 'lee-demo-seed2' (the same settings, another seed) to compare; yields its URL."""
    from dataclasses import replace

    from embedlab.jobs.bootstrap import DEMO_MODEL, demo_train_config, prepare
    from embedlab.jobs.process import create_training_run, run_training
    from embedlab.store.workspace import Workspace

    home = tmp_path_factory.mktemp("e2e-demo") / "workspace"
    ws = Workspace(home)
    prepare(ws, start_warm_up=False)
    config = demo_train_config()
    run_training(ws, create_training_run(ws, "lee", config, name=DEMO_MODEL))
    twin = replace(config, seed=2)
    run_training(ws, create_training_run(ws, "lee", twin, name=f"{DEMO_MODEL}-seed2"))
    yield from _serve(tmp_path_factory, home)


def _serve(tmp_path_factory, home: Path) -> Iterator[str]:  # noqa: ANN001 - pytest's factory
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / f"streamlit-{port}.log").open("wb")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {**os.environ, "EMBEDLAB_HOME": str(home), "EMBEDLAB_CLASSIFY_DEMO": "small"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1500})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    yield pg
    context.close()
