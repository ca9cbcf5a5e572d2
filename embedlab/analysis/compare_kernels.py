"""Exact top-k selection over panels of cosine scores, as compiled loops (numba).

`compare_search._nearest_cpu` multiplies each row panel by the rows after it once (the
score matrix is symmetric) and hands each panel to `take_panel`, which offers every score
to two sorted lists: its row's (the neighbour is the column) and its column's (the
neighbour is the row). A score enters a list only if it beats the list's current k-th,
which almost no score does, so the loop first counts, over a run of 64 scores, those above
either floor (branch-free: the compiler turns it into vector compares) and walks a run one
score at a time only when the count is not zero. Each search thread keeps its own lists
(`merge_lists` joins them at the end), so threads never wait for each other; they share
only each row's best k-th score so far, which no list need take a score below. numba
compiles the loops on first use (cached on disk afterwards; `compile_kernels` does it ahead
of time).

>>> s = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.8]], dtype=np.float32)
>>> best_v = np.full((5, 2), EMPTY, dtype=np.float32)
>>> best_i = np.zeros((5, 2), dtype=np.int64)
>>> floor = np.full(5, EMPTY, dtype=np.float32)  # shared by the threads' lists
>>> take_panel(s, 0, 3, 0, 2, True, best_v, best_i, floor)  # rows 0-1 vs 2-4, both ways
>>> best_i.tolist()
[[3, 4], [4, 2], [1, 0], [0, 1], [1, 0]]
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

EMPTY = np.float32(-3.0)  # an empty list entry, below any cosine (and a row's own score)
_NEVER = np.float32(3.0)  # a floor no cosine passes (columns that take no scores)
_RUN = 64  # scores counted against their floors at once
_PART = 16  # then, where one passed, per part of this many, before one at a time
_FAST = {
    "reassoc",
    "nsz",
    "contract",
    "arcp",
}  # lets the count be summed in vector lanes; no NaN/inf shortcuts


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


@njit(inline="always", cache=True, nogil=True)
def _enter(
    best_v: np.ndarray, best_i: np.ndarray, floor: np.ndarray, q: int, v: float, j: int
) -> float:
    """Put score v (neighbour j) into row q's list, publish the list's new k-th score in
    `floor[q]` if it is higher, and return the floor row q's offers must now beat."""
    _insert(best_v, best_i, q, v, j)
    own = best_v[q, best_v.shape[1] - 1]
    if own > floor[q]:
        floor[q] = own
    return max(own, floor[q])


@njit(inline="always", cache=True, nogil=True)
def _offer(
    s: np.ndarray,
    r: int,
    lo: int,
    hi: int,
    row0: int,
    col0: int,
    row_floor: float,
    floors: np.ndarray,
    best_v: np.ndarray,
    best_i: np.ndarray,
    floor: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """Offer s[r, lo:hi] to row r's list and to the columns' lists, one score at a time;
    returns the row's new floor (the columns' floors are updated in place)."""
    q = row0 + r
    for c in range(lo, hi):
        v = s[r, c]
        if v > row_floor:
            row_floor = _enter(best_v, best_i, floor, q, v, col0 + c)
        if v > floors[c]:
            floors[c] = _enter(best_v, best_i, floor, col0 + c, v, q)
    return row_floor


@njit(cache=True, nogil=True, fastmath=_FAST)
def take_panel(
    s: np.ndarray,
    lo: int,
    hi: int,
    row0: int,
    col0: int,
    both: bool,
    best_v: np.ndarray,
    best_i: np.ndarray,
    floor: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Rows `row0 + r` take neighbours `col0 + c` with score s[r, c], for columns lo..hi of
    the panel; with `both`, rows `col0 + c` take neighbours `row0 + r` too (their lists
    must be other rows' than the panel's own).

    `floor` (one score per row, shared by the threads) holds the highest k-th score any
    thread's list of that row has reached: no score at or below it can be among the row's
    k best, so no list takes it. A thread reads it without a lock: whatever value it sees
    was a true k-th score, which only rises.
    """
    last = best_v.shape[1] - 1
    floors = np.empty(hi, dtype=np.float32)
    for c in range(lo, hi):
        floors[c] = max(best_v[col0 + c, last], floor[col0 + c]) if both else _NEVER
    runs = (hi - lo) // _RUN * _RUN
    for r in range(s.shape[0]):
        row_floor = max(best_v[row0 + r, last], floor[row0 + r])
        row = s[r, lo:hi]  # indices from 0 below: no negative-index checks, vector loads
        fl = floors[lo:hi]
        for start in range(0, runs, _RUN):
            above = np.float32(0.0)
            for c in range(start, start + _RUN):  # a sum, as max() would not vectorise
                above += np.float32(row[c] > min(row_floor, fl[c]))
            if above == 0:
                continue
            for part in range(start, start + _RUN, _PART):  # which 16 scores passed
                above = np.float32(0.0)
                for c in range(part, part + _PART):
                    above += np.float32(row[c] > min(row_floor, fl[c]))
                if above > 0:
                    row_floor = _offer(
                        s,
                        r,
                        lo + part,
                        lo + part + _PART,
                        row0,
                        col0,
                        row_floor,
                        floors,
                        best_v,
                        best_i,
                        floor,
                    )
        _offer(s, r, lo + runs, hi, row0, col0, row_floor, floors, best_v, best_i, floor)


@njit(cache=True, nogil=True)
def merge_lists(lists_v: np.ndarray, lists_i: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Each row's k best of several threads' descending lists (threads x rows x k), best
    first; on a tie the earlier thread's entry comes first."""
    threads, n, k = lists_v.shape
    out = np.empty((n, k), dtype=np.int64)
    pos = np.zeros(threads, dtype=np.int64)
    for q in range(n):
        pos[:] = 0
        for m in range(k):
            best = 0
            for t in range(1, threads):
                if lists_v[t, q, pos[t]] > lists_v[best, q, pos[best]]:
                    best = t
            out[q, m] = lists_i[best, q, pos[best]]
            pos[best] += 1
    return out


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


def compile_kernels() -> bool:
    """Compile (or load from numba's disk cache) the selection loops; True when done.

    >>> compile_kernels()
    True
    """
    s = np.zeros((2, 70), dtype=np.float32)
    best_v = np.full((72, 1), EMPTY, dtype=np.float32)
    best_i = np.zeros((72, 1), dtype=np.int64)
    take_panel(s, 0, 70, 0, 2, True, best_v, best_i, np.full(72, EMPTY, dtype=np.float32))
    merge_lists(best_v[None], best_i[None])
    row_residuals(s, s[0], s, s[1])
    return True
