"""The neighbour searches behind `compare`: each row's k nearest among the same rows (cosine).

On the CPU the search is exact: each panel of rows is multiplied by the rows after it once
(cosine is symmetric) with BLAS sgemm, one panel per thread and core, and compiled loops
(`compare_kernels`) keep every row's running top-k while the panel is still in the core's
cache. Elsewhere the search runs in row chunks on the chosen torch device, `bfloat16`
screening where it is fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

Precision = Literal["auto", "float32", "bfloat16"]
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16")
BF16_FROM = 20_000  # "auto" screens in bfloat16 from this many shared words (where it is fast)
SCORE_BUDGET = 2**25  # scores held per chunk on a device (128 MiB as float32)
PANEL = 768  # rows per product in the CPU search
WIDTH = 1536  # columns per product (a 4.5 MiB panel of scores; at least PANEL)
_PAD = 32  # vectors are zero-padded to a multiple of this width (faster matrix kernels)


def unit_rows(emb: Embeddings, words: Sequence[str]) -> np.ndarray:
    """The unit-length vectors of these words of `emb`, as a float32 matrix."""
    ids = np.fromiter(map(emb.key_to_index.__getitem__, words), dtype=np.int64, count=len(words))
    return np.ascontiguousarray(emb.normed[ids], dtype=np.float32)


def nearest_ids(
    unit: np.ndarray,
    k: int,
    device: str | None = None,
    precision: Precision = "auto",
    on_progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, str]:
    """Each row's k nearest other rows by cosine (rows are unit length), and the precision
    used to screen them.

    On the CPU the search is exact (float32, `_nearest_cpu`). On a GPU, or a CPU with
    bfloat16 units, the score matrix is computed in chunks of rows on the device; with
    `bfloat16` (what `auto` picks there from `BF16_FROM` rows) the chunks are screened at
    half width, keeping k + 16 candidates per row, which are then re-scored in float32: the
    answer differs from the float32 one only if a true neighbour ranks below those
    candidates.

    >>> unit = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> ids, how = nearest_ids(unit / np.linalg.norm(unit, axis=1, keepdims=True), 1, "cpu")
    >>> ids.ravel().tolist(), how
    ([1, 0, 3, 2], 'float32')
    """
    import torch

    from embedlab.device import resolve_device

    if precision not in PRECISIONS:
        raise InputError(f"Unknown precision '{precision}'; choose auto, float32 or bfloat16.")
    n, d = unit.shape
    k = min(int(k), n - 1)
    dev = resolve_device(device)
    if precision == "auto":
        precision = "bfloat16" if n >= BF16_FROM and _fast_bf16(dev) else "float32"
    if dev == "cpu" and precision == "float32":
        return _nearest_cpu(unit, k, on_progress=on_progress), "float32"
    width = -(-d // _PAD) * _PAD
    full = torch.zeros((n, width), dtype=torch.float32, device=dev)
    full[:, :d] = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32)).to(dev)
    screen = full.to(torch.bfloat16) if precision == "bfloat16" else full
    screen_t = screen.T.contiguous()
    keep = min(n - 1, k + 16) if precision == "bfloat16" else k
    out = np.empty((n, k), dtype=np.int64)
    step = max(256, min(8192, SCORE_BUDGET // max(1, n)))
    buffer = torch.empty((min(step, n), n), dtype=screen.dtype, device=dev)  # reused
    rows_buffer = (  # the candidates' float32 rows, for re-scoring
        torch.empty((min(step, n) * keep, width), dtype=torch.float32, device=dev)
        if keep != k
        else None
    )
    with torch.inference_mode():
        for start in range(0, n, step):
            stop = min(n, start + step)
            scores = buffer[: stop - start]
            torch.mm(screen[start:stop], screen_t, out=scores)
            rows = torch.arange(stop - start, device=dev)
            scores[rows, rows + start] = float("-inf")  # not its own neighbour
            cand = scores.topk(keep, dim=1).indices
            if rows_buffer is not None:  # re-score the screened candidates exactly
                m = stop - start
                found = rows_buffer[: m * keep]
                torch.index_select(full, 0, cand.reshape(-1), out=found)
                exact = torch.bmm(found.view(m, keep, width), full[start:stop, :, None])
                cand = cand.gather(1, exact[:, :, 0].topk(k, dim=1).indices)
            out[start:stop] = cand.cpu().numpy()
            if on_progress is not None:
                on_progress(stop / n)
    return out, precision


def _nearest_cpu(
    unit: np.ndarray,
    k: int,
    panel: int = PANEL,
    width: int = WIDTH,
    on_progress: Callable[[float], None] | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Each row's k nearest other rows, exactly, on the CPU, best first.

    The upper triangle of the score matrix is cut into the squares on its diagonal
    (`panel` rows each) and the panels right of them (`panel` rows by `width` columns).
    Each of `threads` threads (one per core) takes the next one, multiplies it with
    single-threaded BLAS sgemm (OpenBLAS reaches 93 GFLOPS per core on this AMD CPU,
    torch's MKL 64) and offers its scores to its own top-k lists while they are in the
    core's cache (`take_panel`); the lists are merged at the end. Progress is reported from
    this thread; an exception from `on_progress` (a cancel) stops the threads and
    propagates.

    >>> rng = np.random.default_rng(0)
    >>> u = rng.normal(size=(50, 4)).astype(np.float32)
    >>> u /= np.linalg.norm(u, axis=1, keepdims=True)
    >>> s = u @ u.T
    >>> np.fill_diagonal(s, -np.inf)
    >>> exact = np.sort(np.argsort(-s, axis=1)[:, :3], axis=1)
    >>> found = _nearest_cpu(u, 3, panel=8, width=16, threads=2)
    >>> bool((np.sort(found, axis=1) == exact).all())
    True
    """
    from threadpoolctl import threadpool_limits

    from embedlab.analysis.compare_kernels import EMPTY, merge_lists

    x = np.ascontiguousarray(unit, dtype=np.float32)
    n = len(x)
    width = max(width, panel)  # the buffer holds a diagonal square too
    work = panels(n, panel, width)
    total = float(sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in work))
    threads = max(1, min(threads or _cores(), len(work)))
    lists_v = np.full((threads, n, k), EMPTY, dtype=np.float32)
    lists_i = np.zeros((threads, n, k), dtype=np.int64)
    floor = np.full(n, EMPTY, dtype=np.float32)  # each row's best k-th score in any list
    state = {"next": 0, "done": 0.0}
    lock, stop, errors = threading.Lock(), threading.Event(), []

    def run(t: int) -> None:
        buffer = np.empty(panel * width, dtype=np.float32)
        try:
            while not stop.is_set():
                with lock:
                    item = state["next"]
                    state["next"] += 1
                if item >= len(work):
                    return
                _take_product(x, work[item], buffer, lists_v[t], lists_i[t], floor)
                with lock:
                    r0, r1, c0, c1 = work[item]
                    state["done"] += (r1 - r0) * (c1 - c0)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            errors.append(exc)
            stop.set()

    with _ONE_SEARCH, threadpool_limits(limits=1, user_api="blas"):
        workers = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads)]
        for worker in workers:
            worker.start()
        try:
            while any(worker.is_alive() for worker in workers):
                workers[0].join(timeout=0.2)
                if on_progress is not None:
                    on_progress(state["done"] / total)
        finally:
            stop.set()
            for worker in workers:
                worker.join()
    if errors:
        raise errors[0]
    if on_progress is not None:
        on_progress(1.0)
    return merge_lists(lists_v, lists_i)


