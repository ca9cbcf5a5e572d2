"""Meaning along axes: a direction such as man -> woman, and where words fall along it.

An axis is built from two words (`word_axis(emb, "man", "woman")`: the direction from man
to woman, named `woman - man`), from two word sets (the mean difference of their unit
vectors), or from an expression (`woman - man + queen - king`, parsed once by
`embedlab.expressions.parse`: words with a positive coefficient make the end, words with a
negative one the start). Words are unit-normalised before they are combined, as the
Neighbours page's arithmetic does, and the axis itself is kept as a unit vector.

A word's position is its cosine with the axis (positive: toward the end), and its scalar
projection (its raw vector's length along the axis). `axis_map` places words on two axes
at once, `rank_along` lists the words furthest toward each end, and `remove_axis` projects
the direction away from every vector (whatlies' `|`), after which `compare_neighbours`
shows what changed.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> toy = Embeddings(["man", "woman", "king", "queen", "good", "bad"],
...                  np.array([[1, 0, 0], [-1, 0, 0], [1, 1, 0], [-1, 1, 0],
...                            [0, 0, 1], [0, 0, -1]], dtype=np.float32))
>>> gender = word_axis(toy, "man", "woman")
>>> gender.name, gender.start_label, gender.end_label
('woman - man', 'man', 'woman')
>>> round(position(toy, gender, "queen").cosine, 3)
0.707
>>> [n.word for n in rank_along(toy, gender, k=1).end]
['queen']
>>> round(position(remove_axis(toy, gender), gender, "queen").cosine, 3)
0.0
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embedlab.checks import positive_int
from embedlab.embeddings import Embeddings, Neighbour
from embedlab.errors import InputError, UnknownWordError

DEFAULT_TOP = 10_000  # views of "the vocabulary" look at this many most frequent words
DEFAULT_MAP_TOP = 300
RANK_K = 20
MIN_MAP_WORDS = 2
_ZERO = 1e-6  # an axis shorter than this (sum of unit vectors) is the zero vector
Measure = Literal["cosine", "projection"]
MEASURES: tuple[str, ...] = ("cosine", "projection")


@dataclass(frozen=True, eq=False)
class Axis:
    """A named unit direction, with the words of its start and its end."""

    name: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    vector: np.ndarray  # unit length, float32
    terms: tuple[tuple[float, str], ...]  # (coefficient, word), as combined

    @property
    def start_label(self) -> str:
        """The start's words, for an axis label ('(origin)' when it has none)."""
        return ", ".join(self.start) if self.start else "(origin)"

    @property
    def end_label(self) -> str:
        return ", ".join(self.end) if self.end else "(origin)"

    @property
    def words(self) -> tuple[str, ...]:
        """Every word the axis was built from."""
        return tuple(dict.fromkeys(self.start + self.end))


@dataclass(frozen=True)
class WordPosition:
    """A word's place along an axis: cosine with it, and its raw vector's scalar projection."""

    word: str
    cosine: float
    projection: float


@dataclass(frozen=True, eq=False)
class AxisMap:
    """Words placed on two axes: `x[i]`, `y[i]` are `words[i]`'s cosines (or projections)."""

    x_axis: Axis
    y_axis: Axis
    words: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    measure: str = "cosine"
    missing: tuple[str, ...] = ()
    axes_cosine: float = 0.0  # cosine between the two axes (0: independent directions)

    def rows(self) -> list[tuple[str, float, float]]:
        return [(w, float(a), float(b)) for w, a, b in zip(self.words, self.x, self.y, strict=True)]


@dataclass(frozen=True)
class AxisRanking:
    """The k words furthest toward each end of an axis, among the `searched` first words."""

    axis: Axis
    start: tuple[Neighbour, ...]  # most toward the start first (lowest cosine)
    end: tuple[Neighbour, ...]  # most toward the end first (highest cosine)
    searched: int


@dataclass(frozen=True)
class NeighbourChange:
    """A word's nearest words before and after a change of the vectors."""

    word: str
    before: tuple[Neighbour, ...]
    after: tuple[Neighbour, ...]

    @property
    def left(self) -> tuple[str, ...]:
        """Neighbours that are gone after the change."""
        after = {n.word for n in self.after}
        return tuple(n.word for n in self.before if n.word not in after)

    @property
    def joined(self) -> tuple[str, ...]:
        """Neighbours that are new after the change."""
        before = {n.word for n in self.before}
        return tuple(n.word for n in self.after if n.word not in before)


