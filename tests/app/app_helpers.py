"""Helpers for the AppTest tests: open the app or one of its pages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")
DEMO_MODEL = "lee-demo"


def new_app() -> AppTest:
    """The whole app (navigation, sidebar, pages), not yet run."""
    return AppTest.from_file(APP, default_timeout=60)


def open_page(page: str) -> AppTest:
    """Run the app, then switch to `pages/<page>.py` and run it again."""
    at = new_app().run()
    return at.switch_page(f"pages/{page}.py").run()
