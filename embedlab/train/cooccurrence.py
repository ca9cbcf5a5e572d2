"""Word-word co-occurrence counts for GloVe, streamed over the corpus into a sparse matrix.

Two words `d` positions apart in a sentence (1 <= d <= window) add 1/d to both X[a, b]
and X[b, a], as GloVe's reference `cooccur` does with `symmetric=1`; a word next to
itself adds 2/d to its diagonal entry. Windows never cross a sentence (line) boundary.

The corpus is read in chunks of about `chunk_tokens` word ids; each chunk's pairs are
built with numpy (one slice per offset d), summed into a CSR matrix and merged into the
running total, so memory follows the number of distinct word pairs, not the corpus
length. Only the upper pairs (a before b) are stored while counting; the symmetric
matrix is made once at the end.

Memory: the running total is CSR with int32 column indices and float64 values, about
12 bytes per distinct (ordered) pair, plus 4 bytes per vocabulary word for its row
pointers. A merge briefly holds the old total, the chunk and the new total (about 3×),
and a chunk's raw pairs take 16 bytes × window × chunk_tokens (80 MB for window 5 and
1M tokens). The final symmetric matrix is about twice the upper one.

>>> import numpy as np
>>> X = count_cooccurrences([np.array([0, 1, 2]), np.array([1, 0])], vocab_size=3, window=2)
>>> X.toarray().tolist()
[[0.0, 2.0, 0.5], [2.0, 0.0, 1.0], [0.5, 1.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse

CHUNK_TOKENS = 1_000_000


def _chunk_pairs(
    ids: np.ndarray, sentence: np.ndarray, vocab_size: int, window: int
) -> scipy.sparse.csr_matrix:
    """The summed (earlier word, later word) weights of one chunk, as canonical CSR."""
    import scipy.sparse

    rows, cols, weights = [], [], []
    for d in range(1, min(window, len(ids) - 1) + 1):
        same = sentence[:-d] == sentence[d:]
        rows.append(ids[:-d][same])
        cols.append(ids[d:][same])
        weights.append(np.full(int(same.sum()), 1.0 / d))
    if not rows:
        return scipy.sparse.csr_matrix((vocab_size, vocab_size), dtype=np.float64)
    pairs = scipy.sparse.coo_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
        shape=(vocab_size, vocab_size),
    )
    chunk = pairs.tocsr()  # sums duplicate pairs
    chunk.sum_duplicates()  # and sorts the indices, so merges stay canonical
    return chunk


def count_cooccurrences(
    sentences: Iterable[np.ndarray],
    vocab_size: int,
    window: int,
    chunk_tokens: int | None = None,
) -> scipy.sparse.coo_matrix:
    """The symmetric co-occurrence matrix (vocab_size × vocab_size, float64, COO).

    `sentences` yields arrays of word ids (such as `vocab.encoded_sentences`); entries
    are 1/distance weights summed over the corpus, with canonical (sorted, unique)
    coordinates. `chunk_tokens` (default `CHUNK_TOKENS`) sets how many word ids are
    paired up at once.

    >>> X = count_cooccurrences([np.array([0, 0, 1])], vocab_size=2, window=1)
    >>> X.toarray().tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    """
    import scipy.sparse

    if window < 1:
        raise ValueError(f"window must be at least 1; got {window}.")
    chunk_tokens = CHUNK_TOKENS if chunk_tokens is None else chunk_tokens
    index_type = np.int32 if vocab_size < 2**31 else np.int64
    total = scipy.sparse.csr_matrix((vocab_size, vocab_size), dtype=np.float64)
    buffer: list[np.ndarray] = []
    buffered = 0

    def flush() -> None:
        nonlocal total, buffer, buffered
        if not buffer:
            return
        ids = np.concatenate(buffer).astype(index_type, copy=False)
        lengths = [len(s) for s in buffer]
        sentence = np.repeat(np.arange(len(buffer), dtype=np.int32), lengths)
        total = total + _chunk_pairs(ids, sentence, vocab_size, window)
        buffer, buffered = [], 0

    for ids in sentences:
        if len(ids) < 2:
            continue
        buffer.append(ids)
        buffered += len(ids)
        if buffered >= chunk_tokens:
            flush()
    flush()
    upper = total.tocoo()
    full = (upper + upper.T).tocoo()
    full.sum_duplicates()
    return full
