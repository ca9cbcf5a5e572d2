"""The Compare page: two models side by side, a seed twin, one word, a link that reopens it.

Runs once app.py lists pages/compare.py in its navigation.
"""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import DEMO_MODEL, new_app, open_page

from embedlab.embeddings import Embeddings
from embedlab.store.workspace import Workspace

OTHER = "lee-noisy"
TWIN = "lee-twin"


def _noisy(emb: Embeddings, seed: int, scale: float = 0.3) -> Embeddings:
    """A rotated copy of `emb` with noise: a stand-in for another run on the same corpus."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(emb.dim, emb.dim)))
    vectors = emb.vectors @ q + rng.normal(scale=scale, size=emb.vectors.shape)
    return Embeddings(emb.words, vectors, emb.counts)


@pytest.fixture
def two_models(lee_home):
    ws = Workspace(lee_home)
    demo = ws.load_model(DEMO_MODEL)
    ws.add_model(_noisy(demo, 1), name=OTHER)
    ws.add_model(_noisy(demo, 2, scale=0.1), name=TWIN)
    return lee_home


def _settled(at):
    """Wait for the page's background comparisons to end, then run it again to show them."""
    from embedlab.app import compare as view
    from embedlab.jobs.thread import BOARD

    for job in view.running(BOARD):
        BOARD.wait(job.id, timeout=300)
    return at.run()


def _pick(at, a: str, b: str):
    at = _settled(at.selectbox(key="cmp_a").set_value(a).run())
    return _settled(at.selectbox(key="cmp_b").set_value(b).run())


def test_two_models_give_numbers_a_histogram_tables_and_a_map(two_models):
    at = _pick(open_page("compare"), DEMO_MODEL, OTHER)
    assert not at.exception and not at.error
    summary = at.table[0].value  # a static table: its sentences wrap
    assert summary["number"].tolist()[:3] == ["shared words", "share of A / B", "mean Jaccard@10"]
    jaccard = float(summary.loc[summary["number"] == "mean Jaccard@10", "A vs B"].iloc[0])
    assert 0.0 < jaccard < 1.0
    assert all(isinstance(s, str) and s.endswith(".") for s in summary["what it means"])
    moved = at.dataframe[0].value
    assert list(moved.columns) == ["word", "residual", "before alignment", "Jaccard"]
    assert moved["residual"].tolist() == sorted(moved["residual"], reverse=True)
    assert len(at.get("plotly_chart")) == 2  # the histogram and the map
    assert at.query_params["a"] == DEMO_MODEL and at.query_params["b"] == OTHER


def test_a_word_shows_both_neighbour_lists_and_joins_its_two_places(two_models):
    at = _pick(open_page("compare"), DEMO_MODEL, OTHER)
    at = at.text_input(key="cmp_word").input("government").run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert {"in A", "cosine A", "in B", "cosine B"} <= set(table.columns) and len(table) == 10
    assert any("'government' keeps" in m.value for m in at.markdown)
    assert at.query_params["word"] == "government"
    assert any("line joins" in c.value for c in at.caption)


def test_an_unknown_word_is_one_error_line(two_models):
    at = _pick(open_page("compare"), DEMO_MODEL, OTHER)
    at = at.text_input(key="cmp_word").input("governmnet").run()
    assert not at.exception
    assert len(at.error) == 1 and "did you mean" in at.error[0].value


def test_a_seed_twin_adds_the_noise_floor_column(two_models):
    at = _pick(open_page("compare"), DEMO_MODEL, OTHER)
    at = _settled(at.selectbox(key="cmp_twin").set_value(TWIN).run())
    assert not at.exception and not at.error
    columns = at.table[0].value.columns.tolist()
    assert columns == ["number", "A vs B", "A vs seed twin (noise floor)", "what it means"]


def test_a_link_opens_the_same_comparison(two_models):
    at = new_app()
    at.query_params.update({"a": OTHER, "b": DEMO_MODEL, "word": "police"})
    at = _settled(at.run().switch_page("pages/compare.py").run())
    assert not at.exception and not at.error
    assert at.selectbox(key="cmp_a").value == OTHER
    assert at.selectbox(key="cmp_b").value == DEMO_MODEL
    assert at.text_input(key="cmp_word").value == "police"


def test_different_dimensions_explain_the_missing_alignment(lee_home):
    ws = Workspace(lee_home)
    demo = ws.load_model(DEMO_MODEL)
    ws.add_model(Embeddings(demo.words, demo.vectors[:, :10], demo.counts), name="lee-10d")
    at = _pick(open_page("compare"), DEMO_MODEL, "lee-10d")
    assert not at.exception and not at.error
    assert any("cannot be rotated onto each other" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the histogram; no map without an alignment


def test_one_model_says_a_second_is_needed(lee_home):
    at = open_page("compare")
    assert not at.exception
    assert any("needs two models" in i.value for i in at.info)
