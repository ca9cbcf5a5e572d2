"""The per-epoch quality score (co-occurrence AUC) and the honestly labelled gensim loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.train import ProgressEvent, TrainConfig, train
from embedlab.train.gensim_trainers import loss_label
from embedlab.train.quality import (
    MAX_PAIRS,
    auc,
    pair_auc,
    pair_sample,
    sample_sentences,
)


def _run(corpus: Path, **config) -> tuple[dict, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    emb = train(corpus, TrainConfig(**config), events.append)
    return dict(emb.meta), [e for e in events if e.stage == "epoch"]


# --- the score on its own ----------------------------------------------------------------------
def test_auc_counts_ties_half_and_orders_scores():
    assert auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert auc(np.array([1.0]), np.array([2.0])) == 0.0
    assert auc(np.array([1.0]), np.array([1.0])) == 0.5


def test_pairs_lie_within_the_window_and_shuffled_ones_do_not_co_occur():
    sentences = [["a", "b", "c", "d", "e", "f"]] * 3
    index = {w: i for i, w in enumerate("abcdef")}
    sample = pair_sample(sentences, index, window=2)
    real = {tuple(p) for p in sample.positives.tolist()}
    assert real == {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4), (3, 5), (4, 5)}
    for a, b in sample.negatives.tolist():
        assert a != b and (min(a, b), max(a, b)) not in real


def test_words_outside_the_vocabulary_are_skipped_and_pairs_are_capped():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(3000)]
    sentences = [list(rng.choice(words, size=30)) for _ in range(400)]
    index = {w: i for i, w in enumerate(words[:2000])}  # a third are out of vocabulary
    sample = pair_sample(sentences, index, window=5)
    assert len(sample) == MAX_PAIRS and sample.ids.max() < 2000
    assert len(sample.negatives) > 0.9 * MAX_PAIRS


def test_random_vectors_score_about_one_half_and_co_occurrence_vectors_near_one():
    rng = np.random.default_rng(1)
    topics = [[f"t{t}w{i}" for i in range(20)] for t in range(30)]
    sentences = [list(rng.choice(topics[t], size=12)) for t in rng.integers(0, 30, size=600)]
    index = {w: i for i, w in enumerate(w for topic in topics for w in topic)}
    sample = pair_sample(sentences, index, window=3)
    noise = rng.normal(size=(len(index), 16))
    assert abs(pair_auc(noise, sample) - 0.5) < 0.05
    topic_of = np.repeat(np.eye(30), 20, axis=0)  # a word's vector is its topic
    assert pair_auc(topic_of + 0.01 * noise[:, :1], sample) > 0.95


def test_an_empty_sample_scores_none():
    sample = pair_sample([["a"], ["b"]], {"a": 0, "b": 1}, window=5)
    assert len(sample) == 0 and pair_auc(np.eye(2), sample) is None


def test_a_large_corpus_is_sampled_by_seeking_not_read_whole(tmp_path):
    path = tmp_path / "big.txt"
    line = " ".join(f"w{i}" for i in range(100)) + "\n"
    path.write_text(line * 12_000)  # ~6 MB, above the read-whole limit
    sentences = sample_sentences(path, n=50, seed=3)
    assert 40 <= len(sentences) <= 50
    assert all(s == line.split() for s in sentences)


# --- in the gensim trainers --------------------------------------------------------------------
@pytest.fixture(scope="module")
def skipgram(lee_corpus_file: Path) -> tuple[dict, list[ProgressEvent]]:
    return _run(lee_corpus_file, dim=32, epochs=5, workers=2, min_count=5)


def test_every_epoch_reports_its_quality_and_what_it_cost(skipgram):
    meta, epochs = skipgram
    assert len(epochs) == 5
    assert all(e.quality is not None and 0.0 <= e.quality <= 1.0 for e in epochs)
    assert all(e.quality_seconds is not None and 0.0 <= e.quality_seconds < 5 for e in epochs)
    assert meta["epoch_quality"] == [e.quality for e in epochs]
    assert meta["quality_seconds"] == pytest.approx(sum(e.quality_seconds for e in epochs))
    assert epochs[0].to_dict()["quality"] == epochs[0].quality  # reaches the catalog rows


def test_quality_rises_from_the_first_to_the_last_epoch_on_lee(skipgram):
    _, epochs = skipgram
    assert epochs[-1].quality > epochs[0].quality + 0.02


@pytest.mark.slow
def test_fasttext_reports_a_rising_quality_and_no_loss(lee_corpus_file):
    _, epochs = _run(lee_corpus_file, algo="fasttext", dim=32, epochs=5, workers=2, bucket=20_000)
    assert all(e.quality is not None for e in epochs) and all(e.loss is None for e in epochs)
    assert epochs[-1].quality > epochs[0].quality + 0.02


def test_the_loss_says_what_it_is(skipgram, lee_corpus_file):
    meta, epochs = skipgram
    assert meta["loss_label"] == loss_label(2) and "approximate" in loss_label(2)
    assert all(e.loss_label == loss_label(2) and e.loss > 0 for e in epochs)
    one, _ = _run(lee_corpus_file, dim=8, epochs=1, workers=1, min_count=5)
    assert one["loss_label"] == loss_label(1) and "approximate" not in loss_label(1)
