"""word2vec's skip-gram and CBOW with negative sampling, in PyTorch, on any device.

Registered as "sgns". The math is word2vec's: frequency subsampling, a dynamic window
(each centre draws b in 1..window), unigram^0.75 negatives (a drawn negative equal to
the target is skipped), a learning rate falling linearly from `alpha` to `min_alpha`
over every word of every epoch, an input matrix initialised uniform(-0.5/dim, 0.5/dim)
and an output matrix of zeros. Skip-gram shares negatives (HogBatch, Ji et al. 2016;
BlazingText's batch_skipgram): each centre's context words predict it against one draw of
k negatives, so a centre is a small dense product and its loss and gradients are summed
over its context words. CBOW predicts the centre from the mean of its context vectors and
gives each context word the whole error (gensim's `cbow_mean=1`).

The corpus is streamed in chunks of about `CHUNK_TOKENS` word ids: the first epoch
encodes it (through `vocab.encoded_sentences`) and spills the ids to a temporary file,
later epochs read that file back chunk by chunk. Each chunk is subsampled, turned into
one row per centre (its context words) with tensor ops, shuffled, and trained in
minibatches of centres; the closed form SGNS gradient `g = (label - sigmoid(u.v)) * lr`
is applied with `index_add_`, so a step touches only the rows in its batch, however large
the vocabulary.

Randomness (subsampling, windows, shuffling, negatives) comes from a counter-based
hash (splitmix64) computed with integer tensor ops: the same seed gives the same draws
on every device, so CPU and CUDA train on the same pairs and negatives, and their
vectors differ only by floating-point rounding (CUDA's `index_add_` sums with atomics,
so two CUDA runs can differ in the last bits too).

On the CPU the steps run as compiled loops (`sgns_kernels`, numba) that build the same
examples and make the same minibatch updates without the torch steps' big intermediates
(``EMBEDLAB_SGNS_STEPS=torch`` keeps the torch steps). With one worker thread a seed gives
identical vectors, equal to the torch steps' up to rounding; with more, the threads share
the batches and update without locks, as gensim's workers do, so runs differ slightly.
`TrainConfig(deterministic=True)` trains with one thread in a fixed order whatever
`workers` says, so the same seed gives the same vectors.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> corpus = pathlib.Path(tmp.name) / "corpus.txt"
>>> _ = corpus.write_text("the cat sat on the mat\\nthe dog sat on the log\\n" * 40)
>>> from embedlab.train import TrainConfig, train
>>> emb = train(corpus, TrainConfig(algo="sgns", dim=8, min_count=2, epochs=1, workers=1,
...                                 device="cpu"))
>>> emb.words[0], int(emb.counts[0]), emb.dim, emb.meta["algo"], emb.meta["device"]
('the', 160, 8, 'sgns', 'cpu')
>>> tmp.cleanup()
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError
from embedlab.train.config import TrainConfig
from embedlab.train.progress import ProgressTracker
from embedlab.train.registry import register_trainer
from embedlab.train.vocab import (
    Vocab,
    build_vocab,
    encoded_sentences,
    keep_probabilities,
    noise_distribution,
)

if TYPE_CHECKING:
    import torch

    from embedlab.embeddings import Embeddings

CHUNK_TOKENS = 1_000_000  # word ids per chunk (before subsampling)
BATCH_CENTRES = 64  # skip-gram centres per step (about 6 context words each) and
CBOW_BATCH_CENTRES = 256  # CBOW's; the same on every device, as the draws are: small steps
# keep the CPU kernels' buffers in cache; a GPU would want more (not measured yet)
_BITS = 53  # random draws are integers in [0, 2**53)
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_U64 = (1 << 64) - 1
_STREAMS = {"keep": 1, "window": 2, "shuffle": 3, "negative": 4}


def check_config(config: TrainConfig) -> None:
    """Refuse settings this trainer cannot honour (on top of `TrainConfig.validate`).

    >>> check_config(TrainConfig(algo="sgns", loss="hs"))
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: sgns trains with negative sampling only; choose loss \
negative or algo word2vec for hierarchical softmax.
    """
    if config.loss != "negative":
        raise InputError(
            "sgns trains with negative sampling only; choose loss negative "
            "or algo word2vec for hierarchical softmax."
        )


# --- counter-based random numbers, identical on every device ---------------------------------
def _signed(value: int) -> int:
    value &= _U64
    return value - (1 << 64) if value >= 1 << 63 else value


def _mix(z: int) -> int:
    """splitmix64's finaliser on a Python int (mod 2**64)."""
    z = ((z ^ (z >> 30)) * _MIX1) & _U64
    z = ((z ^ (z >> 27)) * _MIX2) & _U64
    return z ^ (z >> 31)


