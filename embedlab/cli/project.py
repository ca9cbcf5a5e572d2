"""`embedlab project MODEL`: a map of the most frequent words, written as a CSV of coordinates.

Each row is a word, its x, y (and z) and its faithfulness: the share of its k nearest
neighbours in the model that are also among its k nearest on the map. The command prints
what it did (method, words, seconds, mean faithfulness, trustworthiness), or that as JSON.

>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> args = sub.choices["project"].parse_args(["lee", "--method", "umap", "--out", "c.csv"])
>>> args.method, args.dims, args.top, args.k
('umap', 2, 5000, 10)
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path
from typing import Any

from embedlab.analysis.faithfulness import DEFAULT_K

DEFAULT_TOP = 5_000


def register(sub: Any) -> None:  # argparse's private _SubParsersAction
    """Add the `project` command to a subparsers object."""
    from embedlab.analysis.project import METHODS
    from embedlab.cli.common import add_command, add_model_arg

    p = add_command(
        sub, "project", run_project, "project the most frequent words to 2D/3D and write a CSV"
    )
    add_model_arg(p)
    p.add_argument(
        "--method", choices=list(METHODS), default="pca", help="pca, umap or tsne (default pca)"
    )
    p.add_argument("--dims", type=int, choices=(2, 3), default=2, help="2 or 3 (default 2)")
    p.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        help=f"the N most frequent words (default {DEFAULT_TOP:,})",
    )
    p.add_argument(
        "--out", required=True, help="the CSV file to write: word, x, y(, z), faithfulness"
    )
    p.add_argument(
        "-k",
        type=int,
        default=DEFAULT_K,
        help=f"neighbours compared per word (default {DEFAULT_K})",
    )
    p.add_argument("--seed", type=int, default=0, help="UMAP and t-SNE seed (default 0)")
    p.add_argument("--metric", choices=("cosine", "euclidean"), default="cosine")


def run_project(args: argparse.Namespace) -> None:
    """Project, score faithfulness, write the CSV, print the summary (or JSON)."""
    from embedlab.analysis.faithfulness import of_projection
    from embedlab.analysis.project import project
    from embedlab.checks import positive_int
    from embedlab.cli.common import load_model, print_json, table
    from embedlab.errors import InputError

    top = positive_int(args.top, "--top")
    k = positive_int(args.k, "-k")
    out = Path(args.out)
    if out.is_dir():
        raise InputError(f"{args.out} is a folder; give a file name such as coords.csv.")
    emb = load_model(args, args.model)
    proj = project(emb, args.method, top, args.dims, seed=args.seed, metric=args.metric)
    faith = of_projection(emb, proj, min(k, len(proj) - 1))
    write_coords(out, proj.words, proj.coords, faith.scores)
    summary = {
        "model": emb.name,
        "method": proj.method,
        "dims": proj.dims,
        "words": len(proj),
        "vocab": len(emb),
        "seconds": round(proj.seconds, 3),
        "k": faith.k,
        "mean_faithfulness": round(faith.mean, 4),
        "trustworthiness": None
        if math.isnan(faith.trustworthiness)
        else round(faith.trustworthiness, 4),
        "trustworthiness_sample": faith.trust_sample,
        "neighbour_search": faith.search,
        "out": str(out),
    }
    if args.json:
        print_json(summary)
        return
    print(table(list(summary.items()), ["", "value"]))


def write_coords(path: Path, words: Any, coords: Any, scores: Any) -> None:
    """word, x, y(, z), faithfulness: one row per word, written to a temporary name and renamed.

    >>> import tempfile, numpy as np
    >>> p = Path(tempfile.mkdtemp()) / "c.csv"
    >>> write_coords(p, ["a", "=b"], np.array([[0.5, 1.0], [2.0, 3.0]]), [1.0, 0.25])
    >>> p.read_text().splitlines()
    ['word,x,y,faithfulness', 'a,0.5,1.0,1.0', '=b,2.0,3.0,0.25']
    """
    axes = ["x", "y", "z"][: len(coords[0])] if len(coords) else ["x", "y"]
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["word", *axes, "faithfulness"])
        for word, row, score in zip(words, coords, scores, strict=True):
            writer.writerow([word, *(repr(float(v)) for v in row), repr(float(score))])
    tmp.replace(path)
