"""Search by meaning and by words: ranking, the on-disk cache, sharded scans, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis import encoders, retrieval
from embedlab.analysis.retrieval import Passages, build_index, is_cached
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.ingest.corpus import ingest

DOCS = [
    "The cat sat on the mat all afternoon.",
    "Interest rates rose at the central bank this year.",
    "The river bank flooded after the heavy rain.",
    "A bank of fog rolled slowly over the river.",
    "Heavy rain is expected tomorrow in the north.",
    "She opened a savings account to put money aside.",
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "docs"
    ingest("\n\n".join(DOCS).encode(), folder, filename="docs.txt")
    return folder


@pytest.fixture
def encode_calls(monkeypatch):
    """Counts the calls to the sentence encoder (the real one runs)."""
    calls = []
    real = encoders.encode

    def counting(texts, *args, **kwargs):
        calls.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(encoders, "encode", counting)
    return calls


@pytest.mark.parametrize("method", ["tfidf", "bm25"])
def test_the_exact_phrase_comes_first(corpus, tmp_path, method):
    passages = Passages.from_corpus(corpus)
    assert (
        len(passages) == len(DOCS)
        and passages.text(2) == "the river bank flooded after the heavy rain"
    )
    result = build_index(passages, method, tmp_path / "cache").search("River bank flooded", k=3)
    assert result.hits[0].index == 2 and result.hits[0].rank == 1
    assert result.hits[0].matched == ("river", "bank", "flooded")
    assert result.terms == ("river", "bank", "flooded")
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_bm25_scores_match_the_formula():
    texts = ["a b b", "a c", "c c c d"]
    index = build_index(Passages.from_texts(texts), "bm25")
    result = index.search("b", k=3)
    n, df, tf, dl, avgdl = 3, 1, 2, 3, 3.0
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    k1, b = retrieval.BM25_K1, retrieval.BM25_B
    expected = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
    assert [h.index for h in result.hits] == [0]
    assert result.hits[0].score == pytest.approx(expected, rel=1e-5)


def test_tfidf_scores_are_cosines_and_unknown_words_give_a_note():
    index = build_index(Passages.from_texts(DOCS), "tfidf")
    same = index.search(DOCS[0], k=1).hits[0]
    assert same.index == 0 and same.score == pytest.approx(1.0, abs=1e-5)
    result = index.search("zzz qqq")
    assert result.hits == () and "No passage" in result.note


def test_the_term_cache_is_reused_and_follows_the_corpus(corpus, tmp_path):
    cache = tmp_path / "cache"
    first = build_index(Passages.from_corpus(corpus), "tfidf", cache)
    assert not first.info["cached"] and is_cached(Passages.from_corpus(corpus), "bm25", cache)
    again = build_index(Passages.from_corpus(corpus), "bm25", cache)
    assert again.info["cached"]
    ingest("\n\n".join([*DOCS, "A new line about banks."]).encode(), corpus, filename="d.txt")
    changed = Passages.from_corpus(corpus)
    assert not is_cached(changed, "bm25", cache)
    assert len(build_index(changed, "bm25", cache)) == len(DOCS) + 1


def _topic_model() -> Embeddings:
    """Three topics, four words each, near their topic's axis; stop words near a shared one."""
    rng = np.random.default_rng(0)
    topics = [
        ["police", "officers", "arrested", "detained"],
        ["fire", "flames", "firefighters", "bushfires"],
        ["cricket", "batsman", "match", "wicket"],
    ]
    words, rows = [], []
    for t, group in enumerate(topics):
        for word in group:
            words.append(word)
            rows.append(np.eye(8)[t] + 0.1 * rng.standard_normal(8))
    for word in ("the", "a", "was", "after", "by", "near"):
        words.append(word)
        rows.append(np.eye(8)[7] + 0.1 * rng.standard_normal(8))
    return Embeddings(words, np.array(rows, dtype=np.float32), meta={"name": "topics"})


