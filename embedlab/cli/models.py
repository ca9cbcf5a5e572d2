"""`embedlab import`, `export`, `models` and `delete`: vector files in and out of the workspace.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["export"].parse_args(["lee", "out.txt", "--format", "glove"]).format
'glove'
"""

from __future__ import annotations

import argparse
from pathlib import Path

from embedlab.cli.common import add_command, load_model, print_json, table, workspace
from embedlab.errors import InputError

EXPORT_FORMATS = ["word2vec", "word2vec-bin", "glove", "tsv", "native"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `import`, `export`, `models` and `delete` commands."""
    p = add_command(sub, "import", run_import, "load a pretrained vector file into the workspace")
    p.add_argument("path")
    p.add_argument(
        "--format",
        default="auto",
        help="auto, word2vec, word2vec-bin, glove, fasttext, tsv, native or pickle",
    )
    p.add_argument("--name", help="model name (default: the file name)")
    p.add_argument("--metadata", help="metadata.tsv for a projector TSV file")
    p.add_argument("--limit", type=int, help="keep only the first N words")
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow a gensim .model/.kv pickle (runs code: only your own files)",
    )

    p = add_command(
        sub,
        "export",
        run_export,
        "write a model as word2vec, word2vec-bin, glove, tsv or native",
        json_flag=False,
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("out", metavar="OUT")

    add_command(sub, "models", run_models, "list the models in the workspace")

    p = add_command(
        sub, "delete", run_delete, "delete a model (or, with --corpus, a corpus)", json_flag=False
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--corpus", action="store_true", help="NAME is a corpus")


def run_import(args: argparse.Namespace) -> None:
    """Read a vector file and add it to the workspace as a model."""
    from embedlab.formats import read_vectors

    path = Path(args.path)
    if not path.exists():
        raise InputError(f"No such file: {args.path}; check the path.")
    emb = read_vectors(
        path,
        args.format,
        metadata=args.metadata,
        limit=args.limit,
        trust_pickle=args.trust_pickle,
        name=args.name,
    )
    record = workspace(args).add_model(emb, name=args.name)
    if args.json:
        print_json(
            {
                "model": record.name,
                "vocab": record.vocab,
                "dim": record.dim,
                "format": emb.meta.get("format"),
            }
        )
        return
    sub = " (with subword vectors)" if emb.subwords is not None else ""
    print(f"Imported '{record.name}': {record.vocab:,} words × {record.dim}d{sub}.")


def run_export(args: argparse.Namespace) -> None:
    """Write a model to a file (or files) and print their paths."""
    from embedlab.formats import write_vectors

    emb = load_model(args, args.model)
    for path in write_vectors(emb, args.out, args.format):
        print(path)


def run_models(args: argparse.Namespace) -> None:
    """List the models with their origin, shape and corpus (`--json`: with metrics)."""
    ws = workspace(args)
    records = ws.models()
    if args.json:
        print_json(
            [
                {
                    "name": r.name,
                    "origin": r.origin,
                    "corpus": r.corpus_name,
                    "vocab": r.vocab,
                    "dim": r.dim,
                    "created": r.created,
                    "algo": r.meta.get("algo"),
                    "metrics": ws.metrics(r.id),
                }
                for r in records
            ]
        )
        return
    rows = [
        (
            r.name,
            r.origin,
            r.meta.get("algo") or r.meta.get("format"),
            r.vocab,
            r.dim,
            r.corpus_name,
        )
        for r in records
    ]
    print(
        table(rows, ["model", "origin", "kind", "vocab", "dim", "corpus"])
        if rows
        else "No models yet."
    )


def run_delete(args: argparse.Namespace) -> None:
    """Delete a model, or with --corpus a corpus."""
    ws = workspace(args)
    if args.corpus:
        ws.delete_corpus(args.name)
        print(f"Deleted corpus '{args.name}'.")
    else:
        ws.delete_model(args.name)
        print(f"Deleted model '{args.name}'.")
