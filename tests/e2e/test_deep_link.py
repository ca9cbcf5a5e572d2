"""A link straight to a page, as the first request a fresh server gets (a teacher sharing
http://host:8501/neighbours with a class), shows that page inside the app's navigation."""

from __future__ import annotations

import re
import time
from pathlib import Path

from browser_helpers import nav_titles, shot, wait_idle

ROOT = Path(__file__).resolve().parents[2]


def app_pages() -> list[str]:
    """The page titles app.py registers, in its order (Build: Corpus, Train, Models, ...;
    Explore: Neighbours, Analogies, ...), read from its `st.Page(..., title=...)` calls."""
    return re.findall(r'\btitle="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def test_the_navigation_list_is_read_from_app_py():
    titles = app_pages()
    assert titles[:3] == ["Corpus", "Train", "Models"]
    assert {"Neighbours", "Analogies", "Compare", "Axes", "Evaluate", "Classify"} <= set(titles)


def test_a_deep_link_on_a_fresh_server_gets_the_whole_app(server, page):
    page.goto(f"{server}/neighbours")
    wait_idle(page)
    page.get_by_role("heading", name="Neighbours").first.wait_for()
    expected = app_pages()
    # The first run of a fresh server may draw Streamlit's folder-based navigation for a
    # moment before the page reruns through app.py (embedlab.app.ui._ensure_shell).
    deadline = time.monotonic() + 20
    while (nav := nav_titles(page)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert nav == expected
    page.get_by_text("No model is active yet").first.wait_for()
    shot(page, "deep-link")
