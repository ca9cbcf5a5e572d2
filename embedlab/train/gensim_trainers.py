"""gensim's Word2Vec and FastText, in `corpus_file` mode (C code on every core).

Registered as "word2vec" and "fasttext". gensim reads the corpus file itself, split by
byte offset between the worker threads, so no Python loop touches the words.

Reproducibility: with `workers=1` the same seed gives the same vectors, run after run
(and whatever `PYTHONHASHSEED` is). With several workers the threads update shared
weights in whatever order the OS schedules them, so the vectors differ from run to run.

Loss (Word2Vec only; gensim's FastText reports none): in `corpus_file` mode every
worker thread adds its loss to a private float32 copy of the running total and writes it
back when it finishes, so the last thread to finish wins (gensim issue #2743; the
thread's total is set in word2vec_corpusfile.pyx, `model.running_training_loss =
c.running_training_loss`). The epoch loss reported here is that thread's loss times the
number of workers: exact with one worker, an estimate with several, and it jumps from
epoch to epoch with which thread (which part of the corpus) happened to finish last. It
cannot be mended from outside gensim, so events and meta label it (`LOSS_LABELS`).

Quality: after each epoch the trainer scores the vectors on a fixed sample of word pairs
(`embedlab.train.quality`: the AUC of pairs that co-occur within the window against
shuffled pairs). That score is exact whatever the number of workers, and rises while
the model learns; each epoch's event carries it and the seconds it took.

Progress comes once per epoch: in `corpus_file` mode a worker reports only when it has
finished its whole share of the epoch, so there is nothing to report in between.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> corpus = pathlib.Path(tmp.name) / "corpus.txt"
>>> _ = corpus.write_text("the cat sat on the mat\\nthe dog sat on the log\\n" * 40)
>>> from embedlab.train import TrainConfig, train
>>> emb = train(corpus, TrainConfig(dim=8, min_count=2, epochs=1, workers=1))
>>> emb.words[0], int(emb.counts[0]), emb.dim, emb.meta["algo"]
('the', 160, 8, 'word2vec')
>>> tmp.cleanup()
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError
from embedlab.train.config import TrainConfig
from embedlab.train.progress import ProgressTracker
from embedlab.train.quality import PairSample, pair_auc, pair_sample, sample_sentences
from embedlab.train.registry import register_trainer
from embedlab.train.vocab import check_context, check_vocabulary

if TYPE_CHECKING:
    from gensim.models import Word2Vec

    from embedlab.embeddings import Embeddings

LOSS_LABELS = {
    "one": "gensim's training loss (summed over the epoch)",
    "several": "gensim's running loss (approximate: one worker's share × {workers} workers)",
}
QUALITY_LABEL = "co-occurrence AUC"


def loss_label(workers: int) -> str:
    """What gensim's reported loss is, for a run with this many worker threads.

    >>> loss_label(1)
    "gensim's training loss (summed over the epoch)"
    >>> loss_label(4)
    "gensim's running loss (approximate: one worker's share × 4 workers)"
    """
    return LOSS_LABELS["one"] if workers <= 1 else LOSS_LABELS["several"].format(workers=workers)


def _model_params(config: TrainConfig) -> dict[str, Any]:
    hs = config.loss == "hs"
    return {
        "vector_size": config.dim,
        "window": config.window,
        "min_count": config.min_count,
        "max_final_vocab": config.max_vocab,
        "sample": config.sample,
        "alpha": config.alpha,
        "min_alpha": config.min_alpha,
        "seed": config.seed,
        "workers": config.resolved_workers(),
        "sg": 1 if config.architecture == "skipgram" else 0,
        "hs": 1 if hs else 0,
        "negative": 0 if hs else config.negative,
        "epochs": config.epochs,
    }


def _word_vectors(model: Word2Vec, ids: np.ndarray) -> np.ndarray:
    """The current vectors of word ids `ids`, as `model.wv[word]` would give them after
    training: FastText's full-word vectors are composed from the word's own vector and its
    n-grams' (gensim does that only at the end of `train`), here for these rows only."""
    wv = model.wv
    if not hasattr(wv, "vectors_vocab"):  # Word2Vec: the vectors are trained in place
        return np.asarray(wv.vectors[ids], dtype=np.float64)
    out = np.asarray(wv.vectors_vocab[ids], dtype=np.float64)
    if not wv.bucket:
        return out
    for row, word in enumerate(ids.tolist()):
        buckets = wv.buckets_word[word]
        if len(buckets):
            out[row] = (out[row] + wv.vectors_ngrams[buckets].sum(axis=0)) / (len(buckets) + 1)
    return out


def _quality_sample(model: Word2Vec, corpus: Path, config: TrainConfig) -> PairSample:
    """The fixed pairs every epoch is scored on, drawn from the corpus after the vocabulary."""
    sentences = sample_sentences(corpus, seed=config.seed)
    return pair_sample(sentences, model.wv.key_to_index, config.window, seed=config.seed)


def _score(model: Word2Vec, sample: PairSample) -> float | None:
    return pair_auc(lambda ids: _word_vectors(model, ids), sample)


