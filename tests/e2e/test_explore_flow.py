"""The Explore pages on a first start (`make run`: the pretrained model is active), in a
real browser: Neighbours (with a capitalised word), a copied link opened by someone else,
Compare with two models and a chosen word, and Axes.

One test, in order, against one server. It saves screenshots of every page it visits
(tests/e2e/screenshots/); the README shows first-start.png, compare.png and axes.png.
"""

from __future__ import annotations

import re

from browser_helpers import bar_words, choose, go, shot, type_into, wait_idle
from playwright.sync_api import expect

ERROR = "[data-testid='stAlertContentError']"
INFO = "[data-testid='stAlertContentInfo']"
TALL = {"width": 1440, "height": 3000}  # Streamlit scrolls inside the page: a tall window
JOBS = "doctor nurse engineer teacher secretary soldier pilot dancer lawyer cook"


def no_error(page) -> None:
    errors = page.locator(ERROR).all_inner_texts()
    assert errors == [], errors


def test_neighbours_a_shared_link_compare_and_axes(demo_server, browser, page):
    page.goto(demo_server)
    wait_idle(page)

    # 1. Neighbours on the pretrained model, without a click: the classic word 'king'.
    go(page, "Neighbours")
    assert page.locator(".st-key-query input").input_value() == "king"
    words = bar_words(page, "nb_chart")
    assert len(words) == 10 and "queen" in words and "king" not in words
    no_error(page)
    shot(page, "first-start")

    # A capitalised word is looked up as the lower-case model spells it, and said so.
    type_into(page, "query", "Queen")
    page.locator(INFO, has_text="'Queen' looked up as 'queen'").wait_for()
    assert "queen" not in bar_words(page, "nb_chart")
    no_error(page)

    # 2. Another model and word, then the page's link opened in a fresh browser (issue 18):
    # the same model, the same word and the same neighbours.
    choose(page, "active_model", "lee-demo")
    type_into(page, "query", "police")
    page.locator(".st-key-nb_chart", has_text="officers").wait_for()  # the new model's words
    mine = bar_words(page, "nb_chart")
    link = page.url
    assert "model=lee-demo" in link and "q=police" in link
    other = browser.new_context(viewport={"width": 1440, "height": 1500})
    try:
        theirs = other.new_page()
        theirs.set_default_timeout(60_000)
        theirs.goto(link)
        wait_idle(theirs)
        theirs.get_by_role("heading", name="Neighbours").first.wait_for()
        # a fresh server session may draw once before it reruns through app.py: wait
        expect(theirs.locator(".st-key-query input")).to_have_value("police", timeout=30_000)
        wait_idle(theirs)
        assert "lee-demo" in theirs.locator(".st-key-active_model input").input_value()
        assert bar_words(theirs, "nb_chart") == mine
        shot(theirs, "neighbours-from-link")
    finally:
        other.close()

    # 3. Compare two runs of the same recipe (seeds 1 and 2), then one word in both.
    page.set_viewport_size(TALL)
    go(page, "Compare")
    choose(page, "cmp_a", "lee-demo")
    choose(page, "cmp_b", "lee-demo-seed2")
    page.get_by_text("Both models on one map").wait_for()
    type_into(page, "cmp_word", "government")
    page.get_by_text("The line joins the chosen word's two places").wait_for()
    no_error(page)
    assert "word=government" in page.url
    shot(page, "compare")

    # 4. Axes: man → woman against bad → good on the pretrained model, with a few jobs
    # placed on the map, then one job's neighbours without the x axis.
    page.set_viewport_size({"width": 1440, "height": 1500})
    choose(page, "active_model", "minilm-static")
    go(page, "Axes")
    box = page.locator(".st-key-ax_words textarea")
    box.fill(JOBS)
    box.press("Control+Enter")
    wait_idle(page)
    page.locator(".st-key-ax_map text", has_text="nurse").first.wait_for()
    choose(page, "ax_picked", "nurse")
    page.get_by_text(re.compile(r"(Without the direction|Removing the axis).*'nurse'")).wait_for()
    no_error(page)
    shot(page, "axes")
