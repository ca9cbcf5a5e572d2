"""Tests for the torch skip-gram/CBOW trainer ("sgns") on gensim's Lee corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from vector_quality import cooccurrence_gap

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.train import ProgressEvent, TrainConfig, train
from embedlab.train import sgns as sgns_module

FAST = {"algo": "sgns", "dim": 32, "epochs": 3, "workers": 1, "min_count": 5, "device": "cpu"}
WINDOW = 5


@pytest.fixture(scope="session")
def lee_tokens(lee_corpus_file: Path) -> list[list[str]]:
    return [line.split() for line in lee_corpus_file.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def skipgram(lee_corpus_file: Path) -> tuple[Embeddings, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    return train(lee_corpus_file, TrainConfig(**FAST), events.append), events


def _cooccurrence_gap(emb: Embeddings, tokens: list[list[str]]) -> float:
    return cooccurrence_gap(emb, tokens, WINDOW)


# --- what comes out -------------------------------------------------------------------------
def test_vocabulary_dim_and_counts_match_the_corpus(
    skipgram: tuple[Embeddings, list[ProgressEvent]], lee_tokens: list[list[str]]
) -> None:
    emb, _ = skipgram
    counts = Counter(w for s in lee_tokens for w in s)
    expected = {w: c for w, c in counts.items() if c >= FAST["min_count"]}
    assert emb.shape == (len(expected), FAST["dim"])
    assert emb.counts is not None
    assert dict(zip(emb.words, emb.counts.tolist(), strict=True)) == expected
    assert list(emb.counts) == sorted(emb.counts, reverse=True)
    assert np.isfinite(emb.vectors).all() and np.abs(emb.vectors).sum() > 0
    assert emb.meta["algo"] == "sgns" and emb.meta["device"] == "cpu"
    assert "torch" in emb.meta["versions"] and emb.meta["corpus_words"] == sum(counts.values())


def test_progress_events_and_a_falling_loss(
    skipgram: tuple[Embeddings, list[ProgressEvent]], lee_tokens: list[list[str]]
) -> None:
    emb, events = skipgram
    epochs, words = FAST["epochs"], sum(map(len, lee_tokens))
    assert events[0].stage == "vocab" and events[-1].stage == "done"
    assert all(e.stage == "epoch" for e in events[1:-1])
    with_loss = [e for e in events if e.stage == "epoch" and e.loss is not None]
    assert [e.epoch for e in with_loss] == list(range(1, epochs + 1))
    losses = [e.loss for e in with_loss]
    assert emb.meta["epoch_losses"] == losses and events[-1].loss == losses[-1]
    assert all(0 < loss < 10 for loss in losses)  # mean NLL per pair: ln 2 x (1 + 5) at first
    assert losses[-1] < losses[0]
    done = [e.words_done for e in events]
    assert done == sorted(done) and events[-1].words_done == words * epochs
    assert all(e.total_words == words * epochs for e in events)
    assert all(e.words_per_sec > 0 for e in events[1:])


@pytest.mark.parametrize("workers", [1, 2])
def test_cooccurring_words_are_closer_about_as_much_as_with_gensim(
    lee_corpus_file: Path, lee_tokens: list[list[str]], workers: int
) -> None:
    """Lee, 100d, 12 epochs, window 5, seeds 1-3: gap about 0.066 (gensim skip-gram 0.075).

    Two threads share the batches without locks (as gensim's workers do): not
    bit-reproducible, but as good."""
    settings = {"dim": 100, "epochs": 12, "window": WINDOW, "workers": workers, "seed": 1}
    ours = train(lee_corpus_file, TrainConfig(algo="sgns", device="cpu", **settings))
    gensim = train(lee_corpus_file, TrainConfig(algo="word2vec", **settings))
    noise = Embeddings(ours.words, np.random.default_rng(0).standard_normal(ours.shape))
    assert abs(_cooccurrence_gap(noise, lee_tokens)) < 0.01  # control: random vectors
    gap, reference = _cooccurrence_gap(ours, lee_tokens), _cooccurrence_gap(gensim, lee_tokens)
    assert gap > 0.7 * reference and gap > 0.04, (gap, reference)
    assert ours.meta["epoch_losses"][-1] < ours.meta["epoch_losses"][0]


def _context_agreement(emb: Embeddings, tokens: list[list[str]]) -> float:
    """Spearman, over random word pairs, of the embedding cosine and the cosine of the two
    words' PPMI context rows: do words used in the same contexts get similar vectors?"""
    from scipy.stats import spearmanr

    index = {w: i for i, w in enumerate(emb.words)}
    n = len(index)
    counts = np.zeros((n, n))
    for sentence in tokens:
        ids = np.array([index[w] for w in sentence if w in index])
        for shift in range(1, WINDOW + 1):
            np.add.at(counts, (ids[:-shift], ids[shift:]), 1)
            np.add.at(counts, (ids[shift:], ids[:-shift]), 1)
    expected = np.outer(counts.sum(1), counts.sum(0)) / counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.where(counts > 0, np.maximum(np.log(counts / expected), 0), 0)
    ppmi /= np.linalg.norm(ppmi, axis=1, keepdims=True).clip(1e-9)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, n, 20_000), rng.integers(0, n, 20_000)
    a, b = a[a != b], b[a != b]
    by_context = np.sum(ppmi[a] * ppmi[b], axis=1)
    by_vector = np.sum(emb.normed[a] * emb.normed[b], axis=1)
    return float(spearmanr(by_context, by_vector).correlation)


