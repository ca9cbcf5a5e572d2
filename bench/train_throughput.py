"""How fast are embedlab's torch trainers, and how good? gensim skip-gram vs sgns vs GloVe.

Ingests CORPUS once (a text file or a folder of .txt files) through `embedlab.ingest.corpus.ingest`,
repeats the cleaned corpus.txt `--repeat` times, then trains on it, one child process per
run: gensim Word2Vec skip-gram (all cores, corpus_file mode), embedlab sgns on the CPU
(all cores), sgns on CUDA when there is one, GloVe on each device when the "glove"
trainer is registered, and Stanford's glove.c when its source is at `--glove-source`
(default ../shared/reference/glove: built out of tree, in a temporary folder, and run on the
same cleaned corpus with the same window, dims, iterations, threads and x_max; a clone
without it skips that row). Prints training words/s, training and process seconds, the child's
peak RSS (and peak CUDA memory), analogy accuracy and WS353 Spearman, with ratios against
gensim, and writes bench/results/train_throughput.json.

    python bench/train_throughput.py ../shared/data/inaugural --repeat 10 --epochs 5
    python bench/train_throughput.py ../shared/data/inaugural --repeat 10 --epochs 15 \\
        --only glove:cpu glove.c:cpu
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
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


GLOVE_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "glove"

# Stanford's pipeline (vocab_count, cooccur, shuffle, glove), each step timed, then scored
# the same way as embedlab's vectors. argv: build dir, corpus, work dir, settings (JSON).
GLOVE_C_CHILD = """
import json, subprocess, sys, time
from pathlib import Path
import numpy as np
from embedlab.analysis.evaluate import run_benchmark
from embedlab.embeddings import Embeddings
build, corpus, work, s = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), json.loads(sys.argv[4])
def step(name, args, stdin, stdout):
    start = time.perf_counter()
    with open(stdin, "rb") as fin, open(stdout, "wb") as fout:
        subprocess.run([str(build / name), *args], stdin=fin, stdout=fout, check=True,
                       stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
vocab, cooc, shuf = work / "vocab.txt", work / "cooc.bin", work / "cooc.shuf.bin"
prep = step("vocab_count", ["-min-count", str(s["min_count"]), "-verbose", "0"], corpus, vocab)
prep += step("cooccur", ["-memory", "2.0", "-vocab-file", str(vocab), "-verbose", "0",
                         "-window-size", str(s["window"])], corpus, cooc)
prep += step("shuffle", ["-memory", "2.0", "-verbose", "0", "-seed", str(s["seed"])], cooc, shuf)
train = step("glove", ["-save-file", str(work / "vectors"), "-threads", str(s["threads"]),
                       "-input-file", str(shuf), "-x-max", str(s["x_max"]), "-alpha", "0.75",
                       "-eta", str(s["alpha"]), "-iter", str(s["epochs"]),
                       "-vector-size", str(s["dim"]), "-binary", "0", "-write-header", "0",
                       "-vocab-file", str(vocab), "-verbose", "0", "-seed", str(s["seed"])],
             "/dev/null", "/dev/null")
words, rows = [], []
with open(work / "vectors.txt", encoding="utf-8") as fh:
    for line in fh:
        parts = line.rstrip("\\n").split(" ")
        if parts[0] != "<unk>":
            words.append(parts[0])
            rows.append(np.array(parts[1:], dtype=np.float32))
emb = Embeddings(words, np.vstack(rows))
tokens = sum(len(line.split()) for line in open(corpus, encoding="utf-8"))
print(json.dumps({
    "words_per_sec": tokens * s["epochs"] / train,
    "train_seconds": train,
    "total_seconds": prep + train,
    "corpus_words": tokens,
    "vocab": len(emb),
    "analogy": run_benchmark(emb, "analogy").accuracy,
    "ws353": run_benchmark(emb, "ws353").spearman,
    "cuda_peak_mib": None,
    "epoch_losses": [],
}))
"""


def build_glove_c(source: Path, out: Path) -> Path | None:
    """Copy glove.c's source into `out` and `make` it there; its build folder, or None
    when `source` is missing (a clone without ../shared) or the build fails."""
    if not (source / "Makefile").is_file():
        return None
    tree = out / "glove-src"
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("build"))
    done = subprocess.run(["make", "-C", str(tree)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  glove.c did not build; skipping it:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return tree / "build"


def glove_c_command(build: Path, corpus: Path, work: Path, settings: dict) -> list[str]:
    """The child that runs glove.c's four steps on `corpus` with embedlab's `settings`."""
    from embedlab.train import TrainConfig

    tokens = len(corpus.read_text(encoding="utf-8").split())
    config = TrainConfig(**{k: v for k, v in settings.items() if k not in ("algo", "device")})
    child = {
        **settings,
        "threads": config.resolved_workers(),
        "x_max": config.resolved_x_max(tokens),
        "alpha": TrainConfig.usual_alpha("glove"),
    }
    work.mkdir(exist_ok=True)
    return [sys.executable, "-c", GLOVE_C_CHILD, str(build), str(corpus), str(work),
            json.dumps(child)]  # fmt: skip


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


def _median_row(found: list[dict], gensim: list[dict] | None) -> dict:
    """One table row from a run's rounds: the median of each number, and the median of each
    round's words/s ratio to gensim's run of the same round (`speed_ratio`)."""
    row = dict(found[0])
    for key in ("words_per_sec", "train_seconds", "wall", "peak", "analogy", "ws353"):
        row[key] = statistics.median(r[key] for r in found)
    ratios = [
        r["words_per_sec"] / g["words_per_sec"]
        for r, g in zip(found, gensim or found, strict=False)
    ]
    row["speed_ratio"] = statistics.median(ratios) if gensim else 1.0
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="CPU threads; 0: all cores")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every row this many times, interleaved; "
        "the table shows medians and the median of each round's ratio to gensim",
    )
    parser.add_argument("--only", nargs="*", help="algo:device pairs, e.g. sgns:cuda glove.c:cpu")
    parser.add_argument(
        "--glove-source", type=Path, default=GLOVE_SOURCE, help="Stanford GloVe's source folder"
    )
    args = parser.parse_args()

    base = {"dim": args.dim, "window": 5, "negative": 5, "min_count": 5}
    base |= {"epochs": args.epochs, "seed": 1, "workers": args.workers}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = prepare(args.corpus, args.repeat, Path(tmp))
        wanted = [
            r for r in runs() + [("glove.c", "cpu")]
            if not args.only or f"{r[0]}:{r[1]}" in args.only
        ]  # fmt: skip
        glove_c = None
        if ("glove.c", "cpu") in wanted:
            glove_c = build_glove_c(args.glove_source, Path(tmp))
            if glove_c is None:
                print(f"  no glove.c at {args.glove_source}; skipping its row", file=sys.stderr)
        rounds: dict[tuple[str, str], list[dict]] = {}
        for round_ in range(args.rounds):
            for algo, device in wanted:
                settings = {**base, "algo": algo, "device": device}
                if algo == "glove.c":
                    if glove_c is None:
                        continue
                    child = glove_c_command(
                        glove_c, corpus / "corpus.txt", Path(tmp) / "gc", settings
                    )
                else:
                    child = [sys.executable, "-c", CHILD, str(corpus), json.dumps(settings)]
                load = os.getloadavg()[0]
                done = measure(timed(child))
                row = json.loads(done.stdout.strip().splitlines()[-1])
                row |= {"algo": algo, "device": device, "wall": done.seconds}
                row |= {"peak": done.peak_mib, "load": load, "round": round_}
                rounds.setdefault((algo, device), []).append(row)
                print(
                    f"  round {round_ + 1} {algo} on {device}: {row['words_per_sec']:,.0f} "
                    f"words/s (load {load:.1f} before, {os.getloadavg()[0]:.1f} after)",
                    file=sys.stderr,
                )
        results = [_median_row(found, rounds.get(("word2vec", "cpu"))) for found in rounds.values()]

    ref = next((r for r in results if r["algo"] == "word2vec"), results[0])
    loads = [r["load"] for found in rounds.values() for r in found]

    def ratio(row: dict, key: str) -> float:
        return row[key] / ref[key] if ref[key] else float("nan")

    words = ref["corpus_words"]
    print(
        f"corpus: {args.corpus} x{args.repeat} = {words:,} tokens after cleaning, "
        f"vocab {ref['vocab']:,}; {os.cpu_count()} cores; dim {args.dim}, window 5, "
        f"negative 5, min-count 5, {args.epochs} epochs, seed 1; {args.rounds} round(s), "
        f"medians; load {min(loads):.1f}-{max(loads):.1f}"
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
    print("x gensim (words/s): the median over rounds of each round's ratio to gensim's run")
    path = save(
        "train_throughput",
        {
            "corpus": str(args.corpus),
            "repeat": args.repeat,
            "settings": base,
            "runs": results,
            "rounds": [r for found in rounds.values() for r in found],
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
