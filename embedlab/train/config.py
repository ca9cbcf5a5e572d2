"""TrainConfig: every setting of a training run, validated before anything starts.

>>> config = TrainConfig(dim=50, epochs=10)
>>> config.validate()
>>> config.describe()
'word2vec skip-gram, negative sampling (5), 50d, window 5, min-count 5, 10 epochs'
>>> TrainConfig.from_dict(config.to_dict()) == config
True
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from embedlab.errors import InputError

Algo = Literal["word2vec", "fasttext"]  # what exists is decided by the registry (TRAINERS)
Architecture = Literal["skipgram", "cbow"]
Loss = Literal["negative", "hs"]
ARCHITECTURES: tuple[str, ...] = ("skipgram", "cbow")
LOSSES: tuple[str, ...] = ("negative", "hs")
MAX_SEED = 2**32 - 1  # numpy's RandomState, which gensim seeds, takes 0 .. 2**32 - 1


def _num(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) and value >= 10_000 else str(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not _is_int(value):
        raise InputError(
            f"{name} must be a whole number between {_num(low)} and {_num(high)}; got {value!r}."
        )
    if not low <= value <= high:  # type: ignore[operator]
        raise InputError(f"{name} must be between {_num(low)} and {_num(high)}; got {value!r}.")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: algorithm, model shape, corpus filtering, schedule and resources.

    `loss` picks negative sampling or hierarchical softmax; `negative` is ignored (0 is
    passed to gensim) with `loss="hs"`. `workers=0` uses every core the process may run
    on. `device` is for the torch trainers; gensim always runs on the CPU. `min_n`,
    `max_n` and `bucket` apply to FastText only: `bucket` defaults to 200,000 hashed
    n-gram vectors (80 MB at 100d), where gensim's own default of 2,000,000 takes 800 MB
    at 100d. `max_vocab` caps the vocabulary (gensim's `max_final_vocab`).

    >>> TrainConfig(algo="fasttext", architecture="cbow", loss="hs").describe()
    'fasttext CBOW, hierarchical softmax, 100d, window 5, min-count 5, 5 epochs, n-grams 3-6'
    """

    algo: str = "word2vec"
    architecture: Architecture = "skipgram"
    loss: Loss = "negative"
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    negative: int = 5
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    workers: int = 0
    seed: int = 1
    device: str = "auto"
    min_n: int = 3
    max_n: int = 6
    bucket: int = 200_000
    max_vocab: int | None = None

    def validate(self) -> None:
        """Raise `InputError` for the first setting out of range, naming value and range.

        >>> TrainConfig(dim=0).validate()
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: dim must be between 1 and 2000; got 0.
        """
        from embedlab.device import DEVICES
        from embedlab.train.registry import algorithms

        if self.algo not in algorithms():
            raise InputError(
                f"Unknown algo {self.algo!r}; choose one of {', '.join(algorithms())}."
            )
        if self.architecture not in ARCHITECTURES:
            raise InputError(
                f"Unknown architecture {self.architecture!r}; choose skipgram or cbow."
            )
        if self.loss not in LOSSES:
            raise InputError(
                f"Unknown loss {self.loss!r}; choose negative (negative sampling) "
                "or hs (hierarchical softmax)."
            )
        _check_int("dim", self.dim, 1, 2000)
        _check_int("window", self.window, 1, 100)
        _check_int("min_count", self.min_count, 1, 1_000_000)
        _check_int("epochs", self.epochs, 1, 1000)
        _check_int("negative", self.negative, 0, 100)
        if self.loss == "negative" and self.negative < 1:
            raise InputError(
                f"negative must be between 1 and 100 with loss 'negative'; got {self.negative} "
                "(use loss 'hs' to train without negative samples)."
            )
        if not _is_real(self.sample) or not 0 <= self.sample <= 1:
            raise InputError(f"sample must be between 0 and 1; got {self.sample!r}.")
        if not _is_real(self.alpha) or not 0 < self.alpha <= 1:
            raise InputError(f"alpha must be greater than 0 and at most 1; got {self.alpha!r}.")
        if not _is_real(self.min_alpha) or not 0 <= self.min_alpha <= self.alpha:
            raise InputError(
                f"min_alpha must be between 0 and alpha ({self.alpha}); got {self.min_alpha!r}."
            )
        _check_int("workers", self.workers, 0, 256)
        _check_int("seed", self.seed, 0, MAX_SEED)
        device = self.device.strip().lower() if isinstance(self.device, str) else None
        kind = device.split(":", 1)[0] if device else None
        if kind not in DEVICES:
            raise InputError(f"Unknown device {self.device!r}; choose one of {', '.join(DEVICES)}.")
        _check_int("max_n", self.max_n, 1, 20)
        _check_int("min_n", self.min_n, 1, self.max_n)
        _check_int("bucket", self.bucket, 1, 10_000_000)
        if self.max_vocab is not None and (not _is_int(self.max_vocab) or self.max_vocab < 2):
            raise InputError(
                f"max_vocab must be empty (no limit) or a whole number of at least 2; "
                f"got {self.max_vocab!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready) of every setting.

        >>> TrainConfig().to_dict()["dim"]
        100
        """
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Build from a dict such as `to_dict()` made; unknown keys raise `InputError`.

        Missing keys take their defaults. Values are checked by `validate()`, not here.

        >>> TrainConfig.from_dict({"dim": 50}).dim
        50
        >>> TrainConfig.from_dict({"dims": 50})
        Traceback (most recent call last):
        ...
        embedlab.errors.InputError: Unknown config key 'dims' (did you mean 'dim'?); ...
        """
        if not isinstance(data, Mapping):
            raise InputError(
                f"A training config must be a mapping of settings; got {type(data).__name__}."
            )
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [str(k) for k in data if k not in known]
        if len(unknown) == 1:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(
                f"Unknown config key '{unknown[0]}'{hint}; the keys are {', '.join(known)}."
            )
        if unknown:
            names = ", ".join(f"'{k}'" for k in unknown)
            raise InputError(f"Unknown config keys {names}; the keys are {', '.join(known)}.")
        return cls(**dict(data))

    def resolved_workers(self) -> int:
        """The worker threads to use: `workers`, or every core available when it is 0.

        >>> TrainConfig(workers=3).resolved_workers()
        3
        >>> TrainConfig().resolved_workers() >= 1
        True
        """
        if self.workers:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1

    @staticmethod
    def usual_alpha(algo: str) -> float:
        """The starting learning rate an algorithm is usually trained with.

        >>> TrainConfig.usual_alpha("word2vec"), TrainConfig.usual_alpha("glove")
        (0.025, 0.05)
        """
        return 0.05 if algo == "glove" else 0.025

    @classmethod
    def suggested(cls, tokens: int, algo: str = "word2vec", **overrides: Any) -> TrainConfig:
        """Starting settings for `algo` on a corpus of `tokens` words, the rest at defaults.

        gensim's defaults (100 dimensions, 5 epochs, min-count 5) suit corpora of millions
        of words. A small corpus, such as the 60,000-word demo, needs more passes and fewer
        dimensions, or every cosine ends up near 1 and the neighbours mean little. GloVe
        wants its own learning rate (0.05, with AdaGrad) and at least 25 passes.

        >>> small = TrainConfig.suggested(60_000)
        >>> small.dim, small.epochs, small.min_count
        (50, 30, 3)
        >>> TrainConfig.suggested(50_000_000) == TrainConfig()
        True
        >>> glove = TrainConfig.suggested(50_000_000, "glove")
        >>> glove.algo, glove.alpha, glove.epochs
        ('glove', 0.05, 25)
        """
        if tokens < 1_000_000:
            base: dict[str, Any] = {"dim": 50, "epochs": 30, "min_count": 3}
        elif tokens < 20_000_000:
            base = {"dim": 100, "epochs": 10, "min_count": 5}
        else:
            base = {}
        if algo == "glove":
            base = {
                **base,
                "alpha": cls.usual_alpha(algo),
                "epochs": max(25, base.get("epochs", 0)),
            }
        return dataclasses.replace(cls(), algo=algo, **{**base, **overrides})

    def describe(self) -> str:
        """One line for people, e.g. for a run list.

        >>> TrainConfig(epochs=1, loss="hs").describe()
        'word2vec skip-gram, hierarchical softmax, 100d, window 5, min-count 5, 1 epoch'
        """
        arch = "skip-gram" if self.architecture == "skipgram" else "CBOW"
        if self.loss == "negative":
            loss = f"negative sampling ({self.negative})"
        else:
            loss = "hierarchical softmax"
        parts = [
            f"{self.algo} {arch}",
            loss,
            f"{self.dim}d",
            f"window {self.window}",
            f"min-count {self.min_count}",
            f"{self.epochs} epoch{'' if self.epochs == 1 else 's'}",
        ]
        if self.algo == "fasttext":
            parts.append(f"n-grams {self.min_n}-{self.max_n}")
        if self.max_vocab is not None:
            parts.append(f"max vocab {self.max_vocab:,}")
        return ", ".join(parts)
