"""Class mode in a real browser: a student's space survives a server restart and a session
that starts without `space=` in its URL (what a reconnect in the middle of a page switch
sends), because the space is kept in a cookie as well as in the URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import IDLE, NAV_LINK, wait_idle
from conftest import ROOT, _free_port, _wait_healthy


class ClassServer:
    """`streamlit run app.py` in class mode on a loopback port; `restart()` stops it with
    SIGTERM and starts it again on the same port."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log, self.port = home, log, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.port", str(self.port),
            "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        env = {**os.environ, "EMBEDLAB_HOME": str(self.home), "EMBEDLAB_CLASS": "1"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT)  # fmt: skip
        _wait_healthy(self.url, self.proc)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def class_server(tmp_path_factory) -> Iterator[ClassServer]:
    from embedlab.store.workspace import Workspace

    home = tmp_path_factory.mktemp("e2e-class") / "workspace"
    Workspace(home)
    server = ClassServer(home, tmp_path_factory.getbasetemp() / "class-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _space(page) -> str:
    text = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Space:" in text, text[:300]
    return text.split("Space:", 1)[1].split()[0]


def test_a_session_without_space_in_its_url_finds_the_students_space(class_server, page, browser):
    page.goto(f"{class_server.url}/?space=alice")
    wait_idle(page)
    assert _space(page) == "alice"
    page.goto(f"{class_server.url}/search")  # a new session, no `space=`: the cookie's
    page.get_by_role("heading", name="Search").first.wait_for()
    wait_idle(page)
    assert _space(page) == "alice" and "space=alice" in page.url
    other = browser.new_context()  # another browser (no cookie) gets a space of its own
    try:
        stranger = other.new_page()
        stranger.goto(f"{class_server.url}/search")
        wait_idle(stranger)
        assert _space(stranger).startswith("anon-")
    finally:
        other.close()


def test_a_restart_in_the_middle_of_a_page_switch_keeps_the_space(class_server, page):
    page.goto(f"{class_server.url}/?space=bob")
    wait_idle(page)
    assert _space(page) == "bob"
    proc = class_server.proc
    assert proc is not None
    proc.send_signal(signal.SIGSTOP)  # the server takes the click but never answers it
    page.locator(NAV_LINK, has_text="Search").first.click()
    page.wait_for_timeout(300)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    class_server.start()
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_timeout(1_500)  # the reconnect's rerun
    wait_idle(page)
    assert _space(page) == "bob"
    page.goto(f"{class_server.url}/")  # after the restart, a fresh page without `space=`
    wait_idle(page)
    assert _space(page) == "bob"
