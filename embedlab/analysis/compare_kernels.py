"""Exact top-k selection over one tile of cosine scores, as compiled loops (numba).

`compare.nearest_ids` multiplies each pair of row blocks once (the score matrix is
symmetric) and hands each tile to these loops, which keep every row's k best scores in a
sorted list: a new score enters only if it beats the row's current k-th. Almost no score
does, so the loops first count, over a short run of scores, those above the floor (a
branch-free loop the compiler turns into vector compares) and only walk a run one score at
a time when the count is not zero. They replace a top-k pass over every tile (torch's
`topk` costs microseconds per row) with one read of the tile per direction. The caller
masks a row's own score (the diagonal of a diagonal tile) before handing the tile over.
numba compiles them on first use (cached on disk afterwards; `compile_kernels` does it
ahead of time).

>>> s = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.8]], dtype=np.float32)
>>> best_v = np.full((5, 2), -np.inf, dtype=np.float32)
>>> best_i = np.zeros((5, 2), dtype=np.int64)
>>> take_rows(s, 0, 2, best_v, best_i)     # rows 0-1 see neighbours 2-4
>>> take_columns(s, 0, 2, best_v, best_i)  # rows 2-4 see neighbours 0-1
>>> best_i.tolist()
[[3, 4], [4, 2], [1, 0], [0, 1], [1, 0]]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_RUN = 32  # scores counted against a row's floor at once in `take_rows`
_COLUMNS = 16  # columns per stripe in `take_columns` (one 64-byte line of float32)
_TASKS = 8  # thread tasks per tile and direction (rows, or bands of stripes)
_PANEL = 8  # rows of a tile walked by every stripe of a band before the next rows


@njit(inline="always", cache=True, nogil=True)
def _insert(best_v: np.ndarray, best_i: np.ndarray, q: int, v: float, j: int) -> None:
    """Put score v (neighbour j) into row q's descending list, dropping its last entry."""
    k = best_v.shape[1]
    pos = k - 1
    while pos > 0 and best_v[q, pos - 1] < v:
        best_v[q, pos] = best_v[q, pos - 1]
        best_i[q, pos] = best_i[q, pos - 1]
        pos -= 1
    best_v[q, pos] = v
    best_i[q, pos] = j


