"""PCA, UMAP and t-SNE of a model's most frequent words to 2D or 3D, plus the view's helpers.

A projection squeezes d-dimensional vectors onto a plane (or into a box) so that words
used alike land near each other. Distances are only roughly kept: PCA keeps the global
layout (the directions of largest spread), UMAP and t-SNE keep local neighbourhoods and
may move whole groups around. Views work on the top-N words (a trained model lists its
words by frequency), and every projection says which N it used.

scikit-learn, umap-learn and openTSNE are imported when a projection is computed, not when
this module is imported (umap's import alone takes seconds). The methods sit in a registry,
`REDUCERS`; `register(Reducer(...))` adds one.

>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> rng = np.random.default_rng(0)
>>> emb = Embeddings([f"w{i}" for i in range(20)], rng.normal(size=(20, 5)),
...                  counts=range(200, 180, -1))
>>> p = project(emb, "pca", n=10, dims=2)
>>> p.coords.shape, p.words[:3]
((10, 2), ('w0', 'w1', 'w2'))
>>> p.to_frame().columns.tolist()
['word', 'x', 'y', 'count', 'rank']
>>> project(emb, "pca", n=500, dims=3).params["n"]  # more than the vocabulary: all 20
20
"""

from __future__ import annotations

import numbers
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.errors import InputError, NotInstalled

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.embeddings import Embeddings

Method = Literal["pca", "umap", "tsne"]  # the built-in ones; `REDUCERS` may hold more
PROJECTION_METRICS: tuple[str, ...] = ("cosine", "euclidean")
MINIBATCH_ABOVE = 10_000  # k-means on more rows than this uses MiniBatchKMeans
_ONE_THREAD = threading.Lock()


@dataclass(frozen=True)
class ProjectionEvent:
    """How far a projection has got: the share done (0 to 1) and what it is doing now."""

    fraction: float
    text: str


Progress = Callable[[ProjectionEvent], None]


