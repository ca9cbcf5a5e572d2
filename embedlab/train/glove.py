"""GloVe (Pennington et al., 2014): co-occurrence counts, then weighted least squares.

Registered as "glove". The corpus is counted once into a sparse co-occurrence matrix
(`embedlab.train.cooccurrence`: 1/distance weights in a symmetric `window`, within
sentences), then each epoch visits every nonzero entry once, in a seeded shuffle,
minimising

    J = sum f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2,  f(x) = min(1, (x / x_max)^power)

with AdaGrad as GloVe's reference code does it: accumulators start at 1 and sum the
squared (learning-rate-scaled) gradients, each component is clipped to ±100 first.
`x_max` (`config.x_max`, 0: from the corpus size, 10 below 100 million words and 100
above, as GloVe's own recipes; the value used is in `meta["x_max"]`) and `power`
(`config.glove_power`, 0.75) shape the weighting. The result is W + W~, the usual GloVe
output.

On the CPU the epochs run as compiled loops (`glove_kernels`, numba) that step entry by
entry exactly as glove.c does, threads sharing the matrices without locks
(``EMBEDLAB_GLOVE_STEPS=torch`` keeps the torch steps). On a GPU (or without numba), a
torch minibatch sums the gradients of a word's entries and then takes one AdaGrad step
(the accumulator is updated before the step, so a step is below the learning rate per
component).

Settings used: `dim`, `window`, `min_count`, `max_vocab`, `epochs`, `alpha` (the AdaGrad
learning rate), `x_max`, `glove_power`, `seed`, `workers` (CPU threads), `device`.
Ignored, as they belong to word2vec: `architecture`, `loss`, `negative`, `sample`,
`min_alpha`, and the FastText n-gram settings. GloVe's own usual values are a learning
rate of 0.05 and 15-50 epochs; TrainConfig's defaults (0.025, 5 epochs) are word2vec's and
give weaker GloVe vectors, so pass `alpha=0.05` and more epochs (on the 60,000-word Lee
corpus, 25-50).

The reported epoch loss is GloVe's "cost": the mean of f(X_ij)·diff²/2 over the entries,
computed before each entry's (minibatch's) update. On the CPU, one worker and the same
seed give identical vectors; more workers update without locks, so runs differ slightly;
with the torch steps, same seed and thread count give identical vectors; on CUDA,
`index_add_` accumulates with atomics, so two runs agree only up to float rounding.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> corpus = pathlib.Path(tmp.name) / "corpus.txt"
>>> _ = corpus.write_text("the cat sat on the mat\\nthe dog sat on the log\\n" * 20)
>>> from embedlab.train import TrainConfig, train
>>> emb = train(corpus, TrainConfig(algo="glove", dim=8, min_count=1, epochs=3, device="cpu"))
>>> emb.shape, emb.meta["cooccurrence_pairs"], len(emb.meta["epoch_losses"])
((7, 8), 35, 3)
>>> tmp.cleanup()
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.train.config import TrainConfig
from embedlab.train.progress import ProgressTracker
from embedlab.train.registry import register_trainer
from embedlab.train.vocab import build_vocab, encoded_sentences

if TYPE_CHECKING:
    import torch

    from embedlab.embeddings import Embeddings

X_MAX = 100.0
POWER = 0.75  # the exponent of the weighting function (GloVe's "alpha")
GRAD_CLIP = 100.0  # as in GloVe's reference glove.c
BATCH = 32_768
REPORT_EVERY = 1.0  # seconds between within-epoch progress events
ENTRIES_PER_CALL = 2_000_000  # entries per call of the compiled CPU kernel (progress between)


def weighting(x: np.ndarray, x_max: float = X_MAX, power: float = POWER) -> np.ndarray:
    """GloVe's f(x): (x / x_max)^power below x_max, else 1.

    >>> weighting(np.array([1.0, 100.0, 500.0])).round(4).tolist()
    [0.0316, 1.0, 1.0]
    >>> weighting(np.array([1.0, 10.0]), x_max=10.0, power=1.0).tolist()
    [0.1, 1.0]
    """
    return np.minimum(1.0, (x / x_max) ** power)


class _Model:
    """W, W~, b, b~ and their AdaGrad accumulators, as tensors on one device."""

    def __init__(self, vocab_size: int, dim: int, rng: np.random.Generator, device: str) -> None:
        import torch

        def uniform(*shape: int) -> torch.Tensor:  # the reference's (rand - 0.5) / dim
            values = (rng.random(shape, dtype=np.float64) - 0.5) / dim
            return torch.from_numpy(values.astype(np.float32)).to(device)

        self.w, self.wt = uniform(vocab_size, dim), uniform(vocab_size, dim)
        self.b, self.bt = uniform(vocab_size), uniform(vocab_size)
        self.gw, self.gwt = torch.ones_like(self.w), torch.ones_like(self.wt)
        self.gb, self.gbt = torch.ones_like(self.b), torch.ones_like(self.bt)

    def step(
        self, i: torch.Tensor, j: torch.Tensor, log_x: torch.Tensor, f: torch.Tensor, lr: float
    ) -> torch.Tensor:
        """One AdaGrad step on a minibatch of entries; returns the summed cost before it."""
        wi, wj = self.w[i], self.wt[j]
        diff = (wi * wj).sum(1) + self.b[i] + self.bt[j] - log_x
        fdiff = f * diff
        cost = 0.5 * (fdiff * diff).sum()
        clip = GRAD_CLIP * lr
        grad_wi = (fdiff[:, None] * wj).mul_(lr).clamp_(-clip, clip)
        grad_wj = (fdiff[:, None] * wi).mul_(lr).clamp_(-clip, clip)
        _adagrad(self.w, self.gw, self.b, self.gb, i, grad_wi, fdiff)
        _adagrad(self.wt, self.gwt, self.bt, self.gbt, j, grad_wj, fdiff)
        return cost


def _adagrad(
    w: torch.Tensor,
    gw: torch.Tensor,
    b: torch.Tensor,
    gb: torch.Tensor,
    rows: torch.Tensor,
    grad_w: torch.Tensor,
    grad_b: torch.Tensor,
) -> None:
    """Sum the entries' gradients per distinct row, then one AdaGrad step on those rows."""
    import torch

    unique, inverse = torch.unique(rows, return_inverse=True)
    gw_sum = torch.zeros(len(unique), w.shape[1], dtype=w.dtype, device=w.device)
    gw_sum.index_add_(0, inverse, grad_w)
    gb_sum = torch.zeros(len(unique), dtype=b.dtype, device=b.device).index_add_(0, inverse, grad_b)
    acc_w = gw[unique].addcmul_(gw_sum, gw_sum)
    acc_b = gb[unique].addcmul_(gb_sum, gb_sum)
    gw[unique] = acc_w
    gb[unique] = acc_b
    w.index_add_(0, unique, gw_sum.div_(acc_w.sqrt_()), alpha=-1.0)
    b.index_add_(0, unique, gb_sum.div_(acc_b.sqrt_()), alpha=-1.0)


