"""`embedlab ingest` and `embedlab corpora`: text files in, clean corpora listed.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["ingest"].parse_args(["news.txt", "--no-lowercase"]).lowercase
False
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from embedlab.cli.common import add_command, bar, print_json, table, workspace
from embedlab.errors import InputError

OOV_MIN_COUNTS = (2, 5, 10)  # out-of-vocabulary shares `ingest` reports


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `ingest` and `corpora` commands."""
    p = add_command(sub, "ingest", run_ingest, "clean a text/CSV/JSONL/.gz/.zip file into a corpus")
    p.add_argument("path")
    p.add_argument("--name", help="corpus name (default: the file name)")
    add_corpus_flags(p)

    add_command(sub, "corpora", run_corpora, "list the corpora in the workspace")


def add_corpus_flags(p: argparse.ArgumentParser) -> None:
    """The preprocessing flags of `ingest` (and of `train` given a file)."""
    g = p.add_argument_group("corpus preprocessing")
    g.add_argument(
        "--text-column", help="CSV/JSONL column that holds the text (guessed if omitted)"
    )
    g.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="lowercase the text",
    )
    g.add_argument(
        "--strip-punctuation",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="drop punctuation marks",
    )
    g.add_argument(
        "--drop-numbers", action="store_true", help="drop numeric tokens such as 1999 or 3.14"
    )
    g.add_argument(
        "--stopwords", action="store_true", help="remove English stop words (scikit-learn's list)"
    )
    g.add_argument(
        "--phrases",
        action="store_true",
        help="join frequent bigrams such as new_york (gensim Phrases)",
    )
    g.add_argument(
        "--corpus-min-count",
        type=int,
        default=1,
        metavar="N",
        help="drop words seen fewer than N times from the corpus",
    )


def tokenize_options(args: argparse.Namespace):  # noqa: ANN201 - TokenizeOptions
    """The validated preprocessing options `add_corpus_flags` collected."""
    from embedlab.ingest.corpus import TokenizeOptions

    options = TokenizeOptions(
        lowercase=args.lowercase,
        strip_punctuation=args.strip_punctuation,
        drop_numbers=args.drop_numbers,
        remove_stopwords=args.stopwords,
        phrases=args.phrases,
        min_count=args.corpus_min_count,
    )
    options.validate()
    return options


def ingest_file(args: argparse.Namespace, ws: Any, path: str, name: str | None) -> Any:
    """Ingest the file at `path` as corpus `name`, with a bytes bar on a terminal."""
    from embedlab.jobs.corpora import add_corpus

    source = Path(path)
    if not source.exists():
        raise InputError(f"No such file: {path}; check the path.")
    if source.is_dir():
        raise InputError(f"{path} is a folder; give a file (zip a folder of texts first).")
    progress = bar(source.stat().st_size, "B", f"ingest {source.name}")
    last = [0]

    def on_bytes(done: int) -> None:
        if progress is not None:
            progress.update(done - last[0])
            last[0] = done

    try:
        return add_corpus(
            ws,
            source,
            name=name,
            options=tokenize_options(args),
            text_column=args.text_column,
            on_progress=on_bytes,
        )
    finally:
        if progress is not None:
            progress.close()


def run_ingest(args: argparse.Namespace) -> None:
    """Ingest one file and print its statistics."""
    from embedlab.ingest.corpus import oov_share, read_vocab

    ws = workspace(args)
    record = ingest_file(args, ws, args.path, args.name)
    stats = record.stats
    vocab = read_vocab(record.path)
    oov = {n: round(oov_share(vocab, n), 6) for n in OOV_MIN_COUNTS}
    if args.json:
        print_json({"corpus": record.name, "path": str(record.path), **stats, "oov_share": oov})
        return
    print(
        f"Corpus '{record.name}': {stats['documents']:,} documents, {stats['sentences']:,} "
        f"sentences, {stats['tokens']:,} tokens, {stats['vocabulary']:,} distinct words "
        f"(encoding {stats['encoding']})."
    )
    top = ", ".join(w for w, _ in stats.get("top_words", [])[:15])
    print(f"Most frequent: {top}")
    shares = ", ".join(f"{share:.1%} at min-count {n}" for n, share in oov.items())
    print(f"Tokens a trainer would drop as rare: {shares}.")


def run_corpora(args: argparse.Namespace) -> None:
    """List the corpora."""
    records = workspace(args).corpora()
    if args.json:
        print_json(
            [{"name": r.name, "source": r.source, "created": r.created, **r.stats} for r in records]
        )
        return
    rows = [(r.name, r.stats.get("tokens"), r.stats.get("vocabulary"), r.source) for r in records]
    print(table(rows, ["corpus", "tokens", "vocabulary", "source"]) if rows else "No corpora yet.")
