"""The vocabulary of a corpus file, for embedlab's own (torch) trainers.

Counts words in one streamed pass, keeps those seen at least `min_count` times (the most
frequent first, ties by word, as gensim orders them), and turns sentences into arrays of
word ids. Also the two word2vec distributions the trainers sample from: the keep
probability of frequency subsampling and the unigram^0.75 noise distribution.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> corpus = pathlib.Path(tmp.name) / "corpus.txt"
>>> _ = corpus.write_text("the cat sat\\nthe dog sat\\nthe end\\n")
>>> vocab = build_vocab(corpus, min_count=2)
>>> vocab.words, vocab.counts.tolist(), vocab.total_words
(('the', 'sat'), [3, 2], 8)
>>> [ids.tolist() for ids in encoded_sentences(corpus, vocab)]
[[0, 1], [0, 1], [0]]
>>> tmp.cleanup()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedlab.errors import InputError


@dataclass(frozen=True)
class Vocab:
    """Kept words (most frequent first), their counts, and the corpus's raw word total."""

    words: tuple[str, ...]
    counts: np.ndarray
    total_words: int
    index: dict[str, int] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: list[str]) -> np.ndarray:
        """The ids of the tokens that are in the vocabulary, in order."""
        get = self.index.get
        return np.fromiter((i for i in (get(t) for t in tokens) if i is not None), dtype=np.int64)


def check_vocabulary(kept: list[str], least: int, total_words: int, min_count: int) -> None:
    """Refuse a vocabulary too small to train a context model, saying what to change.

    `least` is the count a word needed to be kept (above `min_count` when a vocabulary
    cap raised it).

    >>> check_vocabulary(["a"], 5, 40, 5)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: Only one word ('a') occurs at least 5 times in this corpus \
(40 words in all) and training needs at least 2 distinct words; lower min-count or use a \
larger corpus.
    """
    if len(kept) >= 2:
        return
    total = f"{total_words:,} words in all"
    if least > min_count:  # max_vocab raised the threshold (ties at the cut drop out)
        fix = "raise max-vocab or leave it unset"
    else:
        fix = "lower min-count or use a larger corpus"
    if not kept:
        raise InputError(f"No word occurs at least {least} times in this corpus ({total}); {fix}.")
    raise InputError(
        f"Only one word ('{kept[0]}') occurs at least {least} times in this "
        f"corpus ({total}) and training needs at least 2 distinct words; {fix}."
    )


def no_context_error() -> InputError:
    """The error for a corpus in which no sentence has two words (so no word has a context)."""
    return InputError(
        "No sentence in this corpus has two words, so no word has another within the window "
        "to learn from; training needs sentences of at least 2 words (one sentence a line)."
    )


def check_context(corpus_file: str | Path) -> None:
    """Refuse a corpus file in which no line has two words; stops at the first that does.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "corpus.txt"
    ...     _ = path.write_text("alpha\\nbeta\\n")
    ...     check_context(path)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: No sentence in this corpus has two words, ...
    """
    for tokens in token_lines(Path(corpus_file)):
        if len(tokens) > 1:
            return
    raise no_context_error()


def check_trainable(corpus_dir: str | Path, min_count: int) -> None:
    """Refuse, before a run is listed, an ingested corpus too small to train with `min_count`.

    Reads only the first lines of the corpus's vocab.tsv (most frequent first) and its
    sentence lengths from stats.json, so it is quick on any corpus.

    >>> import tempfile
    >>> from embedlab.ingest.corpus import ingest
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest(b"one two three. one two.", tmp, filename="tiny.txt")
    ...     check_trainable(tmp, 2)
    ...     check_trainable(tmp, 3)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: No word occurs at least 3 times in this corpus (5 words in all); ...
    """
    from embedlab.ingest.corpus import VOCAB_FILE, read_stats

    folder = Path(corpus_dir)
    stats = read_stats(folder)
    kept: list[str] = []
    with open(folder / VOCAB_FILE, encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.rstrip("\n").rpartition("\t")
            if len(kept) == 2 or not word or int(count) < min_count:
                break
            kept.append(word)
    check_vocabulary(kept, min_count, stats.tokens, min_count)
    if not any(length > 1 for length in stats.sentence_lengths):
        raise no_context_error()


def token_lines(corpus_file: Path) -> Iterator[list[str]]:
    """The tokens of each non-empty line of a corpus file; not UTF-8 is one sentence."""
    try:
        with open(corpus_file, encoding="utf-8") as fh:
            for line in fh:
                tokens = line.split()
                if tokens:
                    yield tokens
    except UnicodeDecodeError:
        raise InputError(
            f"The corpus file '{corpus_file}' is not valid UTF-8; "
            "ingest it with `embedlab ingest`, which converts any encoding."
        ) from None


def build_vocab(corpus_file: str | Path, min_count: int, max_vocab: int | None = None) -> Vocab:
    """Count the corpus in one streamed pass and keep the words seen `min_count`+ times.

    With `max_vocab`, only the most frequent words are kept; words tied at the cut are
    all dropped (as gensim's `max_final_vocab` does), so the effective min-count rises.
    """
    counter: Counter[str] = Counter()
    context = False
    for tokens in token_lines(Path(corpus_file)):
        counter.update(tokens)
        context = context or len(tokens) > 1
    total = sum(counter.values())
    ranked = sorted(
        ((w, c) for w, c in counter.items() if c >= min_count), key=lambda x: (-x[1], x[0])
    )
    least = min_count
    if max_vocab is not None and len(ranked) > max_vocab:
        least = ranked[max_vocab][1] + 1
        ranked = [(w, c) for w, c in ranked if c >= least]
    words = [w for w, _ in ranked]
    check_vocabulary(words, least, total, min_count)
    if not context:
        raise no_context_error()
    counts = np.array([c for _, c in ranked], dtype=np.int64)
    return Vocab(tuple(words), counts, total, {w: i for i, w in enumerate(words)})


def encoded_sentences(corpus_file: str | Path, vocab: Vocab) -> Iterator[np.ndarray]:
    """Each sentence of the corpus as word ids (unknown words dropped), streamed."""
    for tokens in token_lines(Path(corpus_file)):
        ids = vocab.encode(tokens)
        if len(ids):
            yield ids


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: the chance each word is kept, (sqrt(f/t) + 1)·t/f, at most 1.

    `f` is the word's share of the kept tokens and `t` is `sample`; 0 turns it off.

    >>> keep_probabilities(np.array([1000, 10]), 1e-3).round(3).tolist()
    [0.033, 0.419]
    """
    if sample <= 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The unigram^0.75 distribution negative samples are drawn from.

    >>> noise_distribution(np.array([16, 1])).round(3).tolist()
    [0.889, 0.111]
    """
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()
