"""The `embedlab` command line: everything the app does, from a terminal.

Each command is a thin wrapper over one backend call. Errors a user can cause print one
line on stderr and exit with status 1; `--json` prints one JSON document on stdout.

>>> parser = build_parser()
>>> parser.parse_args(["neighbours", "lee", "king", "-k", "3"]).k
3
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError, InputError, NotFoundError

if TYPE_CHECKING:
    from embedlab.store.workspace import Workspace

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
OOV_MIN_COUNTS = (2, 5, 10)  # out-of-vocabulary shares `ingest` reports


# --- helpers ----------------------------------------------------------------------------
def _workspace(args: argparse.Namespace):  # noqa: ANN202 - Workspace, imported lazily
    from embedlab.store.workspace import Workspace

    return Workspace(args.home)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False, default=str)
    sys.stdout.write("\n")


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _bar(total: float, unit: str, desc: str):  # noqa: ANN202 - tqdm or None
    """A tqdm bar on stderr when stderr is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, file=sys.stderr, leave=False)


def _load_model(args: argparse.Namespace, key: str):  # noqa: ANN202 - Embeddings
    """A model from the workspace by name, else a vector file by path."""
    ws = _workspace(args)
    if ws.has_model(key):
        return ws.load_model(key)
    path = Path(key)
    if path.exists():
        from embedlab.formats import read_vectors

        return read_vectors(path, trust_pickle=getattr(args, "trust_pickle", False))
    raise NotFoundError(
        f"'{key}' is neither a model in the workspace nor a file; "
        "`embedlab models` lists the models."
    )


def _tokenize_options(args: argparse.Namespace):  # noqa: ANN202 - TokenizeOptions
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


def _ingest(args: argparse.Namespace, ws: Any, path: str, name: str | None) -> Any:
    source = Path(path)
    if not source.exists():
        raise InputError(f"No such file: {path}; check the path.")
    if source.is_dir():
        raise InputError(f"{path} is a folder; give a file (zip a folder of texts first).")
    bar = _bar(source.stat().st_size, "B", f"ingest {source.name}")
    last = [0]

    def on_bytes(done: int) -> None:
        if bar is not None:
            bar.update(done - last[0])
            last[0] = done

    try:
        return ws.add_corpus(
            source,
            name=name,
            options=_tokenize_options(args),
            text_column=args.text_column,
            on_progress=on_bytes,
        )
    finally:
        if bar is not None:
            bar.close()


# --- commands ---------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> None:
    ws = _workspace(args)
    from embedlab.ingest.corpus import oov_share, read_vocab

    record = _ingest(args, ws, args.path, args.name)
    stats = record.stats
    vocab = read_vocab(record.path)
    oov = {n: round(oov_share(vocab, n), 6) for n in OOV_MIN_COUNTS}
    if args.json:
        _print_json({"corpus": record.name, "path": str(record.path), **stats, "oov_share": oov})
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


def cmd_corpora(args: argparse.Namespace) -> None:
    records = _workspace(args).corpora()
    if args.json:
        _print_json(
            [{"name": r.name, "source": r.source, "created": r.created, **r.stats} for r in records]
        )
        return
    rows = [(r.name, r.stats.get("tokens"), r.stats.get("vocabulary"), r.source) for r in records]
    print(_table(rows, ["corpus", "tokens", "vocabulary", "source"]) if rows else "No corpora yet.")


def _train_config(args: argparse.Namespace):  # noqa: ANN202 - TrainConfig
    from embedlab.train import TrainConfig

    config = TrainConfig(
        algo=args.algo,
        architecture="cbow" if args.cbow else "skipgram",
        loss="hs" if args.hs else "negative",
        dim=args.dim,
        window=args.window,
        min_count=args.min_count,
        epochs=args.epochs,
        negative=args.negative,
        sample=args.sample,
        alpha=TrainConfig.usual_alpha(args.algo) if args.alpha is None else args.alpha,
        workers=args.workers,
        seed=args.seed,
        device=args.device,
    )
    config.validate()
    return config


