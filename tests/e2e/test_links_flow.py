"""In a real browser: a link opens Classify's settings, and after a visit to another page (whose
navigation clears the URL) the settings and the URL come back."""

from __future__ import annotations

from browser_helpers import go, wait_idle


def _seed(page) -> str:
    return page.locator(".st-key-cls_seed input").input_value()


def test_classify_settings_come_from_a_link_and_survive_a_page_change(server, page):
    page.goto(f"{server}/classify?eval=split&seed=7&test=0.3")
    wait_idle(page)
    page.get_by_role("heading", name="Classify").first.wait_for()
    assert _seed(page) == "7"
    assert page.locator(".st-key-cls_test_size").count() == 1  # split, so the test share shows
    go(page, "Corpus")
    assert "seed=" not in page.url  # the navigation cleared the URL
    go(page, "Classify")
    assert _seed(page) == "7"
    page.wait_for_function("() => location.search.includes('seed=7')")
    assert "eval=split" in page.url and "test=0.3" in page.url
