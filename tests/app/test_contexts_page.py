"""The Contexts page: one word's contextual vectors in many sentences, drawn and explained.

Every test encodes sentences with MiniLM (seconds on a CPU), so they are all marked slow.
"""

from __future__ import annotations

import pytest
from app_helpers import open_page

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_first_view_splits_bank_into_two_clusters(lee_home):
    at = open_page("contexts")
    assert not at.exception and not at.error
    assert at.text_input(key="ctx_word").value == "bank"
    assert at.get("plotly_chart")
    clusters, static, sentences = (d.value for d in at.dataframe)
    assert clusters["sentences"].tolist() == [10, 10]
    assert "river" in clusters["words only its sentences use"].iloc[0]
    assert "static vector's cosine to its words" in clusters.columns  # lee-demo knows "bank"
    assert len(static) == 10 and list(static.columns) == ["neighbour", "cosine", "closest cluster"]
    assert len(sentences) == 20
    text = " ".join(m.value for m in at.markdown)
    assert "2 clusters, chosen by the silhouette" in text and "blend of all the uses" in text
    assert at.query_params["word"] == "bank" and at.query_params["source"] == "examples"


def test_typed_sentences_with_k_given(lee_home):
    at = open_page("contexts")
    at = at.radio(key="ctx_source").set_value("typed").run()
    at = at.selectbox(key="ctx_k").set_value("3").run()
    assert not at.exception and not at.error
    assert len(at.dataframe[0].value) == 3
    assert any("3 clusters, as asked" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("word", "needle"),
    [("", "The word is empty"), ("zebra", "'zebra' does not occur in any of the 20 sentences")],
)
def test_bad_words_give_one_error_line(lee_home, word, needle):
    at = open_page("contexts")
    at = at.text_input(key="ctx_word").input(word).run()
    assert not at.exception
    assert len(at.error) == 1 and needle in at.error[0].value
    assert not at.get("plotly_chart")


def test_sentences_from_a_corpus(lee_home):
    at = open_page("contexts")
    at = at.radio(key="ctx_source").set_value("corpus").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="ctx_corpus").value == "lee"
    assert at.query_params["corpus"] == "lee"
    sentences = at.dataframe[-1].value
    assert len(sentences) >= 10 and all("bank" in s for s in sentences["sentence"])


def test_without_a_model_the_page_still_draws_and_says_why(home):
    at = open_page("contexts")
    assert not at.exception and not at.error
    assert any("activate a model" in m.value for m in at.markdown)
