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

from embedlab.jobs import create_training_run, run_training
from embedlab.train import TrainConfig
from embedlab.workspace import Workspace


@pytest.fixture(scope="session")
def lee_template(tmp_path_factory, lee_corpus_file) -> Path:
    root = tmp_path_factory.mktemp("lee-template") / "ws"
    ws = Workspace(root)
    ws.add_corpus(lee_corpus_file, name="lee")
    config = TrainConfig(dim=32, epochs=5, min_count=3, workers=1, seed=3)
    run_training(ws, create_training_run(ws, "lee", config, name=DEMO_MODEL))
    return root


@pytest.fixture
def lee_home(home, lee_template) -> Path:
    """This test's EMBEDLAB_HOME, holding a copy of the Lee workspace."""
    shutil.copytree(lee_template, home)
    return home
