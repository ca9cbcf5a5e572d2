"""Faithfulness of a map: per-word neighbour agreement, its summary, and the words it lost."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.faithfulness import (
    approximate_neighbours,
    exact_neighbours,
    faithfulness,
    map_neighbours,
    of_projection,
)
from embedlab.analysis.project import project
from embedlab.embeddings import Embeddings
from embedlab.errors import InputError


def brute_force(high: np.ndarray, low: np.ndarray, k: int, metric: str) -> np.ndarray:
    """The definition, with full n × n matrices: |kNN_high(i) ∩ kNN_low(i)| / k."""
    if metric == "cosine":
        unit = high / np.linalg.norm(high, axis=1, keepdims=True)
        d_high = 1.0 - unit @ unit.T
    else:
        d_high = ((high[:, None, :] - high[None, :, :]) ** 2).sum(-1)
    d_low = ((low[:, None, :] - low[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d_high, np.inf)
    np.fill_diagonal(d_low, np.inf)
    near_high = np.argsort(d_high, axis=1)[:, :k]
    near_low = np.argsort(d_low, axis=1)[:, :k]
    return np.array([len(set(a) & set(b)) / k for a, b in zip(near_high, near_low, strict=True)])


def test_an_identity_map_keeps_every_neighbour():
    points = np.random.default_rng(0).normal(size=(400, 2))
    faith = faithfulness(points, points, k=10, metric="euclidean")
    assert faith.scores.shape == (400,) and (faith.scores == 1.0).all()
    assert faith.kept.all() and faith.trustworthiness == pytest.approx(1.0)
    assert faith.lost(0, points) == [] and set(faith.lost_words()) == {""}
    # cosine: on the unit circle, cosine neighbours are the map's euclidean neighbours
    angles = np.random.default_rng(1).uniform(0, 2 * np.pi, size=300)
    circle = np.c_[np.cos(angles), np.sin(angles)]
    assert (faithfulness(circle, circle, k=5, metric="cosine").scores == 1.0).all()


def test_a_random_map_keeps_about_k_over_n():
    rng = np.random.default_rng(2)
    n, k = 2_000, 10
    faith = faithfulness(rng.normal(size=(n, 30)), rng.normal(size=(n, 2)), k=k)
    assert faith.mean == pytest.approx(k / (n - 1), abs=0.004)
    assert faith.trustworthiness < 0.6  # no better than chance (0.5)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_per_word_scores_match_brute_force(metric):
    rng = np.random.default_rng(3)
    high = rng.normal(size=(150, 12))
    low = high[:, :2] + rng.normal(scale=0.5, size=(150, 2))  # a noisy, partly faithful map
    for k in (1, 5, 15):
        faith = faithfulness(high, low, k=k, metric=metric, search="exact", trust=False)
        np.testing.assert_allclose(faith.scores, brute_force(high, low, k, metric), atol=1e-6)
    assert 0.1 < faith.mean < 0.9


@pytest.mark.slow  # pynndescent's first use in a process compiles numba code (35 s and more)
def test_exact_and_approximate_neighbours_agree_and_never_include_the_word():
    rng = np.random.default_rng(4)
    data = rng.normal(size=(600, 8)).astype(np.float32)
    exact = exact_neighbours(data, 10)
    assert exact.shape == (600, 10) and exact.dtype == np.int32
    assert not (exact == np.arange(600)[:, None]).any()
    approx = approximate_neighbours(data, 10)
    assert not (approx == np.arange(600)[:, None]).any()
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert overlap > 0.9
    dupes = np.zeros((5, 2))  # identical points: the word itself is still left out
    assert not (map_neighbours(dupes, 4) == np.arange(5)[:, None]).any()


def test_the_search_by_size_and_the_trust_sample():
    from embedlab.analysis import faithfulness as module

    rng = np.random.default_rng(5)
    high, low = rng.normal(size=(500, 6)), rng.normal(size=(500, 2))
    small = faithfulness(high, low, k=5, sample=200)
    assert small.search == "exact" and small.trust_sample == 200
    assert "on a sample of 200 of 500 words" in small.summary()
    assert module._choose("auto", module.EXACT_UP_TO, "cpu") == "exact"
    assert module._choose("auto", module.EXACT_UP_TO + 1, "cpu") == "pynndescent"
    assert module._choose("exact", 10**6, "cpu") == "exact"


def test_lost_neighbours_are_the_ones_the_map_threw_far():
    high = np.array([[0.0], [1.0], [2.5], [10.0], [11.0]])
    low = np.array([[0.0], [50.0], [2.0], [10.0], [11.0]])  # "b" was thrown far away
    faith = faithfulness(high, low, k=1, metric="euclidean", words="abcde", trust=False)
    assert faith.scores.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert faith.lost(0, low) == [(1, 4)]  # b is a's 4th nearest point on the map
    assert faith.lost_words() == ["b", "a", "b", "", ""]


def test_of_projection_uses_what_the_projection_projected():
    rng = np.random.default_rng(6)
    emb = Embeddings([f"w{i}" for i in range(300)], rng.normal(size=(300, 3)) * [10, 1, 0.01])
    proj = project(emb, "pca", n=200, dims=2, metric="euclidean")
    faith = of_projection(emb, proj, k=5)
    assert len(faith) == 200 and faith.words == proj.words
    assert faith.mean > 0.95  # the third axis hardly matters
    cosine = project(emb, "pca", n=200, dims=2)  # of the unit vectors
    expected = faithfulness(emb.normed[:200], cosine.coords, k=5, metric="euclidean")
    np.testing.assert_array_equal(of_projection(emb, cosine, k=5).scores, expected.scores)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, r"k \(neighbours per word\) must be a whole number from 1 to 9"),
        ({"k": 10}, "from 1 to 9"),
        ({"metric": "manhattan"}, "Unknown metric 'manhattan'"),
        ({"search": "faiss"}, "Unknown search 'faiss'"),
        ({"words": ["a"]}, "Got 1 words for 10 vectors"),
    ],
)
def test_each_rule_has_its_message(kwargs, message):
    points = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(InputError, match=message):
        faithfulness(points, points, **{"k": 3, **kwargs})
    with pytest.raises(InputError, match="Got 9 map points for 10 vectors"):
        faithfulness(points, points[:9])
    with pytest.raises(InputError, match="NaN or infinite"):
        faithfulness(points, np.full((10, 2), np.nan))
