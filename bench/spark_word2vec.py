"""Spark MLlib Word2Vec: raw pyspark vs embedlab's spark-word2vec, and gensim at the same settings.

CORPUS is a folder of plain-text documents (one file each, e.g. the inaugural addresses:
YEAR-President.txt, plus a README that is left out) or one text file. It is ingested once
with embedlab into a temporary workspace, and every variant trains on that cleaned
corpus.txt:

- raw pyspark: the few lines a user writes (session, read.text, split, Word2Vec.fit,
  getVectors().collect() into numpy), with MLlib's parameters set as embedlab sets them;
- embedlab: `train(corpus, TrainConfig(algo="spark-word2vec", ...))`, end to end (its
  checks, vocab.tsv, Spark, progress polling, Embeddings);
- gensim skip-gram with hierarchical softmax (hs=1, negative=0), same dimensions, window,
  min-count, epochs and learning rate, with sample=0 (MLlib has no down-sampling) and with
  gensim's default sample=0.001.

Each variant runs in its own process (a fresh JVM for the Spark ones), on `--master`
(local[2]); the table gives its wall time (the Spark ones include starting Spark), Spark's
start and fit seconds, the vocabulary, the co-occurrence AUC (embedlab.train.quality: do
words seen together end up close; 0.5 is random), WS353 Spearman and analogy accuracy
(embedlab.analysis.evaluate, with the share of pairs/questions the vocabulary covers), the
peak resident memory of the Python driver (resource.getrusage) and of the JVM (its VmHWM; in
local mode the JVM is both Spark driver and executor), the CPU seconds of each (less
sensitive than wall time to a busy machine), and how many lines the run wrote to
stderr ("noise": Spark's log lines that reach the terminal). Then `--partitions` (1, 2, 4)
at the largest iteration count, for the accuracy/speed trade-off.

    nice python bench/spark_word2vec.py ../shared/data/inaugural --repeats 3
    nice python bench/spark_word2vec.py ../shared/data/inaugural --iterations 1 --partitions 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# --- one variant, in its own process ------------------------------------------------------


def _jvm() -> dict:
    """The JVM's peak resident memory (VmHWM, MiB) and CPU seconds, if this process runs one."""
    context = sys.modules.get("pyspark.core.context") or sys.modules.get("pyspark.context")
    gateway = getattr(getattr(context, "SparkContext", None), "_gateway", None)
    proc = getattr(gateway, "proc", None)
    if proc is None:
        return {"jvm_mib": None, "jvm_cpu": None}
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        stat = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return {"jvm_mib": None, "jvm_cpu": None}
    peak = next(
        (int(x.split()[1]) / 1024 for x in status.splitlines() if x.startswith("VmHWM:")), None
    )
    ticks = os.sysconf("SC_CLK_TCK")
    return {"jvm_mib": peak, "jvm_cpu": (int(stat[11]) + int(stat[12])) / ticks}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _raw_pyspark(corpus: Path, args: argparse.Namespace) -> tuple[object, dict]:
    """What a user writes: a session, the text split on spaces, MLlib's Word2Vec (timed
    from before its imports, as embedlab's run is)."""
    start = time.perf_counter()
    import numpy as np
    from pyspark.ml.feature import Word2Vec
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F  # noqa: N812

    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    started = time.perf_counter()
    words = spark.read.text(str(corpus)).select(F.split("value", " ").alias("words"))
    w2v = Word2Vec(
        vectorSize=args.dim,
        windowSize=args.window,
        minCount=args.min_count,
        maxIter=args.iters,
        numPartitions=args.parts,
        stepSize=args.alpha,
        seed=args.seed,
        maxSentenceLength=10_000,
        inputCol="words",
    )
    model = w2v.fit(words)
    fitted = time.perf_counter()
    rows = model.getVectors().collect()
    names = [r.word for r in rows]
    vectors = np.array([r.vector.toArray() for r in rows], dtype=np.float32)
    wall = time.perf_counter() - start
    figures = {"wall": wall, "start": started - start, "fit": fitted - started, "py_cpu": _cpu()}
    figures.update(_jvm())
    spark.stop()
    from embedlab.embeddings import Embeddings

    return Embeddings(names, vectors), figures


