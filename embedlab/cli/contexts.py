"""`embedlab contexts WORD`: a word's contextual vectors in many sentences, clustered.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["contexts", "bank", "-k", "2"])
>>> args.word, args.k, args.corpus, args.func.__name__
('bank', 2, None, 'run_contexts')
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from embedlab.cli.common import add_command, load_model, print_json, table
from embedlab.errors import InputError


def register(sub: Any) -> None:
    """Add the `contexts` command to the subparsers `sub`."""
    p = add_command(
        sub,
        "contexts",
        run_contexts,
        "the sentence encoder's vector of WORD in each sentence, clustered with k-means and "
        "placed in 2D (PCA); without --corpus or --sentences, the built-in 'bank' sentences",
    )
    p.add_argument("word", metavar="WORD")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--corpus", help="a workspace corpus name or a corpus folder")
    source.add_argument("--sentences", metavar="FILE", help="a UTF-8 file, one sentence a line")
    p.add_argument("-k", type=int, help="number of clusters (default: by silhouette among 2..4)")
    p.add_argument("--model", help="a static model (name or file) to compare the word with")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")


def _read_sentences(file: str) -> list[str]:
    path = Path(file)
    if not path.is_file():
        raise InputError(f"No such file: {file}; check the path.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{file} is not UTF-8 text; save it as UTF-8.") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _finite(value: float) -> float | None:
    return round(float(value), 4) if math.isfinite(value) else None


def run_contexts(args: argparse.Namespace) -> None:
    """Compute the context map and print it (tables, or JSON with --json)."""
    from embedlab.analysis.contexts import word_contexts
    from embedlab.cli.search import corpus_folder

    emb = load_model(args, args.model) if args.model else None
    sentences, corpus = None, None
    if args.sentences:
        sentences = _read_sentences(args.sentences)
    elif args.corpus:
        corpus = corpus_folder(args, args.corpus)[1]
    cm = word_contexts(args.word, sentences, corpus=corpus, k=args.k, emb=emb, device=args.device)
    static = cm.static
    if args.json:
        print_json(
            {
                "word": cm.word,
                "source": cm.source,
                "k": cm.k,
                "chosen_by": cm.chosen_by,
                "silhouettes": {str(k): _finite(v) for k, v in cm.silhouettes.items()},
                "explained_variance": [round(x, 4) for x in cm.explained],
                "found": cm.found,
                "skipped": cm.skipped,
                "clusters": [
                    {
                        "cluster": c + 1,
                        "sentences": size,
                        "words": list(cm.cluster_words[c]),
                        "mean_cosine_inside": _finite(cm.within[c]),
                    }
                    for c, size in enumerate(cm.sizes())
                ],
                "centroid_cosines": [[round(float(x), 4) for x in r] for r in cm.centroid_cosines],
                "sentences": [
                    {
                        "sentence": s,
                        "cluster": c + 1,
                        "x": round(float(xy[0]), 4),
                        "y": round(float(xy[1]), 4),
                        "pieces": p,
                    }
                    for s, c, xy, p in zip(
                        cm.sentences, cm.labels, cm.coords, cm.pieces, strict=True
                    )
                ],
                "static": None
                if static is None
                else {
                    "model": static.model,
                    "in_vocabulary": static.in_vocabulary,
                    "cluster_cosines": [_finite(x) for x in static.cluster_cosines],
                    "neighbours": [
                        {"word": n.word, "cosine": round(n.cosine, 4), "cluster": n.cluster + 1}
                        for n in static.neighbours
                    ],
                },
            }
        )
        return
    how = "by silhouette" if cm.chosen_by == "silhouette" else "as given"
    print(f"'{cm.word}' in {len(cm.sentences):,} sentences ({cm.source}): {cm.k} clusters {how}.")
    rows = [
        (c + 1, size, ", ".join(cm.cluster_words[c][:5]), _finite(cm.within[c]))
        for c, size in enumerate(cm.sizes())
    ]
    headers = ["cluster", "sentences", "distinctive words", "mean cosine inside"]
    if static is not None and static.in_vocabulary:
        rows = [(*r, _finite(static.cluster_cosines[i])) for i, r in enumerate(rows)]
        headers.append(f"static cosine ({static.model})")
    print(table(rows, headers))
    print()
    text = [
        (c + 1, s if len(s) <= 90 else s[:89] + "…")
        for c, s in zip(cm.labels, cm.sentences, strict=True)
    ]
    print(table(sorted(text, key=lambda r: r[0]), ["cluster", "sentence"]))
    if static is not None:
        print()
        if not static.in_vocabulary:
            print(f"The static model {static.model} has no vector for '{cm.word}'.")
        else:
            near = ", ".join(f"{n.word} ({n.cluster + 1})" for n in static.neighbours)
            print(f"Static neighbours (closest cluster): {near}")
