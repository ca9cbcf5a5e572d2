"""The GloVe trainer: exact co-occurrence counts, the AdaGrad steps (glove.c's entry by entry
on the CPU, torch's minibatch elsewhere), the weighting's settings, and quality on Lee."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.train import ProgressEvent, TrainConfig, train
from embedlab.train import cooccurrence as cooc_module
from embedlab.train.config import settings
from embedlab.train.cooccurrence import count_cooccurrences
from embedlab.train.glove import _Model, weighting
from embedlab.train.glove_kernels import adagrad_epoch
from embedlab.train.vocab import build_vocab, encoded_sentences

# GloVe's own learning rate and enough passes for the 60,000-word Lee corpus.
LEE = {"algo": "glove", "dim": 50, "epochs": 25, "alpha": 0.05, "workers": 1, "device": "cpu"}


def _brute_force(sentences: list[list[int]], vocab_size: int, window: int) -> np.ndarray:
    expected = np.zeros((vocab_size, vocab_size))
    for s in sentences:
        for i, a in enumerate(s):
            for j in range(max(0, i - window), min(len(s), i + window + 1)):
                if j != i:
                    expected[a, s[j]] += 1.0 / abs(i - j)
    return expected


# --- co-occurrence counting -----------------------------------------------------------------
def test_counts_on_a_hand_made_corpus() -> None:
    sentences = [np.array([0, 1, 2, 0]), np.array([2]), np.array([1, 2])]
    counts = count_cooccurrences(sentences, vocab_size=3, window=2).toarray()
    # 0-1: distances 1 and 2 (1 + 1/2); 0-2: 2 and 1; 1-2: 1 in each sentence (not across).
    expected = [[0.0, 1.5, 1.5], [1.5, 0.0, 2.0], [1.5, 2.0, 0.0]]
    np.testing.assert_allclose(counts, expected)


def test_windows_stop_at_sentence_ends() -> None:
    counts = count_cooccurrences([np.array([0, 1]), np.array([2, 3])], 4, window=5).toarray()
    assert counts[1, 2] == counts[0, 3] == 0 and counts[0, 1] == counts[2, 3] == 1


def test_a_word_next_to_itself_counts_both_ways() -> None:
    counts = count_cooccurrences([np.array([0, 0])], 1, window=1).toarray()
    assert counts.tolist() == [[2.0]]  # as GloVe's cooccur does with symmetric=1


@pytest.mark.parametrize("chunk_tokens", [1, 3, 7, 1_000_000])
def test_chunking_does_not_change_the_counts(chunk_tokens: int) -> None:
    rng = np.random.default_rng(0)
    sentences = [rng.integers(0, 12, size=rng.integers(1, 15)) for _ in range(40)]
    got = count_cooccurrences(sentences, 12, window=4, chunk_tokens=chunk_tokens)
    expected = _brute_force([s.tolist() for s in sentences], 12, 4)
    np.testing.assert_allclose(got.toarray(), expected)
    assert got.has_canonical_format and got.data.dtype == np.float64


def test_the_trainer_counts_in_chunks_too(
    lee_corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = TrainConfig(**{**LEE, "epochs": 1, "dim": 8})
    whole = train(lee_corpus_file, config)
    monkeypatch.setattr(cooc_module, "CHUNK_TOKENS", 997)
    chunked = train(lee_corpus_file, config)
    assert chunked.meta["cooccurrence_pairs"] == whole.meta["cooccurrence_pairs"] > 100_000
    np.testing.assert_allclose(chunked.vectors, whole.vectors, atol=1e-6)


# --- the objective and the AdaGrad step -----------------------------------------------------
def test_weighting() -> None:
    np.testing.assert_allclose(weighting(np.array([0.5, 10.0, 100.0, 1e4])), [
        (0.5 / 100) ** 0.75, 0.1**0.75, 1.0, 1.0,
    ])  # fmt: skip


def test_the_weighting_honours_x_max_and_power() -> None:
    """f(x) = (x / x_max)^power, capped at 1, on a hand-built co-occurrence matrix."""
    counts = count_cooccurrences([np.array([0, 1, 0, 1, 2])], 3, window=2)
    cells = zip(counts.row.tolist(), counts.col.tolist(), strict=True)
    f = dict(zip(cells, weighting(counts.data, x_max=2.0, power=0.5).tolist(), strict=True))
    # X: 0-1 three times at distance 1 (3.0); 0-0, 1-1 and 1-2 once each (1.0); 0-2 at 2 (0.5)
    assert f[(0, 1)] == f[(1, 0)] == 1.0  # above x_max: capped
    assert f[(0, 0)] == f[(1, 2)] == pytest.approx(0.5**0.5)  # (1 / 2)^0.5
    assert f[(0, 2)] == pytest.approx(0.5)  # (0.5 / 2)^0.5
    assert weighting(np.array([3.0]), x_max=100.0, power=0.5)[0] == pytest.approx(0.03**0.5)


def _glove_c_steps(params, accumulators, entries, order, lr):  # noqa: ANN001, ANN202
    """glove.c's glove_thread in plain numpy (float64), entry by entry."""
    w, wt, b, bt = (p.astype(np.float64) for p in params)
    gw, gwt, gb, gbt = (a.astype(np.float64) for a in accumulators)
    rows, cols, log_x, f = entries
    cost = 0.0
    for k in order:
        i, j = rows[k], cols[k]
        diff = w[i] @ wt[j] + b[i] + bt[j] - log_x[k]
        fdiff = f[k] * diff
        cost += 0.5 * fdiff * diff
        t1 = np.clip(fdiff * wt[j], -100, 100) * lr
        t2 = np.clip(fdiff * w[i], -100, 100) * lr
        u1, u2 = t1 / np.sqrt(gw[i]), t2 / np.sqrt(gwt[j])
        gw[i] += t1 * t1
        gwt[j] += t2 * t2
        w[i] -= u1
        wt[j] -= u2
        b[i] -= fdiff / np.sqrt(gb[i])
        bt[j] -= fdiff / np.sqrt(gbt[j])
        gb[i] += fdiff * fdiff
        gbt[j] += fdiff * fdiff
    return cost, (w, wt, b, bt), (gw, gwt, gb, gbt)


