"""Compare two models: which words they share, whose neighbours changed, what moved.

Two models of the same language rarely agree on every word's neighbours, and their vector
spaces are arbitrary rotations of each other. `compare` answers three questions on the
words the two models share:

- **Neighbour agreement**: for each shared word, the Jaccard index (and the overlap) of its
  k nearest neighbours in A and in B, both searched among the shared words (cosine).
  Brute force, exact on the CPU: each panel of rows is multiplied by the rows after it
  once (cosine is symmetric), one panel per core; elsewhere in row chunks on the chosen
  torch device, where `bfloat16` screens candidates and re-scores them in float32
  (`nearest_ids`).
- **Alignment**: orthogonal Procrustes (an SVD) rotates A's unit-length, mean-centred
  vectors onto B's; a word's residual is 1 - cosine between its rotated A vector and its
  B vector (0: same place; 1: unrelated), before and after the rotation.
- **One word** (`compare_word`): its neighbours in A and in B side by side, and the cosine
  to its aligned twin.

A second model trained with the same settings but another seed (a "seed twin") gives the
noise floor: the same numbers, for two models that differ only by chance.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> rng = np.random.default_rng(0)
>>> a = Embeddings([f"w{i}" for i in range(30)], rng.normal(size=(30, 8)))
>>> q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
>>> b = Embeddings(a.words, a.vectors @ q)  # the same model, rotated
>>> c = compare(a, b, k=5, device="cpu")
>>> c.agreement.mean_jaccard, round(c.alignment.mean_after, 6)
(1.0, 0.0)
>>> c.shared.share_a
1.0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from embedlab.analysis.compare_search import (  # noqa: F401 - re-exported
    _ONE_SEARCH,
    BF16_FROM,
    PANEL,
    PRECISIONS,
    WIDTH,
    Precision,
    _nearest_cpu,
    nearest_ids,
    unit_rows,
)
from embedlab.checks import positive_int
from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

DEFAULT_K = 10
MAX_K = 1_000
EXTREMES = 20  # words listed as agreeing least/most and moving most/least
SEARCH_SHARE = 0.95  # of a comparison's progress: the two neighbour searches (then alignment)


# --- results ---------------------------------------------------------------------------
class CompareEvent(NamedTuple):
    """Progress of a running `compare`: the part done (0 to 1) and what it does now."""

    fraction: float
    text: str


ProgressFn = Callable[[CompareEvent], None]


class WordScore(NamedTuple):
    """A shared word and one number about it (a Jaccard index, a residual)."""

    word: str
    score: float


@dataclass(frozen=True, eq=False)
class SharedVocab:
    """The words both models know (in A's order: most frequent first for a trained model).

    `vocab_a`/`vocab_b` count the words considered (all, or the top-N with `top`);
    `share_a`/`share_b` are the parts of those the shared words cover.
    """

    words: tuple[str, ...]
    vocab_a: int
    vocab_b: int
    top: int | None = None

    def __len__(self) -> int:
        return len(self.words)

    @property
    def share_a(self) -> float:
        return len(self.words) / self.vocab_a

    @property
    def share_b(self) -> float:
        return len(self.words) / self.vocab_b


@dataclass(frozen=True, eq=False)
class Agreement:
    """Per shared word, how far its k nearest neighbours in A and in B agree.

    `jaccard[i]` = |N_A ∩ N_B| / |N_A ∪ N_B| and `overlap[i]` = |N_A ∩ N_B| / k for
    `SharedVocab.words[i]`; 1 means the same k neighbours in both models.
    """

    k: int
    jaccard: np.ndarray  # float32, one per shared word
    overlap: np.ndarray  # float32, one per shared word
    least: tuple[WordScore, ...]  # lowest Jaccard first (ties: frequent first)
    most: tuple[WordScore, ...]  # highest Jaccard first (ties: frequent first)
    precision: str = "float32"  # how candidates were screened (always re-scored in float32)

    @property
    def mean_jaccard(self) -> float:
        return float(self.jaccard.mean())

    @property
    def mean_overlap(self) -> float:
        return float(self.overlap.mean())


@dataclass(frozen=True, eq=False)
class Alignment:
    """Orthogonal Procrustes from A onto B, and how far each shared word sits from its twin.

    A unit-length A vector `u` lands at `(u - mean_a) @ rotation`, to be compared with
    `v - mean_b` for its unit-length B vector `v`. Residuals are 1 - cosine, per shared word.
    """

    rotation: np.ndarray  # d × d, orthogonal
    mean_a: np.ndarray  # d
    mean_b: np.ndarray  # d
    fitted_on: int  # the first `fitted_on` shared words (the most frequent) fitted it
    before: np.ndarray  # residual without rotation, one per shared word
    after: np.ndarray  # residual after rotation, one per shared word
    moved_most: tuple[WordScore, ...]
    moved_least: tuple[WordScore, ...]

    @property
    def mean_before(self) -> float:
        return float(self.before.mean())

    @property
    def mean_after(self) -> float:
        return float(self.after.mean())

    def transform(self, unit_a: np.ndarray) -> np.ndarray:
        """Unit-length A vectors (rows) moved into B's space (centred like B's)."""
        return (np.asarray(unit_a, dtype=np.float32) - self.mean_a) @ self.rotation

    def centre_b(self, unit_b: np.ndarray) -> np.ndarray:
        """Unit-length B vectors (rows), centred as the alignment compares them."""
        return np.asarray(unit_b, dtype=np.float32) - self.mean_b


@dataclass(frozen=True, eq=False)
class Comparison:
    """Everything `compare` found; `alignment` is None (with `alignment_note`) when the
    models have different dimensions."""

    name_a: str
    name_b: str
    dim_a: int
    dim_b: int
    shared: SharedVocab
    agreement: Agreement
    alignment: Alignment | None
    alignment_note: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def index(self, word: str) -> int:
        """The position of a shared word in `shared.words` (and in every per-word array)."""
        position = self._positions
        if word not in position:
            raise InputError(
                f"'{word}' is not among the {len(self.shared):,} words both models share; "
                "pick a shared word."
            )
        return position[word]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.shared.words)}

    def to_dict(self, extremes: int = EXTREMES) -> dict[str, Any]:
        """A JSON-ready summary (no per-word arrays).

        >>> from embedlab.embeddings import Embeddings
        >>> e = Embeddings(["a", "b", "c"], np.eye(3))
        >>> d = compare(e, e, k=1).to_dict()
        >>> d["shared"]["words"], d["agreement"]["mean_jaccard"], d["alignment"]["mean_after"]
        (3, 1.0, 0.0)
        """
        agree = self.agreement
        out: dict[str, Any] = {
            "a": {"name": self.name_a, "dim": self.dim_a, "vocab": self.shared.vocab_a},
            "b": {"name": self.name_b, "dim": self.dim_b, "vocab": self.shared.vocab_b},
            "shared": {
                "words": len(self.shared),
                "top": self.shared.top,
                "share_a": self.shared.share_a,
                "share_b": self.shared.share_b,
            },
            "agreement": {
                "k": agree.k,
                "mean_jaccard": agree.mean_jaccard,
                "mean_overlap": agree.mean_overlap,
                "median_jaccard": float(np.median(agree.jaccard)),
                "least": [w._asdict() for w in agree.least[:extremes]],
                "most": [w._asdict() for w in agree.most[:extremes]],
            },
            "alignment": None,
            "alignment_note": self.alignment_note,
            "params": dict(self.params),
            "seconds": self.seconds,
        }
        if self.alignment is not None:
            al = self.alignment
            out["alignment"] = {
                "fitted_on": al.fitted_on,
                "mean_before": al.mean_before,
                "mean_after": al.mean_after,
                "moved_most": [w._asdict() for w in al.moved_most[:extremes]],
                "moved_least": [w._asdict() for w in al.moved_least[:extremes]],
            }
        return out


class SideBySide(NamedTuple):
    """One row of a word's neighbour lists: the word, its cosine, and whether the other
    model lists it too."""

    word: str
    score: float
    shared: bool


@dataclass(frozen=True, eq=False)
class WordComparison:
    """One word in both models: its k nearest shared words in each, and its twin's cosine."""

    word: str
    k: int
    in_a: tuple[SideBySide, ...]
    in_b: tuple[SideBySide, ...]
    jaccard: float
    twin_cosine: float | None  # cosine of B's vector to A's aligned one (None: no alignment)
    twin_cosine_before: float | None  # the same without the rotation
    moved_more_than: float | None  # share of shared words whose residual is smaller


