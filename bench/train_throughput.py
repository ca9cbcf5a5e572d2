"""How fast are embedlab's torch trainers, and how good? gensim skip-gram vs sgns vs GloVe.

Ingests CORPUS once (a text file or a folder of .txt files) through `embedlab.ingest.corpus.ingest`,
repeats the cleaned corpus.txt `--repeat` times, then trains on it, one child process per
run: gensim Word2Vec skip-gram (all cores, corpus_file mode), embedlab sgns on the CPU
(all cores), sgns on CUDA when there is one, and GloVe on each device when the "glove"
trainer is registered. Prints training words/s, training and process seconds, the child's
peak RSS (and peak CUDA memory), analogy accuracy and WS353 Spearman, with ratios against
gensim, and writes bench/results/train_throughput.json.

    python bench/train_throughput.py ../shared/data/inaugural --repeat 10 --epochs 5
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, save, timed  # noqa: E402
from train_overhead import build_input  # noqa: E402

CHILD = """
import json, sys
from embedlab.analysis.evaluate import run_benchmark
from embedlab.train import TrainConfig, train
corpus, settings = sys.argv[1], json.loads(sys.argv[2])
settings.setdefault("alpha", TrainConfig.usual_alpha(settings["algo"]))  # GloVe: 0.05
emb = train(corpus, TrainConfig(**settings))
cuda_mib = None
if settings.get("device", "cpu").startswith("cuda"):
    import torch
    cuda_mib = torch.cuda.max_memory_allocated() / 2**20
print(json.dumps({
    "words_per_sec": emb.meta["words_per_sec"],
    "train_seconds": emb.meta["timings"]["train_seconds"],
    "total_seconds": emb.meta["timings"]["total_seconds"],
    "corpus_words": emb.meta["corpus_words"],
    "vocab": len(emb),
    "analogy": run_benchmark(emb, "analogy").accuracy,
    "ws353": run_benchmark(emb, "ws353").spearman,
    "cuda_peak_mib": cuda_mib,
    "epoch_losses": emb.meta["epoch_losses"],
}))
"""


def prepare(source: Path, repeat: int, out: Path) -> Path:
    """Ingest `source` once and write its cleaned corpus `repeat` times into one corpus.txt."""
    from embedlab.ingest.corpus import ingest

    raw = build_input(source, 1, out)
    ingest(raw, out / "clean")
    cleaned = (out / "clean" / "corpus.txt").read_bytes()
    folder = out / "repeated"
    folder.mkdir()
    with open(folder / "corpus.txt", "wb") as fh:
        for _ in range(repeat):
            fh.write(cleaned)
    return folder


def runs() -> list[tuple[str, str]]:
    """(algo, device) pairs to run on this machine."""
    import torch

    from embedlab.train import algorithms

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    found = [("word2vec", "cpu")] + [("sgns", d) for d in devices]
    if "glove" in algorithms():
        found += [("glove", d) for d in devices]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="CPU threads; 0: all cores")
    parser.add_argument("--only", nargs="*", help="algo:device pairs, e.g. sgns:cuda")
    args = parser.parse_args()

    base = {"dim": args.dim, "window": 5, "negative": 5, "min_count": 5}
    base |= {"epochs": args.epochs, "seed": 1, "workers": args.workers}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = prepare(args.corpus, args.repeat, Path(tmp))
        for algo, device in runs():
            if args.only and f"{algo}:{device}" not in args.only:
                continue
            settings = {**base, "algo": algo, "device": device}
            child = [sys.executable, "-c", CHILD, str(corpus), json.dumps(settings)]
            done = measure(timed(child))
            row = json.loads(done.stdout.strip().splitlines()[-1])
            row |= {"algo": algo, "device": device, "wall": done.seconds, "peak": done.peak_mib}
            results.append(row)
            print(f"  {algo} on {device}: {row['words_per_sec']:,.0f} words/s", file=sys.stderr)

    ref = next((r for r in results if r["algo"] == "word2vec"), results[0])

    def ratio(row: dict, key: str) -> float:
        return row[key] / ref[key] if ref[key] else float("nan")

    words = ref["corpus_words"]
    print(
        f"corpus: {args.corpus} x{args.repeat} = {words:,} tokens after cleaning, "
        f"vocab {ref['vocab']:,}; {os.cpu_count()} cores; dim {args.dim}, window 5, "
        f"negative 5, min-count 5, {args.epochs} epochs, seed 1"
    )
    head = [
        "run",
        "words/s",
        "x gensim",
        "train s",
        "wall s",
        "peak MiB",
        "analogy",
        "x",
        "ws353",
        "x",
    ]
    print(f"{head[0]:16}" + "".join(f"{h:>10}" for h in head[1:]))
    for r in results:
        name = "gensim sg" if r["algo"] == "word2vec" else r["algo"]
        peak = f"{r['peak']:.0f}" + (f"+{r['cuda_peak_mib']:.0f}g" if r["cuda_peak_mib"] else "")
        print(
            f"{name + ' ' + r['device']:16}{r['words_per_sec']:>10,.0f}"
            f"{r['words_per_sec'] / ref['words_per_sec']:>10.2f}{r['train_seconds']:>10.1f}"
            f"{r['wall']:>10.1f}{peak:>10}{r['analogy']:>10.3f}{ratio(r, 'analogy'):>10.2f}"
            f"{r['ws353']:>10.3f}{ratio(r, 'ws353'):>10.2f}"
        )
    print("peak MiB: the child's peak RSS; +Ng: peak CUDA memory allocated by torch")
    path = save(
        "train_throughput",
        {"corpus": str(args.corpus), "repeat": args.repeat, "settings": base, "runs": results},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
