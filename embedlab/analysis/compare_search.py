"""The neighbour searches behind `compare`: each row's k nearest among the same rows (cosine).

On the CPU each pair of row blocks is multiplied once (cosine is symmetric) and compiled
loops (`compare_kernels`) keep every row's running top-k; `float32` is exact, `int8` screens
candidates with fbgemm's int8 products and re-scores them in float32 (rows whose margin is
doubtful are searched again exactly). Elsewhere the search runs in row chunks on the chosen
torch device, `bfloat16` screening where it is fast.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings

Precision = Literal["auto", "float32", "bfloat16", "int8"]
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16", "int8")
BF16_FROM = 20_000  # "auto" screens in bfloat16 from this many shared words (where it is fast)
INT8_FROM = 20_000  # "auto" may screen in int8 on a CPU without fast bf16 from this many
INT8_EXTRA = 30  # candidates kept per row beyond k by the int8 screen (then re-scored)
INT8_SIGMAS = 8.0  # the margin (in rounding-error deviations) a screened row must clear
INT8_DOUBTFUL = 0.05  # "auto" screens in int8 only if a sample says at most this share is not
SCORE_BUDGET = 2**25  # scores held per chunk (128 MiB as float32)
TILE = 2048  # rows per block in the CPU search (a 16 MiB tile of scores)
_PAD = 32  # vectors are zero-padded to a multiple of this width (faster matrix kernels)


def unit_rows(emb: Embeddings, words: Sequence[str]) -> np.ndarray:
    """The unit-length vectors of these words of `emb`, as a float32 matrix."""
    ids = np.fromiter((emb.key_to_index[w] for w in words), dtype=np.int64, count=len(words))
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

    In float32 on the CPU the search is exact and uses the symmetry of cosine: each pair of
    row blocks is multiplied once (BLAS sgemm, torch's threads) and compiled loops keep
    every row's running top-k (`_nearest_cpu`). Elsewhere the score matrix is computed in
    chunks of rows on the device. With `bfloat16` the
    chunks are screened at half width (fast on CPUs with AMX/AVX-512 BF16 and on GPUs),
    keeping k + 16 candidates per row, which are then re-scored in float32; the answer
    differs from the float32 one only if a true neighbour ranks below those candidates.
    `int8` does the same on the CPU with 8-bit products (fbgemm: ~1.4x float32 on AVX2),
    keeping k + `INT8_EXTRA` candidates, and searches again in float32 any row whose
    candidates are too close to call (`_nearest_cpu`). `auto` picks bfloat16 where it is
    fast; else, on a CPU from `INT8_FROM` rows, int8 if a sample of rows says few would
    need that (`_int8_pays`); else float32 (exact).

    >>> unit = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    >>> ids, how = nearest_ids(unit / np.linalg.norm(unit, axis=1, keepdims=True), 1, "cpu")
    >>> ids.ravel().tolist(), how
    ([1, 0, 3, 2], 'float32')
    """
    import torch

    from embedlab.device import resolve_device

    if precision not in PRECISIONS:
        raise InputError(
            f"Unknown precision '{precision}'; choose auto, float32, bfloat16 or int8."
        )
    n, d = unit.shape
    k = min(int(k), n - 1)
    dev = resolve_device(device)
    if precision == "auto":
        precision = _auto_precision(unit, k, dev)
    if precision == "int8" and (dev != "cpu" or not _int8_ready()):
        precision = "float32"  # int8 products are a CPU (fbgemm) kernel
    if dev == "cpu" and precision in ("float32", "int8"):
        report: dict[str, int] = {}
        found = _nearest_cpu(unit, k, on_progress=on_progress, screen=precision, report=report)
        return found, "float32" if report.get("searched_all") else precision
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
    block: int = TILE,
    on_progress: Callable[[float], None] | None = None,
    screen: str = "float32",
    report: dict[str, int] | None = None,
) -> np.ndarray:
    """Neighbours on the CPU: each pair of row blocks is multiplied once (cosine is
    symmetric) and the tile feeds both blocks' running top-k lists. Exact in float32; with
    `screen="int8"` the tiles are 8-bit products that keep k + `INT8_EXTRA` candidates per
    row, re-scored exactly in float32 (`compare_kernels.rescore`); a row whose k-th exact
    score is not clear of its last candidate's int8 score by `_int8_margin` is searched
    again in float32 (`report["doubtful"]` counts them; over a quarter of the rows: all are,
    and `report["searched_all"]` is set), so a missed neighbour would need a rounding error
    of over `INT8_SIGMAS` standard deviations.

    >>> rng = np.random.default_rng(0)
    >>> u = rng.normal(size=(50, 4)).astype(np.float32)
    >>> u /= np.linalg.norm(u, axis=1, keepdims=True)
    >>> s = u @ u.T
    >>> np.fill_diagonal(s, -np.inf)
    >>> exact = np.sort(np.argsort(-s, axis=1)[:, :3], axis=1)
    >>> bool((np.sort(_nearest_cpu(u, 3, block=16), axis=1) == exact).all())
    True
    """
    import torch

    from embedlab.analysis.compare_kernels import rescore, take_rows, take_tile

    x = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32))
    n = x.shape[0]
    total = -(-n // block)
    width = -(-n // total)  # equal blocks of at most `block` rows
    keep = min(n - 1, k + INT8_EXTRA) if screen == "int8" else k
    best_v = np.full((n, keep), -np.inf, dtype=np.float32)
    best_i = np.zeros((n, keep), dtype=np.int64)
    product = _int8_product(x, width) if screen == "int8" else _float32_product(x, width)
    with _ONE_SEARCH, torch.inference_mode():
        for i in range(0, n, width):
            for j in range(i, n, width):
                tile = product(i, j)
                if j == i:  # a row is not its own neighbour
                    np.fill_diagonal(tile, -np.inf)
                    take_rows(tile, i, j, best_v, best_i)
                else:  # both directions at once: the row and column lists are disjoint
                    take_tile(tile, i, j, best_v, best_i)
            if on_progress is not None:  # blocks get shorter: the share of tiles done
                left = -(-(n - min(n, i + width)) // width)
                on_progress(1.0 - left * (left + 1) / (total * (total + 1)))
        if keep == k:
            return best_i
        best_i, kth = rescore(x.numpy(), best_i, k)  # the candidates, exactly
    doubtful = np.flatnonzero(best_v[:, -1] + _int8_margin(x) >= kth)
    if report is not None:
        report["doubtful"] = len(doubtful)
    if len(doubtful) > n // 4:  # cheaper to search them all exactly (half products)
        if report is not None:
            report["searched_all"] = 1
        return _nearest_cpu(unit, k, block, on_progress)
    if len(doubtful):  # search these rows again, exactly
        with _ONE_SEARCH, torch.inference_mode():
            best_i[doubtful] = _exact_rows(x, doubtful, k)
    return best_i


def _int8_margin(x: Any) -> float:
    """How far above its int8 score a pair's exact cosine may lie (8 standard deviations
    of the rounding error, plus float32 slack): activations are quantised per tile in 7
    bits over [min, max] (at most the whole matrix's range), weights per row in 8 bits."""
    top, bottom = max(float(x.max()), 0.0), min(float(x.min()), 0.0)
    step_a = (top - bottom) / 127
    step_w = max(top, -bottom) / 127
    sigma = np.sqrt((step_a**2 + step_w**2) / 12)  # uniform rounding errors, unit rows
    return float(INT8_SIGMAS * sigma + 1e-5)


def _exact_rows(x: Any, rows: np.ndarray, k: int, block: int = TILE) -> np.ndarray:
    """These rows' exact float32 neighbours among all rows (a full row search each)."""
    import torch

    from embedlab.analysis.compare_kernels import take_rows

    n = x.shape[0]
    found = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), block):
        part = rows[start : start + block]
        best_v = np.full((len(part), k), -np.inf, dtype=np.float32)
        best_i = np.zeros((len(part), k), dtype=np.int64)
        query = x[torch.from_numpy(part)]
        for j in range(0, n, block):
            tile = torch.mm(query, x[j : j + block].T).numpy()
            mine = (part >= j) & (part < j + block)  # a row is not its own neighbour
            tile[np.flatnonzero(mine), part[mine] - j] = -np.inf
            take_rows(tile, 0, j, best_v, best_i)
        found[start : start + len(part)] = best_i
    return found


def _float32_product(x: Any, width: int) -> Callable[[int, int], np.ndarray]:
    """Tiles of exact float32 cosines: rows i.. against rows j.. (one reused buffer)."""
    import torch

    buffer = torch.empty((width, width), dtype=torch.float32)

    def product(i: int, j: int) -> np.ndarray:
        rows, cols = x[i : i + width], x[j : j + width]
        return torch.mm(rows, cols.T, out=buffer[: len(rows), : len(cols)]).numpy()

    return product


def _int8_product(x: Any, width: int) -> Callable[[int, int], np.ndarray]:
    """Tiles of 8-bit cosines: rows i.. (quantised per tile, 7 bits) against rows j..
    (quantised per row, packed once for fbgemm)."""
    import torch

    packed = [_pack_int8(x[j : j + width]) for j in range(0, x.shape[0], width)]

    def product(i: int, j: int) -> np.ndarray:
        out = torch.ops.quantized.linear_dynamic(x[i : i + width], packed[j // width], True)
        return out.numpy()

    return product


def _pack_int8(rows: Any) -> Any:
    """Rows as a per-row int8 weight prepacked for fbgemm's `linear_dynamic`."""
    import warnings

    import torch

    scale = (rows.abs().amax(dim=1).clamp_min(1e-12) / 127).double()
    zero = torch.zeros(rows.shape[0], dtype=torch.long)
    with warnings.catch_warnings():  # quantised tensors are deprecated, still in torch 2.x
        warnings.simplefilter("ignore")
        weight = torch.quantize_per_channel(rows, scale, zero, 0, torch.qint8)
        return torch.ops.quantized.linear_prepack(weight, None)


def _auto_precision(unit: np.ndarray, k: int, device: str) -> str:
    """What `auto` screens with: bfloat16 where fast; else, on a CPU, int8 from enough rows
    when a sample of rows says few of them would be doubtful (`_int8_pays`); else float32."""
    n = len(unit)
    if n >= BF16_FROM and _fast_bf16(device):
        return "bfloat16"
    if n >= INT8_FROM and device == "cpu" and _int8_ready() and _int8_pays(unit, k):
        return "int8"
    return "float32"


def _int8_pays(unit: np.ndarray, k: int, sample: int = 256) -> bool:
    """Whether an int8 screen would leave at most `INT8_DOUBTFUL` of the rows doubtful
    (to search again), judged on the exact scores of a sample of rows: a row is doubtful
    when its k-th score is not clear of its (k + `INT8_EXTRA`)-th by the rounding margin.
    Tight clusters (near-ties among many neighbours) fail; spread-out neighbours pass."""
    import torch

    n = len(unit)
    keep = min(n - 1, k + INT8_EXTRA)
    if keep == n - 1:
        return True
    x = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32))
    rows = np.random.default_rng(0).choice(n, size=min(n, sample), replace=False)
    with torch.inference_mode():
        scores = torch.mm(x[torch.from_numpy(rows)], x.T)
        scores[torch.arange(len(rows)), torch.from_numpy(rows)] = float("-inf")
        best = scores.topk(keep, dim=1).values.numpy()
    doubtful = best[:, -1] + _int8_margin(x) >= best[:, k - 1]
    return float(doubtful.mean()) <= INT8_DOUBTFUL


def _int8_ready() -> bool:
    """Whether torch's fbgemm int8 products run here (x86 CPUs with AVX2)."""
    import torch

    try:
        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return False
        return bool(torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"))
    except (AttributeError, RuntimeError):
        return False


_ONE_SEARCH = threading.Lock()
"""One parallel numba search at a time per process: numba's "workqueue" threading layer
(what it falls back to without OpenMP or TBB) aborts the process on concurrent launches, and
a page's comparison and its seed twin run as two jobs; two searches share the cores anyway."""


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
