"""How fast is `compare`? Jaccard@10 over 50,000 shared words plus the Procrustes fit, on CPU.

Two random models of 100,000 words × 300 dimensions (float32, seeded) share half their
words; `compare` finds the shared vocabulary, each shared word's 10 nearest neighbours in
both models (exact search among the shared words) and the rotation from A onto B. Prints
the median of `--repeats` runs with words/s and the machine's load (the goal: under 10 s on
2 cores).

    python bench/compare.py                # the reference setting
    python bench/compare.py --profile      # also: seconds per step, once

The reference in the same run is the matrix products alone: the same panels of the score
matrix (each pair of rows once) multiplied by the same single-threaded sgemm, one thread per
core, with no neighbour lists kept. No exact search can be faster than its products, so
`compare / products` is what everything else costs. Neighbours are searched among the
shared words only: Jaccard@k compares the two models' lists over the same candidates.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def models(words: int, shared: int, dim: int, seed: int):  # noqa: ANN201 - two Embeddings
    """Two random models of `words` words each, `shared` of them in common."""
    from embedlab.embeddings import Embeddings

    rng = np.random.default_rng(seed)
    names_a = [f"w{i}" for i in range(words)]
    names_b = [f"w{i}" for i in range(words - shared, 2 * words - shared)]
    rng.shuffle(names_b)
    a = Embeddings(names_a, rng.standard_normal((words, dim), dtype=np.float32), meta={"name": "A"})
    b = Embeddings(names_b, rng.standard_normal((words, dim), dtype=np.float32), meta={"name": "B"})
    return a, b


def products_alone(unit: np.ndarray, threads: int) -> float:
    """Seconds for the search's products with nothing else: the same panels, one
    single-threaded sgemm per thread."""
    import threading

    from threadpoolctl import threadpool_limits

    from embedlab.analysis.compare_search import PANEL, WIDTH, panels

    work = panels(len(unit))
    items = iter(work)
    lock = threading.Lock()

    def run() -> None:
        buffer = np.empty(PANEL * WIDTH, dtype=np.float32)
        while True:
            with lock:
                item = next(items, None)
            if item is None:
                return
            r0, r1, c0, c1 = item
            out = buffer[: (r1 - r0) * (c1 - c0)].reshape(r1 - r0, c1 - c0)
            np.matmul(unit[r0:r1], unit[c0:c1].T, out=out)

    with threadpool_limits(limits=1, user_api="blas"):
        start = time.perf_counter()
        workers = [threading.Thread(target=run) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - start


def sgemm_gflops(unit: np.ndarray, repeats: int = 20) -> tuple[float, float]:
    """GFLOPS of one thread's panel product (PANEL x d times d x WIDTH) with numpy's BLAS
    (OpenBLAS in the wheels) and with torch's (MKL in the x86 wheels), medians."""
    import torch
    from threadpoolctl import threadpool_limits

    from embedlab.analysis.compare_search import PANEL, WIDTH

    rows, cols = unit[:PANEL], unit[PANEL : PANEL + WIDTH]
    flops = 2.0 * len(rows) * len(cols) * unit.shape[1]
    out = np.empty((len(rows), len(cols)), dtype=np.float32)
    t_rows, t_cols, t_out = torch.from_numpy(rows), torch.from_numpy(cols), torch.from_numpy(out)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            rates = []
            for product in (
                lambda: np.matmul(rows, cols.T, out=out),
                lambda: torch.mm(t_rows, t_cols.T, out=t_out),
            ):
                product()
                seconds = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    product()
                    seconds.append(time.perf_counter() - start)
                rates.append(flops / statistics.median(seconds) / 1e9)
    finally:
        torch.set_num_threads(threads)
    return rates[0], rates[1]