def _embedlab(corpus: Path, args: argparse.Namespace) -> tuple[object, dict]:
    start = time.perf_counter()  # from before the imports, as the raw run is timed
    import dataclasses

    from embedlab.train import TrainConfig, train
    from embedlab.train import spark as _spark  # noqa: F401 - registers spark-word2vec

    values = {
        "algo": "spark-word2vec",
        "dim": args.dim,
        "window": args.window,
        "min_count": args.min_count,
        "epochs": args.iters,
        "alpha": args.alpha,
        "seed": args.seed,
        "loss": "hs",
    }
    extra = {"master": args.master, "partitions": args.parts}
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    if set(extra) <= names:
        config = TrainConfig(**values, **extra)
    else:  # until config.py declares the Spark fields

        @dataclasses.dataclass(frozen=True)
        class WithSpark(TrainConfig):
            master: str = ""
            partitions: int = 1
            spark_conf: tuple[str, ...] = ()
            input: str = ""

        config = WithSpark(**values, **extra)
    emb = train(corpus.parent, config)
    wall = time.perf_counter() - start
    spark = emb.meta["spark"]
    figures = {"wall": wall, "start": spark["start_seconds"], "fit": spark["fit_seconds"]}
    return emb, {**figures, "py_cpu": _cpu(), **_jvm()}


def _gensim(corpus: Path, args: argparse.Namespace, sample: float) -> tuple[object, dict]:
    start = time.perf_counter()
    from embedlab.train import TrainConfig, train

    config = TrainConfig(
        algo="word2vec",
        architecture="skipgram",
        loss="hs",
        negative=0,
        dim=args.dim,
        window=args.window,
        min_count=args.min_count,
        epochs=args.iters,
        alpha=args.alpha,
        seed=args.seed,
        sample=sample,
        workers=args.workers,
    )
    emb = train(corpus.parent, config)
    wall = time.perf_counter() - start
    return emb, {"wall": wall, "start": None, "fit": None, "py_cpu": _cpu(), "jvm_cpu": None}


