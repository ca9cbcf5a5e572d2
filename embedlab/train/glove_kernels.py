"""GloVe's CPU epochs as compiled loops (numba): AdaGrad entry by entry, as glove.c does it.

Each entry (i, j, X_ij) of the co-occurrence matrix, visited in a seeded shuffle, takes
one step of Stanford's reference `glove.c` (its `glove_thread`):

    diff  = w_i . w~_j + b_i + b~_j - log X_ij,   fdiff = f(X_ij) · diff
    u     = clip(fdiff · w~_j, ±100) · lr          (and the same for w~_j with w_i)
    w_i  -= u / sqrt(G_i);   G_i += u²             (G: AdaGrad's sums, starting at 1)
    b_i  -= fdiff / sqrt(g_i);   g_i += fdiff²     (biases: no learning rate, as glove.c)

With T threads the shuffled entries are cut into T contiguous runs and the threads update
the shared matrices without locks, as glove.c's threads do (Hogwild); one thread gives the
same vectors for the same seed. numba compiles this on first use (cached on disk after).

>>> import numpy as np
>>> w, wt = np.zeros((2, 3), np.float32), np.full((2, 3), 0.5, np.float32)
>>> b, bt = np.zeros(2, np.float32), np.zeros(2, np.float32)
>>> acc = tuple(np.ones_like(a) for a in (w, wt, b, bt))
>>> entries = (np.array([0], np.int32), np.array([1], np.int32),
...            np.array([1.0], np.float32), np.array([0.5], np.float32))
>>> cost = adagrad_epoch((w, wt, b, bt), acc, entries, np.array([0]), 0.05, 1)
>>> round(cost, 4)  # diff = -1: 0.5 · f · diff² = 0.25
0.25
>>> w[0].astype(float).round(4).tolist(), round(float(b[0]), 4)  # u = 0.5·(-1)·0.5·0.05 = -0.0125
([0.0125, 0.0125, 0.0125], 0.5)
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FLAGS = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}
GRAD_CLIP = 100.0  # as glove.c's grad_clip_value


@njit(**_FLAGS)
def _entries(
    params: tuple, accumulators: tuple, entries: tuple, order: np.ndarray, lr: float, scratch
) -> float:
    """Steps on ``entries`` in ``order`` (a run of one thread); returns their summed cost."""
    w, wt, b, bt = params
    gw, gwt, gb, gbt = accumulators
    rows, cols, log_x, f = entries
    up_i, up_j = scratch
    d = w.shape[1]
    clip = np.float32(GRAD_CLIP)
    rate = np.float32(lr)
    cost = 0.0
    for e in range(order.shape[0]):
        k = order[e]
        i, j = rows[k], cols[k]
        wi, wj, gi, gj = w[i], wt[j], gw[i], gwt[j]
        diff = b[i] + bt[j] - log_x[k]
        for c in range(d):
            diff += wi[c] * wj[c]
        fdiff = f[k] * diff
        cost += 0.5 * fdiff * diff
        for c in range(d):
            t_i = min(max(fdiff * wj[c], -clip), clip) * rate
            t_j = min(max(fdiff * wi[c], -clip), clip) * rate
            up_i[c] = t_i / np.sqrt(gi[c])
            up_j[c] = t_j / np.sqrt(gj[c])
            gi[c] += t_i * t_i
            gj[c] += t_j * t_j
        for c in range(d):
            wi[c] -= up_i[c]
            wj[c] -= up_j[c]
        b[i] -= fdiff / np.sqrt(gb[i])
        bt[j] -= fdiff / np.sqrt(gbt[j])
        gb[i] += fdiff * fdiff
        gbt[j] += fdiff * fdiff
    return cost


@njit(parallel=True, **_FLAGS)
def adagrad_epoch(
    params: tuple, accumulators: tuple, entries: tuple, order: np.ndarray, lr: float, threads: int
) -> float:
    """One pass over ``order`` (indices into `entries`); returns the summed cost before steps.

    `params` is (W, W~, b, b~) (float32), `accumulators` their AdaGrad sums (same shapes),
    `entries` (rows, cols, log X, f(X)) of the nonzero co-occurrences; `threads` take
    contiguous runs of `order` and update without locks (see the module's docstring).
    """
    n, d = order.shape[0], params[0].shape[1]
    costs = np.zeros(threads)
    for t in prange(threads):
        scratch = (np.empty(d, dtype=np.float32), np.empty(d, dtype=np.float32))
        lo, hi = n * t // threads, n * (t + 1) // threads
        costs[t] = _entries(params, accumulators, entries, order[lo:hi], lr, scratch)
    return costs.sum()
