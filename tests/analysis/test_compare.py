"""Comparing two models: shared words, neighbour agreement, Procrustes alignment, one word."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.compare import (
    aligned_pairs,
    compare,
    compare_word,
    nearest_ids,
    shared_vocabulary,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError

TOP = 1500  # the Lee model's most frequent words: enough structure, fast


def _rotation(dim: int, seed: int = 0) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix


def _one_sentence(message: str) -> None:
    assert message.endswith((".", "?")) and "\n" not in message
    assert message.count(". ") == 0, message


@pytest.fixture(scope="module")
def lee_twin(lee_sentences) -> Embeddings:
    """The Lee model's seed twin: the same settings as `lee_kv`, another seed."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        lee_sentences, vector_size=50, window=5, min_count=3, epochs=15, workers=1, seed=7
    )
    return Embeddings.from_keyedvectors(model.wv, meta={"name": "lee-seed7"})


def test_a_model_compared_with_itself_agrees_fully_and_does_not_move(lee_emb):
    c = compare(lee_emb, lee_emb, k=10, top=TOP, device="cpu")
    assert len(c.shared) == TOP and c.shared.share_a == c.shared.share_b == 1.0
    assert c.agreement.jaccard.shape == (TOP,)
    assert c.agreement.mean_jaccard == 1.0 and c.agreement.mean_overlap == 1.0
    assert np.all(c.alignment.after == 0.0) and np.all(c.alignment.before == 0.0)
    assert np.allclose(c.alignment.rotation, np.eye(lee_emb.dim), atol=1e-5)
    assert c.alignment.fitted_on == TOP and c.alignment_note is None


def test_a_rotated_copy_agrees_and_aligns_back(lee_emb):
    q = _rotation(lee_emb.dim)
    turned = Embeddings(lee_emb.words, lee_emb.vectors @ q, meta={"name": "turned"})
    c = compare(lee_emb, turned, k=10, top=TOP, device="cpu")
    # the same neighbours up to float32 rounding (a near-tie at rank 10 may swap)
    assert c.agreement.mean_jaccard == pytest.approx(1.0, abs=1e-3)
    assert (c.agreement.jaccard == 1.0).mean() > 0.99
    assert c.alignment.mean_after < 1e-5 and c.alignment.after.max() < 1e-4
    assert c.alignment.mean_before > 0.5  # unaligned, the twins point elsewhere
    assert np.allclose(c.alignment.rotation, q, atol=1e-3)


def test_an_exactly_rotated_toy_model_agrees_exactly():
    rng = np.random.default_rng(3)
    a = Embeddings([f"w{i}" for i in range(300)], rng.normal(size=(300, 16)))
    b = Embeddings(a.words, a.vectors @ _rotation(16, seed=5))
    c = compare(a, b, k=5, device="cpu")
    assert c.agreement.jaccard.min() == 1.0
    assert c.alignment.after.max() < 1e-5 < c.alignment.mean_before


def test_two_seeds_agree_partly(lee_emb, lee_twin):
    c = compare(lee_emb, lee_twin, k=10, top=TOP, device="cpu")
    assert 0.0 < c.agreement.mean_jaccard < 1.0
    assert 0.0 < c.alignment.mean_after < c.alignment.mean_before
    # the per-word numbers spread out, and the extremes are ordered
    assert c.agreement.jaccard.min() < c.agreement.jaccard.max()
    most = [w.score for w in c.alignment.moved_most]
    least = [w.score for w in c.alignment.moved_least]
    assert most == sorted(most, reverse=True) and least == sorted(least)
    assert least[0] <= c.alignment.mean_after <= most[0]
    lo = [w.score for w in c.agreement.least]
    assert lo == sorted(lo) and lo[0] == c.agreement.jaccard.min()
    assert c.agreement.overlap.mean() >= c.agreement.mean_jaccard  # overlap >= Jaccard


def test_fit_on_the_most_frequent_words_and_top_n(lee_emb, lee_twin):
    c = compare(lee_emb, lee_twin, k=5, top=800, fit_top=200, device="cpu")
    assert c.shared.vocab_a == 800 and c.shared.top == 800
    assert c.alignment.fitted_on == 200 and len(c.alignment.after) == len(c.shared)
    d = c.to_dict(extremes=3)
    assert d["alignment"]["fitted_on"] == 200 and len(d["alignment"]["moved_most"]) == 3
    assert d["params"]["fit_top"] == 200


def test_shared_vocabulary_and_its_shares():
    a = Embeddings(["the", "cat", "sat", "on", "mat"], np.eye(5))
    b = Embeddings(["mat", "dog", "the", "on"], np.eye(4))
    s = shared_vocabulary(a, b)
    assert s.words == ("the", "on", "mat")  # in A's order
    assert s.share_a == pytest.approx(3 / 5) and s.share_b == pytest.approx(3 / 4)
    assert shared_vocabulary(a, b, top=2).words == ()  # the, cat vs mat, dog


