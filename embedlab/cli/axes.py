"""`embedlab axis` and `embedlab weat`: meaning along an axis, and association tests.

`embedlab axis MODEL man woman` ranks the words along the direction from man to woman
(the 20 most at each end among the 10,000 most frequent words); `--words` places given
words instead. Either end may be a comma-separated set (`he,man she,woman`).
`embedlab weat MODEL --test 6` runs Caliskan et al.'s WEAT 6; `--targets X.txt Y.txt
--attributes A.txt B.txt` runs the user's own lists (words separated by spaces, commas or
new lines).

>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["weat"].parse_args(["lee", "--test", "6"]).permutations
10000
"""

from __future__ import annotations

import argparse
from pathlib import Path

from embedlab.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `axis` and `weat` commands to the `embedlab` parser's subcommands."""
    from embedlab.analysis import axes, weat

    text = "rank words along the direction from WORD1 to WORD2 (e.g. man woman)"
    p = sub.add_parser("axis", help=text, description=text)
    p.add_argument("model", metavar="MODEL", help="a workspace model's name, or a vector file")
    p.add_argument("start", metavar="WORD1", help="the axis's start (a word, or words a,b,c)")
    p.add_argument("end", metavar="WORD2", help="the axis's end (a word, or words a,b,c)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--words", nargs="+", metavar="WORD", help="place these words")
    which.add_argument(
        "--top",
        type=int,
        default=axes.DEFAULT_TOP,
        metavar="N",
        help=f"rank among the N most frequent words (default {axes.DEFAULT_TOP:,})",
    )
    p.add_argument(
        "-k", type=int, default=axes.RANK_K, help=f"words at each end (default {axes.RANK_K})"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run_axis)

    text = "WEAT association test: effect size and permutation p-value"
    p = sub.add_parser("weat", help=text, description=text)
    p.add_argument("model", metavar="MODEL", help="a workspace model's name, or a vector file")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--test", type=int, metavar="N", help="Caliskan et al.'s WEAT N (1 to 10)")
    source.add_argument("--targets", nargs=2, metavar=("X.txt", "Y.txt"), help="target lists")
    p.add_argument("--attributes", nargs=2, metavar=("A.txt", "B.txt"), help="attribute lists")
    p.add_argument(
        "--permutations",
        type=int,
        default=weat.DEFAULT_PERMUTATIONS,
        metavar="N",
        help=f"random splits when there are over {weat.EXACT_LIMIT:,} "
        f"(default {weat.DEFAULT_PERMUTATIONS:,})",
    )
    p.add_argument("--seed", type=int, default=weat.DEFAULT_SEED, help="for the random splits")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run_weat)


def _words(text: str) -> list[str]:
    return [w for w in text.split(",") if w.strip()]


def run_axis(args: argparse.Namespace) -> None:
    from embedlab.analysis import axes
    from embedlab.cli import _load_model, _print_json, _table

    emb = _load_model(args, args.model)
    axis = axes.set_axis(emb, _words(args.start), _words(args.end))
    if args.words:
        places = sorted((axes.position(emb, axis, w) for w in args.words), key=lambda p: p.cosine)
        if args.json:
            _print_json(
                {
                    "axis": axis.name,
                    "start": list(axis.start),
                    "end": list(axis.end),
                    "words": [
                        {"word": p.word, "cosine": p.cosine, "projection": p.projection}
                        for p in places
                    ],
                }
            )
            return
        print(f"Axis {axis.name}: from {axis.start_label} (-) to {axis.end_label} (+).")
        print(
            _table(
                [(p.word, p.cosine, p.projection) for p in places], ["word", "cosine", "projection"]
            )
        )
        return
    ranking = axes.rank_along(emb, axis, k=args.k, top=args.top)
    if args.json:
        _print_json(
            {
                "axis": axis.name,
                "start": list(axis.start),
                "end": list(axis.end),
                "searched": ranking.searched,
                "toward_start": [{"word": w, "cosine": c} for w, c in ranking.start],
                "toward_end": [{"word": w, "cosine": c} for w, c in ranking.end],
            }
        )
        return
    print(
        f"Axis {axis.name}: the {len(ranking.end)} words most toward each end, among the "
        f"{ranking.searched:,} most frequent words."
    )
    rows = [
        (i + 1, lo.word, lo.score, hi.word, hi.score)
        for i, (lo, hi) in enumerate(zip(ranking.start, ranking.end, strict=True))
    ]
    print(
        _table(
            rows,
            ["rank", f"toward {axis.start_label}", "cosine", f"toward {axis.end_label}", "cosine"],
        )
    )


def _read_list(path: str) -> list[str]:
    from embedlab.analysis.weat import read_word_list

    file = Path(path)
    if not file.is_file():
        raise InputError(f"No such word list: {path}; give a text file of words.")
    return read_word_list(file.read_text(encoding="utf-8", errors="replace"))


def run_weat(args: argparse.Namespace) -> None:
    from embedlab.analysis import weat
    from embedlab.cli import _load_model, _print_json, _table

    if args.test is not None:
        if args.attributes:
            raise InputError("--attributes goes with --targets; drop it to run a WEAT test.")
        sets = weat.weat_test(args.test)
    else:
        if not args.attributes:
            raise InputError("--targets needs --attributes A.txt B.txt as well.")
        files = [*args.targets, *args.attributes]
        names = [Path(f).stem for f in files]
        sets = weat.custom_sets(*(_read_list(f) for f in files), names=names)
    emb = _load_model(args, args.model)
    result = weat.weat(emb, sets, permutations=args.permutations, seed=args.seed)
    if args.json:
        _print_json(result.to_dict())
        return
    print(sets.title)
    print(result.summary())
    rows = [
        (
            key,
            name,
            result.counts()[key][0],
            result.counts()[key][1],
            ", ".join(result.missing[key]) or "-",
        )
        for key, (name, _) in sets.named().items()
    ]
    print(_table(rows, ["set", "name", "used", "given", "missing"]))
