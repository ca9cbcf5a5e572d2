"""The Search page: methods side by side, words highlighted, MiniLM encoded in the background."""

from __future__ import annotations

import pytest
from app_helpers import open_page

from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.thread import BOARD
from embedlab.store.workspace import Workspace

TINY = [
    "The river bank flooded after the heavy rain.",
    "Interest rates rose at the central bank.",
    "She opened a savings account to put money aside.",
    "A kitten slept on the warm rug.",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _words_only(at):
    return at.multiselect(key="se_methods").set_value(["tfidf", "bm25"]).run()


def test_word_methods_side_by_side_with_highlights(lee_home):
    at = _words_only(open_page("search"))
    at = at.text_input(key="se_query").input("police arrested").run()
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader] == ["TF-IDF", "BM25"]
    hits = [m.value for m in at.markdown if m.value.startswith("**1.**")]
    assert len(hits) == 2 and all(":orange-background[" in h for h in hits)
    assert at.query_params["q"] == "police arrested"
    assert at.query_params["methods"] == "tfidf,bm25" and at.query_params["corpus"] == "lee"

    at = at.number_input(key="se_k").set_value(3).run()
    assert len([m for m in at.markdown if m.value.startswith("**")]) == 6


def test_an_empty_query_asks_for_one(lee_home):
    at = _words_only(open_page("search"))
    assert not at.exception and not at.error
    assert any("Type a query" in i.value for i in at.info)


def test_a_query_without_known_words_says_so(lee_home):
    at = _words_only(open_page("search"))
    at = at.text_input(key="se_query").input("<b>qqqzzz</b>").run()
    assert not at.exception and not at.error
    assert any("No passage contains any word of the query" in i.value for i in at.info)


@pytest.mark.slow
def test_minilm_is_built_in_the_background_then_searched(lee_home):
    add_corpus(Workspace(lee_home), "\n\n".join(TINY).encode(), name="tiny", filename="t.txt")
    at = open_page("search")
    at = at.selectbox(key="se_corpus").set_value("tiny").run()
    at = at.multiselect(key="se_methods").set_value(["minilm"]).run()
    assert any("must first encode the 4 passages" in i.value for i in at.info)
    at = at.button(key="se_build").click().run()
    assert not at.exception
    job_id = at.query_params["search_job"]
    assert BOARD.wait(job_id, timeout=120).state == "done"
    at = at.text_input(key="se_query").input("a cat on a carpet").run()
    assert not at.exception and not at.error
    first = next(m.value for m in at.markdown if m.value.startswith("**1.**"))
    assert "kitten" in first
    assert "search_job" not in at.query_params


def test_without_a_corpus_the_page_says_how_to_get_one(home):
    at = open_page("search")
    assert not at.exception and not at.error
    assert "No corpus yet" in at.info[0].value
