"""Fixtures for driving the real app with Streamlit's AppTest.

`lee_home` is a workspace holding the Lee demo corpus ("lee") and a small skip-gram
model trained on it ("lee-demo"); it is built once per session and copied per test, so
each test may change it freely.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_helpers import DEMO_MODEL
from streamlit.runtime.pages_manager import PagesManager

from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import create_training_run, run_training
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig


@pytest.fixture(scope="session")
def lee_template(tmp_path_factory, lee_corpus_file) -> Path:
    root = tmp_path_factory.mktemp("lee-template") / "ws"
    ws = Workspace(root)
    add_corpus(ws, lee_corpus_file, name="lee")
    config = TrainConfig(dim=32, epochs=5, min_count=3, workers=1, seed=3)
    run_training(ws, create_training_run(ws, "lee", config, name=DEMO_MODEL))
    return root


@pytest.fixture
def lee_home(home, lee_template) -> Path:
    """This test's EMBEDLAB_HOME, holding a copy of the Lee workspace."""
    shutil.copytree(lee_template, home)
    return home


@pytest.fixture(autouse=True)
def _runs_through_app_py(monkeypatch):
    """Make every AppTest run go through app.py (navigation, sidebar), as a server does.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and because app.py
    sits next to a `pages/` folder, Streamlit then falls back to its old folder-based
    multipage mode and runs a switched-to page file alone, without the sidebar and the
    active model. On a server, app.py's st.navigation call turns that mode off.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
