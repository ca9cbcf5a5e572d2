"""The first start, as `make run` makes it: every Explore page shows something at once."""

from __future__ import annotations

import pytest
from app_helpers import new_app, open_page

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


def test_the_tour_links_each_step_to_its_worked_example(first_start):
    at = open_page("neighbours")
    links = [el for el in at.sidebar.get("page_link")]
    assert len(links) == 4  # the comparison step appears once there are two models
    assert [link.proto.page.split("/")[-1] for link in links][:2] == ["neighbours", "analogies"]
    steps = {link.proto.page.split("/")[-1]: link.proto.query_string for link in links}
    assert "q=king" in steps["neighbours"] and "c=woman" in steps["analogies"]


def test_a_link_picks_its_model_and_an_unknown_one_is_one_sentence(lee_home):
    Workspace(lee_home).add_model(
        Workspace(lee_home).load_model("lee-demo").with_meta(name="copy"), name="copy"
    )
    at = new_app()
    at.query_params["model"] = "copy"
    at = at.run()
    assert at.sidebar.selectbox[0].value == "copy" and not at.warning
    at = new_app()
    at.query_params["model"] = "no-such-model"
    at = at.run()
    assert len(at.warning) == 1 and "no-such-model" in at.warning[0].value
    assert not at.exception