@dataclass(frozen=True, eq=False)
class Projection:
    """Words and their 2D/3D coordinates, with what made them.

    `params` holds every setting used, including `n` (the number of words actually
    projected, after clipping to the vocabulary) and `vocab` (the model's size).
    `seconds` is the time the projection took.
    """

    words: tuple[str, ...]
    coords: np.ndarray  # n × dims, float32
    counts: np.ndarray | None
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return (
            f"Projection(method={self.method!r}, n={len(self.words)}, dims={self.dims}, "
            f"seconds={self.seconds:.2f})"
        )

    def to_frame(self, words: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per word: word, x, y[, z], count (NA when unknown) and rank (1 = most frequent).

        `words` keeps only those words, in that order (unknown ones are skipped).

        >>> p = Projection(("a", "b"), np.array([[0, 1], [2, 3]], np.float32), None, "pca")
        >>> p.to_frame()
          word    x    y  count  rank
        0    a  0.0  1.0   <NA>     1
        1    b  2.0  3.0   <NA>     2
        >>> p.to_frame(["b"]).word.tolist()
        ['b']
        """
        import pandas as pd

        axes = ("x", "y", "z")[: self.dims]
        data: dict[str, Any] = {"word": list(self.words)}
        for i, axis in enumerate(axes):
            data[axis] = self.coords[:, i]
        counts = (
            pd.array([None] * len(self.words), dtype="Int64")
            if self.counts is None
            else pd.array(self.counts, dtype="Int64")
        )
        data["count"] = counts
        data["rank"] = np.arange(1, len(self.words) + 1)
        frame = pd.DataFrame(data)
        if words is None:
            return frame
        position = {w: i for i, w in enumerate(self.words)}
        rows = [position[w] for w in dict.fromkeys(words) if w in position]
        return frame.iloc[rows].reset_index(drop=True)


def project(
    emb: Embeddings,
    method: Method,
    n: int,
    dims: Literal[2, 3],
    *,
    seed: int = 0,
    umap_neighbors: int = 15,
    umap_min_dist: float = 0.1,
    perplexity: float = 30.0,
    metric: Literal["cosine", "euclidean"] = "cosine",
    on_progress: Progress | None = None,
) -> Projection:
    """Project the first `n` words of `emb` (the most frequent) to `dims` dimensions.

    `n` larger than the vocabulary is clipped to it; `params["n"]` says how many were
    used. With the cosine metric the unit-length vectors are projected, so a word's
    frequency (which stretches raw word2vec vectors) does not decide where it lands.
    The methods are the entries of `REDUCERS` (see `Reducer` to add one):

    - PCA: scikit-learn's `PCA`, exact and instant.
    - UMAP: umap-learn with `random_state=seed`, PCA initialisation and 200 epochs; the k
      nearest neighbours are found exactly by embedlab's search. A seeded UMAP runs its
      layout on one thread: reproducible, a few seconds for 5,000 words. Its first run in
      a process compiles numba code (about 10 s): `warm_umap()` does that ahead of time.
    - t-SNE: openTSNE with PCA initialisation, on the cores the machine has free (see
      `_tsne` for the settings and why).

    `on_progress(ProjectionEvent)` hears how far it has got (UMAP per epoch, t-SNE every 50
    iterations); an exception it raises stops the projection (a cancel).

    Every parameter is checked first, with one message per rule:

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> emb = Embeddings([f"w{i}" for i in range(30)],
    ...                  np.random.default_rng(1).normal(size=(30, 4)))
    >>> project(emb, "tsne", n=30, dims=2, perplexity=5, seed=0).coords.shape
    (30, 2)
    >>> project(emb, "tsne", n=30, dims=2)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: perplexity must be more than 0 and less than the number of words projected (30); got 30.0.
    """  # noqa: E501
    method, dims, n_used, seed = _validate(
        emb, method, n, dims, seed, umap_neighbors, umap_min_dist, perplexity, metric
    )
    reducer = REDUCERS[method]
    given = {
        "umap_neighbors": int(umap_neighbors),
        "umap_min_dist": float(umap_min_dist),
        "perplexity": float(perplexity),
    }
    settings = {name: given[name] for name in reducer.settings}
    params: dict[str, Any] = {
        "n": n_used,
        "n_requested": int(n),
        "vocab": len(emb),
        "dims": dims,
        "metric": metric,
    }
    if reducer.seeded:
        params["seed"] = seed
    params.update(settings)
    data = emb.normed[:n_used] if metric == "cosine" else emb.vectors[:n_used]
    data = np.ascontiguousarray(data, dtype=np.float32)
    reducer.load()  # imports (umap's takes seconds) are not part of `seconds`
    label = f"{reducer.label} of {n_used:,} words"
    if on_progress is not None:
        on_progress(ProjectionEvent(0.0, f"{label}: starting…"))
    extra = {"on_progress": on_progress} if reducer.progress and on_progress else {}
    start = time.perf_counter()
    coords = reducer.run(data, dims, seed, metric, settings, **extra)
    seconds = time.perf_counter() - start
    if on_progress is not None:
        on_progress(ProjectionEvent(1.0, f"{label}: done in {seconds:,.1f} s"))
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    coords.setflags(write=False)
    counts = None if emb.counts is None else np.array(emb.counts[:n_used])
    return Projection(emb.words[:n_used], coords, counts, method, params, seconds)


def max_words(method: str) -> int:
    """The most words one projection by `method` may draw: `limits.MAX_PROJECTION_WORDS`
    (every method; t-SNE, with openTSNE, is no longer held to fewer).

    >>> max_words("pca") == max_words("tsne") == max_words("umap")
    True
    """
    from embedlab.limits import MAX_PROJECTION_WORDS

    return MAX_PROJECTION_WORDS.value()


# Seconds per 1,000 words, 100-d vectors, 2D, default settings: the CPU seconds that
# `bench/projection.py --part views --sizes 5000 20000` printed (a loaded machine; UMAP 3.3 s
# for 5,000 and 17 s for 20,000 words, t-SNE 18 s and 69 s), which one idle core takes at
# most. Both grow a little faster than n. PCA: instant.
MEASURED_SECONDS: dict[str, tuple[tuple[int, float], ...]] = {
    # (words, seconds of a first view) printed by `bench/projection.py --part views` on the
    # idle 2-core development machine; an estimate interpolates between them
    "pca": ((0, 0.0), (100_000, 1.0)),
    "umap": ((0, 0.0), (5_000, 2.4), (20_000, 15.3), (100_000, 152.0)),
    "tsne": ((0, 0.0), (5_000, 15.0), (20_000, 53.0), (100_000, 170.6)),
}


def estimate_seconds(method: str, n: int) -> float:
    """A rough time for projecting `n` words with `method` on an idle 2-core machine (a
    method without a measured rate counts as t-SNE, the slowest).

    >>> estimate_seconds("pca", 100_000) < 5 < estimate_seconds("tsne", 100_000)
    True
    """
    points = MEASURED_SECONDS.get(method, MEASURED_SECONDS["tsne"])
    words, seconds = zip(*points, strict=True)
    if n <= words[-1]:
        return float(np.interp(n, words, seconds))
    return seconds[-1] * n / words[-1]  # past the last measurement: in proportion


def _check_size(method: str, n_used: int) -> None:
    """Refuse more words than `max_words(method)`, saying which limit and what to do."""
    from embedlab.limits import MAX_PROJECTION_WORDS

    limit = max_words(method)
    if n_used > limit:
        raise InputError(
            f"A projection draws at most {limit:,} words ({MAX_PROJECTION_WORDS.env}); got "
            f"{n_used:,}: choose fewer words."
        )


def _validate(
    emb: Embeddings,
    method: object,
    n: object,
    dims: object,
    seed: object,
    umap_neighbors: object,
    umap_min_dist: object,
    perplexity: object,
    metric: object,
) -> tuple[str, int, int, int]:
    """Check every parameter (umap's style: one rule, one message); returns the clean ones."""
    if method not in REDUCERS:
        names = ", ".join(REDUCERS)
        *rest, last = names.split(", ")
        raise InputError(
            f"Unknown projection method {method!r}; choose {', '.join(rest)} or {last}."
        )
    if not _is_int(dims) or int(dims) not in (2, 3):  # type: ignore[arg-type]
        raise InputError(f"dims must be 2 or 3; got {dims!r}.")
    dims = int(dims)  # type: ignore[arg-type]
    if not _is_int(n) or int(n) < 2:  # type: ignore[arg-type]
        raise InputError(
            f"n (the number of words) must be a whole number of at least 2; got {n!r}."
        )
    if metric not in PROJECTION_METRICS:
        raise InputError(f"Unknown metric {metric!r}; choose cosine or euclidean.")
    if not _is_int(seed) or not 0 <= int(seed) < 2**32:  # type: ignore[arg-type]
        raise InputError(f"seed must be a whole number from 0 to 4,294,967,295; got {seed!r}.")
    n_used = min(int(n), len(emb))  # type: ignore[arg-type]
    _check_size(str(method), n_used)
    if n_used <= dims:
        raise InputError(
            f"A {dims}-D projection needs at least {dims + 1} words; the model has "
            f"{len(emb):,}, so only {n_used} can be projected."
        )
    if emb.dim < dims:
        raise InputError(
            f"The model's vectors have {emb.dim} dimensions; a {dims}-D projection needs "
            f"at least {dims}."
        )
    if method == "umap":
        if not _is_int(umap_neighbors) or not 2 <= int(umap_neighbors) < n_used:  # type: ignore[arg-type]
            raise InputError(
                f"umap_neighbors must be a whole number from 2 to {n_used - 1} (less than "
                f"the {n_used:,} words projected); got {umap_neighbors!r}."
            )
        if not _is_real(umap_min_dist) or not 0.0 <= float(umap_min_dist) <= 1.0:  # type: ignore[arg-type]
            raise InputError(f"umap_min_dist must be from 0 to 1; got {umap_min_dist!r}.")
    if method == "tsne" and (
        not _is_real(perplexity) or not 0.0 < float(perplexity) < n_used  # type: ignore[arg-type]
    ):
        raise InputError(
            "perplexity must be more than 0 and less than the number of words projected "
            f"({n_used:,}); got {perplexity!r}."
        )
    return str(method), dims, n_used, int(seed)  # type: ignore[arg-type]


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(float(value)))  # type: ignore[arg-type]
    )


