"""The app shell: navigation, the shared sidebar, and the active model."""

from __future__ import annotations

from app_helpers import DEMO_MODEL, new_app


def test_first_screen_on_an_empty_workspace(home):
    at = new_app().run()
    assert not at.exception and not at.error
    assert at.sidebar.selectbox[0].value is None
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert str(home.resolve()) in captions and "Compute: CPU" in captions


def test_sidebar_shows_the_active_model(lee_home):
    at = new_app().run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == DEMO_MODEL
    facts = " ".join(c.value for c in at.sidebar.caption)
    assert "× 32 dimensions" in facts and "trained on *lee*" in facts
