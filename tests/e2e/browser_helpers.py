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
