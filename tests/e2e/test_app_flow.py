"""A newcomer's first minutes, in a real browser: upload → train → neighbours → map.

One test, in order, against one server, because each step needs the one before. It saves
a screenshot of every page it visits (tests/e2e/screenshots/); the README shows two.
"""

from __future__ import annotations

from browser_helpers import go, shot, wait_idle
from gensim.test.utils import datapath

ERROR = "[data-testid='stAlertContentError']"


def test_from_first_screen_to_neighbours_and_a_selection(server, page):
    page.goto(server)
    wait_idle(page)
    page.get_by_role("heading", name="Corpus").first.wait_for()
    assert page.locator(ERROR).count() == 0

    # 1. Upload a corpus file (gensim's Lee news corpus, as a user's own file would be).
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        datapath("lee_background.cor")
    )
    page.get_by_text("lee_background.cor").first.wait_for()
    wait_idle(page)
    page.locator(".st-key-corpus_ingest button").click()
    wait_idle(page)
    page.locator("[data-testid='stMetricValue']", has_text="300").first.wait_for()
    page.locator(".st-key-corpus_zipf .js-plotly-plot").wait_for()
    shot(page, "corpus")

    # 2. Train with the defaults; the job runs in the background and reports progress.
    go(page, "Train")
    page.locator(".st-key-train_start button").click()
    page.get_by_text("is trained", exact=False).first.wait_for(timeout=120_000)
    wait_idle(page)
    assert page.locator(ERROR).count() == 0
    page.locator(".st-key-train_loss_curve .js-plotly-plot").wait_for()
    shot(page, "train")
    active = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    shown = active.inner_text() + active.locator("input").input_value()
    assert "lee_background-w2v-sg-50d" in shown

    # 3. Nearest neighbours of a word typed into the box.
    go(page, "Neighbours")
    box = page.locator(".st-key-query input")
    box.fill("police")
    box.press("Enter")
    wait_idle(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert page.locator(ERROR).count() == 0
    bars = chart.locator("g.ytick text").all_inner_texts()
    assert len(bars) == 10 and "police" not in bars
    shot(page, "neighbours")

    # 4. The map (PCA by default), then a box selection lists the words inside it.
    go(page, "Projection")
    plot = page.locator(".st-key-projection .js-plotly-plot")
    plot.wait_for()
    shot(page, "projection")
    plot.hover()
    page.locator(".st-key-projection [data-title='Box Select']").click()
    area = plot.locator(".nsewdrag").first.bounding_box()
    assert area is not None
    x0, y0 = area["x"] + area["width"] * 0.2, area["y"] + area["height"] * 0.2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + area["width"] * 0.6, y0 + area["height"] * 0.6, steps=12)
    page.mouse.up()
    wait_idle(page)
    page.get_by_text("selected words", exact=False).first.wait_for()
    page.locator(".st-key-proj_download button").wait_for()
    assert page.locator(ERROR).count() == 0
    shot(page, "projection-selection")

    # 5. The other pages open on the new model without an error.
    for title in ("Analogies", "Evaluate", "Models"):
        go(page, title)
        assert page.locator(ERROR).count() == 0, title
        shot(page, title.lower())
