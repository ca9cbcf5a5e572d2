"""The first start, as `make run` makes it: every Explore page shows something at once."""

from __future__ import annotations

import pytest
from app_helpers import open_page

from embedlab.jobs.bootstrap import PRETRAINED, pending_steps, prepare, warm_up
from embedlab.store.workspace import Workspace


@pytest.fixture
def first_start(home):
    ws = Workspace(home)
    lines = prepare(ws, start_warm_up=False)
    assert [line.split(":")[0] for line in lines] == ["corpus", "model"]
    return ws


@pytest.mark.parametrize("page", ["neighbours", "analogies", "projection", "axes"])
def test_an_explore_page_shows_a_table_or_a_chart_without_a_click(first_start, page):
    at = open_page(page)
    assert not at.exception
    assert at.sidebar.selectbox[0].value == PRETRAINED
    shown = len(at.dataframe) + len(at.get("plotly_chart")) + len(at.table)
    assert shown > 0, f"{page} shows no table or chart on first start"


def test_the_pretrained_model_answers_the_classic_analogy(first_start):
    emb = first_start.load_model(PRETRAINED)
    assert "queen" in [n.word for n in emb.analogy("man", "king", "woman", k=3)]


@pytest.mark.slow
def test_the_warm_up_fills_evaluate_and_classify_and_is_done_once(first_start):
    ws = first_start
    assert pending_steps(ws) == ["train", "evaluate", "classify"]
    said = []
    warm_up(ws, say=said.append)
    assert pending_steps(ws) == []
    assert ws.metrics(PRETRAINED)["ws353"]["spearman"] >= 0.7
    assert said[-1] == "warm-up done" and any("training" in line for line in said)
    evaluate = open_page("evaluate")
    assert not evaluate.exception and len(evaluate.get("plotly_chart")) > 0
    again = []
    warm_up(ws, say=again.append)
    assert again == ["warm-up done"]