# --- the methods ------------------------------------------------------------------------
Run = Callable[..., np.ndarray]  # (data, dims, seed, metric, settings[, on_progress=])


@dataclass(frozen=True)
class Reducer:
    """One projection method: how to run it and what it needs.

    `run(data, dims, seed, metric, settings)` maps the n × d rows (unit rows for the cosine
    metric) to n × dims coordinates; `settings` holds the `project()` keywords named in
    `settings` (they are recorded in `Projection.params`). With `progress`, `run` also takes
    `on_progress=` (a `Progress`) and reports through it. `modules` are imported before
    the clock starts, and a missing one raises `NotInstalled(package)`. A new method is one
    `register(Reducer(...))` call (its extra keywords need a `project()` parameter and a
    rule in `_validate`).
    """

    name: str
    label: str
    run: Run
    modules: tuple[str, ...] = ()
    package: str = ""
    settings: tuple[str, ...] = ()
    seeded: bool = True
    progress: bool = False

    def load(self) -> None:
        """Import what the method needs, or say how to install it."""
        import importlib

        for module in self.modules:
            try:
                importlib.import_module(module)
            except ImportError:
                raise NotInstalled(self.package or module.split(".")[0]) from None


REDUCERS: dict[str, Reducer] = {}


def register(reducer: Reducer) -> Reducer:
    """Add (or replace) a projection method; `project(emb, reducer.name, ...)` then runs it."""
    REDUCERS[reducer.name] = reducer
    return reducer


