"""A real comparison: Word2Vec on the Lee corpus with window 2 vs window 10, and a seed twin.

Trains three gensim skip-gram models on gensim's `lee_background.cor` (lowercased words,
min_count 3, 50 dimensions, 20 epochs, one worker, fixed seeds): window 2 (seed 1),
window 10 (seed 1) and window 2 again with seed 2 (the seed twin: the noise floor). Prints
mean Jaccard@10 and the residuals for window 2 vs 10 and for the seed twin, then the words
that moved most, and the words that moved most beyond the noise floor.

    python bench/compare_demo.py
"""

from __future__ import annotations

import os
import re
import time

import numpy as np

SETTINGS = {"vector_size": 50, "min_count": 3, "epochs": 20, "sg": 1, "workers": 1}
SHOW = 10


def sentences() -> list[list[str]]:
    """The Lee corpus, one document per line, as lowercase words."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [re.findall(r"[a-z]+", line.lower()) for line in fh if line.strip()]


def train(corpus: list[list[str]], window: int, seed: int):  # noqa: ANN201 - Embeddings
    from gensim.models import Word2Vec

    from embedlab.embeddings import Embeddings

    model = Word2Vec(corpus, window=window, seed=seed, **SETTINGS)
    return Embeddings.from_keyedvectors(model.wv, meta={"name": f"window {window}, seed {seed}"})


def main() -> None:
    from embedlab.analysis.compare import compare

    start = time.perf_counter()
    corpus = sentences()
    w2 = train(corpus, window=2, seed=1)
    w10 = train(corpus, window=10, seed=1)
    twin = train(corpus, window=2, seed=2)
    trained = time.perf_counter() - start
    print(
        f"Lee corpus: {len(corpus)} documents, {sum(map(len, corpus)):,} words; "
        f"{len(w2):,}-word vocabulary; skip-gram, 50 dims, min_count 3, 20 epochs "
        f"(trained 3 models in {trained:.1f} s)"
    )
    windows = compare(w2, w10, k=10, device="cpu")
    floor = compare(w2, twin, k=10, device="cpu")
    for label, c in (("window 2 vs window 10", windows), ("window 2 vs its seed twin", floor)):
        al = c.alignment
        print(
            f"{label:27} mean Jaccard@10 {c.agreement.mean_jaccard:.3f}  "
            f"overlap@10 {c.agreement.mean_overlap:.3f}  residual before {al.mean_before:.3f} "
            f"after {al.mean_after:.3f}  ({len(c.shared):,} shared words, {c.seconds:.2f} s)"
        )
    print(
        "top moved (window 2 -> 10, residual): "
        + ", ".join(f"{w} {s:.2f}" for w, s in windows.alignment.moved_most[:SHOW])
    )
    print(
        "top moved (seed twin, residual):      "
        + ", ".join(f"{w} {s:.2f}" for w, s in floor.alignment.moved_most[:SHOW])
    )
    # beyond the noise floor: how much more a word moved with the window than with the seed
    assert windows.shared.words == floor.shared.words
    excess = windows.alignment.after - floor.alignment.after
    counts = np.asarray(w2.counts)[: len(excess)]
    frequent = np.flatnonzero(counts >= 20)  # words seen 20+ times: vectors worth reading
    order = frequent[np.argsort(-excess[frequent], kind="stable")][:SHOW]
    words = windows.shared.words
    print(
        f"moved most beyond the noise floor (words seen 20+ times, {len(frequent)} of them): "
        + ", ".join(f"{words[i]} +{excess[i]:.2f}" for i in order)
    )
    j_least = [w for w, _ in windows.agreement.least[:SHOW]]
    print("neighbours agree least (window 2 vs 10): " + ", ".join(j_least))
    print(f"load (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
