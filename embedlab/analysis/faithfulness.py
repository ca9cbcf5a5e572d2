"""How far to trust a map: which words kept their neighbours when squeezed onto a plane.

A projection keeps some neighbourhoods and tears others apart. For each word this measures
the share of its k nearest neighbours in the original space that are also among its k
nearest on the map (1: the map kept them all; about k/n: no better than a random map),
and, over the whole map, scikit-learn's trustworthiness (on a sample when the map is big).

Neighbours are found in batches, never with an n × n matrix: exactly, chunk by chunk with
embedlab's search (on the GPU when there is one), or with pynndescent's approximate graph
for large vocabularies on a CPU; on the map (2 or 3 columns) with a k-d tree.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> points = rng.normal(size=(200, 2))
>>> faith = faithfulness(points, points, k=5, metric="euclidean")
>>> float(faith.scores.min()), faith.trustworthiness
(1.0, 1.0)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.analysis.project import Projection
    from embedlab.embeddings import Embeddings

Search = Literal["auto", "exact", "pynndescent"]
DEFAULT_K = 10
MAX_K = 100
TRUST_SAMPLE = 2_000  # trustworthiness builds sample × sample distances: 2,000 take ~0.5 s
# On a CPU, more original-space rows than this use pynndescent. Measured on 2 busy cores
# (CPU seconds): exact 2.8 s for 20,000 x 100 and ~25 times that for 100,000; pynndescent
# 3 s for 100,000 once compiled, plus ~35 s of numba compiling per process (warm_nndescent).
EXACT_UP_TO = 20_000
QUERY_BLOCK = 2_048  # queries per exact search call: its score chunks stay near 128 MiB


@dataclass(frozen=True, eq=False)
class Faithfulness:
    """Per-word neighbour agreement between the original space and a map, and its summary.

    `neighbours[i]` are row i's k nearest rows in the original space (nearest first) and
    `kept[i, j]` says whether the map also has `neighbours[i, j]` among row i's k nearest;
    `scores[i]` is the share kept. `trustworthiness` (1 = no false neighbours on the map)
    was computed on `trust_sample` rows. `search` says how the neighbours were found.
    """

    words: tuple[str, ...]
    scores: np.ndarray  # n, float32 in [0, 1]
    neighbours: np.ndarray  # n × k, int32 row ids
    kept: np.ndarray  # n × k, bool
    k: int
    trustworthiness: float
    trust_sample: int
    search: str
    seconds: float

    @property
    def mean(self) -> float:
        """The average share of neighbours kept, over every word of the map."""
        return float(self.scores.mean()) if len(self.scores) else 0.0

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return (
            f"Faithfulness(n={len(self)}, k={self.k}, mean={self.mean:.3f}, "
            f"trustworthiness={self.trustworthiness:.3f} on {self.trust_sample:,})"
        )

    def summary(self) -> str:
        """One sentence for a caption or a terminal.

        >>> pts = np.random.default_rng(0).normal(size=(20, 2))
        >>> faithfulness(pts, pts, k=3, metric="euclidean").summary()
        'On average the map keeps 100% of each word’s 3 nearest neighbours; trustworthiness 1.000 (on all 20 words).'
        """  # noqa: E501
        sample = (
            f"on all {self.trust_sample:,} words"
            if self.trust_sample == len(self)
            else f"on a sample of {self.trust_sample:,} of {len(self):,} words"
        )
        return (
            f"On average the map keeps {self.mean:.0%} of each word’s {self.k} nearest "
            f"neighbours; trustworthiness {self.trustworthiness:.3f} ({sample})."
        )

    def lost(self, row: int, coords: np.ndarray) -> list[tuple[int, int]]:
        """Row `row`'s original-space neighbours that the map put elsewhere, farthest first,
        as (row id, rank on the map: 1 = its nearest point there).

        >>> high = np.array([[0.0], [1], [2.5], [10]])
        >>> low = np.array([[0.0], [9], [2], [1.6]])  # row 1 was thrown far away
        >>> f = faithfulness(high, low, k=1, metric="euclidean", trust=False)
        >>> f.lost(0, low), f.lost(3, low)
        ([(1, 3)], [])
        """
        coords = np.asarray(coords, dtype=np.float64)
        missing = self.neighbours[row][~self.kept[row]]
        if missing.size == 0:
            return []
        dist = ((coords - coords[row]) ** 2).sum(axis=1)
        dist[row] = -1.0  # the word itself is never its own neighbour
        ranks = [int((dist < dist[j]).sum()) for j in missing]  # the word's -1 makes it 1-based
        pairs = sorted(zip(missing.tolist(), ranks, strict=True), key=lambda p: -p[1])
        return [(int(j), rank) for j, rank in pairs]

    def lost_words(self, limit: int = 3) -> list[str]:
        """For every word, up to `limit` of its lost neighbours as text ('' when none):
        what a hover label shows.

        >>> high = np.array([[0.0], [1], [2.5], [10]])
        >>> low = np.array([[0.0], [9], [2], [1.6]])
        >>> faithfulness(high, low, k=1, metric="euclidean", words="abcd", trust=False).lost_words()
        ['b', 'a', 'b', '']
        """
        out: list[str] = []
        words = self.words
        for ids, kept in zip(self.neighbours, self.kept, strict=True):
            gone = ids[~kept][:limit]
            out.append(", ".join(words[j] for j in gone))
        return out


def faithfulness(
    high: np.ndarray,
    low: np.ndarray,
    k: int = DEFAULT_K,
    *,
    metric: Literal["cosine", "euclidean"] = "cosine",
    words: tuple[str, ...] | list[str] | str | None = None,
    search: Search = "auto",
    trust: bool = True,
    sample: int = TRUST_SAMPLE,
    seed: int = 0,
    device: str | None = None,
) -> Faithfulness:
    """Compare each row's k nearest neighbours in `high` (the original space, by `metric`)
    with its k nearest in `low` (the map, euclidean).

    `search="auto"` finds the original-space neighbours exactly (in chunks, on the device)
    up to `EXACT_UP_TO` rows on a CPU and on any GPU, else with pynndescent. Trustworthiness
    (skipped with `trust=False`) uses at most `sample` rows, drawn with `seed`.

    >>> rng = np.random.default_rng(1)
    >>> high = rng.normal(size=(300, 10))
    >>> noise = faithfulness(high, rng.normal(size=(300, 2)), k=10, trust=False)
    >>> round(noise.mean, 2)  # a random map keeps about k/n of the neighbours
    0.03
    """
    started = time.perf_counter()
    high = _matrix(high, "The original vectors")
    low = _matrix(low, "The map's coordinates")
    n = high.shape[0]
    if low.shape[0] != n:
        raise InputError(
            f"Got {low.shape[0]:,} map points for {n:,} vectors; they must be the same words."
        )
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 1 <= int(k) < n:
        raise InputError(
            f"k (neighbours per word) must be a whole number from 1 to {n - 1:,} (less than "
            f"the {n:,} words); got {k!r}."
        )
    k = int(min(k, MAX_K))
    if metric not in ("cosine", "euclidean"):
        raise InputError(f"Unknown metric {metric!r}; choose cosine or euclidean.")
    if search not in ("auto", "exact", "pynndescent"):
        raise InputError(f"Unknown search {search!r}; choose auto, exact or pynndescent.")
    if words is None:
        names = tuple(str(i) for i in range(n))
    else:
        names = tuple(words)
        if len(names) != n:
            raise InputError(f"Got {len(names):,} words for {n:,} vectors; they must match.")
    if metric == "cosine":
        high = high / np.maximum(np.linalg.norm(high, axis=1, keepdims=True), 1e-12)
    how = _choose(search, n, device)
    true_ids = (
        exact_neighbours(high, k, device=device)
        if how == "exact"
        else approximate_neighbours(high, k, seed=seed)
    )
    map_ids = map_neighbours(low, k)
    kept = _kept(true_ids, map_ids)
    scores = kept.mean(axis=1, dtype=np.float32)
    score_t, used = (
        trustworthiness(high, low, k, sample=sample, seed=seed) if trust else (np.nan, 0)
    )
    return Faithfulness(
        words=names,
        scores=scores,
        neighbours=true_ids,
        kept=kept,
        k=k,
        trustworthiness=score_t,
        trust_sample=used,
        search=how,
        seconds=time.perf_counter() - started,
    )


def of_projection(
    emb: Embeddings, proj: Projection, k: int = DEFAULT_K, *, search: Search = "auto"
) -> Faithfulness:
    """`faithfulness` of a projection of `emb`: its words' vectors (unit ones for the cosine
    metric, as the projection used) against its coordinates.

    >>> from embedlab.embeddings import Embeddings
    >>> from embedlab.analysis.project import project
    >>> vectors = np.random.default_rng(0).normal(size=(50, 2))
    >>> emb = Embeddings([f"w{i}" for i in range(50)], vectors)
    >>> f = of_projection(emb, project(emb, "pca", n=40, dims=2, metric="euclidean"), k=5)
    >>> len(f), f.mean  # PCA of 2D data to 2D is a rotation: every neighbour is kept
    (40, 1.0)
    """
    n = len(proj.words)
    metric = proj.params.get("metric", "cosine")
    high = emb.normed[:n] if metric == "cosine" else emb.vectors[:n]
    return faithfulness(high, proj.coords, k, metric=metric, words=proj.words, search=search)


def exact_neighbours(data: np.ndarray, k: int, device: str | None = None) -> np.ndarray:
    """Each row's k nearest other rows by euclidean distance (cosine on unit rows), exactly,
    queried in blocks so no n × n matrix is ever built.

    >>> exact_neighbours(np.array([[0.0], [1], [3], [7]]), k=2).tolist()
    [[1, 2], [0, 2], [1, 0], [2, 1]]
    """
    from embedlab.search import ExactIndex

    data = np.ascontiguousarray(data, dtype=np.float32)
    index = ExactIndex(data, device=device)
    out = np.empty((data.shape[0], k), dtype=np.int32)
    for start in range(0, data.shape[0], QUERY_BLOCK):
        stop = min(data.shape[0], start + QUERY_BLOCK)
        ids, _ = index.search(data[start:stop], k=k + 1, metric="euclidean")
        out[start:stop] = _drop_self(ids, np.arange(start, stop), k)
    return out


def approximate_neighbours(data: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Each row's k nearest other rows (euclidean) from pynndescent's neighbour graph:
    approximate (typically 95-99% right), for vocabularies too big to search exactly on a CPU.
    """
    from pynndescent import NNDescent

    data = np.ascontiguousarray(data, dtype=np.float32)
    index = NNDescent(data, metric="euclidean", n_neighbors=k + 1, random_state=seed)
    ids, _ = index.neighbor_graph
    return _drop_self(ids, np.arange(data.shape[0]), k)


