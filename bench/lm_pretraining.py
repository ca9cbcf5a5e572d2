"""Does pretraining help a small language model? Its embedding layer random vs from word2vec.

Ingests CORPUS_FOLDER, trains gensim Word2Vec on the whole cleaned corpus, then trains
embedlab's next-word LSTM on a seeded slice of `--tokens` tokens with its embedding layer
(a) random, (b) the word2vec vectors fine-tuned, (c) the word2vec vectors frozen, for each
seed (a seed fixes the slice, the split, the initialisation and the batches, so the three
starting points of one seed see the same text). Prints the test perplexity of each run and
mean ± sd per starting point, with tokens/s and the machine's load.

Word2Vec sees the whole corpus, the LM's validation and test sentences included: this is
pretraining on more text than the LM gets, not a clean held-out comparison of the vectors.

    nice .venv/bin/python bench/lm_pretraining.py ../shared/data/inaugural --seeds 1 2 3
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
from train_throughput import prepare  # noqa: E402

STARTS = {
    "random": "(a) random",
    "fine-tuned": "(b) word2vec, fine-tuned",
    "frozen": "(c) word2vec, frozen",
}


def main() -> None:
    from embedlab.train import TrainConfig, train
    from embedlab.train.lm import LMConfig, train_lm

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, metavar="CORPUS_FOLDER")
    parser.add_argument("--tokens", type=int, default=50_000, help="LM slice (default 50,000)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)")
    rows: dict[str, list[dict]] = {start: [] for start in STARTS}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = prepare(args.corpus, 1, Path(tmp))
        began = time.perf_counter()
        w2v = train(
            corpus,
            TrainConfig(dim=args.dim, min_count=2, epochs=10, workers=2, seed=1),
        ).with_meta(name="word2vec")
        print(
            f"word2vec on the whole corpus: {w2v.meta['corpus_words']:,} words, "
            f"{len(w2v):,} in its vocabulary, {time.perf_counter() - began:.1f} s"
        )
        for seed in args.seeds:
            for start in STARTS:
                config = LMConfig(
                    dim=args.dim,
                    hidden=args.hidden,
                    epochs=args.epochs,
                    max_tokens=args.tokens,
                    freeze=start == "frozen",
                    seed=seed,
                    device="cpu",
                )
                init = None if start == "random" else w2v
                report = train_lm(corpus, config, init=init).report
                rows[start].append(report.to_dict())
                print(
                    f"seed {seed} {STARTS[start]:26} test ppl {report.test_perplexity:7.1f}  "
                    f"valid {' '.join(f'{p:.0f}' for p in report.valid_perplexities)}  "
                    f"{report.tokens_per_sec:,.0f} tokens/s  missing {report.init_missing}",
                    flush=True,
                )
    first = rows["random"][0]
    print(
        f"{args.corpus}: slice of {args.tokens:,} tokens (train/valid/test "
        f"{first['tokens']['train']:,}/{first['tokens']['valid']:,}/{first['tokens']['test']:,} "
        f"for seed {args.seeds[0]}), LM vocabulary {first['vocab_size']:,}, test OOV "
        f"{first['oov_share']:.1%}; LSTM {args.dim}d embeddings, {args.hidden} hidden, "
        f"{args.epochs} epochs, tied softmax, 1 thread; seeds {args.seeds}"
    )
    unigram = [r["unigram_perplexity"] for r in rows["random"]]
    print(f"{'unigram (add-one)':26} test ppl {statistics.mean(unigram):7.1f}")
    for start, found in rows.items():
        ppl = [r["test_perplexity"] for r in found]
        speed = [r["tokens_per_sec"] for r in found]
        sd = statistics.stdev(ppl) if len(ppl) > 1 else 0.0
        print(
            f"{STARTS[start]:26} test ppl {statistics.mean(ppl):7.1f} ± {sd:5.1f}   "
            f"tokens/s {statistics.mean(speed):,.0f}"
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    path = save(
        "lm_pretraining",
        {
            "corpus": str(args.corpus),
            "args": vars(args) | {"corpus": str(args.corpus)},
            "rows": rows,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
