"""The trainer registry: algorithm name -> function that trains on a corpus file.

A trainer takes the corpus file (plain UTF-8 text, one sentence per line, tokens
separated by spaces), a validated `TrainConfig` and a `ProgressTracker`; it calls
`tracker.vocab_done(...)` once and `tracker.epoch_done(...)` after every epoch, and
returns `Embeddings` whose `meta` holds what only it knows (such as
`{"versions": {"gensim": ...}}`). `embedlab.train.train` adds the rest of the meta.

Each algorithm has a friendly label and a one-line help, which the app's algorithm list
and the CLI's `--algo` help show. This module sits below `train.config` (which asks it for
the algorithm names): it never imports the config.

>>> "word2vec" in algorithms() and "fasttext" in algorithms()
True
>>> algo_label("glove")
'GloVe: fits vectors to how often words occur together'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings
    from embedlab.train.progress import ProgressTracker

# (corpus file, config: a validated TrainConfig, tracker) -> Embeddings. The config is typed
# Any so that this module, which config.py imports, need not import config.py.
Trainer = Callable[[Path, Any, "ProgressTracker"], "Embeddings"]

TRAINERS: dict[str, Trainer] = {}


@dataclass(frozen=True)
class About:
    """What an algorithm is, for people: a short label and a one-line help."""

    label: str
    help: str


ABOUT: dict[str, About] = {
    "word2vec": About(
        "Word2Vec", "one vector per word, learned from its neighbours (gensim, on the CPU)"
    ),
    "fasttext": About(
        "FastText", "also learns from word pieces, so it can guess unseen words (gensim, CPU)"
    ),
    "sgns": About(
        "Word2Vec in PyTorch",
        "skip-gram or CBOW with negative sampling, on a GPU when there is one",
    ),
    "glove": About("GloVe", "fits vectors to how often words occur together"),
}


def register_trainer(
    name: str,
    trainer: Trainer | None = None,
    *,
    replace: bool = False,
    label: str | None = None,
    help: str | None = None,  # noqa: A002 - the word the app and the CLI use
) -> Callable[[Trainer], Trainer]:
    """Register `trainer` as `name` (a call, or a decorator when `trainer` is left out).

    A name registered twice is a programming error unless `replace=True`. `label` and
    `help` describe the algorithm to people (its name is shown when there is no label).

    >>> @register_trainer("doctest-null", label="Null", help="learns nothing")
    ... def null_trainer(corpus, config, tracker):
    ...     raise NotImplementedError
    >>> "doctest-null" in algorithms(), algo_label("doctest-null")
    (True, 'Null: learns nothing')
    >>> del TRAINERS["doctest-null"], ABOUT["doctest-null"]
    """
    if not name or name != name.strip().lower():
        raise ValueError(f"A trainer name must be lower-case, without spaces; got {name!r}.")

    def add(fn: Trainer) -> Trainer:
        if name in TRAINERS and not replace and TRAINERS[name] is not fn:
            raise ValueError(f"A trainer named {name!r} is already registered; pass replace=True.")
        TRAINERS[name] = fn
        if label is not None or help is not None:
            ABOUT[name] = About(label or name, help or "")
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


def algo_label(algo: str) -> str:
    """How lists name `algo`: 'Label: one-line help' (its own name when undescribed).

    >>> algo_label("word2vec")
    'Word2Vec: one vector per word, learned from its neighbours (gensim, on the CPU)'
    >>> algo_label("toy")
    'toy'
    """
    about = ABOUT.get(algo)
    if about is None:
        return algo
    return f"{about.label}: {about.help}" if about.help else about.label
