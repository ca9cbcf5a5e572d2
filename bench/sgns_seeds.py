"""Is embedlab's sgns as good as gensim skip-gram? Both over several seeds, with the spread.

Ingests CORPUS once, repeats the cleaned text `--repeat` times (as train_throughput.py
does), then trains gensim Word2Vec skip-gram and embedlab sgns on the CPU with the same
settings for each seed, and prints WordSim353 Spearman and Google-analogy accuracy per seed
and as mean ± standard deviation, with words/s.

    python bench/sgns_seeds.py ../shared/data/inaugural --repeat 10 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import save  # noqa: E402
from train_throughput import prepare  # noqa: E402


def main() -> None:
    from embedlab.analysis.evaluate import run_benchmark
    from embedlab.train import TrainConfig, train

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=0, help="threads; 0: all cores")
    args = parser.parse_args()
    settings = {"dim": 100, "window": 5, "negative": 5, "min_count": 5, "epochs": args.epochs}
    settings["workers"] = args.workers
    rows: dict[str, list[tuple[float, float, float]]] = {"word2vec": [], "sgns": []}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = prepare(args.corpus, args.repeat, Path(tmp)) / "corpus.txt"
        for seed in args.seeds:
            for algo, found in rows.items():
                config = TrainConfig(algo=algo, seed=seed, device="cpu", **settings)
                emb = train(corpus, config)
                ws353 = run_benchmark(emb, "ws353").spearman
                analogy = run_benchmark(emb, "analogy").accuracy
                found.append((ws353, analogy, emb.meta["words_per_sec"]))
                print(
                    f"seed {seed} {algo:9} ws353 {ws353:.3f} analogy {analogy:.4f} "
                    f"words/s {emb.meta['words_per_sec']:,.0f} load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    print(
        f"{args.corpus} x{args.repeat}, 100d, window 5, 5 negatives, min-count 5, "
        f"{args.epochs} epochs, workers {args.workers or 'all cores'}, seeds {args.seeds}"
    )
    for algo, found in rows.items():
        ws, an, wps = zip(*found, strict=True)
        name = "gensim sg" if algo == "word2vec" else algo
        print(
            f"{name:10} ws353 {statistics.mean(ws):.3f} ± {statistics.stdev(ws):.3f} "
            f"(min {min(ws):.3f}, max {max(ws):.3f})   analogy {statistics.mean(an):.4f} ± "
            f"{statistics.stdev(an):.4f}   words/s {statistics.mean(wps):,.0f}"
        )
    path = save("sgns_seeds", {"corpus": str(args.corpus), "repeat": args.repeat, "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