def stream_key(seed: int, *parts: int) -> int:
    """A 64-bit key for one stream of draws, from the seed and what the draws are for.

    >>> stream_key(1, 2, 3) == stream_key(1, 2, 3) != stream_key(1, 2, 4)
    True
    """
    key = _mix(seed + _GOLDEN)
    for part in parts:
        key = _mix((key ^ _mix(part + _GOLDEN)) + _GOLDEN)
    return key


def _shr(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Logical right shift of int64 tensors holding unsigned 64-bit values."""
    return (x >> bits) & ((1 << (64 - bits)) - 1)


def random_bits(key: int, start: int, n: int, device: str = "cpu") -> torch.Tensor:
    """Draws `start .. start+n-1` of stream `key`: int64 values uniform in [0, 2**53).

    splitmix64 of `key + (i + 1) * golden`, in wrapping int64 tensor arithmetic, so any
    device gives the same numbers.

    >>> random_bits(stream_key(1), 0, 3).tolist() == random_bits(stream_key(1), 0, 4)[:3].tolist()
    True
    """
    import torch

    z = torch.arange(start + 1, start + n + 1, dtype=torch.int64, device=device)
    z = z * _signed(_GOLDEN) + _signed(key)
    z = (z ^ _shr(z, 30)) * _signed(_MIX1)
    z = (z ^ _shr(z, 27)) * _signed(_MIX2)
    z = z ^ _shr(z, 31)
    return _shr(z, 64 - _BITS)


def _as_thresholds(probabilities: np.ndarray) -> np.ndarray:
    """Probabilities as integer thresholds: a draw r is a hit when r < threshold."""
    return np.floor(np.clip(probabilities, 0.0, 1.0) * float(1 << _BITS)).astype(np.int64)


ALIAS_BITS = 21  # a draw's low bits decide between a column and its alias; the rest pick it


def alias_table(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias tables for drawing from `probabilities` in O(1): (accept, alias).

    A draw picks a column i uniformly, then keeps i with probability accept[i] / 2**21, else
    takes alias[i]; both tables are int64, so torch and the compiled kernels read them alike.

    >>> accept, alias = alias_table(np.array([0.5, 0.25, 0.25]))
    >>> p = (accept + np.bincount(alias, 2**21 - accept, 3)) / 2**21 / 3
    >>> p.round(6).tolist()
    [0.5, 0.25, 0.25]
    """
    n = len(probabilities)
    scaled = np.asarray(probabilities, dtype=np.float64) * n / probabilities.sum()
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        accept[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            small.append(large.pop())
    thresholds = np.round(accept * (1 << ALIAS_BITS)).astype(np.int64)
    return thresholds, alias


def alias_draws(draws: torch.Tensor, accept: torch.Tensor, alias: torch.Tensor) -> torch.Tensor:
    """Columns for 53-bit `draws` from alias tables: the top 32 bits pick a column (by a
    multiply and shift), the low `ALIAS_BITS` keep it or take its alias."""
    import torch

    column = ((draws >> ALIAS_BITS) * len(accept)) >> (_BITS - ALIAS_BITS)
    keep = (draws & ((1 << ALIAS_BITS) - 1)) < accept[column]
    return torch.where(keep, column, alias[column])


# --- streaming the corpus in chunks -----------------------------------------------------------
@dataclass
class _Chunk:
    ids: np.ndarray  # int32 word ids, sentences back to back
    lengths: np.ndarray  # int32 sentence lengths


class _ChunkedCorpus:
    """Chunks of word ids: encoded from the corpus once, then read back from a spill file."""

    def __init__(self, corpus: Path, vocab: Vocab, folder: Path) -> None:
        self.corpus = corpus
        self.vocab = vocab
        self.ids_file = folder / "ids.i32"
        self.lengths_file = folder / "lengths.i32"
        self.sizes: list[tuple[int, int]] | None = None  # (tokens, sentences) per chunk

    def __iter__(self) -> Iterator[_Chunk]:
        return self._encode() if self.sizes is None else self._replay()

    def _encode(self) -> Iterator[_Chunk]:
        sizes: list[tuple[int, int]] = []
        parts: list[np.ndarray] = []
        tokens = 0
        with open(self.ids_file, "wb") as ids_out, open(self.lengths_file, "wb") as len_out:
            for sentence in encoded_sentences(self.corpus, self.vocab):
                parts.append(sentence)
                tokens += len(sentence)
                if tokens >= CHUNK_TOKENS:
                    chunk = self._pack(parts)
                    chunk.ids.tofile(ids_out)
                    chunk.lengths.tofile(len_out)
                    sizes.append((len(chunk.ids), len(chunk.lengths)))
                    yield chunk
                    parts, tokens = [], 0
            if parts:
                chunk = self._pack(parts)
                chunk.ids.tofile(ids_out)
                chunk.lengths.tofile(len_out)
                sizes.append((len(chunk.ids), len(chunk.lengths)))
                yield chunk
        self.sizes = sizes

    def _replay(self) -> Iterator[_Chunk]:
        assert self.sizes is not None
        with open(self.ids_file, "rb") as ids_in, open(self.lengths_file, "rb") as len_in:
            for tokens, sentences in self.sizes:
                ids = np.fromfile(ids_in, dtype=np.int32, count=tokens)
                lengths = np.fromfile(len_in, dtype=np.int32, count=sentences)
                yield _Chunk(ids, lengths)

    @staticmethod
    def _pack(parts: list[np.ndarray]) -> _Chunk:
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int32, count=len(parts))
        return _Chunk(np.concatenate(parts).astype(np.int32), lengths)


def _compiled_kernels() -> ModuleType | None:
    """`sgns_kernels` when numba is installed (the CPU's fast path), else None.

    ``EMBEDLAB_SGNS_STEPS=torch`` keeps the torch steps on the CPU too (to compare them).
    """
    if os.environ.get("EMBEDLAB_SGNS_STEPS", "").strip().lower() == "torch":
        return None
    try:
        from embedlab.train import sgns_kernels
    except ImportError:
        return None
    return sgns_kernels


# --- one chunk: subsample, build contexts, train ----------------------------------------------
class _Model:
    """The two matrices and the state one run shares between chunks."""

    def __init__(self, vocab: Vocab, config: TrainConfig, device: str) -> None:
        import torch

        self.config = config
        self.device = device
        n, dim = len(vocab), config.dim
        gen = torch.Generator().manual_seed(config.seed)
        init = (torch.rand(n, dim, generator=gen, dtype=torch.float32) - 0.5) / dim
        self.w_in = init.to(device)
        self.w_out = torch.zeros(n, dim, dtype=torch.float32, device=device)
        keep = keep_probabilities(vocab.counts, config.sample)
        self.keep = torch.from_numpy(_as_thresholds(keep)).to(device)
        accept, alias = alias_table(noise_distribution(vocab.counts))
        self.accept = torch.from_numpy(accept).to(device)
        self.alias = torch.from_numpy(alias).to(device)
        self.offsets = torch.tensor(
            [*range(-config.window, 0), *range(1, config.window + 1)], device=device
        )
        self.total = int(vocab.counts.sum()) * config.epochs  # in-vocabulary words, all epochs
        self.loss = torch.zeros((), dtype=torch.float64, device=device)
        self.examples = 0
        self.kernels = _compiled_kernels() if device == "cpu" else None

    def lr(self, words_done: float) -> float:
        c = self.config
        return max(c.min_alpha, c.alpha - (c.alpha - c.min_alpha) * words_done / self.total)

    def lrs(self, words_done: np.ndarray) -> np.ndarray:
        """`lr` of many points at once (float64, the same values)."""
        c = self.config
        return np.maximum(c.min_alpha, c.alpha - (c.alpha - c.min_alpha) * words_done / self.total)

    def train_chunk(self, chunk: _Chunk, epoch: int, index: int, words_before: int) -> None:
        """Train on one chunk; `words_before` counts the in-vocabulary words already done."""
        import torch

        c, dev = self.config, self.device
        seed = c.seed
        if self.kernels is not None:
            self._train_chunk_compiled(chunk, epoch, index, words_before)
            return
        ids = torch.from_numpy(chunk.ids).to(dev, dtype=torch.int64)
        lengths = torch.from_numpy(chunk.lengths).to(dev, dtype=torch.int64)
        sentence = torch.repeat_interleave(torch.arange(len(lengths), device=dev), lengths)
        n = len(ids)
        draws = random_bits(stream_key(seed, _STREAMS["keep"], epoch, index), 0, n, dev)
        kept = draws < self.keep[ids]
        ids, sentence = ids[kept], sentence[kept]
        m = len(ids)
        if m < 2:
            return
        bits = random_bits(stream_key(seed, _STREAMS["window"], epoch, index), 0, m, dev)
        reach = 1 + bits % c.window
        pos = torch.arange(m, device=dev).unsqueeze(1) + self.offsets
        valid = (self.offsets.abs() <= reach.unsqueeze(1)) & (pos >= 0) & (pos < m)
        pos.clamp_(0, m - 1)
        valid &= sentence[pos] == sentence.unsqueeze(1)
        shuffle_key = stream_key(seed, _STREAMS["shuffle"], epoch, index)
        neg_key = stream_key(seed, _STREAMS["negative"], epoch, index)
        has = valid.any(1)  # one row per centre with context: CBOW's examples, skip-gram's blocks
        context, valid, outputs = ids[pos[has]], valid[has], ids[has]
        del pos
        order = torch.argsort(random_bits(shuffle_key, 0, len(outputs), dev))
        examples = (context[order], valid[order], outputs[order])
        if c.architecture == "skipgram":
            step, batch = self._skipgram_step, BATCH_CENTRES
            self.examples += int(valid.sum())  # the loss is per (context, centre) pair
        else:
            step, batch = self._cbow_step, CBOW_BATCH_CENTRES
            self.examples += len(outputs)
        total = len(examples[-1])
        for start in range(0, total, batch):
            lr = self.lr(words_before + n * start / total)
            part = tuple(t[start : start + batch] for t in examples)
            negatives = self._negatives(neg_key, start, len(part[-1]))
            step(*part, negatives, lr)

    def _train_chunk_compiled(self, chunk: _Chunk, epoch: int, index: int, before: int) -> None:
        """`train_chunk` in compiled loops: the same examples and batches, the whole chunk in
        one call (so the threads meet once per chunk, as gensim's meet once per epoch)."""
        import numba

        c, kernels = self.config, self.kernels
        keys = tuple(
            np.uint64(stream_key(c.seed, _STREAMS[name], epoch, index))
            for name in ("keep", "window", "shuffle", "negative")
        )
        examples = kernels.centre_examples(
            chunk.ids, chunk.lengths, self.keep.numpy(), keys[:3], c.window
        )
        if c.architecture == "skipgram":
            kernel, batch = kernels.skipgram_blocks, BATCH_CENTRES
            self.examples += int(examples[1].sum())  # the loss is per (context, centre) pair
        else:
            kernel, batch = kernels.cbow_batches, CBOW_BATCH_CENTRES
            self.examples += len(examples[-1])
        w_in, w_out = self.w_in.numpy(), self.w_out.numpy()
        accept, alias = self.accept.numpy(), self.alias.numpy()
        threads = numba.get_num_threads()
        n, total = len(chunk.ids), len(examples[-1])
        if total == 0:
            return
        starts = np.arange(0, total, batch)
        lrs = self.lrs(before + n * starts / total).astype(np.float32)
        bounds = np.append(starts, total)
        noise = (accept, alias, keys[3], 0, c.negative)
        self.loss += kernel(w_in, w_out, *examples, noise, bounds, lrs, threads)

    def _negatives(self, key: int, start: int, count: int) -> torch.Tensor:

        k = self.config.negative
        draws = random_bits(key, start * k, count * k, self.device)
        return alias_draws(draws, self.accept, self.alias).view(count, k)

    def _output_step(
        self, hidden: torch.Tensor, outputs: torch.Tensor, negatives: torch.Tensor, lr: float
    ) -> torch.Tensor:
        """Score `hidden` against the target and its negatives, update the output rows and
        return the gradient for `hidden` (already times lr)."""
        import torch
        import torch.nn.functional as F  # noqa: N812

        targets = torch.cat([outputs.unsqueeze(1), negatives], 1)  # B × (1 + k)
        u = self.w_out.index_select(0, targets.view(-1)).view(*targets.shape, -1)  # B×(1+k)×d
        scores = torch.bmm(u, hidden.unsqueeze(2)).squeeze(2)
        use = torch.ones_like(scores)
        use[:, 1:] = (negatives != outputs.unsqueeze(1)).to(scores.dtype)
        signs = torch.full_like(scores, -1.0)
        signs[:, 0] = 1.0
        self.loss += (F.softplus(-signs * scores) * use).sum(dtype=torch.float64)
        g = ((signs + 1) * 0.5 - torch.sigmoid(scores)) * use * lr
        grad_hidden = torch.bmm(g.unsqueeze(1), u).squeeze(1)
        grad_u = (g.unsqueeze(2) * hidden.unsqueeze(1)).flatten(0, 1)
        self.w_out.index_add_(0, targets.view(-1), grad_u)
        return grad_hidden

    def _skipgram_step(
        self,
        context: torch.Tensor,
        valid: torch.Tensor,
        outputs: torch.Tensor,
        negatives: torch.Tensor,
        lr: float,
    ) -> None:
        """HogBatch: each centre's context words (B × S) predict it against its k shared
        negatives, as one batched product (B × S × d) · (B × d × (1 + k)); gradients summed."""
        import torch
        import torch.nn.functional as F  # noqa: N812

        b, span = context.shape
        targets = torch.cat([outputs.unsqueeze(1), negatives], 1)  # B × (1 + k)
        h = self.w_in.index_select(0, context.view(-1)).view(b, span, -1)  # B × S × d
        u = self.w_out.index_select(0, targets.view(-1)).view(*targets.shape, -1)  # B × T × d
        scores = torch.bmm(h, u.transpose(1, 2))  # B × S × T
        use = torch.ones_like(targets, dtype=scores.dtype)
        use[:, 1:] = (negatives != outputs.unsqueeze(1)).to(scores.dtype)
        mask = valid.to(scores.dtype).unsqueeze(2) * use.unsqueeze(1)
        labels = torch.zeros_like(scores)
        labels[:, :, 0] = 1.0
        self.loss += (F.softplus((1 - 2 * labels) * scores) * mask).sum(dtype=torch.float64)
        g = (labels - torch.sigmoid(scores)) * mask * lr
        grad_in = torch.bmm(g, u)  # B × S × d
        grad_out = torch.bmm(g.transpose(1, 2), h)  # B × T × d
        self.w_out.index_add_(0, targets.view(-1), grad_out.flatten(0, 1))
        self.w_in.index_add_(0, context[valid], grad_in[valid])

    def _cbow_step(
        self,
        context: torch.Tensor,
        valid: torch.Tensor,
        outputs: torch.Tensor,
        negatives: torch.Tensor,
        lr: float,
    ) -> None:
        weights = valid.to(self.w_in.dtype)
        rows = self.w_in.index_select(0, context.view(-1)).view(*context.shape, -1)
        summed = (rows * weights.unsqueeze(2)).sum(1)
        hidden = summed / weights.sum(1, keepdim=True)
        grad = self._output_step(hidden, outputs, negatives, lr)
        centres = valid.nonzero(as_tuple=True)[0]
        self.w_in.index_add_(0, context[valid], grad[centres])

    def take_loss(self) -> float:
        """The mean loss per example since the last call, and reset."""
        mean = float(self.loss) / max(self.examples, 1)
        self.loss.zero_()
        self.examples = 0
        return mean


def compile_kernels() -> bool:
    """Compile (or load from numba's disk cache) the CPU kernels by training a tiny corpus
    both ways, so a user's first run does not wait for the compiler; False without numba.

    `make install` calls it. Run here, it finds the cache warm:

    >>> compile_kernels()
    True
    """
    if _compiled_kernels() is None:
        return False
    from embedlab.train import train

    with tempfile.TemporaryDirectory(prefix="embedlab-sgns-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("a b c d e f\n" * 20, encoding="utf-8")
        for architecture in ("skipgram", "cbow"):
            config = TrainConfig(
                algo="sgns", architecture=architecture, dim=4, epochs=1, min_count=1, device="cpu"
            )
            train(corpus, config)
    return True


def _set_kernel_threads(workers: int) -> None:
    """Give the compiled kernels `workers` threads (at most what numba started with)."""
    if _compiled_kernels() is not None:
        import numba

        numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))