def _compiled_kernels() -> ModuleType | None:
    """`glove_kernels` when numba is installed (the CPU's fast path), else None.

    ``EMBEDLAB_GLOVE_STEPS=torch`` keeps the torch steps on the CPU too (to compare them).
    """
    if os.environ.get("EMBEDLAB_GLOVE_STEPS", "").strip().lower() == "torch":
        return None
    try:
        from embedlab.train import glove_kernels
    except ImportError:
        return None
    return glove_kernels


def _check_loss(loss: float, config: TrainConfig) -> None:
    if not np.isfinite(loss):
        from embedlab.errors import InputError

        raise InputError(
            f"GloVe training diverged (the loss is {loss}); lower alpha "
            f"(now {config.alpha}; 0.05 is GloVe's usual value)."
        )


def _fit(
    cooc: Any, f_x: np.ndarray, config: TrainConfig, tracker: ProgressTracker, device: str
) -> np.ndarray:
    """Train on the COO matrix's nonzero entries (weights `f_x`); return W + W~ (float32)."""
    kernels = _compiled_kernels() if device == "cpu" else None
    if kernels is not None:
        return _fit_compiled(kernels, cooc, f_x, config, tracker)
    import torch

    rng = np.random.default_rng(config.seed)
    model = _Model(cooc.shape[0], config.dim, rng, device)
    rows = torch.from_numpy(cooc.row.astype(np.int64)).to(device)
    cols = torch.from_numpy(cooc.col.astype(np.int64)).to(device)
    log_x = torch.from_numpy(np.log(cooc.data).astype(np.float32)).to(device)
    f = torch.from_numpy(f_x.astype(np.float32)).to(device)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    nnz = len(rows)
    for _ in range(config.epochs):
        order = torch.randperm(nnz, generator=generator, device=device)
        cost = torch.zeros((), dtype=torch.float64, device=device)
        last_report = time.perf_counter()
        for start in range(0, nnz, BATCH):
            batch = order[start : start + BATCH]
            cost += model.step(rows[batch], cols[batch], log_x[batch], f[batch], config.alpha)
            now = time.perf_counter()
            if now - last_report >= REPORT_EVERY:
                last_report = now
                tracker.within_epoch(tracker.corpus_words * min(start + BATCH, nnz) / nnz)
        loss = float(cost) / nnz
        _check_loss(loss, config)
        tracker.epoch_done(loss)
    return (model.w + model.wt).cpu().numpy()


