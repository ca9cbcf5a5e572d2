"""Train word embeddings: one config type, one entry point, a registry of trainers.

>>> algorithms()[:2]
('word2vec', 'fasttext')
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import InputError
from embedlab.ingest.corpus import CORPUS_FILE
from embedlab.train import (
    gensim_trainers,  # noqa: F401 - registers word2vec and fasttext
    glove,  # noqa: F401 - registers glove
    sgns,  # noqa: F401 - registers sgns
    spark,  # noqa: F401 - registers spark-word2vec
)
from embedlab.train.config import Algo, TrainConfig
from embedlab.train.progress import ProgressCallback, ProgressEvent, ProgressTracker
from embedlab.train.registry import TRAINERS, Trainer, algorithms, register_trainer

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

__all__ = [
    "TRAINERS",
    "Algo",
    "ProgressCallback",
    "ProgressEvent",
    "ProgressTracker",
    "TrainConfig",
    "Trainer",
    "algorithms",
    "training_file",
    "register_trainer",
    "train",
]

COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip", ".7z")


def training_file(corpus: str | os.PathLike[str]) -> Path:
    """The text file to train on (`ingest.corpus.corpus_file` of `corpus`), checked: it
    exists, is plain text (not compressed) and is not empty.

    >>> training_file("no/such/corpus")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: The corpus 'no/such/corpus' does not exist; check the path.
    """
    path = Path(corpus)
    if path.is_dir():
        file = path / CORPUS_FILE
        if not file.is_file():
            raise InputError(
                f"The folder '{path}' holds no {CORPUS_FILE}; pass a corpus folder made by "
                "`embedlab ingest`, or a text file with one sentence per line."
            )
    elif path.is_file():
        file = path
    else:
        raise InputError(f"The corpus '{path}' does not exist; check the path.")
    if file.suffix.lower() in COMPRESSED:
        raise InputError(
            f"The corpus '{file.name}' is compressed; training reads plain text, so ingest it "
            "with `embedlab ingest` (or decompress it) first."
        )
    if file.stat().st_size == 0:
        raise InputError(
            f"The corpus file '{file}' is empty; give it some text, one sentence per line."
        )
    return file


def _versions(extra: dict[str, Any]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import numpy as np

    try:
        embedlab_version = version("embedlab")
    except PackageNotFoundError:
        embedlab_version = "dev"
    found = {"python": platform.python_version(), "numpy": np.__version__}
    return {**found, **{k: str(v) for k, v in extra.items()}, "embedlab": embedlab_version}


def train(
    corpus: str | os.PathLike[str],
    config: TrainConfig | None = None,
    on_progress: ProgressCallback | None = None,
) -> Embeddings:
    """Train on a corpus folder (its corpus.txt) or a text file; return the `Embeddings`.

    The corpus is one sentence per line, tokens separated by spaces, UTF-8. `on_progress`
    gets a `ProgressEvent` after the vocabulary scan, after each epoch, and at the end;
    an exception it raises stops training and propagates from here (that is how a run
    is cancelled). The result's `meta` records how it was made: algo, config, corpus,
    timings, words/s, corpus words, epoch losses, versions, creation time and seed.
    Words come most frequent first, with their corpus counts.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> text = "the cat sat on the mat\\nthe dog sat on the log\\n" * 40
    >>> _ = (folder / "corpus.txt").write_text(text)
    >>> events = []
    >>> emb = train(folder, TrainConfig(dim=8, min_count=2, epochs=1, workers=1), events.append)
    >>> emb.shape, [e.stage for e in events]
    ((7, 8), ['vocab', 'epoch', 'done'])
    >>> emb.meta["origin"], emb.meta["corpus_words"]
    ('trained', 480)
    >>> tmp.cleanup()
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}.")
    config.validate()
    file = training_file(corpus)
    trainer = TRAINERS[config.algo]
    tracker = ProgressTracker(config.epochs, on_progress)
    emb = trainer(file, config, tracker)
    tracker.done()
    path = Path(corpus)
    label = path.stem if path.is_file() else path.resolve().name
    meta = {
        "name": f"{config.algo} on {label}",
        "origin": "trained",
        "algo": config.algo,
        "description": config.describe(),
        "config": config.to_dict(),
        "corpus": str(path),
        "corpus_file": str(file.resolve()),
        "timings": tracker.timings(),
        "words_per_sec": tracker.words_per_sec,
        "corpus_words": tracker.corpus_words,
        "epoch_losses": list(tracker.epoch_losses),
        "workers": config.resolved_workers(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": config.seed,
    }
    trainer_meta = dict(emb.meta)
    meta["versions"] = _versions(trainer_meta.pop("versions", {}))
    return emb.with_meta(**{**meta, **trainer_meta})