def panels(n: int, panel: int = PANEL, width: int = WIDTH) -> list[tuple[int, int, int, int]]:
    """The CPU search's products as (r0, r1, c0, c1): rows r0..r1 against rows c0..c1. The
    squares on the diagonal come first, so every row's list starts from its own panel.

    >>> panels(5, panel=2, width=2)
    [(0, 2, 0, 2), (2, 4, 2, 4), (4, 5, 4, 5), (0, 2, 2, 4), (0, 2, 4, 5), (2, 4, 4, 5)]
    """
    squares = [(r0, min(n, r0 + panel), r0, min(n, r0 + panel)) for r0 in range(0, n, panel)]
    return squares + [
        (r0, r1, c0, min(n, c0 + width)) for r0, r1, _, _ in squares for c0 in range(r1, n, width)
    ]


def _take_product(
    x: np.ndarray,
    item: tuple[int, int, int, int],
    buffer: np.ndarray,
    best_v: np.ndarray,
    best_i: np.ndarray,
    floor: np.ndarray,
) -> None:
    """Scores of rows r0..r1 against rows c0..c1 (sgemm into `buffer`), offered to the
    lists. A square on the diagonal (c0 == r0) holds each pair twice (s[r, c] and s[c, r]):
    it goes to the rows' lists only, without each row's own score."""
    from embedlab.analysis.compare_kernels import EMPTY, take_panel

    r0, r1, c0, c1 = item
    scores = buffer[: (r1 - r0) * (c1 - c0)].reshape(r1 - r0, c1 - c0)
    np.matmul(x[r0:r1], x[c0:c1].T, out=scores)
    if c0 == r0:  # a square on the diagonal
        own = np.arange(r1 - r0)
        scores[own, own] = EMPTY  # not its own neighbour
        take_panel(scores, 0, c1 - c0, r0, c0, False, best_v, best_i, floor)
    else:
        take_panel(scores, 0, c1 - c0, r0, c0, True, best_v, best_i, floor)


def _cores() -> int:
    """The cores this process may run on."""
    import os

    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_ONE_SEARCH = threading.Lock()
"""One search at a time per process: a page's comparison and its seed twin run as two jobs,
and two searches would only share the same cores (the lock also keeps the Procrustes
residuals' parallel numba loops to one launch at a time: numba's "workqueue" threading layer,
what it falls back to without OpenMP or TBB, aborts the process on concurrent launches)."""


def _fast_bf16(device: str) -> bool:
    """Whether bfloat16 matrix products are fast here (a GPU, or a CPU with BF16 units)."""
    import torch

    if device.startswith("cuda"):
        return True
    if device != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
