"""A link straight to a page, as the first request a fresh server gets (a teacher sharing
http://host:8501/neighbours with a class), shows that page inside the app's navigation."""

from __future__ import annotations

import time

from browser_helpers import shot, wait_idle


def _nav(page) -> list[str]:  # noqa: ANN001 - a playwright Page
    links = page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
    return [t.split("\n")[-1] for t in links]


def test_a_deep_link_on_a_fresh_server_gets_the_whole_app(server, page):
    page.goto(f"{server}/neighbours")
    wait_idle(page)
    page.get_by_role("heading", name="Neighbours").first.wait_for()
    expected = [
        "Corpus", "Train", "Models",
        "Neighbours", "Analogies", "Projection", "Evaluate", "Classify",
    ]  # fmt: skip
    # The first run of a fresh server may draw Streamlit's folder-based navigation for a
    # moment before the page reruns through app.py (embedlab.app.ui._ensure_shell).
    deadline = time.monotonic() + 20
    while (nav := _nav(page)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert nav == expected
    page.get_by_text("No model is active yet").first.wait_for()
    shot(page, "deep-link")
