"""The trainer registry: algorithm name -> function that trains on a corpus file.

A trainer takes the corpus file (plain UTF-8 text, one sentence per line, tokens
separated by spaces), a validated `TrainConfig` and a `ProgressTracker`; it calls
`tracker.vocab_done(...)` once and `tracker.epoch_done(...)` after every epoch, and
returns `Embeddings` whose `meta` holds what only it knows (such as
`{"versions": {"gensim": ...}}`). `embedlab.train.train` adds the rest of the meta.

>>> "word2vec" in algorithms() and "fasttext" in algorithms()
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings
    from embedlab.train.config import TrainConfig
    from embedlab.train.progress import ProgressTracker

Trainer = Callable[[Path, "TrainConfig", "ProgressTracker"], "Embeddings"]

TRAINERS: dict[str, Trainer] = {}


def register_trainer(
    name: str, trainer: Trainer | None = None, *, replace: bool = False
) -> Callable[[Trainer], Trainer]:
    """Register `trainer` as `name` (a call, or a decorator when `trainer` is left out).

    A name registered twice is a programming error unless `replace=True`.

    >>> @register_trainer("doctest-null")
    ... def null_trainer(corpus, config, tracker):
    ...     raise NotImplementedError
    >>> "doctest-null" in algorithms()
    True
    >>> del TRAINERS["doctest-null"]
    """
    if not name or name != name.strip().lower():
        raise ValueError(f"A trainer name must be lower-case, without spaces; got {name!r}.")

    def add(fn: Trainer) -> Trainer:
        if name in TRAINERS and not replace and TRAINERS[name] is not fn:
            raise ValueError(f"A trainer named {name!r} is already registered; pass replace=True.")
        TRAINERS[name] = fn
        return fn

    if trainer is not None:
        add(trainer)
    return add


def algorithms() -> tuple[str, ...]:
    """The registered algorithm names, in registration order.

    >>> algorithms()[:2]
    ('word2vec', 'fasttext')
    """
    return tuple(TRAINERS)