def test_cbow_trains(lee_corpus_file: Path, lee_tokens: list[list[str]]) -> None:
    """CBOW learns substitutes, not neighbours: Lee, 50d, 10 epochs, seeds 1-2 give an
    agreement of 0.048-0.058 (gensim CBOW 0.045-0.046; random vectors about 0)."""
    settings = {"architecture": "cbow", "dim": 50, "epochs": 10, "workers": 1, "min_count": 5}
    emb = train(lee_corpus_file, TrainConfig(algo="sgns", device="cpu", **settings))
    gensim = train(lee_corpus_file, TrainConfig(algo="word2vec", **settings))
    losses = emb.meta["epoch_losses"]
    assert len(losses) == 10 and losses[-1] < 0.8 * losses[0]
    noise = Embeddings(emb.words, np.random.default_rng(0).standard_normal(emb.shape))
    assert abs(_context_agreement(noise, lee_tokens)) < 0.025
    agreement, reference = (_context_agreement(e, lee_tokens) for e in (emb, gensim))
    assert agreement > 0.6 * reference and agreement > 0.025, (agreement, reference)


# --- determinism, and the compiled CPU steps against the torch steps -------------------------
def test_same_seed_same_vectors_other_seed_other_vectors(lee_corpus_file: Path) -> None:
    config = TrainConfig(**{**FAST, "dim": 16, "epochs": 1, "workers": 1})
    first = train(lee_corpus_file, config)
    again = train(lee_corpus_file, config)
    other = train(lee_corpus_file, TrainConfig(**{**FAST, "dim": 16, "epochs": 1, "seed": 2}))
    np.testing.assert_array_equal(first.vectors, again.vectors)
    assert not np.allclose(first.vectors, other.vectors)


def test_deterministic_mode_gives_the_same_vectors_twice(lee_corpus_file: Path) -> None:
    """Two workers asked for, but deterministic: one thread in a fixed order."""
    config = TrainConfig(**{**FAST, "dim": 16, "epochs": 1, "workers": 2, "deterministic": True})
    first, again = train(lee_corpus_file, config), train(lee_corpus_file, config)
    np.testing.assert_array_equal(first.vectors, again.vectors)
    assert first.meta["epoch_losses"] == again.meta["epoch_losses"]


# --- shared negatives: one centre's block, by hand ------------------------------------------
# Two centres, window 2 (4 context slots), 2 negatives each. Centre 0's second negative is
# the centre itself (skipped); centre 1 has the same context word twice and an empty slot.
BLOCK_CONTEXT = np.array([[1, 2, 3, 4], [0, 0, 5, 2]], dtype=np.int32)
BLOCK_VALID = np.array([[True, True, True, True], [True, True, False, True]])
BLOCK_CENTRES = np.array([0, 3], dtype=np.int32)
BLOCK_NEGATIVES = np.array([[5, 0], [1, 4]], dtype=np.int64)
BLOCK_LR = 0.5


def _block_matrices() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(0, 0.5, (6, 3)).astype(np.float32), rng.normal(0, 0.5, (6, 3)).astype(
        np.float32
    )


