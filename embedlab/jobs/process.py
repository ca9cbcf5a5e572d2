"""Training as a job: a run in the catalog, executed in this process or in a child process.

The CLI's `train` runs a job in its own process; the app starts `embedlab train --run-id N`
as a child process and polls the run's progress rows, so a page reload, a second tab or
a second user neither stops nor duplicates it. A job is cancelled with SIGTERM; a job
whose process died is marked failed on the next look (`Workspace.reap_dead_runs`).

At most `limits.MAX_JOBS` jobs train at once: a job waits, queued, until
`Workspace.claim_run` gives it a slot (oldest first). A job that trains longer than
`limits.MAX_JOB_SECONDS` is stopped and marked failed, and lists no model.

>>> import tempfile
>>> from embedlab.train import TrainConfig
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> create_training_run(ws, "nope", TrainConfig())
Traceback (most recent call last):
...
embedlab.errors.NotFoundError: No corpus named 'nope' in the workspace; ...
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab import limits
from embedlab.errors import EmbedlabError, InputError
from embedlab.jobs.child import lower_priority
from embedlab.jobs.queue import claim_run, reap_dead_runs
from embedlab.store.workspace import ModelRecord, Workspace, check_name, disk_full_message

if TYPE_CHECKING:
    from embedlab.train import TrainConfig
    from embedlab.train.progress import ProgressEvent


JOB_ENV = "EMBEDLAB_JOB_RUN_ID"
"""Set in a job's child process to its run id: that process exists only for this run."""

POLL_SECONDS = 0.5
"""How often a queued job looks for a free slot."""

HARD_STOP_GRACE = 15.0
"""Seconds past the time limit after which a job's own process is ended outright."""


class Cancelled(EmbedlabError):
    """The run was stopped by SIGTERM (the app's Cancel button, or `kill`)."""


class TimeLimitExceeded(EmbedlabError):
    """The run trained for longer than `limits.MAX_JOB_SECONDS` allows."""


def time_limit_message(seconds: int) -> str:
    """Why a run that ran out of time was stopped, and what to do.

    >>> time_limit_message(2)
    'The run was stopped after 2 seconds, the longest a training job may run (EMBEDLAB_MAX_JOB_SECONDS); train with fewer epochs or on a smaller corpus, or raise the limit.'
    """  # noqa: E501 - one sentence
    return (
        f"The run was stopped after {seconds:,} second{'' if seconds == 1 else 's'}, the longest a "
        f"training job may run ({limits.MAX_JOB_SECONDS.env}); train with fewer epochs or on "
        "a smaller corpus, or raise the limit."
    )


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
    from embedlab.train.vocab import check_trainable

    config.validate()
    record = ws.corpus(corpus)
    check_trainable(record.path, config.min_count)
    if config.algo == "spark-word2vec":  # its limits are refused before a run is listed
        from embedlab.train.spark import plan_spark_run

        plan_spark_run(record.path, config)
    if name is not None and ws.has_model(check_name(name)):
        raise InputError(f"A model named '{name}' already exists; choose another name.")
    return ws.create_run(config.algo, config.to_dict(), record.id, name)