def test_compiled_epoch_matches_glove_c_entry_by_entry() -> None:
    """The CPU kernel, one thread, on a hand-built matrix whose weights use x_max = 3
    (some entries capped at 1, some not): the same cost, vectors, biases and AdaGrad sums
    as glove.c's update written out in numpy."""
    rng = np.random.default_rng(3)
    counts = count_cooccurrences([rng.integers(0, 20, size=30) for _ in range(4)], 20, window=3)
    f = weighting(counts.data, x_max=3.0).astype(np.float32)
    assert 0 < (f == 1.0).sum() < len(f)
    entries = (
        counts.row.astype(np.int32),
        counts.col.astype(np.int32),
        np.log(counts.data).astype(np.float32),
        f,
    )
    params = tuple(((rng.random(s) - 0.5) / 4).astype(np.float32) for s in [(20, 4)] * 2 + [20] * 2)
    accumulators = tuple(np.ones_like(p) for p in params)
    order = rng.permutation(len(f))
    expected = _glove_c_steps(params, accumulators, entries, order, 0.05)
    cost = adagrad_epoch(params, accumulators, entries, order, 0.05, 1)
    assert cost == pytest.approx(expected[0], rel=1e-5)
    for got, want in zip(params + accumulators, expected[1] + expected[2], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_x_max_is_a_setting_resolved_from_the_corpus_size(lee_corpus_file: Path) -> None:
    declared = settings()
    assert declared["x_max"].flag == "--x-max" and declared["glove_power"].flag == "--glove-power"
    assert declared["x_max"].applies_to("glove") and not declared["x_max"].applies_to("sgns")
    with pytest.raises(InputError, match="glove_power must be greater than 0"):
        TrainConfig(algo="glove", glove_power=0).validate()
    base = {**LEE, "epochs": 1, "dim": 8}
    auto = train(lee_corpus_file, TrainConfig(**base))
    assert auto.meta["x_max"] == 10.0 and auto.meta["glove_power"] == 0.75  # 60,000 words
    assert TrainConfig().resolved_x_max(2 * 10**9) == 100.0
    given = train(lee_corpus_file, TrainConfig(**base, x_max=100.0))
    assert given.meta["x_max"] == 100.0
    assert not np.allclose(auto.vectors, given.vectors)


def test_torch_steps_still_train_on_the_cpu(
    lee_corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The torch steps (what CUDA runs) learn on the CPU too, to a similar loss."""
    config = TrainConfig(**{**LEE, "epochs": 3, "dim": 16})
    compiled = train(lee_corpus_file, config)
    monkeypatch.setenv("EMBEDLAB_GLOVE_STEPS", "torch")
    torch_steps = train(lee_corpus_file, config)
    assert compiled.meta["steps"] == "compiled" and torch_steps.meta["steps"] == "torch"
    first, last = torch_steps.meta["epoch_losses"][0], torch_steps.meta["epoch_losses"][-1]
    assert last < first
    assert last == pytest.approx(compiled.meta["epoch_losses"][-1], rel=0.5)


def test_one_step_matches_autograd_and_adagrad() -> None:
    """Gradients summed per row (duplicates included), then AdaGrad with accumulators at 1."""
    model = _Model(5, 3, np.random.default_rng(0), "cpu")
    before = {k: getattr(model, k).clone() for k in ("w", "wt", "b", "bt")}
    i, j = torch.tensor([0, 0, 1, 4]), torch.tensor([1, 2, 2, 0])
    log_x = torch.tensor([0.5, -1.0, 2.0, 0.1])
    f = torch.tensor([0.2, 0.05, 1.0, 0.3])
    params = {k: v.clone().requires_grad_() for k, v in before.items()}
    diff = (params["w"][i] * params["wt"][j]).sum(1) + params["b"][i] + params["bt"][j] - log_x
    expected_cost = 0.5 * (f * diff * diff).sum()
    expected_cost.backward()
    expected_cost = expected_cost.detach()
    lr = 0.05
    cost = model.step(i, j, log_x, f, lr)
    assert float(cost) == pytest.approx(float(expected_cost), rel=1e-6)
    for name, scale in (("w", lr), ("wt", lr), ("b", 1.0), ("bt", 1.0)):  # biases: rate 1
        grad = params[name].grad * scale
        expected = before[name] - grad / torch.sqrt(1 + grad * grad)
        torch.testing.assert_close(getattr(model, name), expected)
    torch.testing.assert_close(model.gw, 1 + (params["w"].grad * lr) ** 2)


# --- training on Lee ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lee_glove(lee_corpus_file: Path) -> tuple[Embeddings, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    emb = train(lee_corpus_file, TrainConfig(**LEE), events.append)
    return emb, events


def test_vocabulary_shape_and_meta(lee_glove: tuple[Embeddings, list[ProgressEvent]]) -> None:
    emb, _ = lee_glove
    assert emb.shape == (1750, 50) and emb.words[:3] == ("the", "to", "of")
    assert emb.counts is not None and int(emb.counts[0]) > 3000
    assert emb.meta["algo"] == "glove" and emb.meta["device"] == "cpu"
    assert emb.meta["cooccurrence_pairs"] > 100_000
    assert {"torch", "scipy", "numpy"} <= set(emb.meta["versions"])


def test_loss_decreases(lee_glove: tuple[Embeddings, list[ProgressEvent]]) -> None:
    losses = lee_glove[0].meta["epoch_losses"]
    assert len(losses) == LEE["epochs"]
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    assert losses[-1] < 0.5 * losses[0]  # measured: 0.022 -> 0.0092


def test_progress_events(lee_glove: tuple[Embeddings, list[ProgressEvent]]) -> None:
    emb, events = lee_glove
    stages = [e.stage for e in events]
    assert stages[0] == "vocab" and stages[-1] == "done"
    epochs = [e for e in events if e.stage == "epoch" and e.loss is not None]
    assert [e.epoch for e in epochs] == list(range(1, LEE["epochs"] + 1))
    assert events[-1].words_done == emb.meta["corpus_words"] * LEE["epochs"]


def test_frequent_co_occurring_pairs_are_closer_than_random_pairs(
    lee_glove: tuple[Embeddings, list[ProgressEvent]], lee_corpus_file: Path
) -> None:
    """GloVe fits log X_ij, so word pairs seen together often must end up closer.

    The random pairs keep each side's words (the other side shuffled), so word frequency
    alone cannot make the gap. Pairs seen together once or twice carry little weight in
    GloVe's loss and, on a corpus this small, show a smaller gap (about 0.10).
    """
    emb, _ = lee_glove
    vocab = build_vocab(lee_corpus_file, 5)
    cooc = count_cooccurrences(encoded_sentences(lee_corpus_file, vocab), len(vocab), 5)
    often = (cooc.data > 2) & (cooc.row < cooc.col)
    rows, cols = cooc.row[often], cooc.col[often]
    shuffled = np.random.default_rng(0).permutation(cols)
    apart = rows != shuffled

    def gap(unit: np.ndarray) -> float:
        together = np.sum(unit[rows] * unit[cols], axis=1).mean()
        random = np.sum(unit[rows[apart]] * unit[shuffled[apart]], axis=1).mean()
        return float(together - random)

    noise = np.random.default_rng(1).standard_normal(emb.shape)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    assert abs(gap(noise)) < 0.01  # the control
    assert gap(emb.normed) > 0.08  # measured 0.14 (seeds 1 and 2)


def test_neighbours_of_frequent_words(lee_glove: tuple[Embeddings, list[ProgressEvent]]) -> None:
    emb, _ = lee_glove
    assert "three" in [n.word for n in emb.neighbours("two", k=3)]
    assert "wales" in [n.word for n in emb.neighbours("south", k=5)]
    assert "foreign" in [n.word for n in emb.neighbours("minister", k=5)]


def test_same_seed_same_vectors_other_seed_other_vectors(lee_corpus_file: Path) -> None:
    """One worker: the entries run in one seeded order (more workers race, as glove.c's)."""
    config = TrainConfig(**{**LEE, "epochs": 2, "dim": 16, "workers": 1})
    first, second = train(lee_corpus_file, config), train(lee_corpus_file, config)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    other = train(lee_corpus_file, TrainConfig(**{**LEE, "epochs": 2, "dim": 16, "seed": 2}))
    assert not np.allclose(first.vectors, other.vectors)


def test_threads_are_restored(lee_corpus_file: Path) -> None:
    threads = torch.get_num_threads()
    train(lee_corpus_file, TrainConfig(**{**LEE, "epochs": 1, "dim": 8, "workers": 1}))
    assert torch.get_num_threads() == threads


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error(lee_corpus_file: Path) -> None:
    with pytest.raises(InputError, match="'cuda' was asked for but is not available"):
        train(lee_corpus_file, TrainConfig(**{**LEE, "device": "cuda"}))


def test_no_pairs_in_the_window_is_explained(tmp_path: Path) -> None:
    """Two-word sentences, but each pairs a kept word with a rare one: no kept pair."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"a rare{i}\nb other{i}\n" for i in range(5)))
    with pytest.raises(InputError, match="No two kept words occur within 5 words"):
        train(corpus, TrainConfig(algo="glove", min_count=2, device="cpu"))
    corpus.write_text("a\nb\n" * 5)  # one-word sentences are refused before counting
    with pytest.raises(InputError, match="No sentence in this corpus has two words"):
        train(corpus, TrainConfig(algo="glove", min_count=1, device="cpu"))


def test_ignored_word2vec_settings_change_nothing(lee_corpus_file: Path) -> None:
    base = {**LEE, "epochs": 1, "dim": 8}
    plain = train(lee_corpus_file, TrainConfig(**base))
    other = TrainConfig(**base, architecture="cbow", loss="hs", negative=0, sample=0.0)
    np.testing.assert_array_equal(plain.vectors, train(lee_corpus_file, other).vectors)