def cmd_train(args: argparse.Namespace) -> None:
    from embedlab.jobs.process import create_training_run, run_training

    started = time.perf_counter()
    ws = _workspace(args)
    if args.run_id is not None:  # a job the app queued: its config is in the catalog
        run_id = args.run_id
    else:
        if args.corpus is None:
            raise InputError("Give a CORPUS: a corpus name (`embedlab corpora`) or a file path.")
        config = _train_config(args)
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
            corpus = _ingest(args, ws, args.corpus, None)
        run_id = create_training_run(ws, corpus.id, config, args.name)
    run = ws.run(run_id)
    epochs = int(run.config.get("epochs", 1))
    bar = _bar(epochs, "epoch", f"train {run.algo}")

    def on_progress(event: Any) -> None:
        if bar is not None and event.stage == "epoch":
            bar.n = round(event.fraction * epochs, 2)
            bar.set_postfix_str(f"{event.words_per_sec:,.0f} words/s")
            bar.refresh()

    _say_if_queued(ws, run_id)
    try:
        record = run_training(ws, run_id, on_progress)
    finally:
        if bar is not None:
            bar.close()
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
        _print_json(summary)
        return
    from embedlab.train import TrainConfig

    print(
        f"Trained '{record.name}' ({TrainConfig.from_dict(run.config).describe()}): "
        f"{record.vocab:,} words × {record.dim}d in {summary['seconds']:.1f} s "
        f"({summary.get('words_per_sec') or 0:,.0f} words/s)."
    )