def _pca(data: np.ndarray, dims: int, seed: int, metric: str, settings: Mapping) -> np.ndarray:
    from sklearn.decomposition import PCA

    with one_thread():
        return PCA(n_components=dims, random_state=0).fit_transform(data)


UMAP_EPOCHS = 200  # umap's own choice above 10,000 points; its 500 below that took twice as long


def _umap(
    data: np.ndarray,
    dims: int,
    seed: int,
    metric: str,
    settings: Mapping,
    on_progress: Progress | None = None,
) -> np.ndarray:
    import umap

    from embedlab.search import ExactIndex

    report = on_progress or _ignore
    neighbors = int(settings["umap_neighbors"])
    report(ProjectionEvent(0.02, f"UMAP: finding each word's {neighbors} nearest neighbours…"))
    with one_thread():  # a busy machine's spinning torch threads cost more than they gain
        ids, scores = ExactIndex(data).search(data, k=neighbors, metric=metric)
    dists = np.maximum(1.0 - scores, 0.0) if metric == "cosine" else scores
    report(ProjectionEvent(0.1, "UMAP: building the neighbour graph…"))
    reducer = umap.UMAP(
        n_components=dims,
        n_neighbors=neighbors,
        min_dist=float(settings["umap_min_dist"]),
        metric=metric,
        random_state=seed,
        n_epochs=UMAP_EPOCHS,
        init="pca",  # spectral init of a noisy graph took a third of the time, for no gain
        precomputed_knn=(ids.astype(np.int32), dists.astype(np.float32)),
        tqdm_kwds=_EpochRelay.kwds(report) if on_progress else None,
    )
    with warnings.catch_warnings():
        # "n_jobs overridden by random_state" and "no search index: no transform()": both
        # are expected here, and neither is for the user.
        warnings.filterwarnings("ignore", message=".*overridden to 1 by setting random_state")
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        return reducer.fit_transform(data)


