"""Training as a job: a run in the catalog, executed in this process or in a child process.

The CLI's `train` runs a job in its own process; the app starts `embedlab train --run-id N`
as a child process and polls the run's progress rows, so a page reload, a second tab or
a second user neither stops nor duplicates it. A job is cancelled with SIGTERM; a job
whose process died is marked failed on the next look (`Workspace.reap_dead_runs`).

>>> import tempfile
>>> from embedlab.train import TrainConfig
>>> from embedlab.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> create_training_run(ws, "nope", TrainConfig())
Traceback (most recent call last):
...
embedlab.errors.NotFoundError: No corpus named 'nope' in the workspace; ...
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError, InputError
from embedlab.workspace import ModelRecord, Workspace, check_name

if TYPE_CHECKING:
    from embedlab.train import TrainConfig
    from embedlab.train.progress import ProgressEvent


class Cancelled(EmbedlabError):
    """The run was stopped by SIGTERM (the app's Cancel button, or `kill`)."""


def default_model_name(corpus_name: str, config: TrainConfig) -> str:
    """A readable model name from the corpus and the settings.

    >>> from embedlab.train import TrainConfig
    >>> default_model_name("lee", TrainConfig(architecture="cbow", loss="hs", dim=50))
    'lee-w2v-cbow-hs-50d'
    """
    if config.algo in ("word2vec", "fasttext"):
        arch = "sg" if config.architecture == "skipgram" else "cbow"
        loss = "-hs" if config.loss == "hs" else ""
        short = "w2v" if config.algo == "word2vec" else "ft"
        return f"{corpus_name}-{short}-{arch}{loss}-{config.dim}d"
    return f"{corpus_name}-{config.algo}-{config.dim}d"


def create_training_run(
    ws: Workspace, corpus: str | int, config: TrainConfig, name: str | None = None
) -> int:
    """Check everything that can be checked up front, then list a queued run."""
    config.validate()
    record = ws.corpus(corpus)
    if name is not None and ws.has_model(check_name(name)):
        raise InputError(f"A model named '{name}' already exists; choose another name.")
    return ws.create_run(config.algo, config.to_dict(), record.id, name)


def run_training(
    ws: Workspace, run_id: int, on_progress: Callable[[ProgressEvent], None] | None = None
) -> ModelRecord:
    """Execute a queued run here: progress rows, the model listed, the run marked done.

    Any failure marks the run failed (or cancelled, on SIGTERM) with its message and
    lists no model; the error is raised again for the caller to report.
    """
    from embedlab.train import TrainConfig, train

    run = ws.run(run_id)
    if run.status != "queued":
        raise InputError(f"Run {run_id} is {run.status}, not queued; start a new run instead.")
    ws.start_run(run_id)

    def progress(event: ProgressEvent) -> None:
        ws.add_progress(run_id, event)
        if on_progress is not None:
            on_progress(event)

    def on_term(signum: int, frame: Any) -> None:
        raise Cancelled("The run was cancelled.")

    in_main = _in_main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if in_main else None
    try:
        config = TrainConfig.from_dict(run.config)
        if run.corpus_id is None:
            raise InputError("The run's corpus has been deleted; choose a corpus and start again.")
        corpus = ws.corpus(run.corpus_id)
        emb = train(corpus.path, config, progress)
        name = run.model_name or default_model_name(corpus.name, config)
        record = ws.add_model(
            emb.with_meta(name=name), name=run.model_name, corpus_id=corpus.id, run_id=run_id
        )
    except Cancelled as err:
        ws.fail_run(run_id, str(err), status="cancelled")
        raise
    except EmbedlabError as err:
        ws.fail_run(run_id, str(err))
        raise
    except BaseException as err:
        ws.fail_run(run_id, f"Training failed: {type(err).__name__}: {err}")
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    timings = dict(emb.meta.get("timings", {}))
    ws.finish_run(
        run_id,
        record.id,
        {
            "model": record.name,
            "vocab": len(emb),
            "dim": emb.dim,
            "train_seconds": timings.get("train_seconds"),
            "words_per_sec": emb.meta.get("words_per_sec"),
            "epoch_losses": emb.meta.get("epoch_losses", []),
        },
    )
    return record


def log_path(ws: Workspace, run_id: int) -> Path:
    """Where a child job writes its stdout and stderr."""
    return ws.root / "logs" / f"run-{run_id}.log"


def start_training_job(ws: Workspace, run_id: int) -> int:
    """Run a queued run in a child process (its own session); returns the child's pid."""
    path = log_path(ws, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "embedlab.cli",
        "--home",
        str(ws.root),
        "train",
        "--run-id",
        str(run_id),
    ]
    with path.open("ab") as log:
        child = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    ws.set_run_pid(run_id, child.pid)  # a child that dies before it starts is noticed too
    return child.pid


def cancel_job(ws: Workspace, run_id: int) -> bool:
    """Ask a running job to stop (SIGTERM); a queued one is marked cancelled at once."""
    run = ws.run(run_id)
    if run.status == "queued":
        ws.fail_run(run_id, "The run was cancelled.", status="cancelled")
        return True
    if run.status != "running" or not run.pid:
        return False
    try:
        os.kill(run.pid, signal.SIGTERM)
    except ProcessLookupError:
        ws.reap_dead_runs()
        return False
    return True


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