@njit(parallel=True, cache=True, nogil=True)
def take_rows(
    s: np.ndarray, row0: int, col0: int, best_v: np.ndarray, best_i: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Rows `row0 + r` of the tile see neighbours `col0 + c` with score s[r, c]."""
    rows = s.shape[0]
    tasks = min(rows, _TASKS)
    for t in prange(tasks):
        _rows(s, t * rows // tasks, (t + 1) * rows // tasks, row0, col0, best_v, best_i)


@njit(parallel=True, cache=True, nogil=True)
def take_columns(
    s: np.ndarray, row0: int, col0: int, best_v: np.ndarray, best_i: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Rows `col0 + c` (the tile's columns) see neighbours `row0 + r` with score s[r, c]."""
    stripes = (s.shape[1] + _COLUMNS - 1) // _COLUMNS
    bands = min(stripes, _TASKS)
    for band in prange(bands):
        _band(s, band * stripes // bands, (band + 1) * stripes // bands, row0, col0, best_v, best_i)


@njit(parallel=True, cache=True, nogil=True)
def take_tile(
    s: np.ndarray, row0: int, col0: int, best_v: np.ndarray, best_i: np.ndarray
) -> None:  # pragma: no cover - compiled
    """`take_rows` and `take_columns` in one parallel launch, for a tile whose rows and
    columns are different rows (`row0 + rows <= col0`): the two never share a list."""
    rows = s.shape[0]
    stripes = (s.shape[1] + _COLUMNS - 1) // _COLUMNS
    parts = min(rows, stripes, _TASKS)
    for t in prange(2 * parts):  # alternating, so that each thread gets some of both
        p = t // 2
        if t % 2 == 0:
            _rows(s, p * rows // parts, (p + 1) * rows // parts, row0, col0, best_v, best_i)
        else:
            _band(s, p * stripes // parts, (p + 1) * stripes // parts, row0, col0, best_v, best_i)


@njit(inline="always", cache=True, nogil=True)
def _rows(
    s: np.ndarray,
    r_lo: int,
    r_hi: int,
    row0: int,
    col0: int,
    best_v: np.ndarray,
    best_i: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Tile rows r_lo..r_hi offer every score to their own lists."""
    cols = s.shape[1]
    last = best_v.shape[1] - 1
    for r in range(r_lo, r_hi):
        q = row0 + r
        floor = best_v[q, last]
        for lo in range(0, cols, _RUN):
            hi = min(cols, lo + _RUN)
            above = 0
            for c in range(lo, hi):  # vectorised: no branch, no early exit
                above += s[r, c] > floor
            if above == 0:
                continue
            for c in range(lo, hi):
                v = s[r, c]
                if v > floor:
                    _insert(best_v, best_i, q, v, col0 + c)
                    floor = best_v[q, last]


@njit(inline="always", cache=True, nogil=True)
def _band(
    s: np.ndarray,
    first: int,
    stop: int,
    row0: int,
    col0: int,
    best_v: np.ndarray,
    best_i: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stripes first..stop of 16 columns offer their scores to the columns' lists.

    The band is walked in panels of `_PANEL` rows, every stripe over one panel before the
    next panel: the panel stays in the core's cache (and its pages in the TLB) while the
    stripes read it (walking one stripe down a whole tile missed the TLB on every row).
    """
    rows, cols = s.shape
    last = best_v.shape[1] - 1
    floors = np.full((stop - first, _COLUMNS), np.inf, dtype=np.float32)  # pad: never passes
    for st in range(first, stop):
        lo = st * _COLUMNS
        width = min(cols, lo + _COLUMNS) - lo
        floors[st - first, :width] = best_v[col0 + lo : col0 + lo + width, last]
    for p0 in range(0, rows, _PANEL):
        p1 = min(rows, p0 + _PANEL)
        for st in range(first, stop):
            lo = st * _COLUMNS
            width = min(cols, lo + _COLUMNS) - lo
            floor = floors[st - first]
            if width == _COLUMNS:
                for r in range(p0, p1):
                    above = 0
                    for c in range(_COLUMNS):  # a fixed count: two vector compares
                        above += s[r, lo + c] > floor[c]
                    if above:
                        _take_run(s, r, lo, _COLUMNS, row0, col0, floor, best_v, best_i)
            else:
                for r in range(p0, p1):
                    _take_run(s, r, lo, width, row0, col0, floor, best_v, best_i)


@njit(inline="always", cache=True, nogil=True)
def _take_run(
    s: np.ndarray,
    r: int,
    lo: int,
    width: int,
    row0: int,
    col0: int,
    floor: np.ndarray,
    best_v: np.ndarray,
    best_i: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Offer scores s[r, lo:lo+width] to their columns' lists, updating the floors."""
    last = best_v.shape[1] - 1
    for c in range(width):
        v = s[r, lo + c]
        if v > floor[c]:
            q = col0 + lo + c
            _insert(best_v, best_i, q, v, row0 + r)
            floor[c] = best_v[q, last]


@njit(parallel=True, cache=True, nogil=True)
def row_residuals(
    x: np.ndarray, x_shift: np.ndarray, y: np.ndarray, y_shift: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """1 - cosine of rows `x[i] - x_shift` and `y[i] - y_shift`, summed in float64, in [0, 2].

    One read of each float32 row (no float64 copies of the matrices).
    """
    n, d = x.shape
    out = np.empty(n, dtype=np.float64)
    for i in prange(n):
        xy = 0.0
        xx = 0.0
        yy = 0.0
        for c in range(d):
            a = np.float64(x[i, c]) - np.float64(x_shift[c])
            b = np.float64(y[i, c]) - np.float64(y_shift[c])
            xy += a * b
            xx += a * a
            yy += b * b
        cos = xy / max(np.sqrt(xx) * np.sqrt(yy), 1e-12)
        out[i] = min(max(1.0 - cos, 0.0), 2.0)
    return out


@njit(parallel=True, cache=True, nogil=True, fastmath=True)
def rescore(
    unit: np.ndarray, cand: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Each row's k best candidates by exact float32 cosine, best first (ties: listed first),
    and each row's k-th best exact score.

    `cand[q]` lists rows screened as q's likely neighbours (a coarse score found them).
    """
    n, c = cand.shape
    d = unit.shape[1]
    out = np.empty((n, k), dtype=np.int64)
    kth = np.empty(n, dtype=np.float32)
    for q in prange(n):
        vals = np.empty(c, dtype=np.float32)
        for t in range(c):
            j = cand[q, t]
            acc = np.float32(0.0)
            for e in range(d):
                acc += unit[q, e] * unit[j, e]
            vals[t] = -acc
        order = np.argsort(vals, kind="mergesort")
        for t in range(k):
            out[q, t] = cand[q, order[t]]
        kth[q] = -vals[order[k - 1]]
    return out, kth


def compile_kernels() -> bool:
    """Compile (or load from numba's disk cache) the selection loops; True when done.

    >>> compile_kernels()
    True
    """
    s = np.zeros((2, 40), dtype=np.float32)
    best_v = np.full((42, 1), -np.inf, dtype=np.float32)
    best_i = np.zeros((42, 1), dtype=np.int64)
    take_rows(s, 0, 2, best_v, best_i)
    take_columns(s, 0, 2, best_v, best_i)
    take_tile(s, 0, 2, best_v, best_i)
    row_residuals(s, s[0], s, s[1])
    rescore(np.zeros((42, 4), dtype=np.float32), best_i, 1)
    return True
