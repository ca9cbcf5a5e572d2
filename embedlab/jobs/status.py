"""What a run is doing, in words a page or a terminal shows: its state, its place in the
queue, its progress line (`RunView`), and the recent runs. The Train page and `embedlab runs`
read the same values.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError
from embedlab.jobs.queue import process_alive, reap_dead_runs

if TYPE_CHECKING:
    from embedlab.store.workspace import RunRecord, Workspace

ACTIVE_STATES = ("queued", "running")


def format_seconds(seconds: float | None) -> str:
    """A duration for people: '42 s', '3 min 05 s', '1 h 02 min'; '—' when unknown.

    >>> format_seconds(4.2), format_seconds(185), format_seconds(3720), format_seconds(None)
    ('4 s', '3 min 05 s', '1 h 02 min', '—')
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd: a place in a queue.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '103rd']
    """
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def queue_text(position: int, max_jobs: int) -> str:
    """What a queued run shows while it waits for one of the `max_jobs` slots.

    >>> queue_text(2, 2)
    'Queued: 2nd in line, waiting for a free slot (2 jobs run at once)'
    >>> queue_text(1, 1)
    'Queued: next in line, waiting for a free slot (1 job runs at once)'
    """
    place = "next" if position == 1 else ordinal(position)
    at_once = "1 job runs" if max_jobs == 1 else f"{max_jobs:,} jobs run"
    return f"Queued: {place} in line, waiting for a free slot ({at_once} at once)"


def format_rate(words_per_sec: float | None) -> str:
    """Words per second, rounded for reading: '—' before the first epoch ends.

    >>> format_rate(123456.7), format_rate(0), format_rate(None)
    ('123,457', '—', '—')
    """
    if not words_per_sec or not math.isfinite(words_per_sec):
        return "—"
    return f"{words_per_sec:,.0f}"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seconds_between(start: str | None, end: str | None) -> float | None:
    first = parse_time(start)
    if first is None:
        return None
    last = parse_time(end) or datetime.now(UTC)
    return max((last - first).total_seconds(), 0.0)


@dataclass(frozen=True)
class RunView:
    """A training run as the Train page shows it: state, progress, speed, losses, result.

    `quality` is the quality score after each epoch, `(epoch, score)` like `losses` (the
    gensim trainers' co-occurrence AUC, `embedlab.train.quality`; empty for a trainer that
    reports none); `loss_label` says what the loss is when it needs saying (None: a plain
    training loss).
    """

    id: int
    status: str
    algo: str
    description: str
    model_name: str | None
    corpus: str | None
    epoch: int
    epochs: int
    fraction: float
    words_per_sec: float | None
    elapsed: float | None
    eta: float | None
    losses: list[tuple[int, float]]
    error: str | None
    building_vocab: bool
    queue_position: int | None = None
    max_jobs: int = 1
    running: int = 0
    quality: list[tuple[int, float]] = field(default_factory=list)
    loss_label: str | None = None

    @property
    def active(self) -> bool:
        """Queued or running: the page keeps polling it."""
        return self.status in ACTIVE_STATES

    @property
    def waiting(self) -> bool:
        """Queued behind `max_jobs` running jobs (rather than just starting)."""
        return (
            self.status == "queued"
            and self.queue_position is not None
            and self.running >= self.max_jobs
        )

    @property
    def reports_loss(self) -> bool | None:
        """Whether the trainer reports a loss (None until the first epoch is done)."""
        if self.losses:
            return True
        return None if self.epoch == 0 else False

    @property
    def progress_text(self) -> str:
        """The progress bar's caption."""
        if self.waiting:
            return queue_text(self.queue_position or 1, self.max_jobs)
        if self.status == "queued":
            return "Starting the training process…"
        if self.building_vocab:
            return "Building the vocabulary…"
        return f"Epoch {self.epoch}/{self.epochs}"


def _describe(algo: str, config: Mapping[str, Any]) -> str:
    from embedlab.train import TrainConfig

    try:
        return TrainConfig.from_dict(config).describe()
    except (EmbedlabError, TypeError):
        return algo


def corpus_names(ws: Workspace) -> dict[int, str]:
    return {c.id: c.name for c in ws.corpora()}


