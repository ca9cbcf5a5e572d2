"""`embedlab search CORPUS "query"`: a corpus's passages ranked for a query.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["search", "lee", "police arrest", "--method", "bm25", "-k", "3"])
>>> args.method, args.k, args.func.__name__
('bm25', 3, 'run_search')
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from embedlab.analysis.retrieval import MAX_K, METHODS
from embedlab.cli.common import add_command, bar, load_model, print_json, table, workspace
from embedlab.errors import NotFoundError


def register(sub: Any) -> None:
    """Add the `search` command to the subparsers `sub`."""
    p = add_command(
        sub,
        "search",
        run_search,
        "rank the passages (lines) of a corpus for a query, by meaning (MiniLM, SIF) or by "
        "words (TF-IDF, BM25); the corpus is encoded once and cached in the workspace",
    )
    p.add_argument("corpus", metavar="CORPUS", help="a workspace corpus name or a corpus folder")
    p.add_argument("query", metavar="QUERY", help="the words to search for")
    p.add_argument("-k", type=int, default=10, help=f"passages to show, 1 to {MAX_K} (default 10)")
    p.add_argument(
        "--method", choices=list(METHODS), default="minilm", help="how to rank (default minilm)"
    )
    p.add_argument("--model", help="word vectors for --method sif: a model name or a vector file")
    p.add_argument("--device", help="cpu, cuda or mps (default: the best available)")


def corpus_folder(args: argparse.Namespace, key: str) -> tuple[str, Path]:
    """(name, folder) of a workspace corpus by name, else of a corpus folder by path."""
    ws = workspace(args)
    try:
        record = ws.corpus(key)
        return record.name, record.path
    except NotFoundError:
        path = Path(key)
        if (path / "corpus.txt").is_file() or (path.is_file() and path.suffix == ".txt"):
            return path.name, path
        raise NotFoundError(
            f"'{key}' is neither a corpus in the workspace nor a corpus folder; "
            "`embedlab corpora` lists the corpora."
        ) from None


def run_search(args: argparse.Namespace) -> None:
    """Build (or read from the cache) the index, then print the top passages."""
    from embedlab.analysis.retrieval import Passages, build_index, check_query

    query = check_query(args.query)
    name, folder = corpus_folder(args, args.corpus)
    emb = load_model(args, args.model) if args.model else None
    passages = Passages.from_corpus(folder, name=name)
    cache = workspace(args).root / "cache" / "search"
    shown = bar(len(passages), "passage", f"{args.method} index")

    def on_progress(event: Any) -> None:
        if shown is not None and event.stage in ("encoding", "pooling", "counting"):
            shown.n = event.done
            shown.refresh()

    try:
        index = build_index(
            passages, args.method, cache, emb=emb, device=args.device, on_progress=on_progress
        )
    finally:
        if shown is not None:
            shown.close()
    result = index.search(query, args.k)
    if args.json:
        print_json(
            {
                "corpus": name,
                "query": result.query,
                "method": result.method,
                "score": result.score_label,
                "terms": list(result.terms),
                "passages": result.passages,
                "seconds": round(result.seconds, 6),
                "index": {k: index.info[k] for k in ("cached", "seconds", "device")},
                "note": result.note,
                "hits": [
                    {
                        "rank": h.rank,
                        "index": h.index,
                        "score": h.score,
                        "matched": list(h.matched),
                        "text": h.text,
                    }
                    for h in result.hits
                ],
            }
        )
        return
    built = "read from the cache" if index.info["cached"] else "built"
    print(
        f"{METHODS[result.method]} on '{name}' ({result.passages:,} passages; index {built} in "
        f"{index.info['seconds']:.1f} s; query {result.seconds * 1000:.0f} ms)"
    )
    if result.note:
        print(result.note)
    rows = [(h.rank, h.score, _clip(h.text)) for h in result.hits]
    if rows:
        print(table(rows, ["rank", result.score_label, "passage"]))


def _clip(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
