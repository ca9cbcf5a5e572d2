"""What a reader returns, and the checks every reader makes on words and vectors.

>>> from pathlib import Path
>>> rows = GrowingMatrix(dim=2)
>>> rows.append([1, 2])
>>> parsed = Parsed.decode([b"caf\\xe9"], rows, Path("latin.txt"), lambda i: f"line {i + 2}")
>>> parsed.words, parsed.meta
(['café'], {'encoding': 'cp1252'})
>>> parsed.build({"name": "latin"}, Path("latin.txt"))
Embeddings(name='latin', vocab=1, dim=2)
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError, FormatError, InputError
from embedlab.formats._common import quoted, show
from embedlab.formats._lines import GrowingMatrix
from embedlab.subwords import Subwords

T = TypeVar("T")
Word = TypeVar("Word", bytes, str)
Where = Callable[[int], str]
"""Where the i-th word stands in its file, for messages: "line 3", "word 3", "row 3"."""

ENCODINGS = ("utf-8", "cp1252")


@dataclasses.dataclass
class Parsed:
    """What a reader found, before it becomes an `Embeddings`."""

    words: list[str]
    vectors: np.ndarray
    counts: np.ndarray | None = None
    subwords: Subwords | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def decode(cls, raw: Sequence[bytes], rows: GrowingMatrix, path: Path, where: Where) -> Parsed:
        """Words as read (bytes) and their rows; meta notes a Windows-1252 fallback."""
        words, encoding = decode_words(raw, path, where)
        vectors = rows.finish()
        check_finite(vectors, words, path, where)
        return cls(words, vectors, meta={} if encoding == "utf-8" else {"encoding": encoding})

    @classmethod
    def from_keyedvectors(cls, kv: Any, limit: int | None) -> Parsed:
        """The first `limit` words of a gensim KeyedVectors, with counts and subwords."""
        emb = Embeddings.from_keyedvectors(kv)
        n = len(emb) if limit is None else min(limit, len(emb))
        counts = None if emb.counts is None else np.array(emb.counts[:n])
        return cls(list(emb.words[:n]), np.array(emb.vectors[:n]), counts, emb.subwords)

    def build(self, meta: Mapping[str, Any], path: Path) -> Embeddings:
        """The `Embeddings`; any rule it still breaks is a FormatError naming the file."""
        try:
            return Embeddings(self.words, self.vectors, self.counts, meta, self.subwords)
        except InputError as err:  # our checks come first; this is a safety net
            raise FormatError(f"{quoted(path)} cannot be used: {err}") from err


def _decoded(raw: Sequence[bytes]) -> tuple[list[str], str] | None:
    """All of `raw` decoded in the first of ENCODINGS that fits every item, or None."""
    for encoding in ENCODINGS:
        try:
            return [w.decode(encoding) for w in raw], encoding
        except UnicodeDecodeError:
            continue
    return None


def decode_words(raw: Sequence[bytes], path: Path, where: Where) -> tuple[list[str], str]:
    """Decode all words as UTF-8, or, if any is not UTF-8, all of them as Windows-1252."""
    decoded = _decoded(raw)
    if decoded is None:
        bad = next((i for i, w in enumerate(raw) if _decoded([w]) is None), None)
        if bad is not None:
            raise FormatError(
                f"{quoted(path)} {where(bad)} is neither UTF-8 nor Windows-1252 text; "
                "re-save the file as UTF-8."
            )
        bad = next(i for i, w in enumerate(raw) if _decoded([w])[1] != "utf-8")  # type: ignore[index]
        raise FormatError(
            f"{quoted(path)} mixes text encodings: {where(bad)} is not UTF-8 but other words "
            "are UTF-8 that Windows-1252 cannot read; re-save the file as UTF-8."
        )
    return decoded


def check_finite(vectors: np.ndarray, words: Sequence[str], path: Path, where: Where) -> None:
    """Raise naming the first word whose vector holds NaN or infinity."""
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise FormatError(
            f"{quoted(path)} {where(row)}: the vector of '{show(words[row])}' contains NaN or "
            "infinity; fix or re-export the file."
        )


def check_new_word(seen: dict[Word, int], word: Word, lineno: int, path: Path, fix: str) -> None:
    """Note that `word` stands on line `lineno`; raise if an earlier line had it."""
    if word in seen:
        raise FormatError(
            f"{quoted(path)} has the word '{show(word)}' twice, on lines {seen[word]} and "
            f"{lineno}; {fix}."
        )
    seen[word] = lineno


def guarded(path: Path, fmt: str, read: Callable[[], T]) -> T:
    """Run a reader; turn any stray low-level error into a FormatError naming the file."""
    try:
        return read()
    except EmbedlabError:
        raise
    except PermissionError as err:
        raise InputError(
            f"{quoted(path)} could not be opened ({err.strerror}); check its permissions."
        ) from err
    except (ValueError, UnicodeError, struct.error, EOFError, OSError, IndexError) as err:
        raise FormatError(
            f"{quoted(path)} could not be read as {fmt} ({type(err).__name__}: {err}); check the "
            "format."
        ) from err
