"""`embedlab compare A B`: what changed between two models, on the words they share.

Prints the shared vocabulary, the mean Jaccard@k of each shared word's neighbours, the
residuals before and after aligning A onto B (orthogonal Procrustes), the words that moved
most, and with `--word W` that word's neighbours in A and B side by side.
"""

from __future__ import annotations

import argparse
from typing import Any

SHOW = 10


def register(sub: Any) -> None:  # argparse's private _SubParsersAction
    """Add the `compare` command to a subparsers object."""
    about = "compare two models: shared words, neighbour agreement, what moved"
    p = sub.add_parser("compare", help=about, description=about)
    p.add_argument("a", metavar="A", help="model A: a workspace model name or a vector file")
    p.add_argument("b", metavar="B", help="model B: a workspace model name or a vector file")
    p.add_argument("--top", type=int, help="compare only each model's N most frequent words")
    p.add_argument("-k", type=int, default=10, help="neighbours per word (default 10)")
    p.add_argument(
        "--fit-top", type=int, help="fit the alignment on the N most frequent shared words only"
    )
    p.add_argument("--word", help="also show this word's neighbours in A and B side by side")
    p.add_argument(
        "--show", type=int, default=SHOW, help=f"words listed per table (default {SHOW})"
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--trust-pickle", action="store_true", help="allow A or B to be a gensim pickle")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run_compare)


def run_compare(args: argparse.Namespace) -> None:
    """Load A and B, compare them, print the summary (or JSON)."""
    from embedlab.analysis.compare import compare, compare_word
    from embedlab.checks import positive_int
    from embedlab.cli import _load_model, _print_json

    show = positive_int(args.show, "--show") or SHOW
    a = _load_model(args, args.a)
    b = _load_model(args, args.b)
    result = compare(a, b, k=args.k, top=args.top, fit_top=args.fit_top, device=args.device)
    word = compare_word(a, b, result, args.word) if args.word else None
    if args.json:
        out = result.to_dict(extremes=show)
        if word is not None:
            out["word"] = {
                "word": word.word,
                "k": word.k,
                "jaccard": word.jaccard,
                "twin_cosine": word.twin_cosine,
                "twin_cosine_before": word.twin_cosine_before,
                "moved_more_than": word.moved_more_than,
                "a": [r._asdict() for r in word.in_a],
                "b": [r._asdict() for r in word.in_b],
            }
        _print_json(out)
        return
    print("\n\n".join(summary_lines(result, show) + ([word_lines(word)] if word else [])))


def summary_lines(result: Any, show: int = SHOW) -> list[str]:
    """The summary, then the words that moved most and the words that agree least."""
    from embedlab.cli import _table

    s, agree, al = result.shared, result.agreement, result.alignment
    scope = f" (of each model's top {s.top:,})" if s.top else ""
    rows: list[tuple[str, Any]] = [
        ("A", f"{result.name_a} ({s.vocab_a:,} words x {result.dim_a})"),
        ("B", f"{result.name_b} ({s.vocab_b:,} words x {result.dim_b})"),
        (
            "shared words",
            f"{len(s):,}{scope}: {s.share_a:.1%} of A's words, {s.share_b:.1%} of B's",
        ),
        (f"mean Jaccard@{agree.k}", f"{agree.mean_jaccard:.3f}"),
        (f"mean overlap@{agree.k}", f"{agree.mean_overlap:.3f}"),
    ]
    if al is None:
        rows.append(("alignment", result.alignment_note))
    else:
        rows += [
            ("residual before", f"{al.mean_before:.3f}"),
            ("residual after", f"{al.mean_after:.3f} (fitted on {al.fitted_on:,} words)"),
        ]
    rows.append(("seconds", f"{result.seconds:.2f}"))
    parts = [
        _table(rows, ["", f"{result.name_a} vs {result.name_b}"]),
        f"Jaccard@{agree.k}: the share of a word's {agree.k} nearest neighbours (among the "
        "shared words) that the two models have in common, 1 = the same list.",
    ]
    position = {w: i for i, w in enumerate(s.words)}
    if al is not None:
        parts[-1] += (
            "\nResidual: 1 - cosine between a word's vector in B and its vector from A "
            "rotated onto B; 0 = same place."
        )
        moved = [
            (w, score, float(al.before[position[w]]), float(agree.jaccard[position[w]]))
            for w, score in al.moved_most[:show]
        ]
        parts.append(
            "Words that moved most:\n"
            + _table(moved, ["word", "residual", "before alignment", f"Jaccard@{agree.k}"])
        )
    least = [(w, score) for w, score in agree.least[:show]]
    parts.append(
        "Words whose neighbours agree least:\n" + _table(least, ["word", f"Jaccard@{agree.k}"])
    )
    return parts


def word_lines(word: Any) -> str:
    """A word's neighbours in A and B side by side; * marks a word both lists hold."""
    from embedlab.cli import _table

    rows = []
    for i in range(max(len(word.in_a), len(word.in_b))):
        left = word.in_a[i] if i < len(word.in_a) else None
        right = word.in_b[i] if i < len(word.in_b) else None
        rows.append(
            (
                i + 1,
                _mark(left),
                None if left is None else left.score,
                _mark(right),
                None if right is None else right.score,
            )
        )
    head = f"'{word.word}': Jaccard@{word.k} {word.jaccard:.3f}"
    if word.twin_cosine is not None:
        head += (
            f", cosine to its aligned twin {word.twin_cosine:.3f} "
            f"(moved more than {word.moved_more_than:.0%} of the shared words)"
        )
    table = _table(rows, ["rank", "in A", "cosine", "in B", "cosine"])
    return f"{head}\n{table}\n* = in both lists"


def _mark(row: Any) -> str | None:
    if row is None:
        return None
    return f"{row.word} *" if row.shared else row.word