# --- the pieces ------------------------------------------------------------------------
def shared_vocabulary(a: Embeddings, b: Embeddings, top: int | None = None) -> SharedVocab:
    """The words in both models, in A's order; `top=N` looks at each model's first N only.

    >>> from embedlab.embeddings import Embeddings
    >>> a = Embeddings(["the", "cat", "sat", "mat"], np.eye(4))
    >>> b = Embeddings(["mat", "the", "dog"], np.eye(3))
    >>> s = shared_vocabulary(a, b)
    >>> s.words, s.share_a, round(s.share_b, 3)
    (('the', 'mat'), 0.5, 0.667)
    """
    top = positive_int(top, "top", allow_none=True)
    words_a = a.words if top is None else a.words[:top]
    words_b = b.words if top is None else b.words[:top]
    in_b = set(words_b)
    shared = tuple(w for w in words_a if w in in_b)
    return SharedVocab(shared, len(words_a), len(words_b), top)


def check_shared(shared: SharedVocab, k: int, name_a: str = "A", name_b: str = "B") -> None:
    """Refuse a comparison that cannot be made, in one sentence per reason.

    >>> try:
    ...     check_shared(SharedVocab(("x",), 3, 4), k=10)
    ... except InputError as err:
    ...     print(err)
    Models A and B share only one word ('x'); a comparison needs at least two shared words.
    """
    scope = f" among their top {shared.top:,} words" if shared.top else ""
    if not shared.words:
        raise InputError(
            f"Models {name_a} and {name_b} share no words{scope}; compare models of the same "
            "language (or raise the top-N)."
        )
    if len(shared) == 1:
        raise InputError(
            f"Models {name_a} and {name_b} share only one word ('{shared.words[0]}'){scope}; "
            "a comparison needs at least two shared words."
        )
    if k >= len(shared):
        raise InputError(
            f"k={k} needs more than {k} shared words, but models {name_a} and {name_b} share "
            f"{len(shared):,}{scope}; choose k below {len(shared):,}."
        )


