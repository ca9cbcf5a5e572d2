"""The first start: every page has something to show before anyone clicks.

`embedlab app --demo` (what `make run` starts) calls `prepare(ws)`, which takes a second:
the demo corpus is ingested and the pretrained English model (`minilm-static`, extracted from
an installed package) is listed, so Neighbours, Analogies, Projection and Axes work at once.
It then starts `warm_up` in a child process, which takes seconds to a minute on two cores:
it trains the Lee demo model, scores both models on the benchmarks (the Evaluate page reads
the stored scores) and classifies the sentence-polarity demo (the Classify page shows it).
Each step is skipped when its result is already in the workspace, so a restart costs nothing.

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> [step.split(":")[0] for step in prepare(ws, start_warm_up=False)]
['corpus', 'model']
>>> [m.name for m in ws.models()], [c.name for c in ws.corpora()]
(['minilm-static'], ['lee'])
>>> prepare(ws, start_warm_up=False)
[]
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.ingest.polarity import POLARITY_NAME

if TYPE_CHECKING:
    from embedlab.analysis.classify import ClassifyConfig
    from embedlab.store.workspace import ModelRecord, Workspace
    from embedlab.train import TrainConfig

PRETRAINED = "minilm-static"
DEMO_MODEL = "lee-demo"
WARM_UP_LOG = "warm-up.log"


def demo_train_config() -> TrainConfig:
    """The Lee demo model: skip-gram, 50 dimensions, a few seconds on two cores."""
    from embedlab.train import TrainConfig

    return TrainConfig(dim=50, epochs=15, min_count=3, window=5, seed=1)


def demo_classify_config() -> ClassifyConfig:
    """The Classify page's first result: TF-IDF + logistic regression, 5-fold CV."""
    from embedlab.analysis.classify import ClassifyConfig

    return ClassifyConfig(features="tfidf", classifier="logreg", cv=5, seed=0)


def ensure_pretrained(ws: Workspace) -> tuple[ModelRecord, bool]:
    """The pretrained English model, listed on first use; (record, created)."""
    if ws.has_model(PRETRAINED):
        return ws.model(PRETRAINED), False
    from embedlab.ingest.pretrained import minilm_static

    return ws.add_model(minilm_static(), name=PRETRAINED), True


def prepare(ws: Workspace, start_warm_up: bool = True) -> list[str]:
    """What must be there before the first page draws; returns one line per thing added
    ("corpus: ...", "model: ...", "warm-up: ...")."""
    from embedlab.jobs.corpora import ensure_demo_corpus

    done = []
    corpus, created = ensure_demo_corpus(ws)
    if created:
        done.append(f"corpus: added the demo corpus '{corpus.name}' (gensim's Lee news corpus)")
    model, created = ensure_pretrained(ws)
    if created:
        done.append(
            f"model: listed '{model.name}' ({model.vocab:,} words × {model.dim}), "
            "the static word vectors of the all-MiniLM-L6-v2 encoder"
        )
    if start_warm_up and pending_steps(ws):
        pid = start_warm_up_job(ws)
        done.append(f"warm-up: training the Lee demo model and scoring in process {pid}")
    return done


def pending_steps(ws: Workspace) -> list[str]:
    """The warm-up steps whose results the workspace does not hold yet."""
    steps = []
    if not ws.has_model(DEMO_MODEL) and ws.has_model(PRETRAINED):
        steps.append("train")
    for name in (PRETRAINED, DEMO_MODEL):
        if name == DEMO_MODEL and "train" in steps:
            steps.append("evaluate")
            break
        if ws.has_model(name) and not ws.metrics(name):
            steps.append("evaluate")
            break
    if not any(r.dataset == POLARITY_NAME for r in ws.classifications()):
        steps.append("classify")
    return steps


def warm_up(ws: Workspace, say: Callable[[str], None] = print) -> None:
    """Train the Lee demo model, score the models, classify the polarity demo — each only
    when its result is missing. Runs in the child that `start_warm_up_job` starts."""
    from embedlab.analysis.evaluate import BENCHMARKS, run_benchmark
    from embedlab.jobs.classify import classify_and_save
    from embedlab.jobs.corpora import ensure_demo_corpus
    from embedlab.jobs.process import create_training_run, run_training

    corpus, _ = ensure_demo_corpus(ws)
    if not ws.has_model(DEMO_MODEL):
        say(f"training {DEMO_MODEL} on {corpus.name}")
        run_training(ws, create_training_run(ws, corpus.id, demo_train_config(), DEMO_MODEL))
    for name in (PRETRAINED, DEMO_MODEL):
        if not ws.has_model(name):
            continue
        scored = ws.metrics(name)
        emb = None
        for benchmark in BENCHMARKS:
            if benchmark in scored:
                continue
            emb = emb if emb is not None else ws.load_model(name)
            say(f"scoring {name} on {benchmark}")
            ws.save_metrics(name, benchmark, run_benchmark(emb, benchmark).to_dict())
    if not any(r.dataset == POLARITY_NAME for r in ws.classifications()):
        from embedlab.ingest.polarity import polarity_labelled

        say("classifying the sentence-polarity demo with TF-IDF")
        classify_and_save(ws, polarity_labelled(), demo_classify_config())
    say("warm-up done")


def start_warm_up_job(ws: Workspace) -> int:
    """Run `warm_up` in a child process (its log under the workspace); returns its pid."""
    log = ws.root / "logs" / WARM_UP_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "embedlab.jobs.bootstrap", str(ws.root)]
    with open(log, "ab") as out:
        child = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=dict(os.environ),
        )
    return child.pid


def _main(argv: list[str]) -> int:
    from embedlab.errors import EmbedlabError
    from embedlab.store.workspace import Workspace

    ws = Workspace(Path(argv[0]) if argv else None)
    try:
        warm_up(ws, say=lambda line: print(line, flush=True))
    except EmbedlabError as err:
        print(f"warm-up stopped: {err}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