def test_different_dimensions_keep_agreement_and_explain_the_missing_alignment(lee_emb):
    narrow = Embeddings(lee_emb.words[:TOP], lee_emb.vectors[:TOP, :20], meta={"name": "narrow"})
    c = compare(lee_emb, narrow, k=10, top=TOP, device="cpu")
    assert c.alignment is None
    _one_sentence(c.alignment_note)
    assert "50" in c.alignment_note and "20" in c.alignment_note
    assert 0.0 < c.agreement.mean_jaccard < 1.0
    assert c.to_dict()["alignment"] is None
    word = compare_word(lee_emb, narrow, c, lee_emb.words[5])
    assert word.twin_cosine is None and len(word.in_a) == 10
    with pytest.raises(InputError) as err:
        aligned_pairs(lee_emb, narrow, c, [lee_emb.words[5]])
    _one_sentence(str(err.value))


@pytest.mark.parametrize(
    ("words_b", "k", "needle"),
    [
        (["x", "y", "z"], 1, "share no words"),
        (["c", "y", "z"], 1, "share only one word ('c')"),
        (["a", "b", "c", "z"], 3, "k=3 needs more than 3 shared words"),
    ],
)
def test_comparisons_that_cannot_be_made_say_why_in_one_sentence(words_b, k, needle):
    a = Embeddings(["a", "b", "c", "d"], np.eye(4))
    b = Embeddings(words_b, np.eye(len(words_b))[:, :3] + 0.1)
    with pytest.raises(InputError) as err:
        compare(a, b, k=k)
    assert needle in str(err.value)
    _one_sentence(str(err.value))


def test_one_word_side_by_side(lee_emb, lee_twin):
    c = compare(lee_emb, lee_twin, k=10, top=TOP, device="cpu")
    word = "government"
    w = compare_word(lee_emb, lee_twin, c, word)
    assert len(w.in_a) == len(w.in_b) == 10 and word not in {r.word for r in w.in_a}
    both = {r.word for r in w.in_a} & {r.word for r in w.in_b}
    assert {r.word for r in w.in_a if r.shared} == both == {r.word for r in w.in_b if r.shared}
    assert w.jaccard == pytest.approx(len(both) / (20 - len(both)))
    assert w.jaccard == pytest.approx(float(c.agreement.jaccard[c.index(word)]))
    scores = [r.score for r in w.in_a]
    assert scores == sorted(scores, reverse=True)
    assert w.twin_cosine == pytest.approx(1 - float(c.alignment.after[c.index(word)]), abs=1e-5)
    assert 0.0 <= w.moved_more_than <= 1.0
    # itself: its twin is exactly where it was
    same = compare(lee_emb, lee_emb, k=5, top=TOP, device="cpu")
    assert compare_word(lee_emb, lee_emb, same, word).twin_cosine == pytest.approx(1.0)


def test_an_unknown_word_says_so_in_one_sentence(lee_emb, lee_twin):
    c = compare(lee_emb, lee_twin, k=5, top=TOP, device="cpu")
    with pytest.raises(InputError) as err:
        compare_word(lee_emb, lee_twin, c, "governmnet")
    assert "'governmnet' is not in model A's vocabulary" in str(err.value)
    assert "government" in str(err.value)
    _one_sentence(str(err.value))
    rare = lee_emb.words[-1]  # known to both models, but outside the top-N compared
    with pytest.raises(InputError) as err:
        compare_word(lee_emb, lee_twin, c, rare)
    assert "not among the" in str(err.value)
    _one_sentence(str(err.value))


def test_bfloat16_screening_finds_the_float32_neighbours():
    rng = np.random.default_rng(0)
    unit = rng.normal(size=(3000, 64)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    exact, how = nearest_ids(unit, 10, "cpu", "float32")
    screened, how_bf = nearest_ids(unit, 10, "cpu", "bfloat16")
    assert (how, how_bf) == ("float32", "bfloat16")
    assert (np.sort(exact, axis=1) == np.sort(screened, axis=1)).all(axis=1).mean() > 0.999
    brute = np.argsort(-(unit[:50] @ unit.T), axis=1)[:, 1:11]  # row 0 of each is itself
    assert (np.sort(brute, axis=1) == np.sort(exact[:50], axis=1)).all()


@pytest.mark.parametrize(
    "n, panel, width, threads",
    [(700, 256, 300, 2), (257, 64, 64, 3), (12, 4, 5, 1), (90, 8, 40, 4)],
)
def test_cpu_search_over_symmetric_panels_equals_a_float64_brute_force(n, panel, width, threads):
    from embedlab.analysis.compare import _nearest_cpu

    rng = np.random.default_rng(n)
    unit = rng.normal(size=(n, 48)).astype(np.float32)
    unit[1] = unit[0]  # an exact duplicate: each is the other's nearest
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    k = min(10, n - 1)
    # uneven last panels and products; more threads than cores (each keeps its own lists)
    found = _nearest_cpu(unit, k, panel=panel, width=width, threads=threads)
    scores = unit.astype(np.float64) @ unit.T.astype(np.float64)
    np.fill_diagonal(scores, -np.inf)
    reference = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    assert (np.sort(found, axis=1) == np.sort(reference, axis=1)).all()
    assert found[0, 0] == 1 and found[1, 0] == 0  # best first
    assert (found != np.arange(n)[:, None]).all()  # never its own neighbour
    ordered = np.take_along_axis(scores, found, axis=1)
    assert (np.diff(ordered, axis=1) <= 1e-6).all()
