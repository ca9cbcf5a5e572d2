"""A quality check that cannot pass on random vectors, shared by the trainers' tests."""

from __future__ import annotations

import numpy as np

from embedlab.embeddings import Embeddings


def cooccurrence_gap(emb: Embeddings, tokens: list[list[str]], window: int) -> float:
    """Mean cosine of word pairs within `window` of each other in the corpus, minus that of
    the same words with their partners shuffled (same frequencies, co-occurrence broken).

    Distinct pairs are used, so a few frequent ones do not dominate the mean.
    """
    pairs = sorted(
        {
            (s[i], s[j])
            for s in tokens
            for i in range(len(s))
            for j in range(i + 1, min(i + window + 1, len(s)))
            if s[i] != s[j] and s[i] in emb and s[j] in emb
        }
    )
    rng = np.random.default_rng(0)
    picked = rng.choice(len(pairs), size=min(20_000, len(pairs)), replace=False)
    left = [pairs[i][0] for i in picked]
    right = [pairs[i][1] for i in picked]
    shuffled = list(rng.permutation(right))
    random_pairs = [(a, b) for a, b in zip(left, shuffled, strict=True) if a != b]

    def mean_cosine(some: list[tuple[str, str]]) -> float:
        rows_a = emb.normed[[emb.index(a) for a, _ in some]]
        rows_b = emb.normed[[emb.index(b) for _, b in some]]
        return float(np.mean(np.sum(rows_a * rows_b, axis=1)))

    return mean_cosine(list(zip(left, right, strict=True))) - mean_cosine(random_pairs)