def cmd_import(args: argparse.Namespace) -> None:
    from embedlab.formats import read_vectors

    path = Path(args.path)
    if not path.exists():
        raise InputError(f"No such file: {args.path}; check the path.")
    fmt = "pickle" if args.format == "pickle" else args.format
    emb = read_vectors(
        path,
        fmt,
        metadata=args.metadata,
        limit=args.limit,
        trust_pickle=args.trust_pickle,
        name=args.name,
    )
    record = _workspace(args).add_model(emb, name=args.name)
    if args.json:
        _print_json(
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


def cmd_export(args: argparse.Namespace) -> None:
    from embedlab.formats import write_vectors

    emb = _load_model(args, args.model)
    written = write_vectors(emb, args.out, args.format)
    for path in written:
        print(path)


def cmd_models(args: argparse.Namespace) -> None:
    ws = _workspace(args)
    records = ws.models()
    if args.json:
        _print_json(
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
        _table(rows, ["model", "origin", "kind", "vocab", "dim", "corpus"])
        if rows
        else "No models yet."
    )


def _say_if_queued(ws: Workspace, run_id: int) -> None:
    """One stderr line when the run must wait for a job slot (`EMBEDLAB_MAX_JOBS`)."""
    from embedlab.app.jobs import run_status

    status = run_status(ws, run_id)
    if status.startswith("queued ("):
        print(
            f"Run {run_id} is {status}: the most training jobs that run at once "
            "(EMBEDLAB_MAX_JOBS) are running; it starts when one ends (Ctrl-C to give up).",
            file=sys.stderr,
            flush=True,
        )


def cmd_runs(args: argparse.Namespace) -> None:
    from embedlab.app.jobs import run_status

    ws = _workspace(args)
    runs = ws.runs()
    if args.json:
        _print_json([r.__dict__ for r in runs])
        return
    rows = [
        (r.id, run_status(ws, r.id) if r.status == "queued" else r.status, r.algo,
         r.model_name, r.started, r.error)
        for r in runs
    ]  # fmt: skip
    print(
        _table(rows, ["run", "status", "algo", "model", "started", "error"])
        if rows
        else "No runs yet."
    )


def cmd_delete(args: argparse.Namespace) -> None:
    ws = _workspace(args)
    if args.corpus:
        ws.delete_corpus(args.name)
        print(f"Deleted corpus '{args.name}'.")
    else:
        ws.delete_model(args.name)
        print(f"Deleted model '{args.name}'.")


def _print_neighbours(
    items: Sequence[Any], as_json: bool, header: str, metric: str = "cosine"
) -> None:
    if as_json:
        _print_json([{"word": n.word, "score": round(float(n.score), 6)} for n in items])
        return
    print(header)
    label = "distance" if metric == "euclidean" else "cosine"
    print(_table([(i + 1, n.word, n.score) for i, n in enumerate(items)], ["#", "word", label]))


def cmd_neighbours(args: argparse.Namespace) -> None:
    from embedlab.expressions import parse

    emb = _load_model(args, args.model)
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
        result = emb.evaluate(args.word, k=args.k, restrict=args.restrict)
        items = result.neighbours
        header = f"Nearest to {result.name} in {emb.name}:"
    _print_neighbours(items, args.json, header, args.metric)


def cmd_analogy(args: argparse.Namespace) -> None:
    emb = _load_model(args, args.model)
    items = emb.analogy(
        args.a, args.b, args.c, k=args.k, method=args.method, restrict=args.restrict
    )
    header = f"{args.a} is to {args.b} as {args.c} is to ... ({args.method}, {emb.name}):"
    _print_neighbours(items, args.json, header)


def cmd_similarity(args: argparse.Namespace) -> None:
    emb = _load_model(args, args.model)
    value = emb.similarity(args.a, args.b)
    if args.json:
        _print_json({"a": args.a, "b": args.b, "cosine": value})
    else:
        print(f"cosine({args.a}, {args.b}) = {value:.4f}")


def cmd_odd_one_out(args: argparse.Namespace) -> None:
    emb = _load_model(args, args.model)
    odd = emb.odd_one_out(args.words)
    if args.json:
        _print_json({"words": args.words, "odd_one_out": odd})
    else:
        print(odd)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from embedlab.analysis.evaluate import BENCHMARKS, run_benchmark

    emb = _load_model(args, args.model)
    benchmarks = args.benchmark or list(BENCHMARKS)
    results: dict[str, Any] = {}
    for name in benchmarks:
        bar = _bar(1, "benchmark", f"evaluate {name}")
        result = run_benchmark(emb, name)
        if bar is not None:
            bar.close()
        key = name if name in BENCHMARKS else Path(name).name
        results[key] = result.to_dict()
    model_id = emb.meta.get("model_id")  # set only for a catalog model, not a file path
    if model_id is not None:
        ws = _workspace(args)
        for key, value in results.items():
            ws.save_metrics(int(model_id), key, value)
    if args.json:
        _print_json(results)
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
            print(_table(rows, ["section", "accuracy", "correct", "answered"]))
        else:
            print(
                f"{key}: Spearman {value['spearman']:.4f}, Pearson {value['pearson']:.4f} on "
                f"{value['pairs']:,} of {value['total']:,} pairs (coverage {value['coverage']:.1%})"
            )
        print()


def _labelled_data(args: argparse.Namespace):  # noqa: ANN202 - LabelledTexts
    from embedlab.ingest.labelled import demo_labelled, read_labelled

    if args.data == "demo" and not Path(args.data).exists():
        if args.text_column or args.label_column:
            raise InputError("The demo set has no columns; drop --text-column/--label-column.")
        return demo_labelled()
    return read_labelled(args.data, text_column=args.text_column, label_column=args.label_column)


def cmd_classify(args: argparse.Namespace) -> None:
    from embedlab.analysis.classify import ClassifyConfig, run_classification

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
    ).validate()
    data = _labelled_data(args)
    ws = _workspace(args)
    emb = _load_model(args, args.model) if config.needs_model else None
    bar = _bar(1.0, "run", "classify")

    def on_progress(event: Any) -> None:
        if bar is not None:
            bar.n = round(event.fraction, 3)
            bar.set_postfix_str(event.message[:60])
            bar.refresh()

    try:
        result = run_classification(data, config, ws, on_progress, emb=emb)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        _print_json(result.to_json())
        return
    _print_classification(result)


