"""Helpers for the browser tests: wait for the app to settle, take screenshots."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).parent / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_idle(page) -> None:
    """Wait until the app's script has finished its current run."""
    page.wait_for_selector(IDLE, timeout=90_000)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/e2e/screenshots/."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


NAV_LINK = "[data-testid='stSidebarNavLink']"


def nav_titles(page) -> list[str]:
    """The sidebar navigation's page titles in order, after showing the ones folded away
    ("View more"). A link's text starts with its icon's ligature name, hence the split."""
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    return [t.split("\n")[-1] for t in page.locator(NAV_LINK).all_inner_texts()]


def go(page, title: str) -> None:
    """Open a page from the sidebar navigation and wait for it to settle. The title must
    match a link's label exactly: "Compare" is inside Analogies' icon, compare_arrows."""
    link = page.locator(NAV_LINK).filter(has=page.get_by_text(title, exact=True))
    if not link.count():
        nav_titles(page)  # the page may be among the ones folded away
    link.click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_idle(page)


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the st.selectbox whose key is `key`."""
    page.locator(f".st-key-{key} [role='combobox']").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def type_into(page, key: str, text: str) -> None:
    """Type into the st.text_input whose key is `key` and submit it."""
    box = page.locator(f".st-key-{key} input")
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def bar_words(page, key: str) -> list[str]:
    """The words of a horizontal bar chart (its y tick labels), top to bottom."""
    chart = page.locator(f".st-key-{key} .js-plotly-plot")
    chart.wait_for()
    return chart.locator("g.ytick text").all_text_contents()