def _reporter(
    tracker: ProgressTracker, with_loss: bool, sample: PairSample, setup_seconds: float
) -> Any:
    """A gensim callback that tells `tracker` about every finished epoch: its loss (labelled)
    and its quality score on `sample`, with what the score cost (the first epoch's share
    includes drawing the sample)."""
    from gensim.models.callbacks import CallbackAny2Vec

    class EpochReporter(CallbackAny2Vec):
        def __init__(self) -> None:
            self.pending = setup_seconds

        def on_epoch_begin(self, model: Word2Vec) -> None:
            model.running_training_loss = 0.0  # per-epoch tally: float32 in C loses precision

        def on_epoch_end(self, model: Word2Vec) -> None:
            loss = None
            if with_loss:
                loss = float(model.get_latest_training_loss()) * model.workers
            start = time.perf_counter()
            quality = _score(model, sample)
            seconds = time.perf_counter() - start + self.pending
            self.pending = 0.0
            tracker.epoch_done(loss, quality=quality, quality_seconds=seconds)

    return EpochReporter()


def _check_vocabulary(model: Word2Vec, config: TrainConfig) -> None:
    """Raise `InputError` when too few words survive min-count (and max-vocab)."""
    least = int(getattr(model, "effective_min_count", config.min_count))
    kept = list(model.wv.index_to_key[:2])
    check_vocabulary(kept, least, int(model.corpus_total_words), config.min_count)


def _train(
    model: Word2Vec, corpus: Path, config: TrainConfig, tracker: ProgressTracker, with_loss: bool
) -> None:
    try:
        model.build_vocab(corpus_file=str(corpus))
    except UnicodeDecodeError:
        raise InputError(
            f"The corpus file '{corpus}' is not valid UTF-8; "
            "ingest it with `embedlab ingest`, which converts any encoding."
        ) from None
    _check_vocabulary(model, config)
    check_context(corpus)
    start = time.perf_counter()
    sample = _quality_sample(model, corpus, config)
    setup_seconds = time.perf_counter() - start
    if with_loss:
        tracker.loss_label = loss_label(int(model.workers))
    tracker.vocab_done(model.corpus_total_words)
    try:
        model.train(
            corpus_file=str(corpus),
            total_words=model.corpus_total_words,
            epochs=config.epochs,
            compute_loss=with_loss,
            callbacks=[_reporter(tracker, with_loss, sample, setup_seconds)],
        )
    except (RuntimeError, ValueError) as err:
        # gensim's own sanity checks fail before the first epoch; later errors (such as
        # one raised by the progress callback) are not gensim's and pass unchanged.
        if tracker.epochs_done or not str(err).startswith(("you must", "You must")):
            raise
        raise InputError(f"gensim cannot train on this corpus ({err}); check the corpus.") from err


def _meta(tracker: ProgressTracker) -> dict[str, Any]:
    """What the trainer adds to the model's meta: versions, the loss's label, the quality
    score per epoch (`epoch_quality`, one per epoch counted from 1, when there were pairs
    to score) and the seconds the scores took in all."""
    import gensim

    meta: dict[str, Any] = {
        "versions": {"gensim": gensim.__version__},
        "epoch_quality": list(tracker.epoch_quality),
        "quality_metric": QUALITY_LABEL,
        "quality_seconds": tracker.quality_seconds,
    }
    if tracker.loss_label:
        meta["loss_label"] = tracker.loss_label
    return meta


@register_trainer("word2vec")
def train_word2vec(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
    """Word2Vec (skip-gram or CBOW; negative sampling or hierarchical softmax).

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> corpus = pathlib.Path(tmp.name) / "c.txt"
    >>> _ = corpus.write_text("a b c d e f g h\\n" * 60)
    >>> emb = train_word2vec(corpus, TrainConfig(dim=4, min_count=1, epochs=1, workers=1),
    ...                      ProgressTracker(epochs=1))
    >>> len(emb), int(emb.counts[0]), emb.meta["versions"]["gensim"] > "4"
    (8, 60, True)
    >>> tmp.cleanup()
    """
    from gensim.models import Word2Vec

    from embedlab.embeddings import Embeddings

    model = Word2Vec(**_model_params(config))
    _train(model, corpus, config, tracker, with_loss=True)
    return Embeddings.from_keyedvectors(model.wv, _meta(tracker))


@register_trainer("fasttext")
def train_fasttext(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
    """FastText: Word2Vec plus hashed character n-grams, so unseen words get vectors too.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> corpus = pathlib.Path(tmp.name) / "c.txt"
    >>> _ = corpus.write_text("walking talking walked talked walks talks\\n" * 60)
    >>> config = TrainConfig(algo="fasttext", dim=4, min_count=1, epochs=1, workers=1,
    ...                      bucket=1000)
    >>> emb = train_fasttext(corpus, config, ProgressTracker(epochs=1))
    >>> emb.lookup("stalking").from_subwords
    True
    >>> tmp.cleanup()
    """
    from gensim.models import FastText

    from embedlab.embeddings import Embeddings

    model = FastText(
        **_model_params(config), min_n=config.min_n, max_n=config.max_n, bucket=config.bucket
    )
    _train(model, corpus, config, tracker, with_loss=False)
    return Embeddings.from_keyedvectors(model.wv, _meta(tracker))