def test_sif_ranks_by_word_vectors_and_is_cached(tmp_path):
    emb = _topic_model()
    texts = [
        "the police arrested two men after the attack",
        "the cricket match was won by a batsman",
        "fire crews fought the bushfires near sydney",
        "the wicket was green",
    ]
    passages = Passages.from_texts(texts)
    index = build_index(passages, "sif", tmp_path, emb=emb)
    result = index.search("officers detained a suspect", k=4)
    assert result.hits[0].index == 0 and result.hits[0].matched == ()  # no shared word
    assert index.search("firefighters and flames", k=4).hits[0].index == 2
    assert build_index(passages, "sif", tmp_path, emb=emb).info["cached"]
    result = index.search("qqqq zzzz")
    assert result.hits == () and "None of the query's words is in the model 'topics'" in result.note


def test_a_sharded_scan_from_disk_matches_the_resident_index(
    lee_sentences, lee_emb, tmp_path, monkeypatch
):
    texts = [" ".join(s) for s in lee_sentences[:300]]
    passages = Passages.from_texts(texts)
    resident = build_index(passages, "sif", tmp_path, emb=lee_emb)
    monkeypatch.setattr(retrieval, "RESIDENT_BYTES", 0)
    monkeypatch.setattr(retrieval, "SHARD_ROWS", 7)
    sharded = build_index(passages, "sif", tmp_path, emb=lee_emb)
    assert resident._shards is not None and sharded._shards is None
    for query in ("police said the fire", "israeli security forces"):
        a, b = resident.search(query, k=10), sharded.search(query, k=10)
        assert [h.index for h in a.hits] == [h.index for h in b.hits]
        np.testing.assert_allclose([h.score for h in a.hits], [h.score for h in b.hits], atol=1e-5)


@pytest.mark.slow
def test_minilm_finds_meaning_and_encodes_once(corpus, tmp_path, encode_calls):
    events = []
    passages = Passages.from_corpus(corpus)
    index = build_index(passages, "minilm", tmp_path / "cache", on_progress=events.append)
    assert encode_calls == [len(DOCS)] and not index.info["cached"]
    assert events[-1].stage == "done" and any(e.stage == "encoding" for e in events)
    result = index.search("money in a savings account", k=2)
    assert result.hits[0].index == 5 and -1 <= result.hits[1].score <= 1
    assert index.search("a kitten resting on a rug", k=1).hits[0].index == 0
    encode_calls.clear()
    again = build_index(Passages.from_corpus(corpus), "minilm", tmp_path / "cache")
    assert encode_calls == [] and again.info["cached"]  # read from the cache: no encoding
    assert [h.index for h in again.search("money", k=3).hits] == [
        h.index for h in index.search("money", k=3).hits
    ]


@pytest.mark.parametrize(
    ("query", "k", "needle"),
    [
        ("", 10, "The query is empty"),
        ("   ", 10, "The query is empty"),
        ("x" * 1001, 10, "at most 1,000"),
        ("bank", 0, "k must be a whole number from 1 to 100"),
    ],
)
def test_bad_queries_are_one_sentence(query, k, needle):
    index = build_index(Passages.from_texts(DOCS), "bm25")
    with pytest.raises(InputError) as err:
        index.search(query, k)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_bad_builds_are_one_sentence(monkeypatch, tmp_path):
    passages = Passages.from_texts(DOCS)
    with pytest.raises(InputError, match="Unknown search method 'lsa'"):
        build_index(passages, "lsa")
    with pytest.raises(InputError, match="SIF search needs word vectors"):
        build_index(passages, "sif")
    with pytest.raises(InputError, match="no passages"):
        Passages.from_texts([])
    with pytest.raises(InputError, match="no corpus"):
        Passages.from_corpus(tmp_path / "missing")
    monkeypatch.setenv("EMBEDLAB_MAX_SEARCH_PASSAGES", "3")
    with pytest.raises(InputError, match="more than 3 passages") as err:
        Passages.from_texts(DOCS)
    assert "EMBEDLAB_MAX_SEARCH_PASSAGES" in str(err.value) and "\n" not in str(err.value)
