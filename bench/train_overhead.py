"""Is `embedlab train` as fast as plain gensim? End to end (ingest included) vs gensim alone.

Trains Word2Vec skip-gram (100d, window 5, 5 negatives, 5 epochs, min-count 5, all cores)
on a real corpus, once through `embedlab train` from the raw files (ingest, vocabulary,
training, saving to the workspace) and once with plain gensim on the cleaned corpus file
embedlab wrote, in the same run, alternating, and prints wall times, peak memory and
their ratios. Goal: embedlab <= 1.10 x gensim.

    python bench/train_overhead.py ../shared/data/inaugural --repeat 15 --trials 3

CORPUS is a text file or a folder of .txt files; --repeat copies it so the corpus is
big enough (the inaugural addresses are ~150k tokens; x15 gives ~2.3M).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure, save, timed  # noqa: E402

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "epochs": 5, "min_count": 5}

GENSIM = """
import os, sys
from gensim.models import Word2Vec
Word2Vec(corpus_file=sys.argv[1], sg=1, hs=0, vector_size=100, window=5, negative=5, epochs=5,
         min_count=5, sample=1e-3, alpha=0.025, min_alpha=0.0001, seed=1,
         workers=os.cpu_count())
"""


def build_input(source: Path, repeat: int, out: Path) -> Path:
    """A zip of the corpus files, each repeated `repeat` times (members keep their encodings)."""
    files = sorted(p for p in source.rglob("*.txt")) if source.is_dir() else [source]
    if not files:
        raise SystemExit(f"no .txt files under {source}")
    path = out / "corpus.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for r in range(repeat):
            for f in files:
                zf.write(f, f"copy{r:03d}/{f.name}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()

    embedlab = str(Path(sys.executable).with_name("embedlab"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        raw = build_input(args.corpus, args.repeat, tmp_path)
        ours, theirs = [], []
        cleaned = None
        tokens = 0
        for trial in range(args.trials):
            home = tmp_path / f"ws{trial}"
            cmd = [
                embedlab,
                "--home",
                str(home),
                "train",
                str(raw),
                "--json",
                "--dim",
                "100",
                "--window",
                "5",
                "--negative",
                "5",
                "--epochs",
                "5",
                "--min-count",
                "5",
                "--seed",
                "1",
                "--name",
                "bench",
            ]
            ours.append(measure(timed(cmd)))
            if cleaned is None:
                corpora = list((home / "corpora").iterdir())
                cleaned = corpora[0] / "corpus.txt"
                tokens = sum(len(line.split()) for line in cleaned.open(encoding="utf-8"))
            theirs.append(measure(timed([sys.executable, "-c", GENSIM, str(cleaned)])))

    t_ours = statistics.median(m.seconds for m in ours)
    t_gensim = statistics.median(m.seconds for m in theirs)
    m_ours = max(m.peak_mib for m in ours)
    m_gensim = max(m.peak_mib for m in theirs)
    print(
        f"corpus: {args.corpus} x{args.repeat} = {tokens:,} tokens after cleaning; "
        f"{os.cpu_count()} cores; {args.trials} trials (median)"
    )
    print(f"{'':28}{'wall s':>10}{'peak MiB':>12}")
    print(f"{'embedlab train (+ingest)':28}{t_ours:>10.2f}{m_ours:>12.0f}")
    print(f"{'plain gensim (clean file)':28}{t_gensim:>10.2f}{m_gensim:>12.0f}")
    print(f"{'ratio embedlab / gensim':28}{t_ours / t_gensim:>10.3f}{m_ours / m_gensim:>12.2f}")
    path = save(
        "train_overhead",
        {
            "corpus": str(args.corpus),
            "repeat": args.repeat,
            "tokens": tokens,
            "trials": args.trials,
            "cores": os.cpu_count(),
            "settings": SETTINGS,
            "embedlab_seconds": [m.seconds for m in ours],
            "gensim_seconds": [m.seconds for m in theirs],
            "embedlab_peak_mib": m_ours,
            "gensim_peak_mib": m_gensim,
            "ratio_seconds": t_ours / t_gensim,
            "ratio_memory": m_ours / m_gensim,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
