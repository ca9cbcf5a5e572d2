"""The Language model page: pick a corpus and starts, train in the background, watch the
curves, read each model's next words, and find the reports under Earlier runs."""

from __future__ import annotations

import time

import pytest
from app_helpers import DEMO_MODEL, open_page


def _train(at, timeout: float = 180.0):
    """Small settings, Train, then rerun until the results table shows."""
    at.number_input(key="lm_epochs").set_value(1)
    at.number_input(key="lm_hidden").set_value(16)
    at.number_input(key="lm_tokens").set_value(4_000)
    at = at.button(key="lm_train").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.query_params.get("lm_job")
    deadline = time.monotonic() + timeout
    while _frame(at, "results") is None:
        assert time.monotonic() < deadline, "the comparison did not finish"
        assert not at.exception and not at.error, [e.value for e in at.error]
        time.sleep(0.3)
        at.run()
    return at


def _frame(at, name: str):
    """The page's "results" (a start column), "history" (a run column) or "next" table."""
    for df in at.dataframe:
        columns = set(df.value.columns)
        kind = "results" if "start" in columns else "history" if "run" in columns else "next"
        if kind == name:
            return df.value
    return None


def test_without_a_corpus_the_page_says_where_to_get_one(home):
    at = open_page("language_model")
    assert not at.exception and not at.error
    assert any("No corpus yet" in i.value for i in at.info)


@pytest.mark.slow
def test_a_comparison_of_three_starts(lee_home):
    at = open_page("language_model")
    assert not at.exception and not at.error
    assert at.selectbox(key="lm_model").value == DEMO_MODEL
    assert at.multiselect(key="lm_starts").value == ["random", "frozen", "finetuned"]
    at = _train(at)
    results = _frame(at, "results")
    assert list(results["start"]) == [
        "random",
        f"{DEMO_MODEL}, frozen",
        f"{DEMO_MODEL}, fine-tuned",
    ]
    assert (results["test perplexity"] > 1).all()
    assert any(chart.key == "lm_chart" for chart in at.get("plotly_chart"))
    assert any("Perplexity is" in c.value for c in at.caption)

    at = at.text_input(key="lm_prompt").set_value("the prime minister").run()
    at = at.slider(key="lm_k").set_value(3).run()
    nexts = _frame(at, "next")
    assert list(nexts.columns) == list(results["start"]) and len(nexts) == 3
    history = _frame(at, "history")
    assert len(history) == 3


def test_random_only_without_a_model_and_errors_shown(lee_home):
    at = open_page("language_model")
    at = at.multiselect(key="lm_starts").set_value([]).run()
    at = at.button(key="lm_train").click().run()
    assert not at.exception
    assert any("at least one starting point" in e.value for e in at.error)
    at = at.multiselect(key="lm_starts").set_value(["random"]).run()
    at = _train(at)
    assert list(_frame(at, "results")["start"]) == ["random"]