def _versions() -> dict[str, Any]:
    import torch

    return {"torch": torch.__version__}


@register_trainer("sgns")
def train_sgns(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
    """Skip-gram or CBOW with negative sampling, in torch on `config.device`.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> corpus = pathlib.Path(tmp.name) / "c.txt"
    >>> _ = corpus.write_text("a b c d e f g h\\n" * 60)
    >>> config = TrainConfig(algo="sgns", architecture="cbow", dim=4, min_count=1, epochs=1,
    ...                      workers=1, device="cpu")
    >>> emb = train_sgns(corpus, config, ProgressTracker(epochs=1))
    >>> len(emb), int(emb.counts[0]), emb.meta["device"]
    (8, 60, 'cpu')
    >>> tmp.cleanup()
    """
    import torch

    from embedlab.device import resolve_device
    from embedlab.embeddings import Embeddings

    check_config(config)
    device = resolve_device(None if config.device == "auto" else config.device)
    vocab = build_vocab(corpus, config.min_count, config.max_vocab)
    in_vocab = int(vocab.counts.sum())
    scale = vocab.total_words / in_vocab  # progress is told in raw corpus words
    workers = 1 if config.deterministic else config.resolved_workers()
    threads = torch.get_num_threads()
    torch.set_num_threads(workers)
    _set_kernel_threads(workers)
    try:
        with torch.no_grad(), tempfile.TemporaryDirectory(prefix="embedlab-sgns-") as tmp:
            model = _Model(vocab, config, device)
            chunks = _ChunkedCorpus(corpus, vocab, Path(tmp))
            tracker.vocab_done(vocab.total_words)
            for epoch in range(config.epochs):
                done = 0
                for index, chunk in enumerate(chunks):
                    model.train_chunk(chunk, epoch, index, epoch * in_vocab + done)
                    done += len(chunk.ids)
                    if done < in_vocab:
                        tracker.within_epoch(done * scale)
                tracker.epoch_done(model.take_loss())
            vectors = model.w_in.cpu().numpy()
    finally:
        torch.set_num_threads(threads)
    meta = {"versions": _versions(), "device": device}
    return Embeddings(vocab.words, vectors, counts=vocab.counts, meta=meta)
