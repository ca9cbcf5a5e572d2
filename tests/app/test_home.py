"""The app's placeholder home page, driven by Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from embedlab.embeddings import Embeddings
from embedlab.workspace import Workspace

APP = str(Path(__file__).parents[2] / "app.py")


def test_home_page_on_an_empty_workspace(home):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "embedlab"
    assert any("No models yet" in m.value for m in at.markdown)
    assert any(str(home.resolve()) in c.value for c in at.sidebar.caption)


def test_home_page_lists_the_models(home):
    Workspace().add_model(Embeddings(["a", "b"], np.eye(2)), name="toy")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["model"]) == ["toy"] and list(table["vocab"]) == [2]