def neighbour_agreement(
    unit_a: np.ndarray,
    unit_b: np.ndarray,
    words: Sequence[str],
    k: int = DEFAULT_K,
    device: str | None = None,
    precision: Precision = "auto",
    extremes: int = EXTREMES,
    on_progress: ProgressFn | None = None,
) -> Agreement:
    """Jaccard@k and overlap@k of each row's neighbours in two matrices over the same words.

    >>> u = np.eye(4, dtype=np.float32)[:, :3] + 0.1
    >>> u = u / np.linalg.norm(u, axis=1, keepdims=True)
    >>> neighbour_agreement(u, u, ["a", "b", "c", "d"], k=2, device="cpu").mean_jaccard
    1.0
    """

    def step(start: float, text: str) -> Callable[[float], None] | None:
        if on_progress is None:
            return None
        return lambda part: on_progress(CompareEvent(start + SEARCH_SHARE / 2 * part, text))

    ids_a, how_a = nearest_ids(unit_a, k, device, precision, step(0.0, "neighbours in A"))
    ids_b, how_b = nearest_ids(
        unit_b, k, device, precision, step(SEARCH_SHARE / 2, "neighbours in B")
    )
    inter = (ids_a[:, :, None] == ids_b[:, None, :]).sum(axis=(1, 2))
    jaccard = (inter / (2 * k - inter)).astype(np.float32)
    overlap = (inter / k).astype(np.float32)
    return Agreement(
        k=k,
        jaccard=jaccard,
        overlap=overlap,
        least=_extremes(words, jaccard, extremes, lowest=True),
        most=_extremes(words, jaccard, extremes, lowest=False),
        precision=how_a if how_a == how_b else f"{how_a}/{how_b}",
    )


def _extremes(
    words: Sequence[str], values: np.ndarray, n: int, lowest: bool
) -> tuple[WordScore, ...]:
    """The n words with the lowest (or highest) values; ties keep the words' order."""
    key = values if lowest else -values
    order = np.argsort(key, kind="stable")[: max(0, n)]
    return tuple(WordScore(words[i], float(values[i])) for i in order)