def warm_nndescent() -> float:
    """Build a tiny pynndescent graph so numba compiles its code now (about 35 CPU seconds,
    once per process) rather than in the first big faithfulness; returns the seconds taken."""
    start = time.perf_counter()
    approximate_neighbours(np.random.default_rng(0).normal(size=(256, 8)), k=5)
    return time.perf_counter() - start


def map_neighbours(coords: np.ndarray, k: int) -> np.ndarray:
    """Each map point's k nearest other points (a k-d tree: exact, fast in 2D and 3D).

    >>> map_neighbours(np.array([[0.0, 0], [1, 0], [5, 0]]), k=1).tolist()
    [[1], [0], [1]]
    """
    from scipy.spatial import cKDTree

    coords = np.asarray(coords, dtype=np.float64)
    _, ids = cKDTree(coords).query(coords, k=k + 1, workers=1)
    return _drop_self(np.asarray(ids), np.arange(coords.shape[0]), k)


def trustworthiness(
    high: np.ndarray, low: np.ndarray, k: int, *, sample: int = TRUST_SAMPLE, seed: int = 0
) -> tuple[float, int]:
    """scikit-learn's trustworthiness of the map, on at most `sample` rows; returns
    (score, rows used). It needs k < rows / 2: with too few rows it is NaN.

    >>> pts = np.random.default_rng(0).normal(size=(30, 3))
    >>> trustworthiness(pts, pts, 5)
    (1.0, 30)
    """
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    n = high.shape[0]
    rows = np.arange(n)
    if n > sample:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))
    if k >= len(rows) / 2:
        return float("nan"), 0
    score = sk_trustworthiness(
        np.asarray(high[rows], dtype=np.float64),
        np.asarray(low[rows], dtype=np.float64),
        n_neighbors=k,
    )
    return float(score), len(rows)


