"""Text → feature matrix, each a scikit-learn transformer over a list of texts.

- `TfidfFeatures`: bag of words (unigrams and bigrams), TF-IDF weighted; the baseline.
- `PooledVectors`: a word-vector model's vectors pooled over a text's tokens: `mean`,
  `tfidf` (TF-IDF-weighted mean) or `sif` (smooth inverse frequency, a=1e-3, then the
  first principal component of the training texts removed). Tokens come from the same
  tokenizer the corpus reader uses, so they match the vocabularies of embedlab's models.
- `SentenceFeatures`: a BERT-family sentence encoder (embedlab.analysis.encoders).

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> emb = Embeddings(["good", "bad", "film"], np.array([[1, 0], [-1, 0], [0, 1]]))
>>> PooledVectors(emb).fit_transform(["Good film!", "bad, bad film"]).round(3)
array([[ 0.5  ,  0.5  ],
       [-0.667,  0.333]], dtype=float32)
>>> oov_stats(["good movie", "bad film"], emb)["oov_tokens"]
1
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError
from embedlab.ingest.tokenize import TokenizeOptions, tokenizer

if TYPE_CHECKING:
    from scipy import sparse

    from embedlab.embeddings import Embeddings

POOLINGS = ("mean", "tfidf", "sif")
SIF_A = 1e-3


def _estimator_bases() -> tuple[type, type]:
    from sklearn.base import BaseEstimator, TransformerMixin

    return BaseEstimator, TransformerMixin


def _tokens(texts: Sequence[str], options: TokenizeOptions | None = None) -> list[list[str]]:
    if isinstance(texts, str):
        raise InputError("Pass a list of texts, not one string.")
    split = tokenizer(options or TokenizeOptions())
    return [split(str(t)) for t in texts]


def oov_stats(
    texts: Sequence[str], emb: Embeddings, options: TokenizeOptions | None = None, top: int = 20
) -> dict[str, Any]:
    """Tokens of `texts` that `emb` has no vector for: counts, rate and the most common ones.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> emb = Embeddings(["a", "b"], np.eye(2))
    >>> stats = oov_stats(["a b c", "c d"], emb)
    >>> stats["tokens"], stats["oov_tokens"], stats["oov_rate"], stats["top_oov"]
    (5, 3, 0.6, [['c', 2], ['d', 1]])
    """
    tokens = oov = 0
    missing: Counter[str] = Counter()
    empty = 0
    for doc in _tokens(texts, options):
        unknown = [t for t in doc if t not in emb]
        tokens += len(doc)
        oov += len(unknown)
        missing.update(unknown)
        empty += len(unknown) == len(doc)
    return {
        "tokens": tokens,
        "oov_tokens": oov,
        "oov_rate": oov / tokens if tokens else 0.0,
        "oov_types": len(missing),
        "documents_without_known_words": empty,
        "top_oov": [[w, n] for w, n in missing.most_common(top)],
    }


class TfidfFeatures(*_estimator_bases()):  # type: ignore[misc]
    """TF-IDF over word n-grams (embedlab's tokenizer); a sparse matrix per text list.

    >>> X = TfidfFeatures().fit_transform(["a good film", "a bad film", "good"])
    >>> X.shape
    (3, 8)
    """

    def __init__(
        self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, sublinear_tf: bool = True
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def fit(self, X: Sequence[str], y: Any = None) -> TfidfFeatures:  # noqa: N803 - sklearn
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = _tokens(X)
        if not any(docs):
            raise InputError("The texts hold no words; a bag of words needs some.")
        self.vectorizer_ = TfidfVectorizer(
            analyzer=_NgramAnalyzer(tuple(self.ngram_range)),
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
        )
        self.vectorizer_.fit(docs)
        self.n_features_out_ = len(self.vectorizer_.vocabulary_)
        return self

    def transform(self, X: Sequence[str]) -> sparse.csr_matrix:  # noqa: N803 - sklearn
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(_tokens(X))


class _NgramAnalyzer:
    """Token lists → word n-grams joined by a space (a picklable analyzer)."""

    def __init__(self, ngram_range: tuple[int, int]) -> None:
        self.low, self.high = ngram_range

    def __call__(self, tokens: list[str]) -> list[str]:
        grams = []
        for n in range(self.low, self.high + 1):
            grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return grams


class PooledVectors(*_estimator_bases()):  # type: ignore[misc]
    """A text's word vectors pooled into one: `mean`, `tfidf` or `sif` (see the module).

    Unknown tokens are skipped (and counted by `oov_stats`); a text with no known token
    gets a zero row. `fit` learns the IDF weights (tfidf), or the word frequencies and the
    first principal component (sif), from the training texts only. After `fit`,
    `components_` (sif) is the removed direction.
    """

    def __sklearn_clone__(self):  # noqa: ANN204 - scikit-learn's clone hook
        """A clone shares the model: an `Embeddings` is immutable, so it needs no copy."""
        return type(self)(**self.get_params(deep=False))

    def __init__(self, emb: Embeddings, pooling: str = "mean", a: float = SIF_A) -> None:
        self.emb = emb
        self.pooling = pooling
        self.a = a

    def _validate_parameters(self) -> None:
        if self.pooling not in POOLINGS:
            raise InputError(
                f"Unknown pooling '{self.pooling}'; choose one of {', '.join(POOLINGS)}."
            )
        if not (isinstance(self.a, int | float) and self.a > 0):
            raise InputError(f"The SIF parameter a must be above 0; got {self.a!r}.")

    def _ids(self, docs: list[list[str]]) -> list[list[int]]:
        index = self.emb.key_to_index
        return [[index[t] for t in doc if t in index] for doc in docs]

    def fit(self, X: Sequence[str], y: Any = None) -> PooledVectors:  # noqa: N803 - sklearn
        self._validate_parameters()
        ids = self._ids(_tokens(X))
        vocab = len(self.emb)
        if self.pooling == "tfidf":
            df = np.zeros(vocab, dtype=np.float64)
            for doc in ids:
                df[list(set(doc))] += 1
            self.idf_ = np.log((1 + len(ids)) / (1 + df)) + 1  # scikit-learn's smooth idf
        elif self.pooling == "sif":
            counts = np.bincount(
                np.fromiter((i for doc in ids for i in doc), np.int64), minlength=vocab
            )
            total = max(int(counts.sum()), 1)
            prob = np.maximum(counts, 1) / total  # unseen in training: as if seen once
            self.weights_ = self.a / (self.a + prob)
            pooled = self._pool(ids)
            _, _, vt = np.linalg.svd(pooled.astype(np.float64), full_matrices=False)
            self.components_ = vt[:1].astype(np.float32)  # the first principal direction
        self.n_features_out_ = self.emb.dim
        self.fitted_ = True
        return self

    def _weights(self) -> np.ndarray | None:
        if self.pooling == "tfidf":
            return self.idf_
        if self.pooling == "sif":
            return self.weights_
        return None

    def _pool(self, ids: list[list[int]]) -> np.ndarray:
        from scipy import sparse

        rows = np.repeat(np.arange(len(ids)), [len(doc) for doc in ids])
        cols = np.fromiter((i for doc in ids for i in doc), np.int64, count=len(rows))
        weights = self._weights()
        values = np.ones(len(cols)) if weights is None else weights[cols]
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(ids), len(self.emb)))
        if self.pooling == "sif":  # SIF averages the weighted vectors over the token count
            norm = np.array([len(doc) for doc in ids], dtype=np.float64)
        else:
            norm = np.asarray(matrix.sum(axis=1)).ravel()
        pooled = matrix @ self.emb.vectors.astype(np.float64)
        pooled /= np.maximum(norm, 1e-12)[:, None]
        return pooled.astype(np.float32)

    def transform(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "fitted_")
        pooled = self._pool(self._ids(_tokens(X)))
        if self.pooling == "sif":
            u = self.components_
            pooled = pooled - (pooled @ u.T) @ u
        return np.ascontiguousarray(pooled, dtype=np.float32)


class SentenceFeatures(*_estimator_bases()):  # type: ignore[misc]
    """A sentence encoder's unit vectors (all-MiniLM-L6-v2) for each text; nothing to fit."""

    def __init__(self, encoder: str = "minilm", device: str = "cpu") -> None:
        self.encoder = encoder
        self.device = device

    def fit(self, X: Sequence[str], y: Any = None) -> SentenceFeatures:  # noqa: N803 - sklearn
        from embedlab.analysis.encoders import DIM, model_path

        model_path(self.encoder)  # a missing package is reported at fit
        self.n_features_out_ = DIM
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        from sklearn.utils.validation import check_is_fitted

        from embedlab.analysis.encoders import encode

        check_is_fitted(self, "n_features_out_")
        return encode(list(X), self.device, self.encoder)