def procrustes(
    unit_a: np.ndarray,
    unit_b: np.ndarray,
    words: Sequence[str],
    fit_top: int | None = None,
    extremes: int = EXTREMES,
) -> Alignment:
    """Rotate A onto B (orthogonal Procrustes on unit, mean-centred rows) and measure how far
    each word sits from its twin, before and after.

    The rotation is fitted on the first `fit_top` rows (the most frequent shared words, whose
    vectors are the most reliable), or on all; the residuals cover every row.

    >>> rng = np.random.default_rng(1)
    >>> u = rng.normal(size=(10, 3)).astype(np.float32)
    >>> u /= np.linalg.norm(u, axis=1, keepdims=True)
    >>> turn = np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]], np.float32)
    >>> al = procrustes(u, u @ turn, list("abcdefghij"))
    >>> round(al.mean_after, 6), al.mean_before > 0.3
    (0.0, True)
    """
    n = unit_a.shape[0]
    fit = n if fit_top is None else min(n, positive_int(fit_top, "fit_top") or n)
    if fit < 2:
        raise InputError(f"The alignment needs at least 2 words to fit on; got {fit}.")
    unit_a = np.ascontiguousarray(unit_a, dtype=np.float32)
    unit_b = np.ascontiguousarray(unit_b, dtype=np.float32)
    mean_a = unit_a[:fit].mean(axis=0, dtype=np.float64).astype(np.float32)
    mean_b = unit_b[:fit].mean(axis=0, dtype=np.float64).astype(np.float32)
    # orthogonal Procrustes: the rotation U Vt from the SVD of (A - mean_a)^T (B - mean_b),
    # which is A^T (B - mean_b) since the rows of B - mean_b sum to 0 (one centred copy)
    cross = unit_a[:fit].T @ (unit_b[:fit] - mean_b)
    u, _, vt = np.linalg.svd(cross.astype(np.float64))
    rotation = (u @ vt).astype(np.float32)
    with _ONE_SEARCH:  # compiled parallel loops: one launch at a time (see _ONE_SEARCH)
        before = _residual(unit_a, mean_a, unit_b, mean_b)
        # (u - mean_a) @ R = u @ R - mean_a @ R: no centred copy of A
        turned = unit_a @ rotation
        after = _residual(turned, mean_a @ rotation, unit_b, mean_b)
    return Alignment(
        rotation=rotation,
        mean_a=mean_a,
        mean_b=mean_b,
        fitted_on=fit,
        before=before,
        after=after,
        moved_most=_extremes(words, after, extremes, lowest=False),
        moved_least=_extremes(words, after, extremes, lowest=True),
    )


def _residual(
    x: np.ndarray,
    x_shift: np.ndarray,
    y: np.ndarray,
    y_shift: np.ndarray,
) -> np.ndarray:
    """1 - cosine of rows x - x_shift and y - y_shift, in [0, 2], as float32 (summed in
    float64; rounding below 1e-6 is 0)."""
    from embedlab.analysis.compare_kernels import row_residuals

    shifts = (np.asarray(x_shift, np.float32), np.asarray(y_shift, np.float32))
    res = row_residuals(x, shifts[0], y, shifts[1])
    res[res < 1e-6] = 0.0
    return res.astype(np.float32)


# --- the entry points ------------------------------------------------------------------
def compare(
    a: Embeddings,
    b: Embeddings,
    *,
    k: int = DEFAULT_K,
    top: int | None = None,
    fit_top: int | None = None,
    device: str | None = None,
    precision: Precision = "auto",
    extremes: int = EXTREMES,
    on_progress: ProgressFn | None = None,
) -> Comparison:
    """Compare model A with model B on the words they share (see the module's docstring).

    `top=N` compares only each model's first N words (the most frequent); `fit_top=M` fits
    the rotation on the M most frequent shared words. Different dimensions leave
    `alignment` None, with a sentence in `alignment_note`.
    """
    started = time.perf_counter()
    k = positive_int(k, "k", maximum=MAX_K) or DEFAULT_K
    extremes = max(0, int(extremes))
    shared = shared_vocabulary(a, b, top)
    check_shared(shared, k, _label(a, "A"), _label(b, "B"))
    unit_a = unit_rows(a, shared.words)
    unit_b = unit_rows(b, shared.words)
    agreement = neighbour_agreement(
        unit_a, unit_b, shared.words, k, device, precision, extremes, on_progress
    )
    alignment: Alignment | None = None
    note: str | None = None
    if a.dim != b.dim:
        note = (
            f"Model A has {a.dim} dimensions and model B has {b.dim}, so they cannot be "
            "rotated onto each other; only neighbour agreement is compared."
        )
    else:
        if on_progress is not None:
            on_progress(CompareEvent(SEARCH_SHARE, "aligning A onto B"))
        alignment = procrustes(unit_a, unit_b, shared.words, fit_top, extremes)
    params = {"k": k, "top": top, "fit_top": fit_top, "precision": agreement.precision}
    return Comparison(
        name_a=a.name,
        name_b=b.name,
        dim_a=a.dim,
        dim_b=b.dim,
        shared=shared,
        agreement=agreement,
        alignment=alignment,
        alignment_note=note,
        params=params,
        seconds=time.perf_counter() - started,
    )


