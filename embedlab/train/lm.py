"""A small next-word language model over a corpus, whose embedding layer can start from a model.

It shows what pretraining buys: train the same LM with its embedding layer random, copied from
an `Embeddings` and frozen, or copied and fine-tuned, and compare their perplexities.

- **Data.** corpus.txt keeps no document boundaries, so its sentences are cut into blocks of
  up to `BLOCK` consecutive sentences (stand-ins for documents: neighbouring sentences share a
  topic, and a block stays on one side of the split). A seeded permutation orders the blocks;
  with `max_tokens` only the first blocks are kept (a small, representative slice); then
  `test_share` and `valid_share` of the blocks are held out (at least one block each). Each
  split is one stream of word ids with `<eos>` after every sentence, cut into windows of
  `seq_len` tokens; every window starts from an empty state.
- **Vocabulary.** Words seen `min_count` times in the training split (at most `max_vocab`, the
  most frequent), plus `<eos>` and `<unk>`; other words become `<unk>`, which the LM predicts
  like any word (as on the Penn Treebank). `oov_share` is the share of test words that are
  `<unk>`.
- **Embedding layer.** Random (uniform ±0.1), or the model's vectors row by row (exactly);
  words of the LM's vocabulary the model lacks, and the two markers, start random with the
  model's spread and are counted (`init_missing`). `freeze` keeps the layer as it is.
- **Dimensions.** The embedding layer always has the model's width. When `dim` asks for
  another width, a linear projection maps the embeddings to `dim` before the LSTM or
  Transformer (and the output side projects back): the model's vectors are used as they are.
- **Output.** Tied (`tie=True`): the logits are the network's output, projected to the
  embedding width, times the embedding matrix (plus a bias), so with `freeze` the output
  vectors are the model's too. Untied: a plain softmax layer over the vocabulary.
- **Training.** Adam, cross-entropy, gradient clipping; the weights of the epoch with the best
  validation perplexity are kept and scored on the test split. On the CPU the same seed gives
  the same perplexities (the seed drives the split, the initialisation, dropout and the window
  order); CUDA kernels may differ in the last bits.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> corpus = pathlib.Path(tmp.name) / "corpus.txt"
>>> _ = corpus.write_text("the cat sat on the mat\\nthe dog sat on the log\\n" * 30)
>>> config = LMConfig(dim=8, hidden=16, epochs=3, batch_size=4, seq_len=10, lr=0.02,
...                   device="cpu")
>>> report = (lm := train_lm(corpus, config)).report
>>> report.epochs_run, report.test_perplexity < report.unigram_perplexity
(3, True)
>>> complete(lm, "the cat sat on the", 2)[0][0] in {"mat", "log"}
True
>>> LMReport.from_dict(report.to_dict()) == report
True
>>> tmp.cleanup()
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.errors import InputError, NotFoundError
from embedlab.train.progress import ProgressTracker
from embedlab.train.vocab import token_lines

if TYPE_CHECKING:
    import torch

    from embedlab.embeddings import Embeddings

__all__ = [
    "build_lm",
    "ARCHS",
    "EOS",
    "UNK",
    "LanguageModel",
    "LMConfig",
    "LMEvent",
    "LMReport",
    "complete",
    "load_lm",
    "sample",
    "save_lm",
    "train_lm",
]

Arch = Literal["lstm", "transformer"]
ARCHS: tuple[str, ...] = ("lstm", "transformer")
EOS = "<eos>"
UNK = "<unk>"
BLOCK = 10  # consecutive sentences that stay together in the split
RANDOM_DIM = 64  # the embedding width when there is no model to take it from
EVENTS_PER_EPOCH = 20  # progress events within an epoch (each may cancel the run)
WEIGHTS_FILE = "weights.safetensors"
VOCAB_FILE = "vocab.json"
LM_FILE = "lm.json"


# --- configuration ----------------------------------------------------------------------------
def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.")


def _check_real(name: str, value: object, low: float, high: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}.")


@dataclass(frozen=True)
class LMConfig:
    """How to build and train the language model.

    `dim` is the width the LSTM/Transformer reads (None: the embedding width, which is the
    model's dimension, or 64 without a model); `hidden` the LSTM's state size or the
    Transformer's feed-forward width. `max_tokens` trains on a slice of the corpus.
    `workers` is the number of CPU threads torch uses while training (0: every core). It is
    1 by default: a model this small spends more time synchronising threads than computing,
    and on shared cores two threads ran 10x slower than one (same results either way).

    >>> LMConfig(arch="gru").validate()
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: Unknown arch 'gru'; choose lstm or transformer.
    >>> LMConfig.from_dict(LMConfig(epochs=2).to_dict()) == LMConfig(epochs=2)
    True
    """

    arch: Arch = "lstm"
    freeze: bool = False
    dim: int | None = None
    hidden: int = 128
    layers: int = 1
    tie: bool = True
    dropout: float = 0.2
    epochs: int = 4
    batch_size: int = 16
    seq_len: int = 35
    lr: float = 0.01
    clip: float = 1.0
    min_count: int = 2
    max_vocab: int | None = 10_000
    max_tokens: int | None = None
    valid_share: float = 0.1
    test_share: float = 0.1
    seed: int = 0
    device: str = "auto"
    workers: int = 1

    def validate(self) -> None:
        """Raise `InputError` for the first setting out of range."""
        from embedlab.device import DEVICES

        if self.arch not in ARCHS:
            raise InputError(f"Unknown arch {self.arch!r}; choose lstm or transformer.")
        if self.dim is not None:
            _check_int("dim", self.dim, 1, 2000)
        _check_int("hidden", self.hidden, 1, 8192)
        _check_int("layers", self.layers, 1, 8)
        _check_real("dropout", self.dropout, 0.0, 0.9)
        _check_int("epochs", self.epochs, 1, 1000)
        _check_int("batch_size", self.batch_size, 1, 4096)
        _check_int("seq_len", self.seq_len, 2, 1024)
        _check_real("lr", self.lr, 1e-6, 1.0)
        _check_real("clip", self.clip, 0.0, 1000.0)
        _check_int("min_count", self.min_count, 1, 1_000_000)
        if self.max_vocab is not None:
            _check_int("max_vocab", self.max_vocab, 2, 1_000_000)
        if self.max_tokens is not None:
            _check_int("max_tokens", self.max_tokens, 100, 10**10)
        _check_real("valid_share", self.valid_share, 0.01, 0.5)
        _check_real("test_share", self.test_share, 0.01, 0.5)
        _check_int("seed", self.seed, 0, 2**32 - 1)
        _check_int("workers", self.workers, 0, 1024)
        if str(self.device).split(":", 1)[0].lower() not in DEVICES:
            raise InputError(f"Unknown device {self.device!r}; choose one of {', '.join(DEVICES)}.")

    def describe(self) -> str:
        """One line: the architecture, its width and the schedule.

        >>> LMConfig(freeze=True).describe()
        'lstm 128 hidden, 4 epochs, seq 35, batch 16, embeddings frozen'
        """
        width = f"{self.hidden} hidden" if self.arch == "lstm" else f"{self.hidden} ffn"
        text = f"{self.arch} {width}, {self.epochs} epochs, seq {self.seq_len}, batch "
        text += f"{self.batch_size}"
        return text + (", embeddings frozen" if self.freeze else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LMConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# --- events and report ------------------------------------------------------------------------
@dataclass(frozen=True)
class LMEvent:
    """Where a language-model run stands (the trainers' `ProgressEvent`, in tokens).

    `stage` is "vocab" (data read), "batch" (within an epoch), "epoch" (an epoch and its
    validation are done) or "done". `valid_perplexities` holds every finished epoch's, so
    the last event alone is enough to draw the curve.

    >>> LMEvent("batch", 0, 2, 50, 200, 1.0, 50.0, 3.0, 6.1, ()).fraction
    0.25
    """

    stage: Literal["vocab", "batch", "epoch", "done"]
    epoch: int
    epochs: int
    tokens_done: int
    total_tokens: int
    elapsed: float
    tokens_per_sec: float
    eta: float | None
    loss: float | None
    valid_perplexities: tuple[float, ...]

    @property
    def fraction(self) -> float:
        if self.stage == "done":
            return 1.0
        return min(1.0, self.tokens_done / self.total_tokens) if self.total_tokens > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "valid_perplexities": list(self.valid_perplexities)}


LMCallback = Callable[[LMEvent], None]


@dataclass(frozen=True)
class LMReport:
    """What a run measured, JSON-ready through `to_dict` / `from_dict`.

    `init` is "random" or "model" (then `init_model` names it and `init_found` /
    `init_missing` count the vocabulary words it had / lacked a vector for). Perplexities are
    per token, `<eos>` and `<unk>` included; `unigram_perplexity` is that of add-one word
    frequencies on the test split, the floor a model that ignores context reaches.
    """

    label: str
    config: LMConfig
    init: Literal["random", "model"]
    init_model: str | None
    vocab_size: int
    init_found: int
    init_missing: int
    embedding_dim: int
    projection: bool
    parameters: int
    trainable_parameters: int
    tokens: dict[str, int]
    oov_share: float
    train_losses: tuple[float, ...]
    valid_perplexities: tuple[float, ...]
    best_epoch: int
    test_perplexity: float
    unigram_perplexity: float
    tokens_per_sec: float
    seconds: float
    device: str

    @property
    def epochs_run(self) -> int:
        return len(self.valid_perplexities)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["config"] = self.config.to_dict()
        data["train_losses"] = list(self.train_losses)
        data["valid_perplexities"] = list(self.valid_perplexities)
        data["tokens"] = dict(self.tokens)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LMReport:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["config"] = LMConfig.from_dict(data["config"])
        values["train_losses"] = tuple(float(x) for x in data["train_losses"])
        values["valid_perplexities"] = tuple(float(x) for x in data["valid_perplexities"])
        values["tokens"] = {str(k): int(v) for k, v in data["tokens"].items()}
        return cls(**values)


# --- the trained model as a value -------------------------------------------------------------
@dataclass(frozen=True)
class LanguageModel:
    """A trained LM: the torch module (in eval mode), its vocabulary and how it was made.

    `vocab[0]` is `<eos>`, `vocab[1]` `<unk>`. `options` are the corpus's tokenizer options
    (prompts are tokenised the same way). Save it with `save_lm`, read it with `load_lm`.
    """

    module: Any = field(repr=False)
    vocab: tuple[str, ...]
    config: LMConfig
    embedding_dim: int
    report: LMReport | None = None
    options: dict[str, Any] = field(default_factory=dict, repr=False)
    index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.index:
            object.__setattr__(self, "index", {w: i for i, w in enumerate(self.vocab)})

    @property
    def name(self) -> str:
        return self.report.label if self.report is not None else "language model"


def _build_module(vocab_size: int, embedding_dim: int, config: LMConfig) -> torch.nn.Module:  # noqa: C901 - one small class, defined here so torch loads lazily
    import torch
    from torch import nn

    width = config.dim or embedding_dim

    class NextWord(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            self.project_in = nn.Linear(embedding_dim, width) if width != embedding_dim else None
            self.drop = nn.Dropout(config.dropout)
            if config.arch == "lstm":
                self.rnn = nn.LSTM(
                    width,
                    config.hidden,
                    config.layers,
                    batch_first=True,
                    dropout=config.dropout if config.layers > 1 else 0.0,
                )
                out = config.hidden
            else:
                heads = next(h for h in (4, 2, 1) if width % h == 0)
                self.position = nn.Embedding(config.seq_len, width)
                nn.init.normal_(self.position.weight, std=0.01)  # below the words' own scale
                layer = nn.TransformerEncoderLayer(
                    width,
                    heads,
                    dim_feedforward=config.hidden,
                    dropout=config.dropout,
                    batch_first=True,
                    norm_first=True,
                )
                self.encoder = nn.TransformerEncoder(
                    layer, num_layers=2 * config.layers, enable_nested_tensor=False
                )
                self.norm = nn.LayerNorm(width)
                out = width
            if config.tie:
                self.project_out = nn.Linear(out, embedding_dim) if out != embedding_dim else None
                self.bias = nn.Parameter(torch.zeros(vocab_size))
            else:
                self.decoder = nn.Linear(out, vocab_size)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            x = self.embedding(ids)
            if self.project_in is not None:
                x = self.project_in(x)
            x = self.drop(x)
            if config.arch == "lstm":
                h, _ = self.rnn(x)
            else:
                steps = ids.shape[1]
                x = x + self.position(torch.arange(steps, device=ids.device))
                mask = nn.Transformer.generate_square_subsequent_mask(steps, device=ids.device)
                h = self.norm(self.encoder(x, mask=mask, is_causal=True))
            h = self.drop(h)
            if config.tie:
                if self.project_out is not None:
                    h = self.project_out(h)
                return nn.functional.linear(h, self.embedding.weight, self.bias)
            return self.decoder(h)

    return NextWord()


# --- data -------------------------------------------------------------------------------------
def _split(file: Path, config: LMConfig) -> np.ndarray:
    """Each sentence's split: 0 train, 1 valid, 2 test, -1 left out of the slice."""
    lengths = np.fromiter((len(t) for t in token_lines(file)), dtype=np.int64)
    n = len(lengths)
    if n < 3:
        raise InputError(
            f"The corpus has {n} sentence(s); a language model needs at least 3 (one each to "
            "train, validate and test), one sentence per line."
        )
    block = max(1, min(BLOCK, n // 30))
    blocks = (n + block - 1) // block
    order = np.random.default_rng(config.seed).permutation(blocks)
    block_tokens = np.bincount(np.arange(n) // block, weights=lengths, minlength=blocks)
    kept = blocks
    if config.max_tokens is not None:
        reached = np.cumsum(block_tokens[order]) >= config.max_tokens
        kept = int(np.argmax(reached)) + 1 if reached.any() else blocks
        kept = max(kept, min(3, blocks))
    n_test = max(1, round(kept * config.test_share))
    n_valid = max(1, round(kept * config.valid_share))
    if n_test + n_valid >= kept:
        raise InputError(
            f"The corpus (or its slice) has {kept} block(s) of sentences, too few to hold out "
            "validation and test text; use a larger corpus or raise max_tokens."
        )
    block_split = np.full(blocks, -1, dtype=np.int8)
    block_split[order[:n_test]] = 2
    block_split[order[n_test : n_test + n_valid]] = 1
    block_split[order[n_test + n_valid : kept]] = 0
    return block_split[np.arange(n) // block]


def _vocabulary(file: Path, split: np.ndarray, config: LMConfig) -> tuple[str, ...]:
    counts: Counter[str] = Counter()
    for tokens, part in zip(token_lines(file), split, strict=True):
        if part == 0:
            counts.update(tokens)
    ranked = sorted(
        ((w, c) for w, c in counts.items() if c >= config.min_count and w not in (EOS, UNK)),
        key=lambda item: (-item[1], item[0]),
    )
    if config.max_vocab is not None:
        ranked = ranked[: config.max_vocab]
    if not ranked:
        raise InputError(
            f"No word occurs {config.min_count} times in the training part of the corpus; "
            "lower min-count or use a larger corpus."
        )
    return (EOS, UNK, *(w for w, _ in ranked))


def _streams(file: Path, split: np.ndarray, index: Mapping[str, int]) -> list[np.ndarray]:
    """The train, valid and test id streams, `<eos>` (0) after each sentence."""
    parts: list[list[int]] = [[], [], []]
    get = index.get
    for tokens, part in zip(token_lines(file), split, strict=True):
        if part >= 0:
            parts[part].extend(get(t, 1) for t in tokens)
            parts[part].append(0)
    return [np.asarray(p, dtype=np.int64) for p in parts]


def _windows(ids: np.ndarray, seq_len: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets in windows of `seq_len` (the last one padded; padding targets -100)."""
    import torch

    steps = len(ids) - 1
    count = max(1, (steps + seq_len - 1) // seq_len)
    inputs = np.zeros(count * seq_len, dtype=np.int64)
    targets = np.full(count * seq_len, -100, dtype=np.int64)
    inputs[:steps] = ids[:-1]
    targets[:steps] = ids[1:]
    shape = (count, seq_len)
    return (
        torch.from_numpy(inputs.reshape(shape)).to(device),
        torch.from_numpy(targets.reshape(shape)).to(device),
    )


def _unigram_perplexity(train: np.ndarray, test: np.ndarray, vocab_size: int) -> float:
    counts = np.bincount(train, minlength=vocab_size).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(np.exp(-logp[test[1:]].mean()))


def _initial_rows(
    vocab: Sequence[str], init: Embeddings, generator: torch.Generator
) -> torch.Tensor:
    """The embedding matrix from `init` (missing words: random with the model's spread)."""
    import torch

    spread = float(np.std(init.vectors)) or 0.1
    rows = torch.randn(len(vocab), init.dim, generator=generator) * spread
    found = [(i, init.index(w)) for i, w in enumerate(vocab) if w in init.key_to_index]
    if found:
        at, src = zip(*found, strict=True)
        rows[list(at)] = torch.from_numpy(init.vectors[list(src)].copy())
    return rows


def _mean_loss(module: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor, batch: int):  # noqa: ANN202 - float
    import torch

    total, count = 0.0, 0
    module.eval()
    with torch.no_grad():
        for start in range(0, len(inputs), batch):
            logits = module(inputs[start : start + batch])
            gold = targets[start : start + batch]
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), gold.reshape(-1), reduction="sum"
            )
            total += float(loss)
            count += int((gold != -100).sum())
    return total / max(count, 1)


def _perplexity(loss: float) -> float:
    return float(math.exp(min(loss, 700.0)))


def _corpus_options(file: Path) -> dict[str, Any]:
    try:
        from embedlab.ingest.corpus import read_stats

        return dict(read_stats(file.parent).extra.get("options", {}))
    except (OSError, ValueError, KeyError, NotFoundError):
        return {}


def _coverage(vocab: Sequence[str], init: Embeddings | None) -> tuple[int, int]:
    """How many vocabulary words (markers left out) `init` has a vector for, and lacks."""
    if init is None:
        return 0, 0
    found = sum(1 for w in vocab[2:] if w in init.key_to_index)
    return found, len(vocab) - 2 - found


def build_lm(
    vocab: Sequence[str], config: LMConfig, init: Embeddings | None = None
) -> LanguageModel:
    """An untrained LM over `vocab` (`<eos>`, `<unk>` first), its embedding layer from `init`.

    Rows of words `init` has are its vectors exactly; the others, and the markers, are
    random with the spread of its vectors. Without `init` every row is uniform(-0.1, 0.1).
    The seed of `config` fixes every random number.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> emb = Embeddings(["cat", "dog"], np.eye(2, 3, dtype=np.float32))
    >>> lm = build_lm(("<eos>", "<unk>", "dog", "fox"), LMConfig(hidden=4), emb)
    >>> lm.module.embedding.weight[2].tolist(), lm.embedding_dim
    ([0.0, 1.0, 0.0], 3)
    """
    import torch

    config.validate()
    if list(vocab[:2]) != [EOS, UNK]:
        raise InputError(f"The vocabulary must start with {EOS} and {UNK}; got {list(vocab[:2])}.")
    embedding_dim = init.dim if init is not None else (config.dim or RANDOM_DIM)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        generator = torch.Generator().manual_seed(config.seed)
        module = _build_module(len(vocab), embedding_dim, config)
        with torch.no_grad():
            if init is None:
                module.embedding.weight.uniform_(-0.1, 0.1, generator=generator)
            else:
                module.embedding.weight.copy_(_initial_rows(vocab, init, generator))
    module.embedding.weight.requires_grad_(not config.freeze)
    return LanguageModel(module, tuple(vocab), config, embedding_dim)


def train_lm(
    corpus: str | os.PathLike[str],
    config: LMConfig | None = None,
    init: Embeddings | None = None,
    on_progress: LMCallback | None = None,
    label: str | None = None,
) -> LanguageModel:
    """Train a next-word LM on a corpus folder (its corpus.txt) or a one-sentence-a-line file.

    `init` gives the embedding layer its starting vectors (None: random); `config.freeze`
    (only with `init`) keeps them fixed. `on_progress` receives `LMEvent`s; an exception it
    raises stops training and propagates from here (that is how a run is cancelled).
    Returns the model of the epoch with the best validation perplexity, with its `report`.
    """
    import torch

    from embedlab.device import resolve_device
    from embedlab.train import training_file

    config = LMConfig() if config is None else config
    config.validate()
    if config.freeze and init is None:
        raise InputError(
            "freeze keeps a model's vectors fixed, but no model was given; "
            "start from a model or train without freeze."
        )
    device = resolve_device(config.device)
    file = training_file(corpus)
    start = time.perf_counter()
    split = _split(file, config)
    vocab = _vocabulary(file, split, config)
    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(config.workers or os.cpu_count() or 1)
    try:
        return _fit(file, config, init, on_progress, label, device, vocab, split, start)
    finally:
        torch.set_num_threads(threads)


def _fit(  # noqa: PLR0913, PLR0915 - the training loop, kept in one piece
    file: Path,
    config: LMConfig,
    init: Embeddings | None,
    on_progress: LMCallback | None,
    label: str | None,
    device: str,
    vocab: tuple[str, ...],
    split: np.ndarray,
    start: float,
) -> LanguageModel:
    import torch

    index = {w: i for i, w in enumerate(vocab)}
    train_ids, valid_ids, test_ids = _streams(file, split, index)
    words_in_test = len(test_ids) - int((test_ids == 0).sum())
    oov_share = float((test_ids == 1).sum()) / max(words_in_test, 1)
    lm = build_lm(vocab, config, init)
    module = lm.module
    found, missing = _coverage(vocab, init)
    embedding_dim = lm.embedding_dim
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed + 1)  # dropout
        generator = torch.Generator().manual_seed(config.seed + 2)  # the order of windows
        module.to(device)
        trainable = [p for p in module.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trainable, lr=config.lr)
        train_x, train_y = _windows(train_ids, config.seq_len, device)
        valid_x, valid_y = _windows(valid_ids, config.seq_len, device)
        test_x, test_y = _windows(test_ids, config.seq_len, device)
        train_tokens = int((train_y != -100).sum())
        batches = (len(train_x) + config.batch_size - 1) // config.batch_size
        every = max(1, batches // EVENTS_PER_EPOCH)

        tracker = ProgressTracker(config.epochs)
        losses: list[float] = []
        perplexities: list[float] = []
        best: tuple[float, int, dict[str, torch.Tensor]] | None = None

        def emit(stage: str, event: Any, loss: float | None) -> None:
            if on_progress is not None:
                on_progress(
                    LMEvent(
                        stage,  # type: ignore[arg-type]
                        event.epoch,
                        event.epochs,
                        event.words_done,
                        event.total_words,
                        event.elapsed,
                        event.words_per_sec,
                        event.eta,
                        loss,
                        tuple(perplexities),
                    )
                )

        emit("vocab", tracker.vocab_done(train_tokens), None)
        train_seconds = 0.0
        for _ in range(config.epochs):
            module.train()
            epoch_start = time.perf_counter()
            order = torch.randperm(len(train_x), generator=generator).to(device)
            total, count = 0.0, 0
            for step in range(batches):
                picked = order[step * config.batch_size : (step + 1) * config.batch_size]
                x, y = train_x[picked], train_y[picked]
                logits = module(x)
                loss = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.clip > 0:
                    torch.nn.utils.clip_grad_norm_(trainable, config.clip)
                optimizer.step()
                n = int((y != -100).sum())
                total += float(loss.detach()) * n
                count += n
                if (step + 1) % every == 0 and step + 1 < batches:
                    emit("batch", tracker.within_epoch(count, total / count), total / count)
            train_seconds += time.perf_counter() - epoch_start
            losses.append(total / max(count, 1))
            perplexities.append(_perplexity(_mean_loss(module, valid_x, valid_y, 256)))
            if best is None or perplexities[-1] < best[0]:
                state = {k: v.detach().clone() for k, v in module.state_dict().items()}
                best = (perplexities[-1], len(perplexities), state)
            emit("epoch", tracker.epoch_done(losses[-1]), losses[-1])

        assert best is not None
        module.load_state_dict(best[2])
        test_perplexity = _perplexity(_mean_loss(module, test_x, test_y, 256))
        module.eval()
    emit("done", tracker.done(), losses[-1])
    report = LMReport(
        label=label or ("random" if init is None else f"{init.name}"),
        config=config,
        init="random" if init is None else "model",
        init_model=None if init is None else init.name,
        vocab_size=len(vocab),
        init_found=found,
        init_missing=missing,
        embedding_dim=embedding_dim,
        projection=(config.dim or embedding_dim) != embedding_dim,
        parameters=sum(p.numel() for p in module.parameters()),
        trainable_parameters=sum(p.numel() for p in trainable),
        tokens={"train": len(train_ids), "valid": len(valid_ids), "test": len(test_ids)},
        oov_share=oov_share,
        train_losses=tuple(losses),
        valid_perplexities=tuple(perplexities),
        best_epoch=best[1],
        test_perplexity=test_perplexity,
        unigram_perplexity=_unigram_perplexity(train_ids, test_ids, len(vocab)),
        tokens_per_sec=train_tokens * config.epochs / train_seconds if train_seconds else 0.0,
        seconds=time.perf_counter() - start,
        device=device,
    )
    return LanguageModel(module, vocab, config, embedding_dim, report, _corpus_options(file))


# --- using a trained model --------------------------------------------------------------------
def _prompt_ids(model: LanguageModel, prompt: str) -> list[int]:
    from embedlab.ingest.tokenize import TokenizeOptions, tokenize

    try:
        options = TokenizeOptions.from_dict(model.options) if model.options else TokenizeOptions()
    except (TypeError, ValueError, KeyError):
        options = TokenizeOptions()
    ids = [model.index.get(t, 1) for t in tokenize(str(prompt), replace(options, phrases=False))]
    return [0, *ids][-model.config.seq_len :]  # <eos> first: a sentence starts here


def _next_distribution(model: LanguageModel, ids: list[int]) -> np.ndarray:
    import torch

    module = model.module
    device = next(module.parameters()).device
    module.eval()
    with torch.no_grad():
        logits = module(torch.tensor([ids], dtype=torch.int64, device=device))[0, -1]
        probs = torch.softmax(logits.float(), dim=-1)
    return probs.cpu().numpy()


def complete(model: LanguageModel, prompt: str, n: int = 10) -> list[tuple[str, float]]:
    """The `n` most likely next words after `prompt`, with their probabilities.

    The prompt is tokenised as the corpus was; words the LM does not know count as `<unk>`.
    The two markers (`<eos>`, `<unk>`) are not offered as words.
    """
    from embedlab.checks import positive_int

    n = int(positive_int(n, "k", maximum=1000))  # type: ignore[arg-type]
    probs = _next_distribution(model, _prompt_ids(model, prompt))
    probs[:2] = -1.0
    top = np.argsort(-probs, kind="stable")[: min(n, len(probs) - 2)]
    return [(model.vocab[i], float(probs[i])) for i in top]


def sample(
    model: LanguageModel,
    prompt: str,
    n_words: int = 20,
    temperature: float = 1.0,
    seed: int = 0,
) -> list[str]:
    """A continuation of `prompt` drawn word by word (`<unk>` never; it stops at `<eos>`).

    `temperature` below 1 sharpens the distribution, above 1 flattens it.
    """
    from embedlab.checks import positive_int

    n_words = int(positive_int(n_words, "n_words", maximum=1000))  # type: ignore[arg-type]
    _check_real("temperature", temperature, 0.01, 10.0)
    rng = np.random.default_rng(seed)
    ids = _prompt_ids(model, prompt)
    words: list[str] = []
    for _ in range(n_words):
        probs = _next_distribution(model, ids[-model.config.seq_len :]).astype(np.float64)
        probs[1] = 0.0
        logp = np.log(np.maximum(probs, 1e-30)) / temperature
        probs = np.exp(logp - logp.max())
        probs /= probs.sum()
        pick = int(rng.choice(len(probs), p=probs))
        if pick == 0:
            break
        words.append(model.vocab[pick])
        ids.append(pick)
    return words


# --- saving and loading -----------------------------------------------------------------------
def save_lm(model: LanguageModel, folder: str | os.PathLike[str]) -> Path:
    """Write the LM to a new folder: weights.safetensors, vocab.json and lm.json.

    The folder must not exist yet; it appears whole or not at all.
    """
    from safetensors.torch import save_file

    out = Path(folder)
    if out.exists():
        raise InputError(f"'{out}' already exists; choose another name or delete it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    tmp.mkdir()
    try:
        state = {k: v.detach().cpu().contiguous() for k, v in model.module.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS_FILE))
        (tmp / VOCAB_FILE).write_text(
            json.dumps(list(model.vocab), ensure_ascii=False), encoding="utf-8"
        )
        info = {
            "format": "embedlab-lm/1",
            "config": model.config.to_dict(),
            "embedding_dim": model.embedding_dim,
            "options": model.options,
            "report": None if model.report is None else model.report.to_dict(),
        }
        (tmp / LM_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def load_lm(folder: str | os.PathLike[str], device: str = "cpu") -> LanguageModel:
    """Read an LM written by `save_lm` (safetensors and JSON only: nothing is unpickled)."""
    from safetensors.torch import load_file

    from embedlab.device import resolve_device

    path = Path(folder)
    if not (path / LM_FILE).is_file():
        raise NotFoundError(f"There is no saved language model in '{path}'; save one first.")
    try:
        info = json.loads((path / LM_FILE).read_text(encoding="utf-8"))
        vocab = tuple(json.loads((path / VOCAB_FILE).read_text(encoding="utf-8")))
        config = LMConfig.from_dict(info["config"])
        module = _build_module(len(vocab), int(info["embedding_dim"]), config)
        module.load_state_dict(load_file(str(path / WEIGHTS_FILE)))
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise InputError(
            f"The language model in '{path}' cannot be read ({type(err).__name__}); save it again."
        ) from None
    module.to(resolve_device(device)).eval()
    report = LMReport.from_dict(info["report"]) if info.get("report") else None
    return LanguageModel(
        module, vocab, config, int(info["embedding_dim"]), report, dict(info.get("options") or {})
    )
