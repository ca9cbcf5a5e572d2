"""The next-word language model: it learns, its embedding layer starts where it is told and
stays put when frozen, a seed gives one result on the CPU, and a run can be cancelled."""

from __future__ import annotations

import random

import numpy as np
import pytest

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, NotFoundError
from embedlab.train.lm import (
    EOS,
    UNK,
    LMConfig,
    LMReport,
    build_lm,
    complete,
    load_lm,
    sample,
    save_lm,
    train_lm,
)

NOUNS = ["cat", "dog", "bird", "fish", "horse", "mouse"]
VERBS = ["sees", "chases", "likes", "feeds"]
ADJECTIVES = ["big", "small", "red", "old"]
TINY = {"dim": 12, "hidden": 24, "batch_size": 8, "seq_len": 12, "lr": 0.02, "device": "cpu"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """400 sentences of a little grammar: 'the big cat chases the dog', word order matters."""
    rng = random.Random(7)
    lines = [
        f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(VERBS)} the "
        f"{rng.choice(NOUNS)}"
        for _ in range(400)
    ]
    path = tmp_path_factory.mktemp("tiny") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _model(words: list[str], dim: int = 12, seed: int = 0) -> Embeddings:
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype(np.float32)
    return Embeddings(words, vectors, meta={"name": "toy"})


def test_the_loss_falls_and_perplexity_ends_below_the_unigram_one(corpus):
    report = train_lm(corpus, LMConfig(epochs=3, **TINY)).report
    assert report.train_losses[-1] < report.train_losses[0]
    assert report.valid_perplexities[-1] < report.valid_perplexities[0]
    assert report.test_perplexity < 0.75 * report.unigram_perplexity
    assert sum(report.tokens.values()) == 400 * 7  # six words and <eos> a sentence
    assert report.oov_share == 0.0 and report.tokens_per_sec > 0
    assert LMReport.from_dict(report.to_dict()) == report


def test_the_embedding_layer_holds_the_models_vectors_and_counts_the_missing_words():
    emb = _model(["cat", "dog", "zebra"])
    vocab = (EOS, UNK, "dog", "cat", "fish")
    lm = build_lm(vocab, LMConfig(**TINY), emb)
    weight = lm.module.embedding.weight.detach().numpy()
    np.testing.assert_array_equal(weight[2], emb["dog"])
    np.testing.assert_array_equal(weight[3], emb["cat"])
    assert not np.allclose(weight[4], 0.0)  # fish: random, not zero
    assert lm.embedding_dim == 12


def test_a_frozen_layer_stays_frozen_and_a_fine_tuned_one_moves(corpus):
    emb = _model([*NOUNS, "the", "sees", "big"])
    frozen = train_lm(corpus, LMConfig(epochs=1, freeze=True, **TINY), init=emb)
    weight = frozen.module.embedding.weight
    assert not weight.requires_grad
    for word in NOUNS:
        np.testing.assert_array_equal(weight[frozen.index[word]].detach().numpy(), emb[word])
    report = frozen.report
    assert report.init == "model" and report.init_model == "toy"
    assert (report.init_found, report.init_missing) == (9, report.vocab_size - 2 - 9)
    assert report.trainable_parameters < report.parameters

    tuned = train_lm(corpus, LMConfig(epochs=1, **TINY), init=emb)
    moved = tuned.module.embedding.weight[tuned.index["cat"]].detach().numpy()
    assert not np.allclose(moved, emb["cat"])


def test_a_dimension_mismatch_goes_through_a_projection(corpus):
    emb = _model([*NOUNS, "the"], dim=20)
    lm = train_lm(corpus, LMConfig(epochs=1, **TINY), init=emb)  # TINY asks for dim 12
    assert lm.embedding_dim == 20 and lm.report.projection
    assert lm.module.project_in.in_features == 20 and lm.module.project_in.out_features == 12
    np.testing.assert_array_equal(lm.module.embedding.weight.shape, (lm.report.vocab_size, 20))
    assert len(complete(lm, "the big", 3)) == 3


def test_the_same_seed_gives_the_same_perplexity_on_the_cpu(corpus):
    def run(seed: int) -> tuple[float, ...]:
        report = train_lm(corpus, LMConfig(epochs=2, seed=seed, **TINY)).report
        return (*report.valid_perplexities, report.test_perplexity)

    first = run(3)
    assert run(3) == first
    assert run(4) != first


def test_complete_returns_k_words_and_sample_is_seeded(corpus):
    lm = train_lm(corpus, LMConfig(epochs=3, **TINY))
    top = complete(lm, "The big", 4)
    assert len(top) == 4 and all(word not in (EOS, UNK) for word, _ in top)
    assert top[0][0] in NOUNS  # after an adjective comes a noun
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert len(complete(lm, "", 2)) == 2  # an empty prompt: the first word of a sentence
    words = sample(lm, "the", n_words=5, temperature=0.8, seed=1)
    assert words == sample(lm, "the", n_words=5, temperature=0.8, seed=1)
    assert len(words) <= 5 and UNK not in words
    with pytest.raises(InputError, match="k must be"):
        complete(lm, "the", 0)


def test_raising_from_on_progress_stops_training(corpus):
    seen = []

    class Stop(Exception):
        pass

    def on_progress(event):
        seen.append(event)
        if event.stage == "batch":
            raise Stop

    with pytest.raises(Stop):
        train_lm(corpus, LMConfig(epochs=5, **TINY), on_progress=on_progress)
    assert [e.stage for e in seen] == ["vocab", "batch"]
    assert seen[-1].epoch == 0 and 0 < seen[-1].fraction < 0.2 and seen[-1].loss > 0


def test_events_carry_the_validation_curve(corpus):
    events = []
    train_lm(corpus, LMConfig(epochs=2, **TINY), on_progress=events.append)
    epochs = [e for e in events if e.stage == "epoch"]
    assert [len(e.valid_perplexities) for e in epochs] == [1, 2]
    assert events[-1].stage == "done" and events[-1].fraction == 1.0
    assert events[-1].to_dict()["valid_perplexities"] == list(epochs[-1].valid_perplexities)


def test_a_saved_model_loads_back_and_completes_alike(corpus, tmp_path):
    lm = train_lm(corpus, LMConfig(epochs=1, **TINY))
    folder = save_lm(lm, tmp_path / "lms" / "tiny")
    assert sorted(p.name for p in folder.iterdir()) == [
        "lm.json",
        "vocab.json",
        "weights.safetensors",
    ]
    back = load_lm(folder)
    assert back.vocab == lm.vocab and back.report == lm.report
    assert complete(back, "the red", 3) == pytest.approx(complete(lm, "the red", 3))
    with pytest.raises(InputError, match="already exists"):
        save_lm(lm, folder)
    with pytest.raises(NotFoundError, match="no saved language model"):
        load_lm(tmp_path / "nothing")


def test_the_transformer_learns_too(corpus):
    report = train_lm(corpus, LMConfig(arch="transformer", epochs=2, **TINY)).report
    assert report.test_perplexity < report.unigram_perplexity


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (LMConfig(arch="gru"), "Unknown arch 'gru'"),
        (LMConfig(epochs=0), "epochs must be a whole number from 1"),
        (LMConfig(freeze=True), "no model was given"),
        (LMConfig(dropout=1.5), "dropout must be a number from 0 to 0.9"),
    ],
)
def test_bad_settings_are_refused_in_one_sentence(corpus, config, message):
    with pytest.raises(InputError, match=message):
        train_lm(corpus, config)


def test_a_corpus_too_small_to_split_is_refused(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("one two\nthree four\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least 3"):
        train_lm(path, LMConfig(**TINY))