class _EpochRelay:
    """A file for umap's tqdm bar, which it writes as "epoch/epochs": each write becomes a
    `ProjectionEvent` (umap has no callback; its bar is the only progress it gives).

    >>> seen = []
    >>> _EpochRelay(seen.append).write("50/200")
    >>> seen
    [ProjectionEvent(fraction=0.4, text='UMAP: epoch 50 of 200')]
    """

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.owner = threading.get_ident()  # umap's thread; tqdm's monitor thread stays out
        self.stopped = False

    @classmethod
    def kwds(cls, report: Progress) -> dict[str, Any]:
        """umap's `tqdm_kwds` that send its bar here every 10 epochs."""
        return {"disable": False, "file": cls(report), "bar_format": "{n}/{total}",
                "mininterval": 0, "miniters": 10, "leave": False}  # fmt: skip

    def write(self, text: str) -> None:
        if self.stopped or threading.get_ident() != self.owner:
            return
        match = re.search(r"(\d+)/(\d+)", text)
        if match and int(match[2]):
            done, total = int(match[1]), int(match[2])
            event = ProjectionEvent(0.2 + 0.8 * done / total, f"UMAP: epoch {done} of {total}")
            try:
                self.report(event)
            except BaseException:
                # tqdm writes inside refresh(), which holds its process-wide write lock and
                # does not release it when the write raises: release it here, or every later
                # progress bar in the process (the sentence encoder's) waits for ever.
                self.stopped = True
                from tqdm import tqdm

                tqdm.get_lock().release()
                raise

    def flush(self) -> None:
        """Nothing is buffered."""


# openTSNE's defaults are 250 iterations with early exaggeration (12), then 500 without.
# With its learning rate n / 12 the map settles sooner (Belkina et al. 2019, "opt-SNE"), so
# embedlab runs 125 + 375: on 5,000 clustered 100-d words (one thread, seed 0) that cut the
# optimisation's CPU time by about a fifth and moved trustworthiness (k=10) from 0.960 to
# 0.955 and the share of neighbours kept from 0.754 to 0.749.
TSNE_EXAGGERATION_ITERS = 125
TSNE_ITERS = 375
TSNE_REPORT_EVERY = 50  # iterations between progress events
TSNE_EXACT_UP_TO = 20_000  # exact neighbours (embedlab's search) up to here, then annoy


