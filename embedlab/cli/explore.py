"""`embedlab neighbours`, `analogy`, `similarity` and `odd-one-out`: questions to one model.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["analogy"].parse_args(["lee", "man", "king", "woman"]).method
'3cosadd'
>>> score_label("3cosmul"), score_label("euclidean")
('3cosmul score', 'distance')
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from embedlab.cli.common import add_command, add_model_arg, load_model, print_json, table
from embedlab.errors import InputError

# What a score column means, by metric or analogy method: 3CosMul's scores are a product of
# shifted cosines over a third one, not a cosine (they exceed 1).
SCORE_LABELS = {"cosine": "cosine", "euclidean": "distance", "3cosadd": "cosine"}


def score_label(how: str) -> str:
    """The score column's header for a metric or an analogy method."""
    return SCORE_LABELS.get(how, f"{how} score")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `neighbours`, `analogy`, `similarity` and `odd-one-out` commands."""
    p = add_command(
        sub,
        "neighbours",
        run_neighbours,
        "nearest words to a word or an expression like 'king - man + woman'",
    )
    add_model_arg(p)
    p.add_argument("word", metavar="WORD")
    p.add_argument("-k", type=int, default=10, help="how many (default 10)")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument("--restrict", type=int, help="search only the N most frequent words")

    p = add_command(sub, "analogy", run_analogy, "A is to B as C is to ?")
    add_model_arg(p)
    for w in ("a", "b", "c"):
        p.add_argument(w, metavar=w.upper())
    p.add_argument(
        "--method",
        default="3cosadd",
        choices=["3cosadd", "3cosmul"],
        help="3cosadd scores by cosine with B - A + C (default); 3cosmul (Levy & Goldberg) "
        "by a product of cosines, not bounded by 1",
    )
    p.add_argument("-k", type=int, default=5, help="how many answers (default 5)")
    p.add_argument("--restrict", type=int, help="answer only from the N most frequent words")

    p = add_command(sub, "similarity", run_similarity, "cosine similarity of two words")
    add_model_arg(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")

    p = add_command(sub, "odd-one-out", run_odd_one_out, "the word that fits least with the others")
    add_model_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD")


def print_neighbours(items: Sequence[Any], as_json: bool, header: str, how: str) -> None:
    """Ranked words and scores, as a table under `header` or as JSON; `how` names the score."""
    if as_json:
        print_json([{"word": n.word, "score": round(float(n.score), 6)} for n in items])
        return
    print(header)
    rows = [(i + 1, n.word, n.score) for i, n in enumerate(items)]
    print(table(rows, ["#", "word", score_label(how)]))


def run_neighbours(args: argparse.Namespace) -> None:
    """The nearest words to a word, or to an expression ranked by cosine."""
    from embedlab.expressions import evaluate_expression, parse

    emb = load_model(args, args.model)
    terms = parse(args.word)
    if len(terms) == 1 and terms[0][0] == 1.0:
        word = terms[0][1]
        found = emb.lookup(word)
        items = emb.neighbours(word, k=args.k, metric=args.metric, restrict=args.restrict)
        if found.from_subwords:
            print(
                f"note: '{word}' is not in the vocabulary; its vector was built from subwords.",
                file=sys.stderr,
            )
        header = f"Nearest to '{word}' in {emb.name}:"
    else:
        if args.metric != "cosine":
            raise InputError("Expressions are ranked by cosine; drop --metric for an expression.")
        result = evaluate_expression(emb, terms, k=args.k, restrict=args.restrict)
        items = result.neighbours
        header = f"Nearest to {result.name} in {emb.name}:"
    print_neighbours(items, args.json, header, args.metric)


def run_analogy(args: argparse.Namespace) -> None:
    """The best answers to A : B :: C : ?, scored by the chosen method."""
    emb = load_model(args, args.model)
    items = emb.analogy(
        args.a, args.b, args.c, k=args.k, method=args.method, restrict=args.restrict
    )
    header = f"{args.a} is to {args.b} as {args.c} is to ... ({args.method}, {emb.name}):"
    print_neighbours(items, args.json, header, args.method)


def run_similarity(args: argparse.Namespace) -> None:
    """The cosine similarity of two words."""
    emb = load_model(args, args.model)
    value = emb.similarity(args.a, args.b)
    if args.json:
        print_json({"a": args.a, "b": args.b, "cosine": value})
    else:
        print(f"cosine({args.a}, {args.b}) = {value:.4f}")


def run_odd_one_out(args: argparse.Namespace) -> None:
    """The word that fits least with the others."""
    emb = load_model(args, args.model)
    odd = emb.odd_one_out(args.words)
    if args.json:
        print_json({"words": args.words, "odd_one_out": odd})
    else:
        print(odd)
