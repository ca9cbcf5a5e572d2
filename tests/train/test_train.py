"""Tests for embedlab.train: config validation, the registry, gensim trainers on lee."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from vector_quality import cooccurrence_gap

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.train import (
    TRAINERS,
    ProgressEvent,
    ProgressTracker,
    TrainConfig,
    algorithms,
    register_trainer,
    train,
)

FAST = {"dim": 32, "epochs": 3, "workers": 2, "bucket": 20_000}
VARIANTS = {
    "w2v-sg-neg": TrainConfig(architecture="skipgram", loss="negative", **FAST),
    "w2v-sg-hs": TrainConfig(architecture="skipgram", loss="hs", **FAST),
    "w2v-cbow-neg": TrainConfig(architecture="cbow", loss="negative", **FAST),
    "w2v-cbow-hs": TrainConfig(architecture="cbow", loss="hs", **FAST),
    "fasttext-sg-neg": TrainConfig(algo="fasttext", **FAST),
}
Trained = tuple[Embeddings, list[ProgressEvent]]


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def lee(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gensim's lee_background.cor, tokenised: a corpus folder holding corpus.txt."""
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    folder = tmp_path_factory.mktemp("lee")
    docs = Path(datapath("lee_background.cor")).read_text(encoding="utf-8").splitlines()
    lines = [" ".join(tokens) for tokens in map(simple_preprocess, docs) if tokens]
    (folder / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def lee_tokens(lee: Path) -> list[list[str]]:
    return [line.split() for line in (lee / "corpus.txt").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def lee_counts(lee_tokens: list[list[str]]) -> Counter[str]:
    return Counter(word for sentence in lee_tokens for word in sentence)


@pytest.fixture(scope="session")
def trained(lee: Path) -> Callable[[str], Trained]:
    """Each variant trained once per session, with the events it sent."""
    cache: dict[str, Trained] = {}

    def get(name: str) -> Trained:
        if name not in cache:
            events: list[ProgressEvent] = []
            cache[name] = (train(lee, VARIANTS[name], events.append), events)
        return cache[name]

    return get


def _tiny_corpus(tmp_path: Path, text: str, name: str = "corpus.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- gensim trainers on lee -----------------------------------------------------------------
@pytest.mark.parametrize("name", VARIANTS)
def test_vocabulary_and_counts_match_the_corpus(
    name: str, trained: Callable[[str], Trained], lee_counts: Counter[str]
) -> None:
    emb, _ = trained(name)
    config = VARIANTS[name]
    expected = {w: c for w, c in lee_counts.items() if c >= config.min_count}
    assert emb.dim == config.dim
    assert emb.vectors.shape == (len(expected), config.dim)
    assert set(emb.words) == set(expected)
    assert emb.counts is not None
    assert dict(zip(emb.words, emb.counts.tolist(), strict=True)) == expected
    assert list(emb.counts) == sorted(emb.counts, reverse=True)  # most frequent first
    assert np.isfinite(emb.vectors).all() and np.abs(emb.vectors).sum() > 0


@pytest.mark.parametrize("name", VARIANTS)
def test_progress_events(
    name: str, trained: Callable[[str], Trained], lee_counts: Counter[str]
) -> None:
    emb, events = trained(name)
    epochs = VARIANTS[name].epochs
    corpus_words = sum(lee_counts.values())
    assert [e.stage for e in events] == ["vocab"] + ["epoch"] * epochs + ["done"]
    assert [e.epoch for e in events] == list(range(epochs + 1)) + [epochs]
    assert all(e.epochs == epochs and e.total_words == corpus_words * epochs for e in events)
    done = [e.words_done for e in events[:-1]]
    assert done == sorted(done) and len(set(done)) == len(done)
    assert events[-1].words_done == corpus_words * epochs
    assert events[-1].fraction == 1.0 and events[-1].eta == 0.0
    assert events[0].words_per_sec == 0.0 and events[0].eta is None and events[0].loss is None
    assert all(e.words_per_sec > 0 for e in events[1:])
    elapsed = [e.elapsed for e in events]
    assert elapsed == sorted(elapsed)
    losses = [e.loss for e in events[1:-1]]
    if VARIANTS[name].algo == "word2vec":
        assert all(loss is not None and loss > 0 for loss in losses)
        assert emb.meta["epoch_losses"] == losses
        assert events[-1].loss == losses[-1]
    else:
        assert losses == [None] * epochs and events[-1].loss is None
        assert emb.meta["epoch_losses"] == []
    assert events[1].to_dict()["fraction"] == pytest.approx(1 / epochs)


def test_fasttext_keeps_subwords(trained: Callable[[str], Trained]) -> None:
    emb, _ = trained("fasttext-sg-neg")
    assert "unseenword" not in emb
    assert emb.lookup("unseenword").from_subwords is True
    assert emb.lookup("government").from_subwords is False
    assert emb.subwords is not None and emb.subwords.bucket == FAST["bucket"]
    assert (emb.subwords.min_n, emb.subwords.max_n) == (3, 6)


def test_word2vec_has_no_subwords(trained: Callable[[str], Trained]) -> None:
    emb, _ = trained("w2v-sg-neg")
    assert emb.subwords is None
    with pytest.raises(KeyError):
        emb.lookup("unseenword")


def test_meta_records_how_it_was_made(
    trained: Callable[[str], Trained], lee: Path, lee_counts: Counter[str]
) -> None:
    emb, _ = trained("w2v-sg-neg")
    meta = emb.meta
    assert meta["origin"] == "trained" and meta["algo"] == "word2vec"
    assert meta["config"] == VARIANTS["w2v-sg-neg"].to_dict()
    assert TrainConfig.from_dict(meta["config"]) == VARIANTS["w2v-sg-neg"]
    assert meta["corpus"] == str(lee)
    assert set(meta["timings"]) == {"vocab_seconds", "train_seconds", "total_seconds"}
    timings = meta["timings"]
    assert 0 < timings["train_seconds"] <= timings["total_seconds"]
    assert timings["vocab_seconds"] + timings["train_seconds"] <= timings["total_seconds"]
    assert meta["words_per_sec"] > 0
    assert meta["corpus_words"] == sum(lee_counts.values())
    assert len(meta["epoch_losses"]) == 3 and None not in meta["epoch_losses"]
    assert set(meta["versions"]) == {"python", "numpy", "gensim", "embedlab"}
    assert meta["created"].endswith("+00:00")
    assert meta["seed"] == 1
    assert meta["workers"] == 2
    assert emb.name == f"word2vec on {lee.name}"


def test_folder_and_file_paths_train_the_same(lee: Path) -> None:
    config = TrainConfig(dim=16, epochs=1, workers=1)
    from_folder = train(lee, config)
    from_file = train(lee / "corpus.txt", config)
    assert from_folder.words == from_file.words
    np.testing.assert_array_equal(from_folder.vectors, from_file.vectors)
    assert from_file.meta["corpus"] == str(lee / "corpus.txt")


@pytest.mark.parametrize("algo", ["word2vec", "fasttext"])
def test_same_seed_with_one_worker_gives_the_same_vectors(lee: Path, algo: str) -> None:
    config = TrainConfig(algo=algo, dim=16, epochs=2, workers=1, seed=7, bucket=20_000)
    first, second = train(lee, config), train(lee, config)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    other = train(lee, TrainConfig(algo=algo, dim=16, epochs=2, workers=1, seed=8, bucket=20_000))
    assert not np.array_equal(first.vectors, other.vectors)


SEEDED_RUN = """
import sys
import numpy as np
from embedlab.train import TrainConfig, train
emb = train(sys.argv[1], TrainConfig(dim=16, epochs=2, workers=1, seed=7))
np.save(sys.argv[2], emb.vectors)
"""


@pytest.mark.slow
def test_seed_holds_across_processes_and_hash_seeds(lee: Path, tmp_path: Path) -> None:
    here = train(lee, TrainConfig(dim=16, epochs=2, workers=1, seed=7))
    out = tmp_path / "vectors.npy"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", SEEDED_RUN, str(lee), str(out)], check=True, env=env, timeout=120
    )
    np.testing.assert_array_equal(here.vectors, np.load(out))


def test_neighbours_in_the_corpus_are_closer_than_random_pairs(
    lee: Path, lee_tokens: list[list[str]]
) -> None:
    """Cannot pass on random vectors: corpus co-occurrence must show in the cosines."""
    window = 5
    emb = train(lee, TrainConfig(dim=100, epochs=12, window=window, workers=2))

    def gap(vectors: Embeddings) -> float:
        return cooccurrence_gap(vectors, lee_tokens, window)

    rng = np.random.default_rng(0)
    noise = Embeddings(emb.words, rng.standard_normal(emb.shape).astype(np.float32))
    assert abs(gap(noise)) < 0.01  # the control: random vectors show no gap
    assert gap(emb) > 0.03  # lee, 100d, 12 epochs: about 0.07


# --- progress and cancellation --------------------------------------------------------------
class Cancelled(Exception):
    pass


@pytest.mark.parametrize("stage", ["vocab", "epoch"])
def test_an_exception_in_the_callback_cancels_cleanly(lee: Path, stage: str) -> None:
    seen: list[ProgressEvent] = []

    def cancel(event: ProgressEvent) -> None:
        seen.append(event)
        if event.stage == stage:
            raise Cancelled

    threads = threading.active_count()
    with pytest.raises(Cancelled):
        train(lee, TrainConfig(dim=16, epochs=5, workers=2), cancel)
    assert seen[-1].stage == stage and seen[-1].epoch <= 1
    deadline = time.monotonic() + 5  # gensim's workers have reported; let them return
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == threads
    assert len(train(lee, TrainConfig(dim=16, epochs=1, workers=2))) > 0  # still usable


def test_tracker_within_epoch_and_rates() -> None:
    now = [0.0]
    events: list[ProgressEvent] = []
    tracker = ProgressTracker(epochs=2, on_progress=events.append, clock=lambda: now[0])
    now[0] = 1.0
    tracker.vocab_done(corpus_words=100)
    now[0] = 2.0
    half = tracker.within_epoch(50)
    assert (half.words_done, half.words_per_sec, half.eta, half.elapsed) == (50, 50.0, 3.0, 2.0)
    now[0] = 3.0
    tracker.epoch_done(loss=1.5)
    now[0] = 5.0
    tracker.epoch_done(loss=None)
    now[0] = 6.0
    done = tracker.done()
    assert done.words_per_sec == 50.0 and done.fraction == 1.0 and done.loss == 1.5
    assert tracker.timings() == {"vocab_seconds": 1.0, "train_seconds": 4.0, "total_seconds": 6.0}
    assert tracker.epoch_losses == [1.5]
    assert [e.stage for e in events] == ["vocab", "epoch", "epoch", "epoch", "done"]


# --- corpus problems ------------------------------------------------------------------------
def test_too_small_corpus_names_min_count(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path, "a b c\nd e f\n")
    with pytest.raises(InputError) as err:
        train(corpus, TrainConfig(min_count=5))
    assert str(err.value) == (
        "No word occurs at least 5 times in this corpus (6 words in all); "
        "lower min-count or use a larger corpus."
    )


@pytest.mark.parametrize("loss", ["negative", "hs"])
def test_a_single_word_vocabulary_is_refused(tmp_path: Path, loss: str) -> None:
    corpus = _tiny_corpus(tmp_path, "a a a a a b\n")
    with pytest.raises(InputError, match=r"Only one word \('a'\).*at least 2 distinct words"):
        train(corpus, TrainConfig(min_count=5, loss=loss))


def test_max_vocab_ties_are_explained(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path, "a b c a b c a b c\n")
    with pytest.raises(InputError, match="raise max-vocab or leave it unset"):
        train(corpus, TrainConfig(min_count=1, max_vocab=2))


def test_whitespace_only_corpus(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path, "\n   \n")
    with pytest.raises(InputError, match=r"\(0 words in all\)"):
        train(corpus, TrainConfig(min_count=1))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "does not exist; check the path"),
        (lambda d: d, "holds no corpus.txt"),
        (lambda d: _tiny_corpus(d, ""), "is empty; give it some text"),
        (lambda d: _tiny_corpus(d, "a b", "corpus.txt.gz"), "is compressed"),
    ],
    ids=["missing", "folder-without-corpus", "empty", "compressed"],
)
def test_bad_corpus_paths(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    with pytest.raises(InputError, match=message):
        train(make(tmp_path))


def test_non_utf8_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes("caf\u00e9 au lait\n".encode("latin-1") * 10)
    with pytest.raises(InputError, match="not valid UTF-8"):
        train(corpus, TrainConfig(min_count=1, epochs=1))


# --- config ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dim": 0}, "dim must be between 1 and 2000; got 0."),
        ({"dim": 2001}, "dim must be between 1 and 2000; got 2001."),
        ({"dim": "100"}, "dim must be a whole number between 1 and 2000; got '100'."),
        ({"dim": True}, "dim must be a whole number between 1 and 2000; got True."),
        ({"window": -1}, "window must be between 1 and 100; got -1."),
        ({"min_count": 0}, "min_count must be between 1 and 1,000,000; got 0."),
        ({"epochs": 10**6}, "epochs must be between 1 and 1000; got 1000000."),
        ({"negative": 101}, "negative must be between 0 and 100; got 101."),
        ({"negative": 0}, "negative must be between 1 and 100 with loss 'negative'; got 0"),
        ({"sample": 1.5}, "sample must be between 0 and 1; got 1.5."),
        ({"alpha": 0}, "alpha must be greater than 0 and at most 1; got 0."),
        ({"min_alpha": 0.5}, "min_alpha must be between 0 and alpha (0.025); got 0.5."),
        ({"min_alpha": float("nan")}, "min_alpha must be between 0 and alpha (0.025); got nan."),
        ({"workers": 257}, "workers must be between 0 and 256; got 257."),
        ({"seed": -1}, "seed must be between 0 and 4,294,967,295; got -1."),
        ({"min_n": 7}, "min_n must be between 1 and 6; got 7."),
        ({"max_n": 21}, "max_n must be between 1 and 20; got 21."),
        ({"bucket": 0}, "bucket must be between 1 and 10,000,000; got 0."),
        ({"max_vocab": 1}, "max_vocab must be empty (no limit) or a whole number of at least 2"),
        ({"algo": "glove2"}, "Unknown algo 'glove2'; choose one of word2vec, fasttext"),
        ({"architecture": "sg"}, "Unknown architecture 'sg'; choose skipgram or cbow."),
        ({"loss": "softmax"}, "Unknown loss 'softmax'; choose negative"),
        ({"device": "tpu"}, "Unknown device 'tpu'; choose one of auto, cpu, cuda, mps."),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]}" for k in v) if isinstance(v, dict) else None,
)
def test_validation_names_value_and_range(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as err:
        TrainConfig(**changes).validate()  # type: ignore[arg-type]
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    "changes",
    [
        {"loss": "hs", "negative": 0},
        {"loss": "hs", "negative": 5},  # ignored with hs
        {"algo": "fasttext", "loss": "hs", "negative": 0},
        {"min_n": 6, "max_n": 6},
        {"sample": 0, "min_alpha": 0, "workers": 0, "device": "cuda:1", "max_vocab": 2},
    ],
)
def test_valid_combinations(changes: dict[str, object]) -> None:
    TrainConfig(**changes).validate()  # type: ignore[arg-type]


