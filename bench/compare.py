"""How fast is `compare`? Jaccard@10 over 50,000 shared words plus the Procrustes fit, on CPU.

Two random models of 100,000 words × 300 dimensions (float32, seeded) share half their
words; `compare` finds the shared vocabulary, each shared word's 10 nearest neighbours in
both models (exact search among the shared words) and the rotation from A onto B. Prints
the median of `--repeats` runs with words/s and the machine's load (the goal: under 10 s on
2 cores).

    python bench/compare.py                       # the reference setting (auto), vs float32
    python bench/compare.py --precision float32   # the exact search only
    python bench/compare.py --profile             # also: seconds per step, once

On the CPU the neighbour search multiplies each pair of 2048-row blocks once (cosine is
symmetric, so half the products of a plain search) and compiled loops keep each row's
running top-k. `float32` is exact; `auto` on a CPU without fast bfloat16 screens with int8
products (fbgemm) and re-scores k + 30 candidates per row in float32. Unless `--precision
float32`, every repeat also runs the exact float32 search, so both are timed under the same
load, and the profile reports the share of rows whose neighbour lists are equal. Neighbours
are searched among the shared words only: Jaccard@k compares the two models' lists over the
same candidates.
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


def main() -> None:
    from embedlab.analysis.compare import PRECISIONS, compare

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

    import torch

    a, b = models(args.words, args.shared, args.dim, seed=0)
    compare(a.top(args.words - args.shared + 1000), b, k=2, device=args.device)  # warm-up
    setups = [args.precision] + (["float32"] if args.precision != "float32" else [])
    times: dict[str, list[float]] = {p: [] for p in setups}
    cpu: dict[str, list[float]] = {p: [] for p in setups}
    results, loads = {}, []
    for _ in range(args.repeats):  # interleaved: each setting sees the same load
        for prec in setups:
            loads.append(os.getloadavg()[0])
            start, start_cpu = time.perf_counter(), time.process_time()
            results[prec] = compare(a, b, k=args.k, device=args.device, precision=prec)
            times[prec].append(time.perf_counter() - start)
            cpu[prec].append(time.process_time() - start_cpu)
    threads = torch.get_num_threads()
    n = len(results[setups[0]].shared)
    print(
        f"compare: {args.words:,} x {args.dim} vs {args.words:,} x {args.dim}, {n:,} shared, "
        f"k={args.k}, device {args.device}, {threads} threads"
    )
    for prec in setups:
        result, median = results[prec], statistics.median(times[prec])
        print(f"--precision {prec}: screening {result.agreement.precision}")
        print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times[prec]))
        print(
            "  CPU time (s, all threads): "
            + ", ".join(f"{t:.2f}" for t in cpu[prec])
            + f"; median / {threads} threads = {statistics.median(cpu[prec]) / threads:.2f} s"
        )
        print(
            f"  median {median:.2f} s  ({n / median:,.0f} words/s)  "
            f"mean Jaccard@{args.k} {result.agreement.mean_jaccard:.5f}  "
            f"mean residual after {result.alignment.mean_after:.3f}"
        )
    if len(setups) == 2:
        fast, exact = (results[p].agreement for p in setups)
        ratio = statistics.median(times[setups[0]]) / statistics.median(times["float32"])
        print(
            f"{setups[0]} / float32: {ratio:.2f} of the time; mean Jaccard differs by "
            f"{abs(fast.mean_jaccard - exact.mean_jaccard):.5f}; per-word Jaccard equal for "
            f"{(fast.jaccard == exact.jaccard).mean():.5f} of the words"
        )
    median = statistics.median(times[setups[0]])
    print(
        f"load (1 min) before each run: {', '.join(f'{x:.2f}' for x in loads)}; "
        f"now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    print(f"goal: under 10 s on 2 cores -> {'met' if median < 10 else 'NOT met'} ({setups[0]})")
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
    setups = [args.precision] + (["float32"] if args.precision != "float32" else [])
    for name, unit in (("A", ua), ("B", ub)):
        found, how = {}, {}
        for prec in setups:
            found[prec], how[prec] = timed(
                f"neighbours in {name} ({prec}: search + top-k)",
                lambda u=unit, p=prec: cmp.nearest_ids(u, args.k, args.device, p),
            )
        if len(setups) == 2:
            fast, exact = (np.sort(found[p], axis=1) for p in setups)
            print(
                f"    {how[setups[0]]} lists equal to the exact float32 ones for "
                f"{(fast == exact).all(axis=1).mean():.5f} of the rows "
                f"(same order: {(found[setups[0]] == found['float32']).all(axis=1).mean():.5f})"
            )
    timed("Procrustes fit + residuals", lambda: cmp.procrustes(ua, ub, shared.words))


if __name__ == "__main__":
    main()
