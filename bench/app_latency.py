"""Does the app answer at the speed of thought? Server-side latency of the explore views.

Builds a model in a temporary workspace (random, 100,000 words x 100 dimensions with
Zipf-like counts, or a vector file given with --model), then measures, in one process:

- a neighbours query (`Embeddings.neighbours`, k=10, after warm-up; median of 20 words);
- a rerun of the Neighbours page and of the Projection page through Streamlit's AppTest
  (median of --reruns reruns; AppTest adds its own overhead, so these are upper bounds
  of what the server spends; the browser's drawing is not included);
- the first projection of 5,000 words with PCA and with UMAP (what a user waits for the
  first time, imports and UMAP's one-off compile included), a second UMAP with another
  seed (compiled: the steady cost), and the cached second view of the page.

Goals: neighbours query and page rerun < 100 ms; cached second view < 0.5 s.

    python bench/app_latency.py                       # random 100k x 100 model
    python bench/app_latency.py --model vectors.txt   # any format embedlab reads
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _measure import save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PROJECTED = 5_000
GOAL_QUERY = GOAL_RERUN = 0.100
GOAL_CACHED = 0.5


def random_model(words: int, dim: int, seed: int = 0):
    """Random unit-ish vectors with Zipf-like counts, most frequent first."""
    from embedlab.embeddings import Embeddings

    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((words, dim), dtype=np.float32)
    counts = np.maximum(1, (10_000_000 / np.arange(1, words + 1)).astype(np.int64))
    names = [f"w{i:06d}" for i in range(words)]
    return Embeddings(names, vectors, counts=counts, meta={"name": "bench", "origin": "random"})


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(fn: Callable[[], object], times: int) -> tuple[float, list[float]]:
    samples = [timed(fn) for _ in range(times)]
    return statistics.median(samples), samples


def run_through_app_py() -> None:
    """AppTest runs a page file alone after switch_page when a pages/ folder sits next to
    app.py (multipage v1), dropping the sidebar and the active model; a real server runs
    app.py every time. The app tests patch this the same way."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def checked(at):  # noqa: ANN001, ANN201 - an AppTest
    """The AppTest, after making sure the run showed neither an exception nor an error."""
    if at.exception or at.error:
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        raise SystemExit(f"the page failed: {problems}")
    return at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a vector file (default: a random model)")
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EMBEDLAB_HOME"] = str(Path(tmp) / "ws")
        from streamlit.testing.v1 import AppTest

        from embedlab.analysis.project import project
        from embedlab.device import describe_device
        from embedlab.store.workspace import Workspace

        load_start = os.getloadavg()[0]
        if args.model:
            from embedlab.formats import read_vectors

            emb = read_vectors(args.model)
        else:
            emb = random_model(args.words, args.dim)
        if len(emb) < PROJECTED:
            raise SystemExit(f"the model has {len(emb):,} words; this needs {PROJECTED:,}")
        ws = Workspace(os.environ["EMBEDLAB_HOME"])
        ws.add_model(emb, name="bench")
        emb = ws.load_model("bench")
        words = emb.words
        rng = np.random.default_rng(1)
        probes = [words[i] for i in rng.choice(min(len(words), 50_000), 30, replace=False)]

        # 1. the neighbours query itself
        for word in probes[:3]:
            emb.neighbours(word, k=10)
        queries = iter(probes[3:23])
        t_query, query_samples = median_of(lambda: emb.neighbours(next(queries), k=10), 20)

        # 2. the Neighbours page
        run_through_app_py()
        at = checked(AppTest.from_file(APP, default_timeout=900).run())
        at.switch_page("pages/neighbours.py")
        t_nb_first = timed(lambda: checked(at.run()))  # loads the model into the cache
        typed = iter(probes)
        has_query = any(w.key == "query" for w in at.text_input)
        if has_query:
            t_nb_word, _ = median_of(
                lambda: checked(at.text_input(key="query").input(next(typed)).run()), 5
            )
        t_nb_rerun, nb_samples = median_of(lambda: checked(at.run()), args.reruns)

        # 3. the Projection page
        at.switch_page("pages/projection.py")
        t_pr_default = timed(lambda: checked(at.run()))  # 3,000 words, PCA (+ sklearn import)
        default_n = at.slider(key="proj_n").value
        t_pca_first = timed(lambda: checked(at.slider(key="proj_n").set_value(PROJECTED).run()))
        t_pca_rerun, pca_samples = median_of(lambda: checked(at.run()), args.reruns)
        t_umap_first = timed(lambda: checked(at.radio(key="proj_method").set_value("umap").run()))
        t_umap_rerun, umap_samples = median_of(lambda: checked(at.run()), args.reruns)
        t_umap_seed = timed(lambda: checked(at.number_input(key="proj_seed").set_value(1).run()))
        at.switch_page("pages/neighbours.py")
        checked(at.run())
        at.switch_page("pages/projection.py")
        t_second_view = timed(lambda: checked(at.run()))  # cached UMAP, seed 1
        t_colour = timed(lambda: checked(at.radio(key="proj_colour").set_value("cluster").run()))
        t_colour_again = timed(
            lambda: checked(at.radio(key="proj_colour").set_value("frequency").run())
        )

        # 4. the projections alone (compiled, warm)
        pca = project(emb, "pca", PROJECTED, 2)
        umap = project(emb, "umap", PROJECTED, 2, seed=2)
        load_end = os.getloadavg()[0]

    rows = [
        ("neighbours query (Embeddings.neighbours, k=10)", t_query, GOAL_QUERY),
        ("Neighbours page: first view (loads the model)", t_nb_first, None),
    ]
    if has_query:
        rows.append(("Neighbours page: rerun with a new word", t_nb_word, GOAL_RERUN))
    rows += [
        ("Neighbours page: rerun", t_nb_rerun, GOAL_RERUN),
        (f"Projection page: first view ({default_n:,} words, PCA)", t_pr_default, None),
        (f"Projection: first PCA of {PROJECTED:,} words", t_pca_first, None),
        (f"Projection page: rerun ({PROJECTED:,} words, cached)", t_pca_rerun, GOAL_RERUN),
        (f"Projection: first UMAP of {PROJECTED:,} (import+compile)", t_umap_first, None),
        (f"Projection page: rerun (UMAP {PROJECTED:,}, cached)", t_umap_rerun, GOAL_RERUN),
        (f"Projection: UMAP of {PROJECTED:,}, another seed", t_umap_seed, None),
        ("Projection page: cached second view (UMAP)", t_second_view, GOAL_CACHED),
        ("Projection page: colour by k-means (first)", t_colour, None),
        ("Projection page: colour back to frequency", t_colour_again, GOAL_RERUN),
        (f"project() PCA {PROJECTED:,} (compute only)", pca.seconds, None),
        (f"project() UMAP {PROJECTED:,} (compute only)", umap.seconds, None),
    ]
    print(
        f"model: {len(emb):,} words x {emb.dim} ({args.model or 'random'}); "
        f"{describe_device()}; load average {load_start:.1f} at start, "
        f"{load_end:.1f} at end; medians of 20 queries / {args.reruns} reruns"
    )
    print(f"{'':58}{'seconds':>9}{'goal':>8}{'':>4}")
    for name, seconds, goal in rows:
        mark = "" if goal is None else ("ok" if seconds < goal else "MISS")
        goal_text = "" if goal is None else f"<{goal:g}"
        print(f"{name:58}{seconds:>9.3f}{goal_text:>8}{mark:>6}")
    path = save(
        "app_latency",
        {
            "model": str(args.model) if args.model else f"random {args.words}x{args.dim}",
            "words": len(emb),
            "dim": emb.dim,
            "device": describe_device(),
            "cores": os.cpu_count(),
            "load_average": [load_start, load_end],
            "reruns": args.reruns,
            "neighbours_page_has_query_box": has_query,
            "results": [{"what": n, "seconds": s, "goal": g} for n, s, g in rows],
            "samples": {
                "neighbours_query": query_samples,
                "neighbours_rerun": nb_samples,
                "projection_pca_rerun": pca_samples,
                "projection_umap_rerun": umap_samples,
            },
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
