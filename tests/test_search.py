from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InputError
from embedlab.search import ExactIndex


@pytest.fixture
def matrix() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(1000, 16)).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_chunked_search_equals_one_pass(matrix, metric):
    queries = matrix[:7] + 0.01
    whole = ExactIndex(matrix, device="cpu", chunk_rows=10_000).search(queries, k=12, metric=metric)
    chunked = ExactIndex(matrix, device="cpu", chunk_rows=37).search(queries, k=12, metric=metric)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_allclose(whole[1], chunked[1], rtol=1e-5, atol=1e-5)


def test_cosine_scores_are_exact(matrix):
    queries = matrix[[3, 500]]
    ids, scores = ExactIndex(matrix, device="cpu", chunk_rows=100).search(queries, k=5)
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    expected = unit @ (queries / np.linalg.norm(queries, axis=1, keepdims=True)).T
    for q in range(2):
        assert ids[q].tolist() == np.argsort(-expected[:, q])[:5].tolist()
        np.testing.assert_allclose(scores[q], np.sort(expected[:, q])[::-1][:5], atol=1e-5)


def test_exclusions_apply_per_query(matrix):
    index = ExactIndex(matrix, device="cpu", chunk_rows=64)
    ids, _ = index.search(matrix[[0, 1]], k=3, exclude=[{0}, {1, 5}])
    assert 0 not in ids[0] and not {1, 5} & set(ids[1].tolist())


def test_restrict_and_small_k(matrix):
    index = ExactIndex(matrix, device="cpu")
    ids, _ = index.search(matrix[:1], k=50, restrict=20)
    assert ids.shape == (1, 20) and ids.max() < 20


def test_dimension_mismatch_and_bad_metric(matrix):
    index = ExactIndex(matrix, device="cpu")
    with pytest.raises(InputError, match="has 3 dimensions but the model has 16"):
        index.search(np.ones((1, 3)), k=1)
    with pytest.raises(InputError, match="Unknown metric"):
        index.search(matrix[:1], k=1, metric="manhattan")  # type: ignore[arg-type]