def _label(emb: Embeddings, letter: str) -> str:
    return f"{letter} ('{emb.name}')" if emb.name != "embeddings" else letter


def compare_word(
    a: Embeddings, b: Embeddings, comparison: Comparison, word: str, k: int | None = None
) -> WordComparison:
    """One shared word in both models: its k nearest shared words in A and in B (those both
    list are marked), its Jaccard, and the cosine to its aligned twin.

    >>> from embedlab.embeddings import Embeddings
    >>> e = Embeddings(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
    >>> w = compare_word(e, e, compare(e, e, k=1), "a")
    >>> w.in_a[0], w.twin_cosine
    (SideBySide(word='b', score=0.99..., shared=True), 1.0)
    """
    word = (word or "").strip()
    if not word:
        raise InputError("Type a word to see its neighbours in both models.")
    for emb, letter in ((a, "A"), (b, "B")):
        if word not in emb:
            close = [w for w in emb.suggest(word) if w in a and w in b]
            hint = (
                f"did you mean: {', '.join(close)}?" if close else "pick a word both models know."
            )
            raise InputError(f"'{word}' is not in model {letter}'s vocabulary; {hint}")
    i = comparison.index(word)
    shared = comparison.shared.words
    k = comparison.agreement.k if k is None else positive_int(k, "k", maximum=MAX_K) or 1
    k = min(k, len(shared) - 1)
    lists = []
    for emb in (a, b):
        unit = unit_rows(emb, shared)
        scores = unit @ unit[i]
        scores[i] = -np.inf
        top = np.argpartition(-scores, k - 1)[:k] if k < len(shared) - 1 else np.arange(len(shared))
        top = top[np.argsort(-scores[top], kind="stable")][:k]
        lists.append([(shared[j], float(scores[j])) for j in top])
    set_a = {w for w, _ in lists[0]}
    set_b = {w for w, _ in lists[1]}
    in_a = tuple(SideBySide(w, s, w in set_b) for w, s in lists[0])
    in_b = tuple(SideBySide(w, s, w in set_a) for w, s in lists[1])
    both = len(set_a & set_b)
    al = comparison.alignment
    twin = before = moved = None
    if al is not None:
        twin = round(1.0 - float(al.after[i]), 6)
        before = round(1.0 - float(al.before[i]), 6)
        moved = float((al.after < al.after[i]).mean())
    return WordComparison(
        word=word,
        k=k,
        in_a=in_a,
        in_b=in_b,
        jaccard=both / (2 * k - both),
        twin_cosine=twin,
        twin_cosine_before=before,
        moved_more_than=moved,
    )


def aligned_pairs(
    a: Embeddings, b: Embeddings, comparison: Comparison, words: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """For these shared words: A's vectors rotated into B's space, and B's vectors, both
    unit-length and centred as the alignment compares them (rows in the order given).

    >>> from embedlab.embeddings import Embeddings
    >>> e = Embeddings(["a", "b", "c"], np.eye(3))
    >>> xa, xb = aligned_pairs(e, e, compare(e, e, k=1), ["a", "c"])
    >>> xa.shape, bool(np.allclose(xa, xb, atol=1e-6))
    ((2, 3), True)
    """
    al = comparison.alignment
    if al is None:
        raise InputError(comparison.alignment_note or "These models have no alignment.")
    for w in words:
        comparison.index(w)
    return al.transform(unit_rows(a, words)), al.centre_b(unit_rows(b, words))
