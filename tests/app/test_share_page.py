"""The Share page: a model's bundle to download, with its saved views listed."""

from __future__ import annotations

from app_helpers import DEMO_MODEL, open_page

from embedlab.jobs.bundle import save_view
from embedlab.store.workspace import Workspace


def test_a_bundle_is_prepared_with_the_saved_views_listed(lee_home):
    save_view(Workspace(lee_home), DEMO_MODEL, "neighbours", {"q": "police"}, name="police")
    at = open_page("share")
    assert not at.exception and not at.error
    assert at.selectbox(key="share_model").value == DEMO_MODEL
    views = at.dataframe[0].value
    assert list(views["view"]) == ["police"] and list(views["page"]) == ["neighbours"]
    at = at.button(key="share_prepare").click().run()
    assert not at.exception and not at.error
    assert at.get("download_button")


def test_without_models_the_page_says_how_to_get_one(home):
    at = open_page("share")
    assert not at.exception and "No models yet" in at.info[0].value