def run_one(args: argparse.Namespace) -> None:
    """Train one variant and print its figures as one JSON line."""
    corpus = Path(args.corpus_file)
    if args.one == "raw":
        emb, figures = _raw_pyspark(corpus, args)
    elif args.one == "embedlab":
        emb, figures = _embedlab(corpus, args)
    else:
        emb, figures = _gensim(corpus, args, 0.0 if args.one == "gensim" else 1e-3)
    from embedlab.analysis.evaluate import evaluate_analogies, evaluate_similarity
    from embedlab.errors import InputError
    from embedlab.train.quality import pair_auc, pair_sample, sample_sentences

    figures["py_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["vocab"] = len(emb)
    sample = pair_sample(sample_sentences(corpus, seed=1), emb.key_to_index, args.window, seed=1)
    figures["auc"] = pair_auc(emb.vectors, sample)
    try:
        ws = evaluate_similarity(emb, "ws353")
        figures["ws353"], figures["ws353_cov"] = ws.spearman, ws.coverage
    except InputError:
        figures["ws353"], figures["ws353_cov"] = None, 0.0
    try:
        an = evaluate_analogies(emb, device="cpu")
        figures["analogy"], figures["analogy_cov"] = an.accuracy, an.coverage
    except InputError:
        figures["analogy"], figures["analogy_cov"] = None, 0.0
    print("RESULT " + json.dumps(figures), flush=True)


# --- the driver -------------------------------------------------------------------------


def ingest_corpus(source: Path, tmp: Path) -> Path:
    """Ingest CORPUS (a folder of .txt documents, or a file) into a workspace; its corpus.txt."""
    from embedlab.jobs.corpora import add_corpus
    from embedlab.store.workspace import Workspace

    ws = Workspace(tmp / "workspace")
    if source.is_dir():
        texts = sorted(p for p in source.iterdir() if p.suffix == ".txt")
        if not texts:
            raise SystemExit(f"{source} holds no .txt documents")
        archive = tmp / f"{source.name}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for p in texts:
                zf.write(p, p.name)
        source = archive
    record = add_corpus(ws, source, name="bench")
    return Path(record.path) / "corpus.txt"


def variant(name: str, corpus: Path, args: argparse.Namespace, iters: int, parts: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        name,
        "--corpus-file",
        str(corpus),
        "--iters",
        str(iters),
        "--parts",
        str(parts),
        "--master",
        args.master,
        "--dim",
        str(args.dim),
        "--window",
        str(args.window),
        "--min-count",
        str(args.min_count),
        "--alpha",
        str(args.alpha),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"{name} failed ({done.returncode})")
    noise = [x for x in done.stderr.splitlines() if x.strip()]
    return {
        **json.loads(line[7:]),
        "name": name,
        "iters": iters,
        "parts": parts,
        "stderr_lines": len(noise),
    }


def _f(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def row(r: dict) -> str:
    return (
        f"{r['name']:<17} {r['iters']:>4} {r['parts']:>4} {r['wall']:>7.1f} "
        f"{_f(r.get('start'), '7.1f')} {_f(r.get('fit'), '7.1f')} {r['vocab']:>6} "
        f"{_f(r['auc'], '5.3f')} "
        f"{_f(r['ws353'], '6.3f')} ({r['ws353_cov']:.0%}) {_f(r['analogy'], '6.3f')} "
        f"({r['analogy_cov']:.1%}) {r['py_mib']:>6.0f} {_f(r.get('jvm_mib'), '6.0f')} "
        f"{r['py_cpu']:>6.1f} {_f(r.get('jvm_cpu'), '7.1f')} "
        f"{r['stderr_lines']:>5}"
    )


HEADER = (
    f"{'variant':<17} {'iter':>4} {'part':>4} {'wall_s':>7} {'start_s':>7} {'fit_s':>7} "
    f"{'vocab':>6} {'auc':>5} {'ws353':>6} (cov)  {'analogy':>6} (cov)   {'py_MB':>6} "
    f"{'jvm_MB':>6} {'py_cpu':>6} {'jvm_cpu':>7} {'noise':>5}"
)


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus", nargs="?", help="folder of .txt documents, or a text file")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--iterations", type=int, nargs="+", default=[1, 5])
    p.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--repeats", type=int, default=1, help="runs per Spark variant (median)")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--alpha", type=float, default=0.025)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=2, help="gensim's threads")
    # one variant (internal)
    p.add_argument("--one", choices=["raw", "embedlab", "gensim", "gensim-sample"])
    p.add_argument("--corpus-file")
    p.add_argument("--iters", type=int)
    p.add_argument("--parts", type=int)
    args = p.parse_args()
    if args.one:
        run_one(args)
        return
    if not args.corpus:
        p.error("give CORPUS")

    print(f"start: {load()} ({os.cpu_count()} CPUs)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        corpus = ingest_corpus(Path(args.corpus), Path(tmp))
        stats = json.loads((corpus.parent / "stats.json").read_text())
        print(
            f"corpus: {args.corpus} -> {stats['tokens']:,} tokens, {stats['sentences']:,} "
            f"sentences, {stats['vocabulary']:,} distinct words; dim {args.dim}, window "
            f"{args.window}, min-count {args.min_count}, alpha {args.alpha}, seed {args.seed}, "
            f"master {args.master}",
            flush=True,
        )
        variant("gensim", corpus, args, 1, 1)  # warms the page cache (python, gensim, data)
        results = []
        print(HEADER, flush=True)
        for iters in args.iterations:
            pair: dict[str, list[dict]] = {"raw": [], "embedlab": []}
            for _ in range(args.repeats):
                for name in ("raw", "embedlab"):  # alternating, so drift hits both
                    r = variant(name, corpus, args, iters, 1)
                    pair[name].append(r)
                    print(row(r), flush=True)
            for name in ("gensim", "gensim-sample"):
                r = variant(name, corpus, args, iters, 1)
                print(row(r), flush=True)
                results.append(r)
            raw = statistics.median(r["wall"] for r in pair["raw"])
            ours = statistics.median(r["wall"] for r in pair["embedlab"])
            raw_fit = statistics.median(r["fit"] for r in pair["raw"])
            our_fit = statistics.median(r["fit"] for r in pair["embedlab"])
            raw_cpu = statistics.median(r["py_cpu"] + r["jvm_cpu"] for r in pair["raw"])
            our_cpu = statistics.median(r["py_cpu"] + r["jvm_cpu"] for r in pair["embedlab"])
            print(
                f"  iterations {iters}, medians of {args.repeats}: embedlab / raw pyspark wall "
                f"= {ours:.1f} / {raw:.1f} s = {ours / raw:.2f} (goal <= 1.10); fit alone "
                f"{our_fit:.1f} / {raw_fit:.1f} s = {our_fit / raw_fit:.2f}; CPU (Python + "
                f"JVM) {our_cpu:.1f} / {raw_cpu:.1f} s = {our_cpu / raw_cpu:.2f}; {load()}",
                flush=True,
            )
            results += pair["raw"] + pair["embedlab"]
        top = max(args.iterations)
        print(f"partitions on {args.master}, {top} iterations (embedlab):", flush=True)
        print(HEADER, flush=True)
        earlier = [r for r in results if r["name"] == "embedlab" and r["iters"] == top]
        for parts in args.partitions:
            if parts == 1 and earlier:  # measured above
                print(row(earlier[0]) + "  (above)", flush=True)
                continue
            r = variant("embedlab", corpus, args, top, parts)
            print(row(r), flush=True)
    print(f"end: {load()}", flush=True)


if __name__ == "__main__":
    main()
