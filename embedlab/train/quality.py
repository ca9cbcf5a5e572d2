"""A cheap per-epoch quality score: do words that occur together end up close?

The score is an AUC over a fixed sample of word pairs: the chance that a pair of words
seen within the context window of each other in the corpus has a higher cosine than a
"random" pair made of the same words with their partners shuffled (so both sides keep
the same word frequencies; only the co-occurrence is broken). 0.5 is what random vectors
get, 1.0 means every co-occurring pair is closer than every shuffled one. Cosines are
taken after subtracting the mean of the sampled words' vectors: early in training every
vector shares one common direction, which lifts all cosines alike and makes the raw score
dip after the first epoch; centred, it rises from epoch to epoch (All-but-the-top, Mu &
Viswanath 2018, removes the same common component).

It is what skip-gram and CBOW are trained to do, so it rises while a model learns; unlike
gensim's running loss in `corpus_file` mode it is exact, comparable across epochs and
workers, and cheap: the sample (up to 2,000 sentences and 50,000 tokens, at most 5,000
pairs of each kind) is drawn once, and each epoch takes 10,000 dot products
(milliseconds).

The pairs come from the training corpus (word2vec has no held-out set), so the score says
how well the model fits the co-occurrences it saw, not how it generalises; on a small
corpus it stays well below 1 (gensim's Lee corpus, 60,000 words: about 0.6 to 0.7).

>>> import numpy as np
>>> tokens = [["cat", "purrs"], ["dog", "barks"], ["cat", "purrs"], ["dog", "barks"]]
>>> sample = pair_sample(tokens, {"cat": 0, "purrs": 1, "dog": 2, "barks": 3}, window=1)
>>> sample.positives.tolist(), sample.negatives.tolist()
([[0, 1], [2, 3]], [[0, 3], [2, 1]])
>>> vectors = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]])
>>> pair_auc(vectors, sample)
1.0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_SENTENCES = 2_000
MAX_PAIRS = 5_000
MAX_TOKENS = 50_000  # tokens scanned for pairs: bounds the one-off cost (~0.1 s)
MAX_SENTENCE_TOKENS = 1_000  # a long line (a whole document) adds at most this many tokens
_SHUFFLES = 10
_READ_ALL_BELOW = 4 * 1024 * 1024  # bytes: smaller corpora are read whole, larger ones seeked


@dataclass(frozen=True)
class PairSample:
    """Word-id pairs: `positives` co-occur within the window, `negatives` are shuffled ones.

    Both are int64 arrays of shape (n, 2); `ids` lists the distinct word ids they use.
    """

    positives: np.ndarray
    negatives: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        return np.unique(np.concatenate([self.positives.ravel(), self.negatives.ravel()]))

    def __len__(self) -> int:
        return int(self.positives.shape[0])


def sample_sentences(
    corpus: str | os.PathLike[str], n: int = SAMPLE_SENTENCES, seed: int = 0
) -> list[list[str]]:
    """About `n` sentences (lines) from a corpus file, spread over it, in file order.

    A small file is read whole and `n` of its lines are picked; a large one is read at
    `n` random byte offsets (the line after each), so the cost does not grow with the file.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "c.txt"
    >>> _ = path.write_text("a b\\n\\nc d e\\nf\\n")
    >>> sample_sentences(path, n=10)
    [['a', 'b'], ['c', 'd', 'e'], ['f']]
    """
    path = Path(corpus)
    rng = np.random.default_rng(seed)
    size = path.stat().st_size
    if size <= _READ_ALL_BELOW:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [line.split()[:MAX_SENTENCE_TOKENS] for line in fh]
        lines = [tokens for tokens in lines if tokens]
        if len(lines) <= n:
            return lines
        return [lines[i] for i in np.sort(rng.choice(len(lines), size=n, replace=False))]
    out = []
    with open(path, "rb") as fh:
        for offset in np.unique(rng.integers(0, size, size=n)):
            fh.seek(int(offset))
            fh.readline()  # the rest of the line the offset fell in
            line = fh.readline(64 * MAX_SENTENCE_TOKENS)
            tokens = line.decode("utf-8", errors="replace").split()[:MAX_SENTENCE_TOKENS]
            if tokens:
                out.append(tokens)
    return out


def pair_sample(
    sentences: Iterable[Sequence[str]],
    index: Mapping[str, int],
    window: int,
    max_pairs: int = MAX_PAIRS,
    seed: int = 0,
    max_tokens: int = MAX_TOKENS,
) -> PairSample:
    """Distinct co-occurring pairs (within `window`, both words in `index`, not the same
    word) and as many shuffled pairs; at most `max_pairs` of each.

    Sentences are scanned in a random order until `max_tokens` tokens have been seen.
    Distinct pairs are used so that a few frequent ones ("of the") do not dominate. A
    shuffled pair pairs a co-occurring pair's first word with the second word of another
    pair; one that co-occurs in the sample, or pairs a word with itself, is drawn again.
    """
    rng = np.random.default_rng(seed)
    sentences = list(sentences)
    found: set[tuple[int, int]] = set()
    scanned = 0
    for k in rng.permutation(len(sentences)).tolist():
        if scanned >= max_tokens:
            break
        ids = [index.get(word, -1) for word in sentences[k]]
        scanned += len(ids)
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for b in ids[i + 1 : i + 1 + window]:
                if b >= 0 and b != a:
                    found.add((a, b) if a < b else (b, a))
    pairs = np.array(sorted(found), dtype=np.int64).reshape(-1, 2)
    if len(pairs) > max_pairs:
        pairs = pairs[np.sort(rng.choice(len(pairs), size=max_pairs, replace=False))]
    left, right = pairs[:, 0].tolist(), pairs[:, 1]
    negatives: list[tuple[int, int]] = []
    todo = list(range(len(pairs)))
    for _ in range(_SHUFFLES):  # a few rounds: a small sample may shuffle into real pairs
        if not todo:
            break
        still = []
        for i, b in zip(todo, rng.permutation(right)[: len(todo)].tolist(), strict=True):
            a = left[i]
            if a != b and (min(a, b), max(a, b)) not in found:
                negatives.append((a, b))
            else:
                still.append(i)
        todo = still
    return PairSample(pairs, np.array(negatives, dtype=np.int64).reshape(-1, 2))


def pair_auc(
    vectors: np.ndarray | Callable[[np.ndarray], np.ndarray], sample: PairSample
) -> float | None:
    """The AUC of co-occurring pairs against shuffled ones by cosine of the centred vectors
    (ties count half); None when the sample has no pair of either kind.

    `vectors` is an array whose row `i` is word id `i`'s vector (only the sampled rows are
    read), or a function that returns the vectors of an array of word ids. The mean of
    the sampled words' vectors is subtracted before the cosines.
    """
    if not len(sample) or not len(sample.negatives):
        return None
    ids = sample.ids
    rows = vectors(ids) if callable(vectors) else vectors[ids]
    rows = np.asarray(rows, dtype=np.float64)
    rows = rows - rows.mean(axis=0)
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    pos = _cosines(unit, ids, sample.positives)
    neg = _cosines(unit, ids, sample.negatives)
    return auc(pos, neg)


def _cosines(unit: np.ndarray, ids: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    a = unit[np.searchsorted(ids, pairs[:, 0])]
    b = unit[np.searchsorted(ids, pairs[:, 1])]
    return np.sum(a * b, axis=1)


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a positive score > a negative score), ties counting half (Mann-Whitney U / n·m).

    >>> auc(np.array([0.9, 0.8]), np.array([0.1, 0.8]))
    0.875
    """
    pos = np.asarray(positive, dtype=np.float64)
    neg = np.sort(np.asarray(negative, dtype=np.float64))
    below = np.searchsorted(neg, pos, side="left")  # negatives strictly below each positive
    up_to = np.searchsorted(neg, pos, side="right")  # ... and those equal to it
    return float((below + up_to).sum() / (2.0 * len(pos) * len(neg)))
