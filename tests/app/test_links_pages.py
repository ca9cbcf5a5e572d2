"""Links and page changes: Evaluate, Classify and Language model keep their settings in the URL,
a link opens them as they were, and every page finds its values again after another page ran.
"""

from __future__ import annotations

import numpy as np
from app_helpers import DEMO_MODEL, new_app, open_page

from embedlab.embeddings import Embeddings
from embedlab.store.workspace import Workspace


def _linked(page: str, **params: str):
    """The app opened on `pages/<page>.py` by a link carrying `params`."""
    at = new_app()
    at.query_params.update(params)
    return at.run().switch_page(f"pages/{page}.py").run()


def _away_and_back(at, page: str, other: str = "neighbours"):
    """Go to another page and back, as the browser does: its navigation clears the URL."""
    at.query_params.clear()
    at = at.switch_page(f"pages/{other}.py").run()
    assert not at.exception
    at.query_params.clear()
    return at.switch_page(f"pages/{page}.py").run()


def test_an_evaluate_link_opens_its_ticks_and_method(lee_home):
    at = _linked("evaluate", model=DEMO_MODEL, analogy="false", simlex="0", method="3cosmul")
    assert not at.exception
    assert at.checkbox(key="eval_analogy").value is False
    assert at.checkbox(key="eval_ws353").value is True
    assert at.checkbox(key="eval_simlex").value is False
    assert at.radio(key="eval_method").value == "3cosmul"
    # the link still reads the same after the page's own run
    assert at.query_params["analogy"] == "false" and at.query_params["method"] == "3cosmul"


def test_evaluate_settings_go_into_the_url_and_survive_a_page_change(lee_home):
    at = open_page("evaluate")
    at.checkbox(key="eval_ws353").uncheck()
    at = at.radio(key="eval_method").set_value("3cosmul").run()
    assert at.query_params["ws353"] == "false" and at.query_params["method"] == "3cosmul"
    at = _away_and_back(at, "evaluate")
    assert not at.exception
    assert at.checkbox(key="eval_ws353").value is False
    assert at.radio(key="eval_method").value == "3cosmul"
    assert at.query_params["ws353"] == "false"  # the URL names the view again


def test_a_classify_link_opens_its_settings(lee_home):
    at = _linked(
        "classify", features="mean", vectors=DEMO_MODEL, classifier="torch", hidden="16",
        epochs="999", eval="split", test="0.3", seed="7",
    )  # fmt: skip
    assert not at.exception
    assert at.selectbox(key="cls_features").value == "mean"
    assert at.selectbox(key="cls_model").value == DEMO_MODEL
    assert at.radio(key="cls_classifier").value == "torch"
    assert at.number_input(key="cls_hidden").value == 16
    assert at.number_input(key="cls_epochs").value == 200  # clipped to the widget's range
    assert at.radio(key="cls_evaluation").value == "split"
    assert at.slider(key="cls_test_size").value == 0.3
    assert at.number_input(key="cls_seed").value == 7


def test_a_bad_classify_link_falls_back_to_the_defaults(lee_home):
    at = _linked("classify", features="nonsense", seed="x", folds="3")
    assert not at.exception and not at.error
    assert at.selectbox(key="cls_features").value == "tfidf"
    assert at.number_input(key="cls_seed").value == 0
    assert at.slider(key="cls_folds").value == 3


def test_classify_settings_survive_a_page_change_even_hidden_ones(lee_home):
    at = open_page("classify")
    at = at.slider(key="cls_folds").set_value(7).run()
    at = at.number_input(key="cls_seed").set_value(11).run()
    at = at.radio(key="cls_evaluation").set_value("split").run()  # hides the folds
    assert at.query_params["eval"] == "split" and at.query_params["seed"] == "11"
    at = _away_and_back(at, "classify", other="analogies")
    assert not at.exception
    assert at.radio(key="cls_evaluation").value == "split"
    assert at.number_input(key="cls_seed").value == 11
    at = at.radio(key="cls_evaluation").set_value("cv").run()
    assert at.slider(key="cls_folds").value == 7  # remembered while hidden and away


def test_a_language_model_link_opens_its_settings(lee_home):
    at = _linked(
        "language_model", corpus="lee", vectors=DEMO_MODEL, starts="random,finetuned",
        epochs="2", hidden="64", tokens="5000", seed="4", arch="transformer",
    )  # fmt: skip
    assert not at.exception
    assert at.selectbox(key="lm_corpus").value == "lee"
    assert at.multiselect(key="lm_starts").value == ["random", "finetuned"]
    assert at.number_input(key="lm_epochs").value == 2
    assert at.number_input(key="lm_hidden").value == 64
    assert at.number_input(key="lm_tokens").value == 5000
    assert at.number_input(key="lm_seed").value == 4
    assert at.radio(key="lm_arch").value == "transformer"


def test_language_model_settings_survive_a_page_change(lee_home):
    at = open_page("language_model")
    at = at.number_input(key="lm_hidden").set_value(32).run()
    at = at.multiselect(key="lm_starts").set_value(["frozen"]).run()
    assert at.query_params["hidden"] == "32" and at.query_params["starts"] == "frozen"
    at = _away_and_back(at, "language_model")
    assert not at.exception
    assert at.number_input(key="lm_hidden").value == 32
    assert at.multiselect(key="lm_starts").value == ["frozen"]


def test_axes_search_and_compare_find_their_values_again(lee_home):
    ws = Workspace(lee_home)
    words = ws.load_model(DEMO_MODEL).words
    vectors = np.random.default_rng(0).normal(size=(len(words), 8))
    ws.add_model(Embeddings(words, vectors), "random")
    changes = {
        "axes": [("text_input", "ax_x_start", "good"), ("number_input", "ax_seed", 5)],
        "search": [("text_input", "se_query", "fire"), ("number_input", "se_k", 3)],
        "compare": [("slider", "cmp_k", 7), ("number_input", "cmp_fit", 500)],
    }
    for page, widgets in changes.items():
        at = open_page(page)
        for kind, key, value in widgets:
            at = getattr(at, kind)(key=key).set_value(value).run()
        at = _away_and_back(at, page, other="evaluate")
        assert not at.exception, page
        assert [getattr(at, kind)(key=key).value for kind, key, _ in widgets] == [
            value for _, _, value in widgets
        ], page
