"""In a real browser: a link opens Classify's settings, and after a visit to another page (whose
navigation clears the URL) the settings and the URL come back."""

from __future__ import annotations

from browser_helpers import go, wait_idle
from playwright.sync_api import expect


def _seed(page):  # noqa: ANN202 - a Playwright locator
    return page.locator(".st-key-cls_seed input")


def test_classify_settings_come_from_a_link_and_survive_a_page_change(server, page):
    page.goto(f"{server}/classify?eval=split&seed=7&test=0.3")
    wait_idle(page)
    page.get_by_role("heading", name="Classify").first.wait_for()
    expect(_seed(page)).to_have_value("7")  # waits while the page's first run finishes
    expect(page.locator(".st-key-cls_test_size")).to_have_count(1)  # split: the share shows
    go(page, "Corpus")
    assert "seed=" not in page.url  # the navigation cleared the URL
    go(page, "Classify")
    expect(_seed(page)).to_have_value("7")
    page.wait_for_function("() => location.search.includes('seed=7')")
    assert "eval=split" in page.url and "test=0.3" in page.url