def _fit_compiled(
    kernels: ModuleType, cooc: Any, f_x: np.ndarray, config: TrainConfig, tracker: ProgressTracker
) -> np.ndarray:
    """`_fit` on the CPU with glove.c's entry-by-entry steps (`glove_kernels`)."""
    import numba

    rng = np.random.default_rng(config.seed)
    n, dim = cooc.shape[0], config.dim

    def uniform(*shape: int) -> np.ndarray:  # the reference's (rand - 0.5) / dim
        return ((rng.random(shape, dtype=np.float64) - 0.5) / dim).astype(np.float32)

    params = (uniform(n, dim), uniform(n, dim), uniform(n), uniform(n))
    accumulators = tuple(np.ones_like(p) for p in params)
    entries = (
        cooc.row.astype(np.int32),
        cooc.col.astype(np.int32),
        np.log(cooc.data).astype(np.float32),
        f_x.astype(np.float32),
    )
    threads = max(1, min(config.resolved_workers(), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(threads)
    nnz = len(entries[0])
    index_type = np.int32 if nnz < 2**31 else np.int64
    part = max(ENTRIES_PER_CALL, threads)
    for _ in range(config.epochs):
        order = rng.permutation(nnz).astype(index_type)
        cost = 0.0
        for start in range(0, nnz, part):
            block = order[start : start + part]
            cost += kernels.adagrad_epoch(
                params, accumulators, entries, block, config.alpha, threads
            )
            if start + part < nnz:
                tracker.within_epoch(tracker.corpus_words * (start + part) / nnz)
        loss = cost / nnz
        _check_loss(loss, config)
        tracker.epoch_done(loss)
    return params[0] + params[1]


def compile_kernels() -> bool:
    """Compile (or load from numba's disk cache) the CPU kernels by training a tiny corpus,
    so a user's first GloVe run does not wait for the compiler; False without numba.

    `make install` calls it. Run here, it finds the cache warm:

    >>> compile_kernels()
    True
    """
    if _compiled_kernels() is None:
        return False
    import tempfile

    from embedlab.train import train

    with tempfile.TemporaryDirectory(prefix="embedlab-glove-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("a b c d e f\n" * 20, encoding="utf-8")
        train(corpus, TrainConfig(algo="glove", dim=4, epochs=1, min_count=1, device="cpu"))
    return True


@register_trainer("glove")
def train_glove(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
    """GloVe on a corpus file: count co-occurrences, then fit vectors on `config.device`.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> corpus = pathlib.Path(tmp.name) / "c.txt"
    >>> _ = corpus.write_text("a b c d e f g h\\n" * 30)
    >>> config = TrainConfig(algo="glove", dim=4, min_count=1, epochs=2, device="cpu")
    >>> emb = train_glove(corpus, config, ProgressTracker(epochs=2))
    >>> len(emb), int(emb.counts[0]), emb.meta["device"]
    (8, 30, 'cpu')
    >>> tmp.cleanup()
    """
    import scipy
    import torch

    from embedlab.device import resolve_device
    from embedlab.embeddings import Embeddings
    from embedlab.errors import InputError
    from embedlab.train.cooccurrence import count_cooccurrences

    device = resolve_device(config.device)
    vocab = build_vocab(corpus, config.min_count, config.max_vocab)
    cooc = count_cooccurrences(encoded_sentences(corpus, vocab), len(vocab), config.window)
    if cooc.nnz == 0:
        raise InputError(
            f"No two kept words occur within {config.window} words of each other in one "
            "sentence; lower min-count, widen the window or use a larger corpus."
        )
    tracker.vocab_done(vocab.total_words)
    x_max = config.resolved_x_max(vocab.total_words)
    f_x = weighting(cooc.data, x_max, config.glove_power)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.resolved_workers())
    try:
        vectors = _fit(cooc, f_x, config, tracker, device)
    finally:
        torch.set_num_threads(threads)
    versions = {"torch": torch.__version__, "scipy": scipy.__version__}
    meta = {
        "versions": versions,
        "device": device,
        "cooccurrence_pairs": int(cooc.nnz),
        "x_max": x_max,
        "glove_power": float(config.glove_power),
        "steps": "compiled" if device == "cpu" and _compiled_kernels() else "torch",
    }
    return Embeddings(vocab.words, vectors, counts=vocab.counts, meta=meta)
