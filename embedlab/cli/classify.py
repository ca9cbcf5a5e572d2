"""`embedlab classify` and `embedlab classifications`: text classifiers, scored and listed.

>>> sub = argparse.ArgumentParser().add_subparsers()
>>> register(sub)
>>> args = sub.choices["classify"].parse_args(["demo", "--test-size", "0.2"])
>>> args.cv_given, args.test_size
(False, 0.2)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from embedlab.cli.common import (
    PERCENT_BAR,
    add_command,
    bar,
    load_model,
    print_json,
    table,
    workspace,
)
from embedlab.errors import InputError


class _Given(argparse.Action):
    """Stores the value and notes that the option was given (to refuse --cv with --test-size)."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001, ANN204
        setattr(namespace, self.dest, values)
        namespace.cv_given = True


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `classify` and `classifications` commands."""
    p = add_command(
        sub,
        "classify",
        run_classify,
        "train and score a text classifier on labelled texts (a file, a folder or 'demo')",
    )
    p.add_argument(
        "data",
        metavar="DATA",
        help="CSV/TSV/JSONL, fastText lines, a .zip or folder with one sub-folder per class, "
        "or 'demo' (gensim's 200 Pang & Lee movie-review sentences)",
    )
    p.add_argument("--text-column", help="column or field that holds the text (guessed if omitted)")
    p.add_argument(
        "--label-column", help="column or field that holds the label (guessed if omitted)"
    )
    p.add_argument(
        "--features",
        choices=["tfidf", "mean", "tfidf-mean", "sif", "minilm"],
        help="tfidf (default), mean / tfidf-mean / sif of a model's word vectors, or minilm "
        "(the all-MiniLM-L6-v2 sentence encoder)",
    )
    p.add_argument("--model", help="word-vector model (workspace name or file) for pooled features")
    p.add_argument("--classifier", default="logreg", choices=["logreg", "torch"])
    p.add_argument(
        "--finetune",
        action="store_true",
        help="torch: train the word vectors too; minilm: fine-tune the encoder end to end with "
        "a linear head (one pass, the best weights on a validation split kept; also scores the "
        "frozen encoder)",
    )
    p.add_argument(
        "--max-length", type=int, default=64, help="minilm --finetune: word pieces per text"
    )
    p.add_argument("--hidden", type=int, default=0, help="torch: hidden units (default 0: linear)")
    p.add_argument("--epochs", type=int, default=30, help="torch: most epochs (default 30)")
    p.add_argument("--cv", type=int, default=5, action=_Given, help="stratified folds (default 5)")
    p.add_argument("--test-size", type=float, help="held-out share instead of CV, e.g. 0.2")
    p.add_argument("--seed", type=int, default=0, help="random seed of the splits (default 0)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (torch head, MiniLM)")
    p.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also score TF-IDF + logistic regression on the same splits (default on)",
    )
    p.set_defaults(cv_given=False)

    add_command(sub, "classifications", run_classifications, "list stored classification results")


def _labelled_data(args: argparse.Namespace):  # noqa: ANN202 - LabelledTexts
    from embedlab.ingest.labelled import read_labelled
    from embedlab.ingest.polarity import classify_demo

    if args.data == "demo" and not Path(args.data).exists():
        if args.text_column or args.label_column:
            raise InputError("The demo set has no columns; drop --text-column/--label-column.")
        return classify_demo()
    return read_labelled(args.data, text_column=args.text_column, label_column=args.label_column)


def run_classify(args: argparse.Namespace) -> None:
    """Score a classifier (with a progress bar on a terminal) and print or store its report."""
    from embedlab.analysis.classify import ClassifyConfig
    from embedlab.jobs.classify import classify_and_save

    if args.test_size is not None and args.cv_given:
        raise InputError("Choose --cv or --test-size, not both.")
    features = args.features or ("mean" if args.classifier == "torch" else "tfidf")
    config = ClassifyConfig(
        features=features,
        classifier=args.classifier,
        model=args.model,
        finetune=args.finetune,
        hidden=args.hidden,
        cv=None if args.test_size is not None else args.cv,
        test_size=args.test_size,
        seed=args.seed,
        device=args.device,
        baseline=args.baseline,
        epochs=args.epochs,
        max_length=args.max_length,
    ).validate()
    # Like `train`'s, the bar shows on a terminal only; it starts before the data and the
    # model load, and follows every stage (encoder batches, folds, epochs) with its message.
    progress = bar(100, "%", "classify", PERCENT_BAR)

    def say(message: str, percent: float | None = None) -> None:
        if progress is not None:
            if percent is not None:
                progress.n = round(percent, 1)
            progress.set_postfix_str(message[:60])
            progress.refresh()

    def on_progress(event: Any) -> None:
        if event.stage == "estimate":  # a fine-tuning's expected time, before it goes on
            print(f"Estimate: {event.message}", file=sys.stderr, flush=True)
        say(event.message, 100 * event.fraction)

    try:
        say("reading the labelled texts")
        data = _labelled_data(args)
        ws = workspace(args)
        emb = None
        if config.needs_model:
            say(f"loading the model '{args.model}'")
            emb = load_model(args, args.model)
        result = classify_and_save(ws, data, config, on_progress, emb=emb)
    finally:
        if progress is not None:
            progress.close()
    if args.json:
        print_json(result.to_json())
        return
    _print_classification(result)


def _print_classification(result: Any) -> None:
    """The report: data, settings, scores against the baseline, per class, confusions."""
    data = result.dataset
    balance = ", ".join(f"{k} {v:,}" for k, v in data["balance"].items())
    print(
        f"{data['name']}: {data['documents']:,} texts, {len(data['classes'])} classes ({balance})."
    )
    print(f"{result.config.describe()} (result #{result.record_id}, {result.seconds:.1f} s)")
    if result.model is not None:
        print(
            f"Word vectors: '{result.model['name']}' "
            f"({result.model['vocab']:,} words × {result.model['dim']}d)"
        )
    if result.oov is not None:
        oov = result.oov
        print(
            f"Out of vocabulary: {oov['oov_tokens']:,} of {oov['tokens']:,} tokens "
            f"({oov['oov_rate']:.1%}); {oov['documents_without_known_words']:,} texts with no "
            "known word."
        )
    if result.encoder is not None:
        enc = result.encoder
        how = "from the cache" if enc["cached"] else f"in {enc['seconds']:.1f} s on {enc['device']}"
        print(f"Sentence encodings: {enc['name']}, {enc['texts']:,} texts {how}.")
    print()
    own = result.seconds - (result.baseline or {}).get("seconds", 0.0)
    rows = [("this run", result.accuracy, result.macro_f1, own)]
    if result.frozen is not None:
        frozen = result.frozen
        rows.append(("frozen MiniLM + logreg", frozen["accuracy"], frozen["macro_f1"], None))
    if result.baseline is not None:
        base = result.baseline
        rows.append(
            ("TF-IDF + logreg baseline", base["accuracy"], base["macro_f1"], base["seconds"])
        )
    print(table(rows, ["configuration", "accuracy", "macro-F1", "seconds"]))
    print()
    per_class = [
        (label, v["precision"], v["recall"], v["f1-score"], int(v["support"]))
        for label, v in result.per_class.items()
    ]
    print(table(per_class, ["class", "precision", "recall", "F1", "support"]))
    print()
    labels = result.labels
    matrix = [(f"true {label}", *row) for label, row in zip(labels, result.confusion, strict=True)]
    print(table(matrix, ["confusion", *[f"pred {label}" for label in labels]]))
    if result.mistakes:
        print()
        print("Most confident mistakes:")
        for m in result.mistakes[:5]:
            text = m["text"] if len(m["text"]) <= 90 else m["text"][:87] + "..."
            print(f"  {m['confidence']:.2f} {m['true']} → {m['predicted']}: {text}")


def run_classifications(args: argparse.Namespace) -> None:
    """List the stored classification results."""
    records = workspace(args).classifications()
    if args.json:
        print_json([{**r.report, "id": r.id, "created": r.created} for r in records])
        return
    rows = [
        (
            r.id,
            r.dataset,
            r.features,
            r.classifier,
            r.accuracy,
            r.macro_f1,
            (r.report.get("baseline") or {}).get("accuracy"),
            r.created,
        )
        for r in records
    ]
    headers = [
        "id",
        "dataset",
        "features",
        "classifier",
        "accuracy",
        "macro-F1",
        "baseline",
        "created",
    ]
    print(table(rows, headers) if rows else "No classification results yet.")