def _print_classification(result: Any) -> None:
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
    if result.baseline is not None:
        base = result.baseline
        rows.append(
            ("TF-IDF + logreg baseline", base["accuracy"], base["macro_f1"], base["seconds"])
        )
    print(_table(rows, ["configuration", "accuracy", "macro-F1", "seconds"]))
    print()
    per_class = [
        (label, v["precision"], v["recall"], v["f1-score"], int(v["support"]))
        for label, v in result.per_class.items()
    ]
    print(_table(per_class, ["class", "precision", "recall", "F1", "support"]))
    print()
    labels = result.labels
    matrix = [(f"true {label}", *row) for label, row in zip(labels, result.confusion, strict=True)]
    print(_table(matrix, ["confusion", *[f"pred {label}" for label in labels]]))
    if result.mistakes:
        print()
        print("Most confident mistakes:")
        for m in result.mistakes[:5]:
            text = m["text"] if len(m["text"]) <= 90 else m["text"][:87] + "..."
            print(f"  {m['confidence']:.2f} {m['true']} → {m['predicted']}: {text}")


def cmd_classifications(args: argparse.Namespace) -> None:
    records = _workspace(args).classifications()
    if args.json:
        _print_json([{**r.report, "id": r.id, "created": r.created} for r in records])
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
    print(_table(rows, headers) if rows else "No classification results yet.")


def cmd_app(args: argparse.Namespace) -> None:
    import subprocess

    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        raise InputError(
            f"Cannot find the app at {app}; run embedlab from a checkout of the repository."
        )
    env = dict(os.environ)
    if args.home:
        env["EMBEDLAB_HOME"] = str(Path(args.home).resolve())
    if args.demo:
        from embedlab.ingest.labelled import ensure_demo_corpus

        record, created = ensure_demo_corpus(_workspace(args))
        if created:
            print(f"Added the demo corpus '{record.name}' (gensim's Lee news corpus).")
    from embedlab.limits import MAX_UPLOAD_MB

    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port),
        "--server.address", args.address,
        "--server.maxUploadSize", str(MAX_UPLOAD_MB.value()),
    ]  # fmt: skip
    raise SystemExit(subprocess.call(cmd, env=env))


# --- parser -----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str):  # noqa: ANN201 - NoReturn
        self.exit(2, f"embedlab: error: {message}; see '{self.prog} --help'.\n")


def _corpus_flags(p: argparse.ArgumentParser) -> None:
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