# --- words ------------------------------------------------------------------------------
_LOWER: weakref.WeakKeyDictionary[Embeddings, bool] = weakref.WeakKeyDictionary()


def is_lowercase(emb: Embeddings, sample: int = 10_000) -> bool:
    """Whether the model's (first `sample`) words are all lower-case, as most trained ones are.

    >>> is_lowercase(Embeddings(["a", "b"], np.eye(2))), is_lowercase(Embeddings(["A"], [[1]]))
    (True, False)
    """
    if emb not in _LOWER:
        _LOWER[emb] = not any(w != w.lower() for w in emb.words[:sample])
    return _LOWER[emb]


def resolve(emb: Embeddings, word: str) -> str | None:
    """The vocabulary word for `word`: itself, or its lower case in a lower-case model.

    >>> resolve(Embeddings(["adam"], [[1.0]]), "Adam"), resolve(Embeddings(["a"], [[1.0]]), "b")
    ('adam', None)
    """
    if word in emb:
        return word
    if is_lowercase(emb):
        folded = word.lower()
        if folded in emb:
            return folded
    return None


def _resolve_all(emb: Embeddings, words: Iterable[str]) -> list[str]:
    """Each word resolved; unknown ones raise one error that names them all."""
    words = list(words)
    found = [resolve(emb, w) for w in words]
    unknown = list(dict.fromkeys(w for w, f in zip(words, found, strict=True) if f is None))
    if len(unknown) == 1:
        raise UnknownWordError(unknown[0], emb.suggest(unknown[0]))
    if unknown:
        shown = ", ".join(f"'{w}'" for w in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise InputError(
            f"{len(unknown)} words are not in the vocabulary: {shown}; "
            "check the spelling or leave them out."
        )
    return [f for f in found if f is not None]


def _clean(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(w.strip() for w in words if w and w.strip()))


# --- axes -------------------------------------------------------------------------------
def _build(emb: Embeddings, terms: Sequence[tuple[float, str]], name: str, zero: str) -> Axis:
    words = _resolve_all(emb, [w for _, w in terms])
    terms = [(float(c), w) for (c, _), w in zip(terms, words, strict=True)]
    normed = emb.normed
    vector = np.zeros(emb.dim, dtype=np.float64)
    for coef, word in terms:
        vector += coef * normed[emb.index(word)]
    length = float(np.linalg.norm(vector))
    if length < _ZERO:
        raise InputError(zero)
    start = tuple(dict.fromkeys(w for c, w in terms if c < 0))
    end = tuple(dict.fromkeys(w for c, w in terms if c > 0))
    unit = (vector / length).astype(np.float32)
    unit.setflags(write=False)
    return Axis(name, start, end, unit, tuple(terms))


def word_axis(emb: Embeddings, start: str, end: str) -> Axis:
    """The direction from `start` to `end` (end - start, on unit vectors).

    >>> toy = Embeddings(["bad", "good"], np.eye(2, dtype=np.float32))
    >>> [round(float(v), 3) for v in word_axis(toy, "bad", "good").vector]
    [-0.707, 0.707]
    >>> word_axis(toy, "good", "good")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: The axis from 'good' to 'good' is the zero vector; \
choose two different words.
    """
    start, end = (start or "").strip(), (end or "").strip()
    if not start or not end:
        raise InputError("An axis needs two words, a start and an end; one of them is empty.")
    return _build(
        emb,
        [(-1.0, start), (1.0, end)],
        f"{end} - {start}",
        f"The axis from '{start}' to '{end}' is the zero vector; choose two different words.",
    )


def set_axis(emb: Embeddings, start: Iterable[str], end: Iterable[str]) -> Axis:
    """The mean of `end`'s unit vectors minus the mean of `start`'s (Bolukbasi-style).

    >>> toy = Embeddings(["he", "man", "she", "woman"], np.eye(4, dtype=np.float32))
    >>> axis = set_axis(toy, ["he", "man"], ["she", "woman"])
    >>> axis.name, axis.start_label
    ('(she, woman) - (he, man)', 'he, man')
    """
    start, end = _clean(start), _clean(end)
    for side, words in (("start", start), ("end", end)):
        if not words:
            raise InputError(f"The {side} of the axis has no words; give at least one word.")
    if len(start) == 1 and len(end) == 1:
        return word_axis(emb, start[0], end[0])
    terms = [(-1.0 / len(start), w) for w in start] + [(1.0 / len(end), w) for w in end]
    name = f"({', '.join(end)}) - ({', '.join(start)})"
    return _build(
        emb,
        terms,
        name,
        f"The axis {name} is the zero vector: its two ends have the same mean; "
        "choose different words for each end.",
    )


def expression_axis(emb: Embeddings, expression: str) -> Axis:
    """An axis from vector arithmetic, e.g. `woman - man` or `good - bad + happy - sad`.

    >>> toy = Embeddings(["bad", "good"], np.eye(2, dtype=np.float32))
    >>> expression_axis(toy, "good - bad").end
    ('good',)
    """
    from embedlab.expressions import parse

    terms = parse(expression)
    name = " ".join(expression.split())
    return _build(
        emb,
        terms,
        name,
        f"The axis '{name}' adds up to the zero vector; its terms cancel out, "
        "so choose other words.",
    )


# --- positions --------------------------------------------------------------------------
def position(emb: Embeddings, axis: Axis, word: str) -> WordPosition:
    """`word`'s cosine with the axis and its scalar projection onto it."""
    check_axis(emb, axis)
    (found,) = _resolve_all(emb, [word])
    vec = emb.vectors[emb.index(found)].astype(np.float64)
    projection = float(vec @ axis.vector)
    return WordPosition(found, float(emb.normed[emb.index(found)] @ axis.vector), projection)


def check_axis(emb: Embeddings, axis: Axis) -> None:
    if axis.vector.shape != (emb.dim,):
        raise InputError(
            f"The axis has {axis.vector.shape[0]} dimensions but the model has {emb.dim}; "
            "build the axis on the same model."
        )


def _measure(emb: Embeddings, rows: np.ndarray | slice, axes: np.ndarray, measure: str):
    if measure not in MEASURES:
        raise InputError(f"Unknown measure '{measure}'; choose cosine or projection.")
    source = emb.normed if measure == "cosine" else emb.vectors
    return source[rows] @ axes


def axis_map(
    emb: Embeddings,
    x_axis: Axis,
    y_axis: Axis,
    words: Sequence[str] | None = None,
    top: int | None = None,
    measure: Measure = "cosine",
) -> AxisMap:
    """Words placed by their cosine with two axes: `words` (unknown ones are listed in
    `missing`), or else the `top` most frequent words (default `DEFAULT_MAP_TOP`).

    >>> toy = Embeddings(["man", "woman", "bad", "good"], np.eye(4, dtype=np.float32))
    >>> view = axis_map(toy, word_axis(toy, "man", "woman"), word_axis(toy, "bad", "good"),
    ...                 words=["woman", "good", "duck"])
    >>> [(w, round(x, 2), round(y, 2)) for w, x, y in view.rows()], view.missing
    ([('woman', 0.71, 0.0), ('good', 0.0, 0.71)], ('duck',))
    """
    check_axis(emb, x_axis)
    check_axis(emb, y_axis)
    if words is None:
        n = positive_int(DEFAULT_MAP_TOP if top is None else top, "The number of words")
        chosen = list(emb.words[: min(n, len(emb))])
        missing: list[str] = []
    else:
        given = _clean(words)
        found = [resolve(emb, w) for w in given]
        chosen = list(dict.fromkeys(f for f in found if f is not None))
        missing = [w for w, f in zip(given, found, strict=True) if f is None]
        if len(chosen) < MIN_MAP_WORDS:
            extra = f" ({', '.join(missing[:10])} not in the vocabulary)" if missing else ""
            raise InputError(
                f"The map needs at least {MIN_MAP_WORDS} words from the vocabulary; "
                f"got {len(chosen)}{extra}."
            )
    rows = np.asarray([emb.index(w) for w in chosen], dtype=np.int64)
    xy = _measure(emb, rows, np.stack([x_axis.vector, y_axis.vector], axis=1), measure)
    return AxisMap(
        x_axis,
        y_axis,
        tuple(chosen),
        xy[:, 0].astype(np.float64),
        xy[:, 1].astype(np.float64),
        measure,
        tuple(missing),
        float(x_axis.vector @ y_axis.vector),
    )


def rank_along(
    emb: Embeddings,
    axis: Axis,
    k: int = RANK_K,
    top: int | None = DEFAULT_TOP,
    exclude_axis_words: bool = True,
) -> AxisRanking:
    """The k words with the lowest and the highest cosine with the axis, among the `top`
    most frequent words (None: all); the axis's own words are left out by default."""
    check_axis(emb, axis)
    k = positive_int(k, "k", maximum=1000)
    top = positive_int(top, "The number of words searched", allow_none=True)
    n = len(emb) if top is None else min(top, len(emb))
    scores = (emb.normed[:n] @ axis.vector).astype(np.float64)
    if exclude_axis_words:
        for word in axis.words:
            i = emb.key_to_index.get(word)
            if i is not None and i < n:
                scores[i] = np.nan
    valid = np.flatnonzero(~np.isnan(scores))
    order = valid[np.argsort(scores[valid], kind="stable")]
    take = min(k, len(order) // 2)  # a tiny vocabulary splits its words between the ends
    low = [Neighbour(emb.words[i], float(scores[i])) for i in order[:take]]
    high = [Neighbour(emb.words[i], float(scores[i])) for i in order[::-1][:take]]
    return AxisRanking(axis, tuple(low), tuple(high), n)


# --- removing a direction ---------------------------------------------------------------
def remove_axis(emb: Embeddings, axis: Axis) -> Embeddings:
    """A new Embeddings with the axis's direction projected out of every vector
    (v - (v·u)u); FastText subword vectors are projected too, so unseen words agree.
    The name records the operation in whatlies' style: `(name | woman - man)`."""
    check_axis(emb, axis)
    u = axis.vector.astype(np.float32)
    vectors = emb.vectors - np.outer(emb.vectors @ u, u)
    subwords = emb.subwords
    if subwords is not None:
        from embedlab.subwords import Subwords

        ngrams = subwords.vectors_ngrams
        subwords = Subwords(ngrams - np.outer(ngrams @ u, u), subwords.min_n, subwords.max_n)
    meta = {**emb.meta, "name": f"({emb.name} | {axis.name})", "removed_axis": axis.name}
    return Embeddings(emb.words, vectors, emb.counts, meta, subwords)


def compare_neighbours(
    before: Embeddings, after: Embeddings, word: str, k: int = 10, restrict: int | None = None
) -> NeighbourChange:
    """`word`'s k nearest words in two versions of a model (e.g. before and after
    `remove_axis`)."""
    (found,) = _resolve_all(before, [word])
    return NeighbourChange(
        found,
        tuple(before.neighbours(found, k=k, restrict=restrict)),
        tuple(after.neighbours(found, k=k, restrict=restrict)),
    )


def neighbours_without(
    emb: Embeddings, axis: Axis, word: str, k: int = 10, restrict: int | None = None
) -> NeighbourChange:
    """`word`'s k nearest words before and after removing the axis, without copying the
    model: the same lists as `compare_neighbours(emb, remove_axis(emb, axis), word)`,
    from one product with the vectors ((v - pu)·(w - qu) = v·w - pq, |v - pu|² = |v|² - p²).

    >>> toy = Embeddings(["king", "queen", "man", "woman"],
    ...                  np.array([[1, 1], [-1, 1], [1, 0], [-1, 0]], dtype=np.float32))
    >>> change = neighbours_without(toy, word_axis(toy, "man", "woman"), "king", k=1)
    >>> change.before[0].word, change.after[0].word
    ('man', 'queen')
    """
    check_axis(emb, axis)
    k = positive_int(k, "k", maximum=10_000)
    restrict = positive_int(restrict, "restrict", allow_none=True)
    (found,) = _resolve_all(emb, [word])
    row = emb.index(found)
    n = len(emb) if restrict is None else min(restrict, len(emb))
    vectors = emb.vectors[:n]
    u = axis.vector
    along = (vectors @ u).astype(np.float64)
    q = emb.vectors[row].astype(np.float64)
    q_along = float(q @ u)
    dots = (vectors @ q.astype(np.float32)).astype(np.float64) - along * q_along
    sq = np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64) - along**2
    q_norm = np.sqrt(max(float(q @ q) - q_along**2, 0.0))
    cos = dots / np.maximum(np.sqrt(np.maximum(sq, 0.0)) * q_norm, 1e-12)
    if row < n:
        cos[row] = -np.inf
    take = min(k, n - (1 if row < n else 0))
    best = np.argpartition(-cos, take - 1)[:take] if 0 < take < n else np.arange(n)
    best = best[np.argsort(-cos[best], kind="stable")][: max(take, 0)]
    after = tuple(Neighbour(emb.words[i], float(cos[i])) for i in best if np.isfinite(cos[i]))
    return NeighbourChange(found, tuple(emb.neighbours(found, k=k, restrict=restrict)), after)
