"""Search by meaning vs by words on sentence polarity: precision@10 of opinion queries.

The passages are the 10,662 snippets of the sentence polarity set (rt-polarity.pos and
.neg, one snippet a line). Twenty short opinions written for this benchmark (ten clearly
positive, ten clearly negative) are the queries; precision@10 is the share of a query's
top 10 passages that have the query's polarity. Chance is the positive share of the
passages (0.500); TF-IDF and BM25, which only match words, are the lexical reference.
SIF uses word2vec trained on the snippets themselves (labels unused). Also printed: each
index's build time (MiniLM: encoding every passage) and the median query latency.

    python bench/search.py ../shared/data/sentence_polarity
    python bench/search.py ../shared/data/sentence_polarity --per-class 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import save  # noqa: E402

POSITIVE = (
    "a wonderful film, moving and beautifully acted",
    "one of the best movies of the year",
    "funny, smart and full of heart",
    "a delightful comedy the whole family will love",
    "a gripping, brilliant thriller",
    "gorgeous to look at and deeply touching",
    "an absolute joy from start to finish",
    "the performances are superb",
    "a masterpiece of modern cinema",
    "charming, witty and warm",
)
NEGATIVE = (
    "a boring, tedious mess",
    "one of the worst movies of the year",
    "dull, predictable and far too long",
    "the jokes fall flat and the plot makes no sense",
    "a waste of time and talent",
    "badly acted and poorly written",
    "an ugly, lifeless film",
    "the story is stupid and the characters are annoying",
    "a complete failure on every level",
    "painfully slow and utterly forgettable",
)


def read_polarity(folder: Path, per_class: int | None) -> tuple[list[str], list[int]]:
    """The snippets (positive first) and their labels (1 positive, 0 negative)."""
    texts, labels = [], []
    for name, label in (("rt-polarity.pos", 1), ("rt-polarity.neg", 0)):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        lines = [line.strip() for line in lines if line.strip()][:per_class]
        texts += lines
        labels += [label] * len(lines)
    return texts, labels


def word_vectors(texts: list[str], tmp: Path, seed: int):  # noqa: ANN201 - Embeddings
    """word2vec skip-gram (100d, 10 epochs, min-count 2) on the snippets themselves."""
    from embedlab.ingest.tokenize import tokenize
    from embedlab.train import TrainConfig, train

    corpus = tmp / "corpus.txt"
    corpus.write_text("\n".join(" ".join(tokenize(t)) for t in texts) + "\n", encoding="utf-8")
    config = TrainConfig(dim=100, window=5, min_count=2, epochs=10, seed=seed, workers=0)
    return train(corpus, config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="the sentence_polarity folder (rt-polarity.pos, .neg)")
    parser.add_argument("--per-class", type=int, help="first N snippets of each class (all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--cache", help="index cache folder to reuse (default: a fresh one)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from embedlab.analysis import encoders
    from embedlab.analysis.retrieval import METHODS, Passages, build_index

    texts, labels = read_polarity(Path(args.data), args.per_class)
    passages = Passages.from_texts(texts, name="sentence_polarity")
    queries = [(q, 1) for q in POSITIVE] + [(q, 0) for q in NEGATIVE]
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(f"{len(texts):,} passages ({sum(labels):,} positive), {len(queries)} queries")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(args.cache) if args.cache else Path(tmp) / "cache"
        start = time.perf_counter()
        emb = word_vectors(texts, Path(tmp), args.seed)
        print(f"word2vec for SIF: {len(emb):,} words in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        encoders.load_encoder(args.device)
        print(f"MiniLM loaded in {time.perf_counter() - start:.1f} s on {args.device}")
        rows = []
        for method in METHODS:
            index = build_index(passages, method, cache, emb=emb, device=args.device)
            found: dict[str, list[int]] = {}
            latencies = []
            for _ in range(args.repeat):
                for query, _label in queries:
                    result = index.search(query, k=10)
                    latencies.append(result.seconds)
                    found[query] = [h.index for h in result.hits]
            precision = {q: sum(labels[i] == label for i in found[q]) / 10 for q, label in queries}
            rows.append(
                {
                    "method": method,
                    "p10": statistics.mean(precision.values()),
                    "p10_pos": statistics.mean(precision[q] for q in POSITIVE),
                    "p10_neg": statistics.mean(precision[q] for q in NEGATIVE),
                    "build_s": index.info["seconds"],
                    "cached": index.info["cached"],
                    "query_ms": 1000 * statistics.median(latencies),
                    "per_query": precision,
                }
            )
    print()
    print(f"{'method':<26}{'P@10':>7}{'pos':>7}{'neg':>7}{'build s':>10}{'query ms':>10}")
    print(f"{'chance (positive share)':<26}{sum(labels) / len(labels):>7.3f}")
    for r in rows:
        build = f"{r['build_s']:.1f}" + (" (c)" if r["cached"] else "")
        print(
            f"{METHODS[r['method']]:<26}{r['p10']:>7.3f}{r['p10_pos']:>7.3f}{r['p10_neg']:>7.3f}"
            f"{build:>10}{r['query_ms']:>10.1f}"
        )
    print("build s: index build (MiniLM: encoding every passage); (c) read from --cache.")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    path = save(
        "search",
        {"passages": len(texts), "device": args.device, "repeat": args.repeat, "rows": rows},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
