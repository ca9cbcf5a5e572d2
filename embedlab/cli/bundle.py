"""`embedlab bundle export|import|views`: a model with its saved views as one shareable .zip.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> args = sub.choices["bundle"].parse_args(
...     ["export", "lee", "--with-map", "umap", "--with-map", "pca", "--with-corpus", "out.zip"])
>>> args.with_map, args.with_corpus, args.out
(['umap', 'pca'], True, 'out.zip')
"""

from __future__ import annotations

import argparse
from pathlib import Path

from embedlab.cli.common import add_command, print_json, table, workspace


def register(sub: argparse._SubParsersAction) -> None:
    """Add `bundle` with its actions `export`, `import` and `views`."""
    text = "share a model with its saved views (and maps, and corpus) as one .zip"
    group = sub.add_parser("bundle", help=text, description=text)
    actions = group.add_subparsers(dest="bundle_action", required=True, metavar="ACTION")

    p = add_command(actions, "export", run_export, "write a model and its saved views to a .zip")
    p.add_argument("model", metavar="MODEL")
    p.add_argument(
        "--with-map",
        action="append",
        default=[],
        metavar="NAME",
        help="add the saved map NAME with its coordinates (repeat for more; `bundle views` "
        "lists them)",
    )
    p.add_argument("--all-maps", action="store_true", help="add every saved map of the model")
    p.add_argument(
        "--with-corpus", action="store_true", help="add the corpus the model was trained on"
    )
    p.add_argument("out", metavar="OUT.zip")

    p = add_command(actions, "import", run_import, "add the model of a bundle to the workspace")
    p.add_argument("path", metavar="BUNDLE.zip")
    p.add_argument("--name", help="the model's name here (default: its name in the bundle)")

    p = add_command(actions, "views", run_views, "list the views saved on a model")
    p.add_argument("model", metavar="MODEL")


def run_export(args: argparse.Namespace) -> None:
    """Write the bundle and say what is in it."""
    from embedlab.jobs.bundle import export_bundle

    maps = None if args.all_maps else list(args.with_map)
    doc = export_bundle(
        workspace(args), args.model, args.out, maps=maps, with_corpus=args.with_corpus
    )
    views = doc["views"]
    n_maps = sum(1 for v in views if v.get("coords_file"))
    size = Path(args.out).stat().st_size
    if args.json:
        print_json(
            {
                "path": str(args.out),
                "bytes": size,
                "model": doc["model"]["name"],
                "views": [v["name"] for v in views],
                "maps": [v["name"] for v in views if v.get("coords_file")],
                "corpus": bool((doc.get("corpus") or {}).get("included")),
                "files": doc["files"],
            }
        )
        return
    corpus = doc.get("corpus") or {}
    with_corpus = f", corpus '{corpus['name']}'" if corpus.get("included") else ""
    print(
        f"Wrote {args.out} ({size / 1024**2:,.1f} MB): model '{doc['model']['name']}' "
        f"({doc['model']['vocab']:,} words × {doc['model']['dim']}d), {_views(len(views))} "
        f"({n_maps} with a map){with_corpus}."
    )


def run_import(args: argparse.Namespace) -> None:
    """Read a bundle into the workspace and say what was added."""
    from embedlab.jobs.bundle import import_bundle

    done = import_bundle(workspace(args), args.path, name=args.name)
    record = done.record
    if args.json:
        print_json(
            {
                "model": record.name,
                "vocab": record.vocab,
                "dim": record.dim,
                "views": [v.name for v in done.views],
                "maps": [v.name for v in done.views if v.is_map],
                "corpus": None if done.corpus is None else done.corpus.name,
            }
        )
        return
    corpus = f", with its corpus '{done.corpus.name}'" if done.corpus is not None else ""
    print(
        f"Imported '{record.name}': {record.vocab:,} words × {record.dim}d, "
        f"{_views(len(done.views))}{corpus}."
    )


def run_views(args: argparse.Namespace) -> None:
    """List the views saved on a model: name, page, map or not, parameters."""
    from embedlab.jobs.bundle import saved_views

    ws = workspace(args)
    record = ws.model(args.model)
    views = saved_views(ws, record.name)
    if args.json:
        print_json(
            [
                {
                    "id": v.id,
                    "name": v.name,
                    "page": v.page,
                    "map": v.is_map,
                    "params": v.params,
                    "created": v.created,
                }
                for v in views
            ]
        )
        return
    if not views:
        print(f"No views are saved on '{record.name}'.")
        return
    rows = [
        (v.name, v.page, "yes" if v.is_map else "", _params(v.params), v.created) for v in views
    ]
    print(table(rows, ["view", "page", "map", "parameters", "saved"]))


def _views(n: int) -> str:
    return "1 saved view" if n == 1 else f"{n} saved views"


def _params(params: dict) -> str:
    text = "&".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in params.items())
    return text if len(text) <= 60 else text[:59] + "…"