def _choose(search: str, n: int, device: str | None) -> str:
    if search != "auto":
        return search
    from embedlab.device import resolve_device

    on_gpu = resolve_device(device) != "cpu"
    return "exact" if on_gpu or n <= EXACT_UP_TO else "pynndescent"


def _drop_self(ids: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """k neighbours per row from k + 1 candidates: the row itself removed where it came
    back (anywhere, duplicates may tie with it), else the last candidate dropped."""
    ids = np.asarray(ids)
    is_self = ids == rows[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), ids.shape[1] - 1)
    keep = np.ones(ids.shape, dtype=bool)
    keep[np.arange(len(rows)), drop] = False
    return ids[keep].reshape(len(rows), ids.shape[1] - 1)[:, :k].astype(np.int32)


def _kept(true_ids: np.ndarray, map_ids: np.ndarray, block: int = 8_192) -> np.ndarray:
    """kept[i, j]: is true_ids[i, j] among map_ids[i]? Row blocks keep memory at n·k·k/…"""
    out = np.empty(true_ids.shape, dtype=bool)
    for start in range(0, true_ids.shape[0], block):
        t = true_ids[start : start + block]
        m = map_ids[start : start + block]
        out[start : start + block] = (t[:, :, None] == m[:, None, :]).any(axis=2)
    return out


def _matrix(value: np.ndarray, what: str) -> np.ndarray:
    data = np.asarray(value, dtype=np.float32)
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 1:
        raise InputError(f"{what} must be a matrix with at least 2 rows; got shape {data.shape}.")
    if not np.isfinite(data).all():
        raise InputError(f"{what} hold NaN or infinite values; check the model.")
    return data
