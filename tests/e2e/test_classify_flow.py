"""The Classify page in a real browser: the demo data, TF-IDF + logistic regression, then the
scores, the confusion matrix, the document map and a click on a document."""

from __future__ import annotations

import re

from browser_helpers import go, shot, wait_idle

ERROR = "[data-testid='stAlertContentError']"


def test_demo_data_tfidf_run_shows_the_confusion_matrix_and_the_map(server, page):
    page.goto(server)
    wait_idle(page)
    go(page, "Classify")
    assert page.locator(ERROR).count() == 0
    page.get_by_text("200 texts, 2 classes (neg 100, pos 100)").first.wait_for()

    page.locator(".st-key-cls_run button").click()
    page.locator(".st-key-cls_confusion .js-plotly-plot").wait_for(timeout=120_000)
    wait_idle(page)
    assert page.locator(ERROR).count() == 0
    page.get_by_text(re.compile(r"Done in [\d.]+ s: accuracy")).first.wait_for()

    accuracy = page.locator("[data-testid='stMetric']", has_text="Accuracy")
    value = float(accuracy.locator("[data-testid='stMetricValue']").inner_text())
    assert 0.3 < value < 0.9  # TF-IDF on 200 one-sentence reviews is close to chance
    # the four cells of the 2 x 2 matrix hold counts that add up to the 200 texts
    texts = page.locator(".st-key-cls_confusion svg text").all_text_contents()
    counts = [int(t) for t in texts if t.strip().isdigit()]  # ticks say neg/pos, 0%…100%
    assert len(counts) == 4 and sum(counts) == 200
    page.locator(".st-key-cls_per_class .js-plotly-plot").wait_for()
    plot = page.locator(".st-key-cls_map .js-plotly-plot")
    plot.wait_for()
    legend = plot.locator("g.legend text.legendtext").all_text_contents()
    assert legend == ["neg", "pos", "misclassified"]
    page.set_viewport_size({"width": 1440, "height": 2900})  # the whole page in one picture
    wait_idle(page)
    shot(page, "classify")

    # a box drawn over the middle of the map lists the texts inside it
    plot.hover()
    page.locator(".st-key-cls_map [data-title='Box Select']").click()
    area = plot.locator(".nsewdrag").first.bounding_box()
    assert area is not None
    x0, y0 = area["x"] + area["width"] * 0.25, area["y"] + area["height"] * 0.25
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + area["width"] * 0.5, y0 + area["height"] * 0.5, steps=12)
    page.mouse.up()
    wait_idle(page)
    page.get_by_text("selected texts", exact=False).first.wait_for()
    page.locator(".st-key-cls_selected [data-testid='stDataFrame']").wait_for()
    assert page.locator(ERROR).count() == 0
    shot(page, "classify-selection")
