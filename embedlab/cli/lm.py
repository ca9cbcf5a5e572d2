"""`embedlab lm CORPUS` trains a small next-word language model; `embedlab lm-complete NAME
PROMPT` asks a saved one for the most likely next words.

`--init MODEL` starts the embedding layer from a model's vectors (`--freeze` keeps them
fixed); the default is random. `--save NAME` writes the trained LM to `<workspace>/lms/NAME`
(safetensors weights and JSON: nothing pickled), where `lm-complete` finds it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

LMS = "lms"  # the workspace subfolder of saved language models


def register(sub: Any) -> None:  # argparse's private _SubParsersAction
    """Add the `lm` and `lm-complete` commands to a subparsers object."""
    from embedlab.train.lm import ARCHS, LMConfig

    defaults = LMConfig()
    about = "train a next-word language model, its embedding layer random or from a model"
    p = sub.add_parser("lm", help=about, description=about)
    p.add_argument("corpus", metavar="CORPUS", help="a workspace corpus name or a corpus folder")
    p.add_argument(
        "--init",
        default="random",
        metavar="MODEL",
        help="start the embedding layer from this model (workspace name or vector file), "
        "or 'random' (default)",
    )
    p.add_argument("--freeze", action="store_true", help="keep the model's vectors fixed")
    p.add_argument("--arch", choices=ARCHS, default=defaults.arch, help="default lstm")
    p.add_argument(
        "--dim",
        type=int,
        help="width the network reads (default: the model's dimension, or 64 if random; "
        "another width adds a linear projection)",
    )
    p.add_argument("--hidden", type=int, default=defaults.hidden, help="default 128")
    p.add_argument("--epochs", type=int, default=defaults.epochs, help="default 4")
    p.add_argument("--min-count", type=int, default=defaults.min_count, help="default 2")
    p.add_argument("--max-tokens", type=int, help="train on a seeded slice of N tokens")
    p.add_argument("--seed", type=int, default=defaults.seed, help="default 0")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--save", metavar="NAME", help="save the LM as <workspace>/lms/NAME")
    p.add_argument("--trust-pickle", action="store_true", help="allow MODEL to be a gensim pickle")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")
    p.set_defaults(func=run_lm)

    about = "the most likely next words after a prompt, from an LM saved with `lm --save`"
    p = sub.add_parser("lm-complete", help=about, description=about)
    p.add_argument("name", metavar="NAME", help="a name given to `embedlab lm --save`")
    p.add_argument("prompt", metavar="PROMPT", help="the text so far, e.g. 'the president of'")
    p.add_argument("-k", type=int, default=10, help="how many words (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run_lm_complete)


def _lm_folder(ws: Any, name: str) -> Path:
    from embedlab.store.records import check_name, slug

    return Path(ws.root) / LMS / slug(check_name(name))


def _corpus_path(ws: Any, key: str) -> Path:
    from embedlab.errors import NotFoundError

    try:
        return ws.corpus(key).path
    except NotFoundError:
        if Path(key).exists():
            return Path(key)
        raise NotFoundError(
            f"'{key}' is neither a corpus in the workspace nor a folder or file; "
            "`embedlab corpora` lists the corpora."
        ) from None


def run_lm(args: argparse.Namespace) -> None:
    """Train the LM, print its report (or JSON), save it with --save."""
    from embedlab.cli import _load_model, _print_json, _table, _workspace
    from embedlab.errors import InputError
    from embedlab.train.lm import LMConfig, save_lm, train_lm

    ws = _workspace(args)
    corpus = _corpus_path(ws, args.corpus)
    random = args.init.strip().lower() == "random"
    if args.freeze and random:
        raise InputError("--freeze keeps a model's vectors fixed; give one with --init MODEL.")
    config = LMConfig(
        arch=args.arch,
        freeze=args.freeze,
        dim=args.dim,
        hidden=args.hidden,
        epochs=args.epochs,
        min_count=args.min_count,
        max_tokens=args.max_tokens,
        seed=args.seed,
        device=args.device,
    )
    config.validate()
    folder = _lm_folder(ws, args.save) if args.save else None
    if folder is not None and folder.exists():
        raise InputError(
            f"A language model named '{args.save}' already exists; choose another name."
        )
    init = None if random else _load_model(args, args.init)

    def on_progress(event: Any) -> None:
        if event.stage == "epoch" and not args.json:
            print(
                f"epoch {event.epoch}/{event.epochs}: loss {event.loss:.3f}, validation "
                f"perplexity {event.valid_perplexities[-1]:.1f}, {event.tokens_per_sec:,.0f} "
                "tokens/s",
                file=sys.stderr,
                flush=True,
            )

    lm = train_lm(corpus, config, init=init, on_progress=on_progress)
    report = lm.report
    assert report is not None
    saved = str(save_lm(lm, folder)) if folder is not None else None
    if args.json:
        _print_json({**report.to_dict(), "saved": saved})
        return
    start = (
        "random"
        if init is None
        else f"{report.init_model}" + (" (frozen)" if config.freeze else " (fine-tuned)")
    )
    rows = [
        ("embedding layer", start),
        ("vocabulary", report.vocab_size),
        ("words without a vector", report.init_missing if init is not None else None),
        ("tokens train/valid/test", "/".join(f"{n:,}" for n in report.tokens.values())),
        ("test words out of vocabulary", f"{report.oov_share:.1%}"),
        ("validation perplexity", " ".join(f"{p:.1f}" for p in report.valid_perplexities)),
        ("best epoch", report.best_epoch),
        ("test perplexity", round(report.test_perplexity, 2)),
        ("unigram perplexity", round(report.unigram_perplexity, 2)),
        ("tokens/s", round(report.tokens_per_sec)),
        ("seconds", round(report.seconds, 1)),
    ]
    print(_table(rows, ["", config.describe()]))
    if saved:
        print(f'Saved to {saved}; try: embedlab lm-complete {args.save} "the"')


def run_lm_complete(args: argparse.Namespace) -> None:
    """Load a saved LM and print its top next words for the prompt."""
    from embedlab.cli import _print_json, _table, _workspace
    from embedlab.train.lm import complete, load_lm

    lm = load_lm(_lm_folder(_workspace(args), args.name))
    top = complete(lm, args.prompt, args.k)
    if args.json:
        _print_json({"prompt": args.prompt, "next": [{"word": w, "p": p} for w, p in top]})
        return
    print(_table([(i, w, round(p, 4)) for i, (w, p) in enumerate(top, 1)], ["#", "word", "p"]))