def _hand_computed_blocks(w_in: np.ndarray, w_out: np.ndarray):  # noqa: ANN202
    """The HogBatch gradients in float64, written out: every valid context word h_s scores
    the centre (label 1) and each negative unequal to it (label 0) with
    g = (label - sigmoid(h_s . u_j)) * lr; h_s takes sum_j g u_j, u_j takes sum_s g h_s
    (summed, not averaged), all from the matrices before the batch."""
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    new_in, new_out = w_in.copy(), w_out.copy()
    grads_in, grads_out, loss = [], [], 0.0
    for b, centre in enumerate(BLOCK_CENTRES):
        targets = [centre, *BLOCK_NEGATIVES[b]]
        grad_in, grad_out = np.zeros((4, 3)), np.zeros((3, 3))
        for s, word in enumerate(BLOCK_CONTEXT[b]):
            if not BLOCK_VALID[b, s]:
                continue
            for j, target in enumerate(targets):
                if j > 0 and target == centre:
                    continue
                label = 1.0 if j == 0 else 0.0
                score = w_in[word] @ w_out[target]
                loss += np.log1p(np.exp(-score if label else score))
                g = (label - 1 / (1 + np.exp(-score))) * BLOCK_LR
                grad_in[s] += g * w_out[target]
                grad_out[j] += g * w_in[word]
        grads_in.append(grad_in)
        grads_out.append(grad_out)
        for s, word in enumerate(BLOCK_CONTEXT[b]):
            new_in[word] += grad_in[s] if BLOCK_VALID[b, s] else 0.0
        for j, target in enumerate(targets):
            new_out[target] += grad_out[j]
    return loss, grads_in, grads_out, new_in, new_out


def test_shared_negative_step_matches_hand_computed_gradients() -> None:
    """The torch step (what CUDA runs) on the whole batch: loss and updated matrices."""
    import torch

    w_in, w_out = _block_matrices()
    loss, _, _, new_in, new_out = _hand_computed_blocks(w_in, w_out)
    model = object.__new__(sgns_module._Model)  # only the matrices and the loss are used
    model.w_in, model.w_out = torch.from_numpy(w_in.copy()), torch.from_numpy(w_out.copy())
    model.loss = torch.zeros((), dtype=torch.float64)
    model._skipgram_step(
        torch.from_numpy(BLOCK_CONTEXT).long(),
        torch.from_numpy(BLOCK_VALID),
        torch.from_numpy(BLOCK_CENTRES).long(),
        torch.from_numpy(BLOCK_NEGATIVES),
        BLOCK_LR,
    )
    assert float(model.loss) == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(model.w_in.numpy(), new_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.w_out.numpy(), new_out, rtol=1e-5, atol=1e-6)