def _tsne(
    data: np.ndarray,
    dims: int,
    seed: int,
    metric: str,
    settings: Mapping,
    on_progress: Progress | None = None,
) -> np.ndarray:
    """openTSNE with PCA initialisation: exact k nearest neighbours (3 x perplexity of them,
    embedlab's batched search) up to `TSNE_EXACT_UP_TO` words, annoy above (pynndescent
    compiles numba code for ~40 s in each new process); `free_cores()` threads."""
    import openTSNE
    from openTSNE import affinity

    report = on_progress or _ignore
    perplexity = float(settings["perplexity"])
    n = data.shape[0]
    k = min(n - 1, int(3 * perplexity))
    jobs = free_cores()
    report(ProjectionEvent(0.02, f"t-SNE: finding each word's {k} nearest neighbours…"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Pp]erplexity.*")
        if n <= TSNE_EXACT_UP_TO:
            index = _exact_knn(data, k, metric)
            affinities = affinity.PerplexityBasedNN(
                perplexity=perplexity, knn_index=index, n_jobs=jobs
            )
        else:
            affinities = affinity.PerplexityBasedNN(
                data, perplexity, method="annoy", metric=metric, n_jobs=jobs, random_state=seed
            )
        total = TSNE_EXAGGERATION_ITERS + TSNE_ITERS
        done = [0]

        def relay(iteration: int, error: float, embedding: np.ndarray) -> None:
            done[0] += TSNE_REPORT_EVERY
            text = f"t-SNE: iteration {min(done[0], total):,} of {total:,}"
            report(ProjectionEvent(0.1 + 0.9 * min(done[0], total) / total, text))

        tsne = openTSNE.TSNE(
            n_components=dims,
            perplexity=perplexity,
            initialization="pca",
            metric=metric,
            early_exaggeration_iter=TSNE_EXAGGERATION_ITERS,
            n_iter=TSNE_ITERS,
            # Barnes-Hut below 10,000 words, FFT above: measured on 5,000 words (one thread)
            # FFT took 1.6 times the CPU of Barnes-Hut; FFT exists for 1-2 dimensions only.
            negative_gradient_method="auto" if dims <= 2 else "bh",
            n_jobs=jobs,
            random_state=seed,
            callbacks=relay if on_progress else None,
            callbacks_every_iters=TSNE_REPORT_EVERY,
            verbose=False,
        )
        return np.asarray(tsne.fit(data, affinities=affinities))


def _exact_knn(data: np.ndarray, k: int, metric: str) -> Any:
    """openTSNE's neighbour index from embedlab's exact search (itself left out)."""
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    from embedlab.search import ExactIndex

    with one_thread():
        ids, scores = ExactIndex(data).search(data, k=k + 1, metric=metric)
    n = ids.shape[0]
    keep = ids != np.arange(n)[:, None]  # each row without itself (ties may put it later)
    keep[keep.all(axis=1), -1] = False
    ids, scores = ids[keep].reshape(n, k), scores[keep].reshape(n, k)
    dists = np.maximum(1.0 - scores, 0.0) if metric == "cosine" else scores
    return PrecomputedNeighbors(ids.astype(np.int64), dists.astype(np.float64))


def _ignore(event: ProjectionEvent) -> None:
    """The progress sink when nobody listens."""


def free_cores() -> int:
    """Cores not busy with other work (cores minus the 1-minute load, at least 1).

    Threads that wait for each other every iteration (openTSNE's) run slower, not faster,
    on cores that are already busy: measured at a load of 9 on 2 cores, t-SNE of 5,000
    words took 40 s on one thread and 83-104 s on two.

    >>> 1 <= free_cores() <= (os.cpu_count() or 1)
    True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this platform
        busy = 0.0
    return max(1, min(cores, int(round(cores - busy))))


def warm_umap() -> float:
    """Run UMAP once on a tiny random matrix, so numba compiles (and keeps in this process)
    the functions the first real UMAP would wait for; returns the seconds it took.

    umap-learn's numba functions are not cached on disk (`cache=True` is missing from all
    but one), so every new process compiles them: about 10 s of a first UMAP. Call this in
    a background thread when the app starts.

    >>> warm_umap() >= 0.0  # doctest: +SKIP
    True
    """
    from embedlab.embeddings import Embeddings

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    tiny = Embeddings([f"w{i}" for i in range(64)], rng.normal(size=(64, 8)).astype(np.float32))
    for dims in (2, 3):
        project(tiny, "umap", n=64, dims=dims, umap_neighbors=5)
    return time.perf_counter() - start


register(
    Reducer(
        "pca", "PCA", _pca, modules=("sklearn.decomposition",), package="scikit-learn", seeded=False
    )
)
register(
    Reducer(
        "umap",
        "UMAP",
        _umap,
        modules=("torch", "umap"),  # torch: the exact neighbour search
        package="umap-learn",
        settings=("umap_neighbors", "umap_min_dist"),
        progress=True,
    )
)
register(
    Reducer(
        "tsne",
        "t-SNE",
        _tsne,
        modules=("openTSNE", "torch"),  # torch: the exact neighbour search
        package="openTSNE",
        settings=("perplexity",),
        progress=True,
    )
)
METHODS: tuple[str, ...] = tuple(REDUCERS)
METHOD_NAMES: Mapping[str, str] = {name: r.label for name, r in REDUCERS.items()}


@contextmanager
def one_thread() -> Iterator[None]:
    """Run small dense work (PCA, k-means) with BLAS and OpenMP on one thread.

    On a busy machine, spinning BLAS/OpenMP threads make such small jobs 10 to 50 times
    slower (measured: PCA of 5,000 x 100 took 1.3 s threaded, 0.09 s on one thread, at a
    load of 8 on two cores); on an idle one the threads gain next to nothing. The BLAS
    limit is process-wide, so a lock keeps two sessions from restoring it out of order.
    """
    from threadpoolctl import threadpool_limits

    with _ONE_THREAD, threadpool_limits(limits=1):
        yield


def clusters(
    emb_or_vectors: Embeddings | np.ndarray, k: int, seed: int = 0, *, n: int | None = None
) -> np.ndarray:
    """k-means labels (0 = the largest cluster) of the first `n` words' unit vectors.

    Clusters are found in the model's own space, not in the 2D picture, so a colour
    groups words the model thinks alike even where the projection pulls them apart.
    Up to 10,000 rows use `KMeans(n_init=4)`; more use `MiniBatchKMeans`.

    >>> vecs = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.05, 1]], np.float32)
    >>> clusters(vecs, k=2).tolist()
    [1, 1, 0, 0, 0]
    """
    from embedlab.embeddings import Embeddings

    if isinstance(emb_or_vectors, Embeddings):
        data = emb_or_vectors.normed
    else:
        data = np.asarray(emb_or_vectors, dtype=np.float32)
        if data.ndim != 2 or data.shape[0] == 0:
            raise InputError(f"clusters needs a non-empty 2-D matrix; got shape {data.shape}.")
        data = data / np.maximum(np.linalg.norm(data, axis=1, keepdims=True), 1e-12)
    if n is not None:
        if not _is_int(n) or int(n) < 1:
            raise InputError(f"n must be a whole number of at least 1; got {n!r}.")
        data = data[: int(n)]
    rows = data.shape[0]
    if not _is_int(k) or not 2 <= int(k) <= rows:
        raise InputError(
            f"k (the number of clusters) must be a whole number from 2 to {rows:,} "
            f"(the number of words); got {k!r}."
        )
    if not _is_int(seed) or not 0 <= int(seed) < 2**32:
        raise InputError(f"seed must be a whole number from 0 to 4,294,967,295; got {seed!r}.")
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if rows > MINIBATCH_ABOVE:
        model = MiniBatchKMeans(n_clusters=int(k), n_init=3, random_state=int(seed))
    else:
        model = KMeans(n_clusters=int(k), n_init=4, random_state=int(seed))
    with one_thread():
        labels = model.fit_predict(np.ascontiguousarray(data, dtype=np.float32))
    sizes = np.bincount(labels, minlength=int(k))
    order = np.argsort(-sizes, kind="stable")  # old label of the largest cluster first
    relabel = np.empty_like(order)
    relabel[order] = np.arange(len(order))
    return relabel[labels].astype(np.int64)


def locate(emb: Embeddings, word: str, n: int | None = None) -> str:
    """The word itself if it is among the first `n` words shown; otherwise say why not.

    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["the", "cat", "sat"], np.eye(3, dtype=np.float32))
    >>> locate(toy, " cat ")
    'cat'
    >>> locate(toy, "sat", n=2)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: 'sat' is word #3 by frequency, so it is not among the 2 words shown; show at least 3 words to see it.
    """  # noqa: E501
    word = str(word).strip()
    if not word:
        raise InputError("Type a word to find it in the projection.")
    rank = emb.index(word) + 1  # UnknownWordError (with close spellings) when unknown
    if n is not None and rank > n:
        raise InputError(
            f"'{word}' is word #{rank:,} by frequency, so it is not among the {n:,} words "
            f"shown; show at least {rank:,} words to see it."
        )
    return word


def highlight(emb: Embeddings, word: str, k: int, n: int | None = None) -> list[str]:
    """The word and its k nearest neighbours among the first `n` words (those projected).

    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["cat", "dog", "car", "kitten"],
    ...                  np.array([[1, 0.1], [1, 0.3], [0, 1], [1, 0.05]], np.float32))
    >>> highlight(toy, "cat", k=2)
    ['cat', 'kitten', 'dog']
    >>> highlight(toy, "cat", k=2, n=2)  # only "cat" and "dog" are shown
    ['cat', 'dog']
    """
    word = locate(emb, word, n)
    return [word, *(nb.word for nb in emb.neighbours(word, k, restrict=n))]


def selected_words(selection: Mapping[str, Any] | None) -> list[str]:
    """The words of a Plotly selection (Streamlit's `event.selection`), in order, once each.

    Every trace of the projection chart carries the word as `customdata[0]`, so this
    works whatever colour trace a point is in (point indices restart in each trace).

    >>> selected_words({"points": [{"customdata": ["cat", "&lt;"]}, {"customdata": ["dog"]},
    ...                            {"customdata": ["cat"]}, {"x": 1}]})
    ['cat', 'dog']
    >>> selected_words(None)
    []
    """
    if not selection:
        return []
    words: dict[str, None] = {}
    for point in selection.get("points") or ():
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, Sequence) and not isinstance(data, str) and len(data):
            words[str(data[0])] = None
        elif isinstance(data, str):
            words[data] = None
    return list(words)
