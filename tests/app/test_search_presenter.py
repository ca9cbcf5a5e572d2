"""The Search page's presenter: methods, background builds, highlighting user text safely."""

from __future__ import annotations

import pytest

from embedlab.analysis.retrieval import Passages, SearchEvent, build_index
from embedlab.app import search as view
from embedlab.jobs.thread import BOARD

DOCS = [
    "The river bank flooded after the heavy rain.",
    "Interest rates rose at the central bank.",
    "<script>alert(1)</script> *bank* [link](http://x) :red[bank]",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_methods_offer_sif_only_with_a_model():
    assert view.method_choices(True) == ["minilm", "sif", "tfidf", "bm25"]
    assert view.parse_methods(None, False) == ["minilm", "tfidf", "bm25"]
    assert view.parse_methods("sif,bm25,bm25", False) == ["bm25"]
    assert view.parse_methods("sif", True) == ["sif"]


def test_minilm_and_large_corpora_go_to_the_background(tmp_path, monkeypatch):
    passages = Passages.from_texts(DOCS)
    assert view.needs_job(passages, "minilm", tmp_path)
    assert not view.needs_job(passages, "tfidf", tmp_path)
    monkeypatch.setattr(view, "SLOW_PASSAGES", 2)
    assert view.needs_job(passages, "bm25", tmp_path)
    build_index(passages, "bm25", tmp_path)
    assert not view.needs_job(passages, "tfidf", tmp_path)  # cached: tfidf shares the terms


def test_a_background_build_fills_the_cache_with_progress(tmp_path):
    passages = Passages.from_texts(DOCS)
    job = view.start_build(passages, ["tfidf"], tmp_path)
    done = BOARD.wait(job.id, timeout=60)
    assert done.state == "done", done.error
    assert done.result["tfidf"]["cached"] is False
    assert view.progress(done.event) == (1.0, "TF-IDF — done: 3 of 3 passages")
    assert not view.needs_job(passages, "tfidf", tmp_path)


def test_hostile_passages_are_escaped_and_matches_highlighted():
    index = build_index(Passages.from_texts(DOCS), "bm25")
    result = index.search("bank", k=3)
    hostile = next(h for h in result.hits if h.index == 2)
    line = view.hit_markdown(hostile)
    assert "<script>" not in line and "\\<script\\>" in line
    assert "\\[link\\]" in line and "\\:red\\[" in line
    assert line.count(":orange-background[bank]") == 2
    assert view.caption(result).startswith("3 of 3 passages · BM25 score · ")
    assert "3 passage(s) appear in every column" in view.summary([result, result])


def test_progress_before_any_event():
    assert view.progress(None) == (0.0, "Starting…")
    assert view.progress(("BM25", SearchEvent("counting", 1, 4)))[0] == 0.25