class _Given(argparse.Action):
    """Stores the value and notes that the option was given (to refuse --cv with --test-size)."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001, ANN204
        setattr(namespace, self.dest, values)
        namespace.cv_given = True


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = _Parser(prog="embedlab", description="Train, load and explore word embeddings.")
    parser.add_argument("--home", help="workspace folder (default $EMBEDLAB_HOME or ./.embedlab)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, func: Callable[[argparse.Namespace], None], help: str, json_flag: bool = True
    ):  # noqa: A002, ANN202
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        return p

    p = command("ingest", cmd_ingest, "clean a text/CSV/JSONL/.gz/.zip file into a corpus")
    p.add_argument("path")
    p.add_argument("--name", help="corpus name (default: the file name)")
    _corpus_flags(p)

    command("corpora", cmd_corpora, "list the corpora in the workspace")

    p = command("train", cmd_train, "train word vectors on a corpus (a workspace corpus or a file)")
    p.add_argument("corpus", metavar="CORPUS", nargs="?")
    p.add_argument(
        "--algo",
        default="word2vec",
        help="word2vec, fasttext, sgns (torch skip-gram/CBOW) or glove (default word2vec)",
    )
    arch = p.add_mutually_exclusive_group()
    arch.add_argument("--sg", action="store_true", help="skip-gram (default)")
    arch.add_argument("--cbow", action="store_true", help="continuous bag of words")
    p.add_argument(
        "--hs", action="store_true", help="hierarchical softmax instead of negative sampling"
    )
    p.add_argument("--dim", type=int, default=100, help="vector size (default 100)")
    p.add_argument("--window", type=int, default=5, help="context window (default 5)")
    p.add_argument(
        "--min-count", type=int, default=5, help="ignore words seen fewer times (default 5)"
    )
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--negative", type=int, default=5, help="negative samples per word (default 5)")
    p.add_argument(
        "--sample", type=float, default=1e-3, help="down-sampling of frequent words (default 1e-3)"
    )
    p.add_argument(
        "--alpha", type=float, help="initial learning rate (default 0.025; 0.05 for glove)"
    )
    p.add_argument("--workers", type=int, default=0, help="threads; 0 = all cores (default)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (torch trainers)")
    p.add_argument("--name", help="model name (default: corpus and settings)")
    p.add_argument("--run-id", type=int, help=argparse.SUPPRESS)  # set by the app's job runner
    _corpus_flags(p)

    p = command("import", cmd_import, "load a pretrained vector file into the workspace")
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

    p = command(
        "export",
        cmd_export,
        "write a model as word2vec, word2vec-bin, glove, tsv or native",
        json_flag=False,
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument(
        "--format", required=True, choices=["word2vec", "word2vec-bin", "glove", "tsv", "native"]
    )
    p.add_argument("out", metavar="OUT")

    command("models", cmd_models, "list the models in the workspace")
    command("runs", cmd_runs, "list training runs and their state")

    p = command(
        "delete", cmd_delete, "delete a model (or, with --corpus, a corpus)", json_flag=False
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--corpus", action="store_true", help="NAME is a corpus")

    def model_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("model", metavar="MODEL", help="a workspace model name or a vector file")
        p.add_argument(
            "--trust-pickle", action="store_true", help="allow MODEL to be a gensim pickle"
        )

    p = command(
        "neighbours",
        cmd_neighbours,
        "nearest words to a word or an expression like 'king - man + woman'",
    )
    model_arg(p)
    p.add_argument("word", metavar="WORD")
    p.add_argument("-k", type=int, default=10, help="how many (default 10)")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument("--restrict", type=int, help="search only the N most frequent words")

    p = command("analogy", cmd_analogy, "A is to B as C is to ?")
    model_arg(p)
    for w in ("a", "b", "c"):
        p.add_argument(w, metavar=w.upper())
    p.add_argument("--method", default="3cosadd", choices=["3cosadd", "3cosmul"])
    p.add_argument("-k", type=int, default=5, help="how many answers (default 5)")
    p.add_argument("--restrict", type=int, help="answer only from the N most frequent words")

    p = command("similarity", cmd_similarity, "cosine similarity of two words")
    model_arg(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")

    p = command("odd-one-out", cmd_odd_one_out, "the word that fits least with the others")
    model_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD")

    p = command("evaluate", cmd_evaluate, "analogy, WordSim353 and SimLex-999 benchmarks")
    model_arg(p)
    p.add_argument(
        "--benchmark",
        action="append",
        help="analogy, ws353, simlex or a file path (repeatable; default: all three)",
    )

    p = command(
        "classify",
        cmd_classify,
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
    p.add_argument("--finetune", action="store_true", help="torch: train the word vectors too")
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

    command("classifications", cmd_classifications, "list stored classification results")

    p = command("app", cmd_app, "start the web app", json_flag=False)
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="where to listen: 127.0.0.1 (default) for this computer only; this machine's "
        "address on the classroom network for a class",
    )
    p.add_argument(
        "--demo", action="store_true", help="add the demo corpus first if the workspace has none"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors become one stderr line and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except EmbedlabError as err:
        print(f"embedlab: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("embedlab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        print(f"embedlab: error: {err.strerror or err}{where}.", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback for users
        if os.environ.get("EMBEDLAB_DEBUG"):
            raise
        print(
            f"embedlab: internal error: {type(err).__name__}: {err} "
            "(set EMBEDLAB_DEBUG=1 to see the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
