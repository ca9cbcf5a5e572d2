"""`embedlab train` and `embedlab runs`: train word vectors, list the training runs.

The training flags are made from `TrainConfig`'s declared settings (one flag per setting,
its help, choices and the algorithms it applies to), the same declarations the app's form
is made from; `TrainConfig.build` checks them.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> args = sub.choices["train"].parse_args(["lee", "--cbow", "--dim", "50"])
>>> args.architecture, args.dim, args.epochs
('cbow', 50, None)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.cli.common import add_command, bar, print_json, table, workspace
from embedlab.cli.corpora import add_corpus_flags, ingest_file
from embedlab.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from embedlab.store.workspace import Workspace
    from embedlab.train import TrainConfig


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `train` and `runs` commands."""
    from embedlab.train import algorithms
    from embedlab.train.registry import algo_label

    p = add_command(
        sub, "train", run_train, "train word vectors on a corpus (a workspace corpus or a file)"
    )
    p.add_argument("corpus", metavar="CORPUS", nargs="?")
    add_config_flags(p)
    p.add_argument("--name", help="model name (default: corpus and settings)")
    p.add_argument("--run-id", type=int, help=argparse.SUPPRESS)  # set by the app's job runner
    add_corpus_flags(p)
    width = max(len(a) for a in algorithms())
    p.epilog = "algorithms (--algo):\n" + "\n".join(
        f"  {a.ljust(width)}  {algo_label(a)}" for a in algorithms()
    )
    p.formatter_class = argparse.RawDescriptionHelpFormatter

    add_command(sub, "runs", run_runs, "list training runs and their state")


def add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per declared `TrainConfig` setting (with its shorthands, e.g. --cbow).

    A flag left out stays None, and `TrainConfig.build` gives it its default; choices are
    not argparse's to check, so a bad value gets the same sentence as in the app.
    """
    from embedlab.train import TrainConfig, algorithms
    from embedlab.train.config import settings

    group = p.add_argument_group("training settings")
    defaults = TrainConfig().to_dict()
    algos = algorithms()
    for name, s in settings().items():
        target = group.add_mutually_exclusive_group() if s.shorthands else group
        options = s.options()
        text = s.help.rstrip(".")
        if s.explain_choices:
            text += ": " + ", ".join(f"{v} = {label}" for v, label in options)
        default = defaults[name]
        shown = f"{default:,}" if s.kind is int else ("off" if default is False else default)
        notes = [f"default {s.default_text or shown}"]
        applies = [a for a in algos if s.applies_to(a)]
        if len(applies) < len(algos):
            notes.insert(0, f"{', '.join(applies)} only")
        text += f" ({'; '.join(notes)})"
        if s.kind is bool:  # a switch: given means true, left out keeps the default
            target.add_argument(s.flag, dest=name, action="store_const", const=True, help=text)
            continue
        target.add_argument(
            s.flag,
            dest=name,
            type=s.kind,
            metavar="{" + ",".join(v for v, _ in options) + "}" if options else None,
            help=text.replace("%", "%%"),
        )
        for flag, value, flag_help in s.shorthands:
            target.add_argument(flag, dest=name, action="store_const", const=value, help=flag_help)
    from embedlab.train.spark_settings import SPARK_CONF_HELP

    group.add_argument(
        "--spark-conf",
        dest="spark_conf",
        action="append",
        metavar="KEY=VALUE",
        help=SPARK_CONF_HELP + " (spark-word2vec only)",
    )


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The validated `TrainConfig` the training flags give."""
    from embedlab.train import TrainConfig
    from embedlab.train.config import settings

    values = {name: getattr(args, name) for name in settings()}
    if getattr(args, "spark_conf", None):
        values["spark_conf"] = tuple(args.spark_conf)
    algo = values.pop("algo") or TrainConfig().algo
    return TrainConfig.build(algo, values)


def run_train(args: argparse.Namespace) -> None:
    """Train (or, with --run-id, run a job the app queued) and print a summary."""
    from embedlab.jobs.process import create_training_run, run_training

    started = time.perf_counter()
    ws = workspace(args)
    if args.run_id is not None:  # a job the app queued: its config is in the catalog
        run_id = args.run_id
    else:
        if args.corpus is None:
            raise InputError("Give a CORPUS: a corpus name (`embedlab corpora`) or a file path.")
        config = train_config(args)
        if args.name:
            from embedlab.store.workspace import check_name

            if ws.has_model(check_name(args.name)):
                raise InputError(
                    f"A model named '{args.name}' already exists; choose another --name."
                )
        try:
            corpus = ws.corpus(args.corpus)
        except NotFoundError:
            if not Path(args.corpus).exists():
                raise NotFoundError(
                    f"'{args.corpus}' is neither a corpus in the workspace nor a file; "
                    "`embedlab corpora` lists the corpora."
                ) from None
            corpus = ingest_file(args, ws, args.corpus, None)
        run_id = create_training_run(ws, corpus.id, config, args.name)
    run = ws.run(run_id)
    epochs = int(run.config.get("epochs", 1))
    progress = bar(epochs, "epoch", f"train {run.algo}")

    def on_progress(event: Any) -> None:
        if progress is not None and event.stage == "epoch":
            progress.n = round(event.fraction * epochs, 2)
            progress.set_postfix_str(f"{event.words_per_sec:,.0f} words/s")
            progress.refresh()

    _say_if_queued(ws, run_id)
    try:
        record = run_training(ws, run_id, on_progress)
    finally:
        if progress is not None:
            progress.close()
    run = ws.run(run_id)
    summary = {
        **run.info,
        "model": record.name,
        "run": run_id,
        "corpus": record.corpus_name,
        "seconds": round(time.perf_counter() - started, 3),
        "config": run.config,
    }
    if args.json:
        print_json(summary)
        return
    from embedlab.train import TrainConfig

    print(
        f"Trained '{record.name}' ({TrainConfig.from_dict(run.config).describe()}): "
        f"{record.vocab:,} words × {record.dim}d in {summary['seconds']:.1f} s "
        f"({summary.get('words_per_sec') or 0:,.0f} words/s)."
    )


def _say_if_queued(ws: Workspace, run_id: int) -> None:
    """One stderr line when the run must wait for a job slot (`EMBEDLAB_MAX_JOBS`)."""
    from embedlab.jobs.status import run_status

    status = run_status(ws, run_id)
    if status.startswith("queued ("):
        print(
            f"Run {run_id} is {status}: the most training jobs that run at once "
            "(EMBEDLAB_MAX_JOBS) are running; it starts when one ends (Ctrl-C to give up).",
            file=sys.stderr,
            flush=True,
        )


def run_runs(args: argparse.Namespace) -> None:
    """List the training runs, newest first."""
    from embedlab.jobs.status import run_status

    ws = workspace(args)
    runs = ws.runs()
    if args.json:
        print_json([r.__dict__ for r in runs])
        return
    rows = [
        (r.id, run_status(ws, r.id) if r.status == "queued" else r.status, r.algo,
         r.model_name, r.started, r.error)
        for r in runs
    ]  # fmt: skip
    print(
        table(rows, ["run", "status", "algo", "model", "started", "error"])
        if rows
        else "No runs yet."
    )