def run_view(ws: Workspace, run_id: int, pid: int | None = None) -> RunView:
    """Where run `run_id` stands, from the catalog and its progress rows.

    `pid` is the child process the page started: a run still queued whose process has
    exited is marked failed (the process died before it could say so itself).

    >>> import tempfile
    >>> from embedlab.jobs.process import create_training_run
    >>> from embedlab.train import TrainConfig
    >>> from embedlab.jobs.corpora import add_corpus
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> _ = add_corpus(ws, b"the cat sat on the mat", name="mini", filename="mini.txt")
    >>> view = run_view(ws, create_training_run(ws, "mini", TrainConfig(epochs=3, min_count=1)))
    >>> view.status, view.progress_text, view.active, view.quality, view.loss_label
    ('queued', 'Starting the training process…', True, [], None)

    A child that died before it could start the run (here, one that exits at once):

    >>> import subprocess, sys
    >>> child = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> _ = child.wait()
    >>> view = run_view(ws, view.id, pid=child.pid)
    >>> view.status, view.error.startswith("The training process exited before it started")
    ('failed', True)
    """
    reap_dead_runs(ws)
    run = ws.run(run_id)
    if run.status == "queued" and pid is not None and not _process_alive(pid):
        ws.fail_run(run_id, _early_exit_message(ws, run_id))
        run = ws.run(run_id)
    events = ws.progress(run_id)
    last = events[-1] if events else {}
    epochs = int(last.get("epochs") or run.config.get("epochs") or 1)
    losses = [
        (int(e["epoch"]), float(e["loss"]))
        for e in events
        if e.get("stage") == "epoch" and e.get("loss") is not None
    ]
    quality = [
        (int(e["epoch"]), float(e["quality"]))
        for e in events
        if e.get("stage") == "epoch" and e.get("quality") is not None
    ]
    loss_label = next((e["loss_label"] for e in reversed(events) if e.get("loss_label")), None)
    elapsed = float(last["elapsed"]) if last.get("elapsed") is not None else None
    if run.status in ACTIVE_STATES:
        clock = seconds_between(run.started, None)
        if clock is not None:
            elapsed = max(clock, elapsed or 0.0)
    else:
        elapsed = seconds_between(run.started, run.finished) if run.started else elapsed
    rate = last.get("words_per_sec") or run.info.get("words_per_sec")
    corpus = corpus_names(ws).get(run.corpus_id) if run.corpus_id is not None else None
    position, max_jobs, running = None, 1, 0
    if run.status == "queued":
        position, max_jobs, running = _queue_state(ws, run_id)
    return RunView(
        id=run.id,
        status=run.status,
        algo=run.algo,
        description=_describe(run.algo, run.config),
        model_name=run.model_name,
        corpus=corpus,
        epoch=int(last.get("epoch") or 0),
        epochs=epochs,
        fraction=1.0 if run.status == "done" else float(last.get("fraction") or 0.0),
        words_per_sec=float(rate) if rate else None,
        elapsed=elapsed,
        eta=0.0 if run.status == "done" else last.get("eta"),
        losses=losses,
        error=run.error,
        building_vocab=run.status == "running" and not events,
        queue_position=position,
        max_jobs=max_jobs,
        running=running,
        quality=quality,
        loss_label=loss_label,
    )


def _queue_state(ws: Workspace, run_id: int) -> tuple[int | None, int, int]:
    """(place in the queue, jobs allowed at once, jobs running now) for a queued run."""
    from embedlab.limits import MAX_JOBS

    try:
        max_jobs = MAX_JOBS.value()
    except EmbedlabError:  # a bad setting: the job itself fails and says why
        max_jobs = MAX_JOBS.default
    running = sum(1 for r in ws.runs() if r.status == "running")
    return ws.queue_position(run_id), max_jobs, running


def _process_alive(pid: int) -> bool:
    try:  # our own child: collect it if it has exited, so it does not linger as a zombie
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    return process_alive(pid)


def _early_exit_message(ws: Workspace, run_id: int) -> str:
    from embedlab.jobs.process import log_path

    try:
        lines = log_path(ws, run_id).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    detail = next((line.strip() for line in reversed(lines) if line.strip()), "")
    detail = f" ({detail[:300]})" if detail else ""
    return f"The training process exited before it started{detail}; start it again."


def job_limits_text() -> str:
    """The job limits in force, in one sentence for the Train page.

    >>> job_limits_text()
    'At most 2 jobs train at once (later ones wait in a queue), each for at most 6 h 00 min.'
    """
    from embedlab.limits import MAX_JOB_SECONDS, MAX_JOBS

    try:
        jobs, seconds = MAX_JOBS.value(), MAX_JOB_SECONDS.value()
    except EmbedlabError as err:
        return str(err)
    at_once = "1 job trains" if jobs == 1 else f"{jobs:,} jobs train"
    return (
        f"At most {at_once} at once (later ones wait in a queue), each for at most "
        f"{format_seconds(seconds)}."
    )


def run_status(ws: Workspace, run_id: int) -> str:
    """A run's state in a word or two; a queued run waiting for a slot says its place.

    This is what the Train page's tables and `embedlab runs` show.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> run_id = ws.create_run("word2vec", {}, None, None)
    >>> run_status(ws, run_id)
    'queued'
    """
    reap_dead_runs(ws)
    run = ws.run(run_id)
    if run.status != "queued":
        return run.status
    position, max_jobs, running = _queue_state(ws, run_id)
    if position is None or running < max_jobs:
        return "queued"
    return f"queued ({ordinal(position)} in line)"


def active_runs(ws: Workspace, exclude: Iterable[int] = ()) -> list[RunRecord]:
    """Runs queued or running now (in any session or process), except those in `exclude`.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> active_runs(Workspace(tempfile.mkdtemp()))
    []
    """
    skip = set(exclude)
    reap_dead_runs(ws)
    return [r for r in ws.runs() if r.status in ACTIVE_STATES and r.id not in skip]


def parse_run_id(value: object) -> int | None:
    """A run id from a query parameter, or None when it is not one.

    >>> parse_run_id("12"), parse_run_id(["3"]), parse_run_id("x"), parse_run_id(None)
    (12, 3, None, None)
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
