"""Exact top-k selection over one tile of cosine scores, as compiled loops (numba).

`compare.nearest_ids` multiplies each pair of row blocks once (the score matrix is
symmetric) and hands each tile to these loops, which keep every row's k best scores in a
sorted list: a new score enters only if it beats the row's current k-th. They replace a
top-k pass over every tile (torch's `topk` costs microseconds per row) with one read of the
tile per direction. numba compiles them on first use (cached on disk afterwards).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_COLUMNS = 16  # columns per thread task in `take_columns` (one 64-byte line of float32)


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
    rows, cols = s.shape
    for r in prange(rows):
        q = row0 + r
        floor = best_v[q, -1]
        for c in range(cols):
            v = s[r, c]
            if v > floor and q != col0 + c:
                _insert(best_v, best_i, q, v, col0 + c)
                floor = best_v[q, -1]


@njit(parallel=True, cache=True, nogil=True)
def take_columns(
    s: np.ndarray, row0: int, col0: int, best_v: np.ndarray, best_i: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Rows `col0 + c` (the tile's columns) see neighbours `row0 + r` with score s[r, c]."""
    rows, cols = s.shape
    for stripe in prange((cols + _COLUMNS - 1) // _COLUMNS):
        lo = stripe * _COLUMNS
        hi = min(cols, lo + _COLUMNS)
        floor = best_v[col0 + lo : col0 + hi, -1].copy()
        for r in range(rows):
            for c in range(lo, hi):
                v = s[r, c]
                q = col0 + c
                if v > floor[c - lo] and q != row0 + r:
                    _insert(best_v, best_i, q, v, row0 + r)
                    floor[c - lo] = best_v[q, -1]
