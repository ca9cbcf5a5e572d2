"""Maps at any vocabulary size: how long a first and a cached view take, and what they cost.

Parts (run one at a time with --part; each stays within a few minutes on 2 cores):

- `views`: for each of --sizes words (random clustered vectors, 100-d) and PCA/UMAP/t-SNE:
  the first view (`project()`; in this process, so UMAP's compile is paid by the
  `coldumap` part instead: it warms first) and the cached view (what a page rerun still
  costs the server: the figure and its JSON); then the faithfulness of the largest map.
- `coldumap`: the first UMAP of 5,000 words in a fresh process, cold (import + numba
  compile) and after `warm_up()` ran at "app start" in a background thread.
- `ratio`: openTSNE / scikit-learn TSNE on the same 5,000 words, same run.
- `big`: a 1,000,000 x 100 model saved to a workspace; its load and a neighbour query.

Wall and CPU seconds are both printed: on a shared machine the wall time depends on the
load (printed too); the CPU time is what an idle machine's single-threaded run would take.

    python bench/projection.py --part views --sizes 5000 20000
    python bench/projection.py --part views --sizes 100000 --methods umap tsne  # minutes
    python bench/projection.py --part coldumap
    python bench/projection.py --part ratio
    python bench/projection.py --part big
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOAL_TSNE_5K = 20.0
GOAL_UMAP_FIRST_5K = 5.0


def clustered(words: int, dim: int = 100, seed: int = 0):
    """Vectors around 300 centres (a crude stand-in for a model's topics), Zipf-like counts."""
    from embedlab.embeddings import Embeddings

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((300, dim), dtype=np.float32) * 2
    vectors = centres[rng.integers(0, 300, words)] + rng.standard_normal(
        (words, dim), dtype=np.float32
    )
    counts = np.maximum(1, (10_000_000 / np.arange(1, words + 1)).astype(np.int64))
    return Embeddings([f"w{i:07d}" for i in range(words)], vectors, counts=counts)


def clock(fn: Callable[[], object]) -> tuple[object, float, float]:
    """fn's result, wall seconds, CPU seconds (this process, all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def line(what: str, wall: float, cpu: float | None = None, goal: float | None = None) -> None:
    cpu_text = "" if cpu is None else f"{cpu:9.2f}"
    mark = "" if goal is None else f"  <{goal:g} {'ok' if wall <= goal else 'MISS'}"
    print(f"{what:55}{wall:9.2f}{cpu_text:>9}{mark}  load {os.getloadavg()[0]:.1f}", flush=True)


def header(title: str) -> None:
    print(f"\n{title}  ({os.cpu_count()} cores)\n{'':55}{'wall s':>9}{'cpu s':>9}", flush=True)


def part_views(sizes: list[int], methods: list[str]) -> None:
    from embedlab.analysis.faithfulness import of_projection
    from embedlab.analysis.project import estimate_seconds, project, warm_umap
    from embedlab.app.projection import figure, in_background

    header("views")
    # the limit the lead raises to 100,000 (limits.py); the bench must not depend on it
    os.environ["EMBEDLAB_MAX_PROJECTION_WORDS"] = str(max(sizes))
    if "umap" in methods:
        _, wall, cpu = clock(warm_umap)
        line("warm_umap() (import + numba compile, once a process)", wall, cpu)
    emb = clustered(max(sizes))
    last = None
    for n in sizes:
        for method in methods:
            proj, wall, cpu = clock(lambda m=method, n=n: project(emb, m, n, 2))
            line(f"{method} {n:,}: first view (project)", wall, cpu)
            print(f"  (the app's estimate: {estimate_seconds(method, n):,.0f} s on 2 idle cores;"
                  f" {'background job' if in_background(method, n) else 'inline'})")  # fmt: skip
            fig, wall, cpu = clock(lambda p=proj: figure(p, "frequency"))
            _, wall2, cpu2 = clock(fig.to_json)
            line(f"{method} {n:,}: cached view (figure + JSON)", wall + wall2, cpu + cpu2)
            last = proj
    if last is not None:
        faith, wall, cpu = clock(lambda: of_projection(emb, last, 10))
        line(f"faithfulness of {len(last):,} ({faith.search}, k=10)", wall, cpu)
        print(f"  {faith.summary()}")


COLD = """
import sys, time, threading
sys.path.insert(0, {root!r})
import numpy as np
start = time.perf_counter()
if {warm}:
    from embedlab.app.projection import warm_up
    thread = warm_up()
    thread.join()   # the user opens the page after the warm-up ended
    print("warm-up", round(time.perf_counter() - start, 2))
from embedlab.analysis.project import project
from embedlab.embeddings import Embeddings
rng = np.random.default_rng(0)
emb = Embeddings([f"w{{i}}" for i in range(5000)],
                 rng.standard_normal((5000, 100), dtype=np.float32))
t = time.perf_counter()
c = time.process_time()
project(emb, "umap", 5000, 2)
print("first", round(time.perf_counter() - t, 2), round(time.process_time() - c, 2))
"""


def part_coldumap() -> None:
    header("first UMAP of 5,000 words in a fresh process")
    for warm in (False, True):
        code = COLD.format(root=str(ROOT), warm=warm)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        first = [row for row in out.splitlines() if row.startswith("first")][0].split()
        label = "after warm_up() at app start" if warm else "cold (import + compile)"
        line(f"UMAP 5,000: first view, {label}", float(first[1]), float(first[2]),
             GOAL_UMAP_FIRST_5K)  # fmt: skip
        for row in out.splitlines():
            if row.startswith("warm-up"):
                print(f"  ({row} s in the background thread)")


def part_ratio(n: int = 5_000) -> None:
    from sklearn.manifold import TSNE

    from embedlab.analysis.project import project

    header(f"t-SNE of the same {n:,} words: openTSNE vs scikit-learn")
    emb = clustered(n)
    proj, wall_o, cpu_o = clock(lambda: project(emb, "tsne", n, 2))
    line(f"openTSNE {n:,} (embedlab's t-SNE)", wall_o, cpu_o, GOAL_TSNE_5K)
    data = emb.normed[:n]
    tsne = TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", metric="cosine",
                random_state=0)  # fmt: skip
    _, wall_s, cpu_s = clock(lambda: tsne.fit_transform(data))
    line(f"scikit-learn TSNE {n:,} (Barnes-Hut)", wall_s, cpu_s)
    print(f"  openTSNE / scikit-learn: {wall_o / wall_s:.2f} wall, {cpu_o / cpu_s:.2f} cpu")


def part_big(words: int = 1_000_000, dim: int = 100) -> None:
    from embedlab.store.workspace import Workspace

    header(f"a {words:,} x {dim} model")
    rng = np.random.default_rng(0)
    from embedlab.embeddings import Embeddings

    emb = Embeddings(
        [f"w{i:07d}" for i in range(words)],
        rng.standard_normal((words, dim), dtype=np.float32),
        counts=np.arange(words, 0, -1),
    )
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        _, wall, cpu = clock(lambda: ws.add_model(emb, name="big"))
        line("save to the workspace", wall, cpu)
        loaded, wall, cpu = clock(lambda: ws.load_model("big"))
        line("load_model", wall, cpu)
        _, wall, cpu = clock(lambda: loaded.neighbours("w0000123", 10))
        line("first neighbour query (builds the index)", wall, cpu)
        _, wall, cpu = clock(lambda: loaded.neighbours("w0500000", 10))
        line("next neighbour query", wall, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("views", "coldumap", "ratio", "big"), required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--methods", nargs="+", default=["pca", "umap", "tsne"])
    args = parser.parse_args()
    if args.part == "views":
        part_views(args.sizes, args.methods)
    elif args.part == "coldumap":
        part_coldumap()
    elif args.part == "ratio":
        part_ratio()
    else:
        part_big()


if __name__ == "__main__":
    main()
