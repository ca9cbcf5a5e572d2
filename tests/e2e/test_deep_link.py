"""A link straight to a page, as the first request a fresh server gets (a teacher sharing
http://host:8501/neighbours with a class), shows that page inside the app's navigation."""

from __future__ import annotations

from browser_helpers import shot, wait_idle


def test_a_deep_link_on_a_fresh_server_gets_the_whole_app(server, page):
    page.goto(f"{server}/neighbours")
    wait_idle(page)
    page.get_by_role("heading", name="Neighbours").first.wait_for()
    nav = [
        t.split("\n")[-1]
        for t in page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
    ]
    assert nav == [
        "Corpus", "Train", "Models",
        "Neighbours", "Analogies", "Projection", "Evaluate", "Classify",
    ]  # fmt: skip
    page.get_by_text("No model is active yet").first.wait_for()
    shot(page, "deep-link")
