"""`embedlab evaluate`: analogy, WordSim353 and SimLex-999 benchmarks (or a user's file).

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> sub.choices["evaluate"].parse_args(["lee", "--benchmark", "ws353"]).benchmark
['ws353']
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from embedlab.cli.common import (
    add_command,
    add_model_arg,
    bar,
    load_model,
    print_json,
    table,
    workspace,
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `evaluate` command."""
    p = add_command(sub, "evaluate", run_evaluate, "analogy, WordSim353 and SimLex-999 benchmarks")
    add_model_arg(p)
    p.add_argument(
        "--benchmark",
        action="append",
        help="analogy, ws353, simlex or a file path (repeatable; default: all three)",
    )


def run_evaluate(args: argparse.Namespace) -> None:
    """Score a model on the benchmarks; a catalog model keeps its scores."""
    from embedlab.analysis.evaluate import BENCHMARKS, run_benchmark

    ws = workspace(args)
    # A catalog model keeps its scores; a vector file given by path has no row to keep them.
    record = ws.model(args.model) if ws.has_model(args.model) else None
    emb = load_model(args, args.model)
    benchmarks = args.benchmark or list(BENCHMARKS)
    results: dict[str, Any] = {}
    for name in benchmarks:
        progress = bar(1, "benchmark", f"evaluate {name}")  # its name shows while it runs
        try:
            result = run_benchmark(emb, name)
        finally:
            if progress is not None:
                progress.close()
        key = name if name in BENCHMARKS else Path(name).name
        results[key] = result.to_dict()
    if record is not None:
        for key, value in results.items():
            ws.save_metrics(record.id, key, value)
    if args.json:
        print_json(results)
        return
    for key, value in results.items():
        if "accuracy" in value:
            print(
                f"{key}: accuracy {value['accuracy']:.4f} on {value['total']:,} of "
                f"{value['questions']:,} questions (coverage {value['coverage']:.1%})"
            )
            rows = [
                (s, v["accuracy"], v["correct"], v["total"]) for s, v in value["sections"].items()
            ]
            print(table(rows, ["section", "accuracy", "correct", "answered"]))
        else:
            print(
                f"{key}: Spearman {value['spearman']:.4f}, Pearson {value['pearson']:.4f} on "
                f"{value['pairs']:,} of {value['total']:,} pairs (coverage {value['coverage']:.1%})"
            )
        print()
