"""sgns on one GPU against gensim skip-gram: words/s, WS353/analogy and the top CUDA kernels.

One script for a session lent a GPU machine (issue 14: >= 10M words/s on >= 50M tokens at
gensim's quality). That machine cannot reach a registry and does not see ../shared, so:

1. here, on the CPU machine, once (ignored folders travel with the run's `carry`):

       echo /.gpu_data/ >> .git/info/exclude; echo /.whl/ >> .git/info/exclude
       .venv/bin/python bench/gpu_sgns.py --prepare ../shared/data/inaugural
       python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \\
           --implementation cp --platform manylinux_2_17_x86_64 -d .whl gensim==4.4.0
       python3 -m pip download --no-deps -d .whl smart_open==7.1.0

   (`--prepare` writes the cleaned corpus to .gpu_data/corpus.txt; gensim's wheel carries
   the WS353 and analogy files too.)
2. there, in one run (carry [".gpu_data", ".whl"], timeout_s about 540):

       PYTHONUNBUFFERED=1 python3 bench/gpu_sgns.py --tokens 50000000 --epochs 5 | tee $OUT/gpu.txt

It installs the carried wheels into /tmp/site, repeats the corpus to `--tokens`, trains
gensim (every core) and sgns on CUDA for each `--batches` size (skip-gram centres per step,
`sgns.BATCH_CENTRES`), prints one row each (words/s, train s, WS353, analogy, ratios to
gensim), then profiles `--profile-chunks` chunks of sgns with torch.profiler and prints its
top kernels. Without CUDA it runs the same torch steps on the CPU (`--tiny` for a check of a
minute or two).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".gpu_data"
WHEELS = ROOT / ".whl"


def install_wheels(folder: Path, target: Path = Path("/tmp/site")) -> None:
    """Install the carried wheels (no index, no dependencies) and put them on sys.path."""
    wheels = sorted(folder.glob("*.whl"))
    if wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
             "--no-compile", "--upgrade", "--target", str(target), *map(str, wheels)],
            check=True,
        )  # fmt: skip
        sys.path.insert(0, str(target))


def prepare(source: Path) -> Path:
    """Ingest `source` (a file or folder of .txt) into .gpu_data/corpus.txt, once, here."""
    from train_overhead import build_input

    from embedlab.ingest.corpus import ingest

    with tempfile.TemporaryDirectory() as tmp:
        raw = build_input(source, 1, Path(tmp))
        ingest(raw, Path(tmp) / "clean")
        DATA.mkdir(exist_ok=True)
        target = DATA / "corpus.txt"
        target.write_bytes((Path(tmp) / "clean" / "corpus.txt").read_bytes())
    return target


def repeated(corpus: Path, tokens: int, out: Path) -> tuple[Path, int]:
    """`corpus` written again and again into `out` until it holds at least `tokens` words."""
    text = corpus.read_bytes()
    once = len(text.split())
    times = max(1, -(-tokens // once))
    with open(out, "wb") as fh:
        for _ in range(times):
            fh.write(text)
    return out, once * times


def trained(corpus: Path, settings: dict) -> dict:
    """Train with `settings`; words/s, seconds and both benchmarks."""
    from embedlab.analysis.evaluate import run_benchmark
    from embedlab.train import TrainConfig, train

    emb = train(corpus, TrainConfig(**settings))
    return {
        "wps": emb.meta["words_per_sec"],
        "seconds": emb.meta["timings"]["train_seconds"],
        "ws353": run_benchmark(emb, "ws353").spearman,
        "analogy": run_benchmark(emb, "analogy").accuracy,
    }


def profile(corpus: Path, settings: dict, chunks: int, rows: int) -> str:
    """torch.profiler's table of the top kernels over the first `chunks` chunks of sgns."""
    import torch
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    from embedlab.train import TrainConfig, train

    class Enough(Exception):
        pass

    seen = []

    def stop_after(event: object) -> None:
        seen.append(event)
        if len(seen) > chunks:  # the vocab event, then one event per chunk
            raise Enough

    cuda = settings["device"].startswith("cuda")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with torch_profile(activities=activities) as prof:
        with contextlib.suppress(Enough):
            train(corpus, TrainConfig(**settings), stop_after)
        if cuda:
            torch.cuda.synchronize()
    key = "cuda_time_total" if cuda else "self_cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prepare", type=Path, metavar="CORPUS", help="here: ingest CORPUS")
    parser.add_argument("--corpus", type=Path, default=DATA / "corpus.txt")
    parser.add_argument("--tokens", type=int, default=50_000_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[4096, 32768])
    parser.add_argument("--profile-chunks", type=int, default=3)
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--tiny", action="store_true", help="20k tokens, 1 epoch: a CPU check")
    args = parser.parse_args()
    if args.prepare:
        print(f"wrote {prepare(args.prepare)}")
        return
    if args.tiny:
        args.tokens, args.epochs, args.profile_chunks = 20_000, 1, 1
    install_wheels(WHEELS)
    import torch

    from embedlab.train import sgns

    cuda = torch.cuda.is_available()
    if cuda:
        print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    else:
        os.environ["EMBEDLAB_SGNS_STEPS"] = "torch"  # the steps CUDA runs, on the CPU
        print(f"no CUDA: the torch steps on the CPU (torch {torch.__version__})")
    base = {"dim": 100, "window": 5, "negative": 5, "min_count": 5, "epochs": args.epochs}
    base |= {"seed": 1, "workers": 0}
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        corpus, tokens = repeated(args.corpus, args.tokens, Path(tmp) / "corpus.txt")
        print(f"corpus {args.corpus} repeated to {tokens:,} tokens; 100d, window 5, "
              f"5 negatives, min-count 5, {args.epochs} epochs")  # fmt: skip
        rows = []
        if not args.no_gensim:
            rows.append(("gensim sg cpu", trained(corpus, {**base, "algo": "word2vec"})))
            print(f"  gensim done: {rows[-1][1]['wps']:,.0f} words/s", flush=True)
        device = "cuda" if cuda else "cpu"
        for batch in args.batches:
            sgns.BATCH_CENTRES = batch
            start = time.perf_counter()
            found = trained(corpus, {**base, "algo": "sgns", "device": device})
            rows.append((f"sgns {device} b{batch}", found))
            print(f"  sgns b{batch}: {found['wps']:,.0f} words/s "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
        ref = rows[0][1]
        print(f"{'run':20}{'words/s':>14}{'x ref':>8}{'train s':>9}{'ws353':>8}{'analogy':>9}")
        for name, r in rows:
            print(f"{name:20}{r['wps']:>14,.0f}{r['wps'] / ref['wps']:>8.2f}{r['seconds']:>9.1f}"
                  f"{r['ws353']:>8.3f}{r['analogy']:>9.4f}")  # fmt: skip
        sgns.BATCH_CENTRES = args.batches[-1]
        settings = {**base, "algo": "sgns", "device": device, "epochs": 1}
        print(f"\ntorch.profiler, first {args.profile_chunks} chunk(s), batch {args.batches[-1]}:")
        print(profile(corpus, settings, args.profile_chunks, rows=15))


if __name__ == "__main__":
    main()