def main() -> None:
    from embedlab.analysis.compare import PRECISIONS, compare, shared_vocabulary, unit_rows
    from embedlab.analysis.compare_search import PANEL, WIDTH, _cores

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--shared", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=list(PRECISIONS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--profile", action="store_true", help="time each step once, too")
    args = parser.parse_args()

    a, b = models(args.words, args.shared, args.dim, seed=0)
    compare(a.top(args.words - args.shared + 1000), b, k=2, device=args.device)  # warm-up
    words = shared_vocabulary(a, b).words
    units = (unit_rows(a, words), unit_rows(b, words))
    threads = _cores()
    times, cpu, products, loads = [], [], [], []
    result = None
    for _ in range(args.repeats):  # interleaved: both see the same load
        loads.append(os.getloadavg()[0])
        start, start_cpu = time.perf_counter(), time.process_time()
        result = compare(a, b, k=args.k, device=args.device, precision=args.precision)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        products.append(sum(products_alone(u, threads) for u in units))
    assert result is not None
    n = len(result.shared)
    median, floor = statistics.median(times), statistics.median(products)
    print(
        f"compare: {args.words:,} x {args.dim} vs {args.words:,} x {args.dim}, {n:,} shared, "
        f"k={args.k}, device {args.device}, --precision {args.precision} "
        f"(searched in {result.agreement.precision}), {threads} threads"
    )
    print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    print(
        "  CPU time (s, all threads): "
        + ", ".join(f"{t:.2f}" for t in cpu)
        + f"; median / {threads} threads = {statistics.median(cpu) / threads:.2f} s"
    )
    print(
        f"  median {median:.2f} s  ({n / median:,.0f} words/s)  "
        f"mean Jaccard@{args.k} {result.agreement.mean_jaccard:.5f}  "
        f"mean residual after {result.alignment.mean_after:.3f}"
    )
    print(
        "reference, the two searches' products alone (s): "
        + ", ".join(f"{t:.2f}" for t in products)
        + f"; median {floor:.2f} s; compare / products = {median / floor:.2f}"
    )
    numpy_rate, torch_rate = sgemm_gflops(units[0])
    print(
        f"one core's sgemm of a {PANEL} x {args.dim} by {args.dim} x {WIDTH} panel: numpy "
        f"(OpenBLAS) {numpy_rate:.0f} GFLOPS, torch (MKL) {torch_rate:.0f} GFLOPS"
    )
    print(
        f"load (1 min) before each run: {', '.join(f'{x:.2f}' for x in loads)}; "
        f"now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    print(f"goal: under 10 s on 2 cores -> {'met' if median < 10 else 'NOT met'}")
    if args.profile:
        profile(a, b, args)


def profile(a, b, args: argparse.Namespace) -> None:  # noqa: ANN001 - two Embeddings
    """Wall and CPU seconds of each step of one comparison."""
    from embedlab.analysis import compare as cmp

    def timed(label: str, fn):  # noqa: ANN001, ANN202
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        print(f"  {label:<34} {wall:6.2f} s wall {cpu:6.2f} s CPU  load {os.getloadavg()[0]:.2f}")
        return out

    print("one comparison, step by step:")
    shared = timed("shared vocabulary", lambda: cmp.shared_vocabulary(a, b))
    ua = timed("unit rows of A and B", lambda: cmp.unit_rows(a, shared.words))
    ub = cmp.unit_rows(b, shared.words)
    rows = np.random.default_rng(1).choice(len(ua), size=1000, replace=False)
    for name, unit in (("A", ua), ("B", ub)):
        found, _ = timed(
            f"neighbours in {name} (search + top-k)",
            lambda u=unit: cmp.nearest_ids(u, args.k, args.device, args.precision),
        )
        scores = unit[rows].astype(np.float64) @ unit.T.astype(np.float64)
        scores[np.arange(len(rows)), rows] = -np.inf
        brute = np.argsort(-scores, axis=1)[:, : args.k]
        same = (np.sort(found[rows], axis=1) == np.sort(brute, axis=1)).all(axis=1).mean()
        print(f"    lists equal to a float64 brute force for {same:.3f} of 1,000 sampled rows")
    timed("Procrustes fit + residuals", lambda: cmp.procrustes(ua, ub, shared.words))


if __name__ == "__main__":
    main()