def run_training(
    ws: Workspace, run_id: int, on_progress: Callable[[ProgressEvent], None] | None = None
) -> ModelRecord:
    """Execute a queued run here: wait for a free slot, train, list the model, mark it done.

    The run waits (queued) while `limits.MAX_JOBS` others run, and is stopped once it has
    trained for `limits.MAX_JOB_SECONDS`. Any failure marks the run failed (or cancelled,
    on SIGTERM) with its message and lists no model; the error is raised again for the
    caller to report.
    """
    from embedlab.train import TrainConfig, train

    run = ws.run(run_id)
    if run.status != "queued":
        raise InputError(f"Run {run_id} is {run.status}, not queued; start a new run instead.")
    deadline: list[float] = []  # set once the run has its slot

    def progress(event: ProgressEvent) -> None:
        ws.add_progress(run_id, event.to_dict())
        if on_progress is not None:
            on_progress(event)
        if deadline and time.monotonic() > deadline[0]:
            raise TimeLimitExceeded(time_limit_message(limits.MAX_JOB_SECONDS.value()))

    def on_term(signum: int, frame: Any) -> None:
        raise Cancelled("The run was cancelled.")

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(time_limit_message(seconds))

    in_main = _in_main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if in_main else None
    previous_alarm = signal.signal(signal.SIGALRM, on_alarm) if in_main else None
    try:
        ws.set_run_pid(run_id, os.getpid())  # noticed if this process dies while it waits
        _wait_for_slot(ws, run_id)
        seconds = limits.MAX_JOB_SECONDS.value()
        deadline.append(time.monotonic() + seconds)
        if in_main:
            signal.alarm(seconds)
        if os.environ.get(JOB_ENV) == str(run_id):  # this process is the job's own
            _hard_stop_after(ws, run_id, seconds)
            lower_priority()  # the server's pages answer first on a busy machine
        config = TrainConfig.from_dict(run.config)
        if run.corpus_id is None:
            raise InputError("The run's corpus has been deleted; choose a corpus and start again.")
        corpus = ws.corpus(run.corpus_id)
        emb = train(corpus.path, config, progress)
        if time.monotonic() > deadline[0]:  # the alarm may have missed a C-level stretch
            raise TimeLimitExceeded(time_limit_message(seconds))
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
        message = _failure_message(err)
        ws.fail_run(run_id, message)
        if message.startswith("The disk is full"):
            raise EmbedlabError(message) from err
        raise
    finally:
        if in_main:
            signal.alarm(0)
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGALRM, previous_alarm)
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


def _wait_for_slot(ws: Workspace, run_id: int) -> None:
    """Wait, queued, until this run may start (`Workspace.claim_run`); raise if it ends first."""
    while not claim_run(ws, run_id, limits.MAX_JOBS.value()):
        run = ws.run(run_id)
        if run.status == "cancelled":
            raise Cancelled(run.error or "The run was cancelled.")
        if run.status != "queued":
            raise EmbedlabError(run.error or f"Run {run_id} is {run.status}; start a new run.")
        time.sleep(POLL_SECONDS)


def _hard_stop_after(ws: Workspace, run_id: int, seconds: int) -> None:
    """In a job's own process: if training ignores the alarm, end the process outright.

    The alarm interrupts training between two Python steps; a long stretch inside C code
    could outlast it, so a daemon thread marks the run failed and exits a little later.
    """

    def stop() -> None:
        time.sleep(seconds + HARD_STOP_GRACE)
        ws.fail_run(run_id, time_limit_message(seconds))
        os._exit(3)

    threading.Thread(target=stop, name=f"embedlab-run-{run_id}-limit", daemon=True).start()


def _failure_message(err: BaseException) -> str:
    """The sentence a failed run shows for an unexpected error (a full disk is named)."""
    from embedlab.store.workspace import is_disk_full

    if is_disk_full(err):
        return disk_full_message("the training could not write its files")
    if isinstance(err, sqlite3.OperationalError) and "disk is full" in str(err):
        return disk_full_message("the catalog could not record the run")
    return f"Training failed: {type(err).__name__}: {err}"


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
    env = {**os.environ, JOB_ENV: str(run_id)}
    with path.open("ab") as log:
        child = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=env
        )
    ws.set_run_pid(run_id, child.pid)  # a child that dies before it starts is noticed too
    return child.pid


def cancel_job(ws: Workspace, run_id: int) -> bool:
    """Ask a running job to stop (SIGTERM); a queued one is marked cancelled at once.

    A queued job's waiting process sees that and exits (it is also sent SIGTERM).
    """
    run = ws.run(run_id)
    if run.status == "queued":
        ws.fail_run(run_id, "The run was cancelled.", status="cancelled")
        if run.pid and run.pid != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(run.pid, signal.SIGTERM)
        return True
    if run.status != "running" or not run.pid:
        return False
    try:
        os.kill(run.pid, signal.SIGTERM)
    except ProcessLookupError:
        reap_dead_runs(ws)
        return False
    return True


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
