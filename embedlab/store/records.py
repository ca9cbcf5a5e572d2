"""Catalog rows as values, and the names they may have.

>>> check_name(" lee-w2v "), slug("My Lee corpus (v2).txt")
('lee-w2v', 'my-lee-corpus-v2-txt')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embedlab.errors import InputError


def now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def slug(text: str) -> str:
    """A file-system-safe short form of a name.

    >>> slug("My Lee corpus (v2).txt")
    'my-lee-corpus-v2-txt'
    """
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:40] or "item"


def check_name(name: str) -> str:
    """A catalog name: 1–80 printable characters, no leading/trailing space.

    >>> check_name("lee-w2v")
    'lee-w2v'
    """
    name = (name or "").strip()
    if not name:
        raise InputError("The name is empty; give a name such as 'lee-word2vec'.")
    if len(name) > 80 or not name.isprintable():
        raise InputError(
            f"The name '{name[:80]}' is not usable; use up to 80 printable characters."
        )
    return name


@dataclass(frozen=True)
class CorpusRecord:
    """A corpus in the catalog: its folder holds corpus.txt, vocab.tsv and stats.json."""

    id: int
    name: str
    path: Path
    source: str
    created: str
    stats: dict[str, Any]

    @property
    def corpus_file(self) -> Path:
        return self.path / "corpus.txt"


@dataclass(frozen=True)
class ModelRecord:
    """A model in the catalog; `load_model` reads its vectors."""

    id: int
    name: str
    path: Path
    origin: str
    corpus_id: int | None
    corpus_name: str | None
    run_id: int | None
    vocab: int
    dim: int
    created: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class RunRecord:
    """A training run: its config, state, timings and the model it made."""

    id: int
    model_name: str | None
    corpus_id: int | None
    algo: str
    config: dict[str, Any]
    status: str
    pid: int | None
    created: str
    started: str | None
    finished: str | None
    error: str | None
    model_id: int | None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassificationRecord:
    """A stored text-classification result; `report` is its JSON report."""

    id: int
    dataset: str
    features: str
    classifier: str
    model_id: int | None
    accuracy: float
    macro_f1: float
    created: str
    report: dict[str, Any]


@dataclass(frozen=True)
class AnalysisRecord:
    """A stored analysis (a language-model comparison, a model comparison, a saved view)."""

    id: int
    kind: str
    name: str
    created: str
    payload: dict[str, Any]
