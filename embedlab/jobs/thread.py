"""Classification runs that take more than a few seconds, in a background thread of the app.

A training run is a child process because it must outlive the server's reruns for minutes
and write a model; a classification run keeps its per-document results (for the map) in
memory, so it runs in a thread of the server process instead. The page starts it, polls
its latest progress event, can cancel it, and picks up the result when it ends — after a
rerun, a visit to another page or a reload (the job id is in the URL).

>>> from embedlab.analysis.classify import ClassifyConfig
>>> from embedlab.ingest.labelled import demo_labelled
>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> board = JobBoard()
>>> job = board.start(demo_labelled(), ClassifyConfig(cv=2), Workspace(tempfile.mkdtemp()))
>>> board.wait(job.id, timeout=120).state, 0.0 < job.result.accuracy < 1.0
('done', True)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from embedlab.errors import EmbedlabError

if TYPE_CHECKING:
    from embedlab.analysis.classify import ClassificationResult, ClassifyConfig, ClassifyEvent
    from embedlab.embeddings import Embeddings
    from embedlab.ingest.labelled import LabelledTexts
    from embedlab.store.workspace import Workspace

SLOW_TEXTS = 3_000  # pooled features or TF-IDF on more texts than this run as a job
KEPT_JOBS = 32  # finished jobs remembered (their results hold per-document arrays)


class Cancelled(EmbedlabError):
    """The run was cancelled from the page."""


def runs_as_job(config: ClassifyConfig, texts: int) -> bool:
    """Whether a run is slow enough to go to the background: the sentence encoder (loading
    it takes seconds), the torch head (epochs per fold), or many texts.

    >>> from embedlab.analysis.classify import ClassifyConfig
    >>> runs_as_job(ClassifyConfig(), 200), runs_as_job(ClassifyConfig(features="minilm"), 200)
    (False, True)
    """
    return config.features == "minilm" or config.classifier == "torch" or texts > SLOW_TEXTS


@dataclass
class ClassifyJob:
    """One background run: its latest progress event, then its result or its error."""

    id: str
    description: str
    started: float = field(default_factory=time.monotonic)
    event: ClassifyEvent | None = None
    result: ClassificationResult | None = None
    error: str | None = None
    cancel_requested: bool = False
    state: Literal["running", "done", "failed", "cancelled"] = "running"

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


class JobBoard:
    """The server's background classification runs, by id (the newest `KEPT_JOBS`)."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, ClassifyJob] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self,
        data: LabelledTexts,
        config: ClassifyConfig,
        ws: Workspace,
        emb: Embeddings | None = None,
    ) -> ClassifyJob:
        """Check `config` here (a bad one raises at once), then run it in a thread."""
        config.validate()
        job = ClassifyJob(uuid.uuid4().hex[:12], config.describe())
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished:
                    break
                self._jobs.pop(oldest)
        thread = threading.Thread(
            target=self._work, args=(job, data, config, ws, emb), daemon=True, name=job.id
        )
        thread.start()
        return job

    def get(self, job_id: str | None) -> ClassifyJob | None:
        """The job with this id, or None (unknown, or forgotten by a restarted server)."""
        with self._lock:
            return self._jobs.get(job_id or "")

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop at its next progress event; False if it has ended."""
        job = self.get(job_id)
        if job is None or job.finished:
            return False
        job.cancel_requested = True
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> ClassifyJob:
        """Block until the job ends (for tests and the CLI); raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.finished:
                return job  # type: ignore[return-value]
            if time.monotonic() > deadline:
                raise TimeoutError(f"classification job {job_id} still running")
            time.sleep(0.05)

    @staticmethod
    def _work(
        job: ClassifyJob,
        data: LabelledTexts,
        config: ClassifyConfig,
        ws: Workspace,
        emb: Embeddings | None,
    ) -> None:
        from embedlab.analysis.classify import run_classification

        def on_progress(event: ClassifyEvent) -> None:
            job.event = event
            if job.cancel_requested:
                raise Cancelled("The classification run was cancelled.")

        try:
            job.result = run_classification(data, config, ws, on_progress, emb=emb)
            job.state = "done"
        except Cancelled as err:
            job.error, job.state = str(err), "cancelled"
        except EmbedlabError as err:
            job.error, job.state = str(err), "failed"
        except MemoryError:
            job.error = "The run ran out of memory; use fewer texts or smaller features."
            job.state = "failed"
        except Exception as err:  # noqa: BLE001 - a thread must report, never die silently
            job.error = f"The run failed unexpectedly ({type(err).__name__}); nothing was saved."
            job.state = "failed"


BOARD = JobBoard()
"""The server process's board: every session of the app shares it."""
