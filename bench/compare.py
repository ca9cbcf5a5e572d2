"""How fast is `compare`? Jaccard@10 over 50,000 shared words plus the Procrustes fit, on CPU.

Two random models of 100,000 words × 300 dimensions (float32, seeded) share half their
words; `compare` finds the shared vocabulary, each shared word's 10 nearest neighbours in
both models (exact search among the shared words) and the rotation from A onto B. Prints
the median of `--repeats` runs with words/s and the machine's load (the goal: under 10 s on
2 cores).

    python bench/compare.py                       # the reference setting
    python bench/compare.py --precision float32   # no bfloat16 screening
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
    from embedlab.analysis.compare import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--shared", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import torch

    a, b = models(args.words, args.shared, args.dim, seed=0)
    times, cpu, loads = [], [], []
    for _ in range(args.repeats):
        loads.append(os.getloadavg()[0])
        start, start_cpu = time.perf_counter(), time.process_time()
        result = compare(a, b, k=args.k, device=args.device, precision=args.precision)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    n = len(result.shared)
    median = statistics.median(times)
    print(
        f"compare: {args.words:,} x {args.dim} vs {args.words:,} x {args.dim}, {n:,} shared, "
        f"k={args.k}, device {args.device}, {torch.get_num_threads()} threads, "
        f"screening {result.agreement.precision}"
    )
    print("runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    threads = torch.get_num_threads()
    print(
        "CPU time (s, all threads): " + ", ".join(f"{t:.2f}" for t in cpu) + f"; median / "
        f"{threads} threads = {statistics.median(cpu) / threads:.2f} s (~ wall time on idle cores)"
    )
    print(
        f"median {median:.2f} s  ({n / median:,.0f} words/s)  "
        f"mean Jaccard@{args.k} {result.agreement.mean_jaccard:.4f}  "
        f"mean residual after {result.alignment.mean_after:.3f}"
    )
    print(
        f"load (1 min) before each run: {', '.join(f'{x:.2f}' for x in loads)}; "
        f"now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    print(f"goal: under 10 s on 2 cores -> {'met' if median < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