def test_hs_ignores_negative(lee: Path) -> None:
    emb = train(lee, TrainConfig(loss="hs", negative=5, dim=16, epochs=1, workers=1))
    assert emb.meta["config"]["negative"] == 5 and emb.meta["epoch_losses"][0] > 0


def test_train_validates_before_reading_the_corpus(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="dim must be"):
        train(tmp_path / "missing.txt", TrainConfig(dim=0))


def test_from_dict_names_unknown_keys() -> None:
    with pytest.raises(InputError) as err:
        TrainConfig.from_dict({"dims": 10})
    assert str(err.value).startswith("Unknown config key 'dims' (did you mean 'dim'?); the keys")
    with pytest.raises(InputError, match="Unknown config keys 'foo', 'bar'"):
        TrainConfig.from_dict({"foo": 1, "bar": 2, "dim": 3})
    with pytest.raises(InputError, match="must be a mapping"):
        TrainConfig.from_dict([("dim", 3)])  # type: ignore[arg-type]


def test_to_dict_round_trips() -> None:
    config = TrainConfig(algo="fasttext", loss="hs", dim=7, max_vocab=1000, sample=0.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({}) == TrainConfig()


def test_describe() -> None:
    assert TrainConfig().describe() == (
        "word2vec skip-gram, negative sampling (5), 100d, window 5, min-count 5, 5 epochs"
    )
    assert TrainConfig(architecture="cbow", loss="hs", epochs=1, max_vocab=50_000).describe() == (
        "word2vec CBOW, hierarchical softmax, 100d, window 5, min-count 5, 1 epoch, "
        "max vocab 50,000"
    )


def test_resolved_workers() -> None:
    assert TrainConfig(workers=2).resolved_workers() == 2
    assert 1 <= TrainConfig(workers=0).resolved_workers() <= (os.cpu_count() or 1)


# --- registry -------------------------------------------------------------------------------
def test_a_registered_trainer_is_dispatched_to(tmp_path: Path) -> None:
    corpus = _tiny_corpus(tmp_path, "x y z\nx y\n")

    @register_trainer("doubler")
    def doubler(path: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
        words = sorted(set(path.read_text(encoding="utf-8").split()))
        tracker.vocab_done(corpus_words=5)
        for _ in range(config.epochs):
            tracker.epoch_done(loss=None)
        vectors = np.ones((len(words), config.dim), dtype=np.float32)
        return Embeddings(words, vectors, meta={"versions": {"doubler": "1.0"}, "extra": 1})

    try:
        assert "doubler" in algorithms()
        emb = train(corpus, TrainConfig(algo="doubler", dim=3, epochs=2))
        assert emb.words == ("x", "y", "z") and emb.dim == 3
        assert emb.meta["algo"] == "doubler" and emb.meta["extra"] == 1
        assert emb.meta["versions"]["doubler"] == "1.0" and "embedlab" in emb.meta["versions"]
        assert emb.meta["corpus_words"] == 5
        with pytest.raises(ValueError, match="already registered"):
            register_trainer("doubler", lambda *args: None)  # type: ignore[arg-type,return-value]
        register_trainer("doubler", doubler)  # the same function again is harmless
    finally:
        del TRAINERS["doubler"]
    assert "doubler" not in algorithms()


def test_a_registered_trainer_brings_its_label_and_help_to_the_config() -> None:
    from embedlab.train.config import settings
    from embedlab.train.registry import ABOUT, algo_label

    def toy(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
        raise NotImplementedError

    register_trainer("toy", toy, label="Toy", help="learns nothing")
    try:
        assert algo_label("toy") == "Toy: learns nothing"
        assert ("toy", "Toy: learns nothing") in settings()["algo"].options()
        TrainConfig(algo="toy").validate()
    finally:
        del TRAINERS["toy"], ABOUT["toy"]
    with pytest.raises(InputError, match="Unknown algo 'toy'"):
        TrainConfig(algo="toy").validate()


def test_the_registry_does_not_import_the_config() -> None:
    """config asks the registry for the algorithms; the registry never imports config back."""
    import ast

    import embedlab.train.registry as registry

    tree = ast.parse(Path(registry.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert "embedlab.train.config" not in imported
    assert not any(m == "embedlab.train" for m in imported)


def test_importing_train_is_light() -> None:
    code = "import sys, embedlab.train; print(sorted({'gensim', 'torch'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("tokens", "dim", "epochs", "min_count"),
    [(60_000, 50, 30, 3), (5_000_000, 100, 10, 5), (100_000_000, 100, 5, 5)],
)
def test_suggested_settings_follow_the_corpus_size(tokens, dim, epochs, min_count):
    config = TrainConfig.suggested(tokens, window=8)
    assert (config.dim, config.epochs, config.min_count, config.window) == (
        dim,
        epochs,
        min_count,
        8,
    )
    config.validate()