def test_compiled_centre_block_matches_hand_computed_gradients() -> None:
    """The numba kernel's block, centre by centre: the same gradients into its buffers."""
    kernels = sgns_module._compiled_kernels()
    if kernels is None:
        pytest.skip("numba is not installed")
    w_in, w_out = _block_matrices()
    loss, grads_in, grads_out, _, _ = _hand_computed_blocks(w_in, w_out)
    total = 0.0
    for b in range(2):
        grad_in, grad_out = np.empty((4, 3), np.float32), np.empty((3, 3), np.float32)
        total += kernels._centre_block(
            w_in, w_out, BLOCK_CONTEXT[b], BLOCK_VALID[b], int(BLOCK_CENTRES[b]),
            BLOCK_NEGATIVES[b], BLOCK_LR, grad_in, grad_out, np.empty((4, 3), np.float32),
        )  # fmt: skip
        valid = BLOCK_VALID[b]
        np.testing.assert_allclose(grad_in[valid], grads_in[b][valid], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(grad_out, grads_out[b], rtol=1e-4, atol=1e-6)
    assert total == pytest.approx(loss, rel=1e-4)


@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_compiled_cpu_steps_match_the_torch_steps(
    lee_corpus_file: Path, monkeypatch: pytest.MonkeyPatch, architecture: str
) -> None:
    """One thread: the numba kernels build the same examples, draw the same negatives and
    make the same minibatch updates as the torch steps (which are what CUDA runs)."""
    if sgns_module._compiled_kernels() is None:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(sgns_module, "CHUNK_TOKENS", 20_000)  # several chunks
    config = TrainConfig(**{**FAST, "dim": 16, "epochs": 2, "architecture": architecture})
    compiled = train(lee_corpus_file, config)
    monkeypatch.setenv("EMBEDLAB_SGNS_STEPS", "torch")
    torch_steps = train(lee_corpus_file, config)
    np.testing.assert_allclose(compiled.vectors, torch_steps.vectors, atol=2e-5)
    np.testing.assert_allclose(
        compiled.meta["epoch_losses"], torch_steps.meta["epoch_losses"], rtol=1e-5
    )
    assert np.abs(compiled.vectors).max() > 0.1  # it trained


def test_negatives_follow_the_noise_distribution_on_both_paths() -> None:
    """The alias tables reproduce unigram^0.75, and torch and numba draw the same words."""
    counts = np.array([1000, 300, 100, 30, 10, 5, 5, 1], dtype=np.int64)
    probabilities = counts**0.75 / (counts**0.75).sum()
    accept, alias = sgns_module.alias_table(probabilities)
    key = sgns_module.stream_key(5, 4, 0, 0)
    draws = sgns_module.random_bits(key, 0, 200_000)
    import torch

    words = sgns_module.alias_draws(draws, torch.from_numpy(accept), torch.from_numpy(alias))
    freq = np.bincount(words.numpy(), minlength=len(counts)) / len(words)
    np.testing.assert_allclose(freq, probabilities, atol=0.004)
    kernels = sgns_module._compiled_kernels()
    if kernels is not None:
        out = np.empty((1000, 5), dtype=np.int64)
        for i in range(1000):
            kernels._negatives_of(accept, alias, np.uint64(key), i, out[i])
        np.testing.assert_array_equal(out.ravel(), words[:5000].numpy())


def test_random_bits_match_a_numpy_splitmix64() -> None:
    """The torch draws rely on wrapping int64 arithmetic; check them against uint64 numpy."""
    key, start, n = sgns_module.stream_key(7, 4, 1, 2), 10, 1000
    with np.errstate(over="ignore"):
        z = (
            np.arange(start + 1, start + n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        ) + (np.uint64(key))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    expected = (z >> np.uint64(11)).astype(np.int64)
    got = sgns_module.random_bits(key, start, n).numpy()
    np.testing.assert_array_equal(got, expected)
    assert got.min() >= 0 and got.max() < 2**53
    assert 0.45 < (got / 2**53).mean() < 0.55


# --- streaming ------------------------------------------------------------------------------
def test_streams_the_corpus_in_chunks(
    lee_corpus_file: Path, lee_tokens: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small chunks: the corpus is encoded once, later epochs read the spill file back."""
    monkeypatch.setattr(sgns_module, "CHUNK_TOKENS", 5_000)
    encodings = []
    real = sgns_module.encoded_sentences

    def counting(*args: object, **kwargs: object):  # noqa: ANN202
        encodings.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sgns_module, "encoded_sentences", counting)
    events: list[ProgressEvent] = []
    config = TrainConfig(**{**FAST, "epochs": 2})
    emb = train(lee_corpus_file, config, events.append)
    words = sum(map(len, lee_tokens))
    within = [e for e in events if e.stage == "epoch" and e.loss is None]
    assert len(encodings) == 1
    assert len(within) >= 2 * (words // 6_000)  # a report after every chunk but the last
    assert all(e.words_done % words > 0 for e in within)
    counts = Counter(w for s in lee_tokens for w in s)
    assert set(emb.words) == {w for w, c in counts.items() if c >= config.min_count}
    assert emb.meta["epoch_losses"][1] < emb.meta["epoch_losses"][0]


# --- refusals, devices, threads, cancelling --------------------------------------------------
def test_hierarchical_softmax_is_refused(lee_corpus_file: Path) -> None:
    with pytest.raises(InputError, match="sgns trains with negative sampling only; choose loss"):
        train(lee_corpus_file, TrainConfig(**{**FAST, "loss": "hs"}))


def test_embedlab_device_is_honoured(
    lee_corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    emb = train(lee_corpus_file, TrainConfig(**{**FAST, "epochs": 1, "device": "auto"}))
    assert emb.meta["device"] == "cpu"


def test_cuda_where_there_is_none_is_a_clear_error(lee_corpus_file: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(InputError, match="'cuda' was asked for but is not available"):
        train(lee_corpus_file, TrainConfig(**{**FAST, "device": "cuda"}))


class Cancelled(Exception):
    pass


def test_threads_restored_and_a_callback_exception_cancels(
    lee_corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    monkeypatch.setattr(sgns_module, "CHUNK_TOKENS", 5_000)
    threads = torch.get_num_threads()

    def cancel(event: ProgressEvent) -> None:
        if event.stage == "epoch":
            raise Cancelled

    with pytest.raises(Cancelled):
        train(lee_corpus_file, TrainConfig(**{**FAST, "workers": 3}), cancel)
    assert torch.get_num_threads() == threads
    train(lee_corpus_file, TrainConfig(**{**FAST, "epochs": 1, "workers": 3}))
    assert torch.get_num_threads() == threads
