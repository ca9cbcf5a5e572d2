"""Background work in a thread of the app's server: language models, search indexes, maps,
comparisons — anything that takes seconds and whose result lives in memory.

Work that mostly waits on compiled code (which lets go of the GIL) or needs the server's
memory (a loaded model, a result the page shows from memory) runs here, in a thread;
classification and training run in child processes instead (`jobs.child`, `jobs.process`).
The page starts a job, polls its latest progress event, can cancel it, and picks up the
result when it ends — after a rerun, a visit to another page or a reload (the job id is in
the URL). `KeyedJobs` keeps one job per key (a page's settings) and the latest results, so a
rerun finds the job or its result instead of starting another.

`work` receives `on_progress(event)`; each call records the event and raises `Cancelled`
once a cancel was asked, so work stops at its next progress report.

While a job runs, the objects alive at its start, at each progress event and every
`REFREEZE_SECONDS` are set aside from Python's cyclic garbage collector (`gc.freeze`), and
handed back when the last job ends. Streamlit runs a full collection after every script run
— the page's progress poll, twice a second — which holds the GIL for as long as it takes to
walk every object of the server (0.2 to 2 s with torch and scikit-learn loaded on a busy
2-core machine); without this, a job in the app ran 3 times slower than the same work on the
command line. The timed refreeze covers what other threads build meanwhile (the app's numba
warm-up makes objects by the hundred thousand) and jobs that report rarely.

>>> board = JobBoard()
>>> def work(on_progress):
...     on_progress("half way")
...     return 42
>>> job = board.start("answer", work)
>>> done = board.wait(job.id, timeout=5)
>>> done.state, done.result, done.event
('done', 42, 'half way')
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from embedlab.errors import EmbedlabError

KEPT_JOBS = 32  # finished jobs remembered (their results may hold large arrays)
REFREEZE_SECONDS = 0.25  # while a job runs, what survived this long leaves full collections
T = TypeVar("T")
ProgressFn = Callable[[Any], None]


class Cancelled(EmbedlabError):
    """The run was cancelled from the page."""


@dataclass
class ThreadJob(Generic[T]):
    """One background run: its latest progress event, then its result or its error."""

    id: str
    description: str
    started: float = field(default_factory=time.monotonic)
    event: Any = None
    result: T | None = None
    error: str | None = None
    cancel_requested: bool = False
    state: Literal["running", "done", "failed", "cancelled"] = "running"
    ended: float | None = None

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started


class JobBoard:
    """The server's background runs, by id (the newest `KEPT_JOBS`)."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, ThreadJob[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, description: str, work: Callable[[ProgressFn], T]) -> ThreadJob[T]:
        """Run `work(on_progress)` in a daemon thread; returns the job at once."""
        job: ThreadJob[T] = ThreadJob(uuid.uuid4().hex[:12], description)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished:
                    break
                self._jobs.pop(oldest)
        thread = threading.Thread(target=_work, args=(job, work), daemon=True, name=job.id)
        thread.start()
        return job

    def get(self, job_id: str | None) -> ThreadJob[Any] | None:
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

    def wait(self, job_id: str, timeout: float = 60.0) -> ThreadJob[Any]:
        """Block until the job ends (for tests and the CLI); raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.finished:
                return job  # type: ignore[return-value]
            if time.monotonic() > deadline:
                raise TimeoutError(f"background job {job_id} still running")
            time.sleep(0.05)


class _CheapCollections:
    """Counts running jobs; while there is one, surviving objects stay out of full
    collections (`gc.freeze`, O(1)), and when the last ends they go back (`gc.unfreeze`), so
    cyclic garbage made meanwhile is collected then, as usual.

    >>> guard = _CheapCollections()
    >>> with guard:
    ...     guard.refreeze()
    ...     guard.running
    1
    >>> guard.running
    0
    """

    def __init__(self, every: float = REFREEZE_SECONDS) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._every = every
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> _CheapCollections:
        with self._lock:
            self._running += 1
            gc.freeze()
            if self._ticker is None:  # one ticker while any job runs; it ends with the last
                self._ticker = threading.Thread(
                    target=self._tick, name="embedlab-refreeze", daemon=True
                )
                self._ticker.start()
        return self

    def _tick(self) -> None:
        while True:
            time.sleep(self._every)
            with self._lock:
                if not self._running:
                    self._ticker = None
                    return
                gc.freeze()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0:
                gc.unfreeze()

    @property
    def running(self) -> int:
        """How many jobs are running."""
        return self._running

    def refreeze(self) -> None:
        """Set aside what the job has built since its last event (imports, data, models)."""
        with self._lock:
            if self._running:
                gc.freeze()


_COLLECTIONS = _CheapCollections()


def _work(job: ThreadJob[T], work: Callable[[ProgressFn], T]) -> None:
    def on_progress(event: Any) -> None:
        job.event = event
        _COLLECTIONS.refreeze()
        if job.cancel_requested:
            raise Cancelled(f"The {job.description} run was cancelled.")

    result: Any = None
    state, error = "failed", None
    try:
        with _COLLECTIONS:  # the job's state changes only after its objects are handed back
            result = work(on_progress)
        state = "done"
    except Cancelled as err:
        state, error = "cancelled", str(err)
    except EmbedlabError as err:
        error = str(err)
    except MemoryError:
        error = "The run ran out of memory; try it on less data or smaller settings."
    except Exception as err:  # noqa: BLE001 - a thread must report, never die silently
        error = f"The run failed unexpectedly ({type(err).__name__}); nothing was saved."
    finally:
        job.result, job.error, job.ended = result, error, time.monotonic()
        job.state = state  # type: ignore[assignment] - last: a poller reads it first


class KeyedJobs(Generic[T]):
    """At most one job per key on a board, and the results of the newest `kept` that ended
    well. With `keep_failed`, `start` hands back a key's failed or cancelled job (so the page
    shows why it stopped) until `forget`; without, it starts the key's work anew.

    >>> board, squares, go = JobBoard(), KeyedJobs[int](kept=2, keep_failed=True), threading.Event()
    >>> job = squares.start(board, 3, "3 squared", lambda on_progress: go.wait() and 9)
    >>> squares.start(board, 3, "3 squared", lambda on_progress: 9) is job  # still running
    True
    >>> go.set()
    >>> board.wait(job.id).state, squares.finished(3), squares.finished(4)
    ('done', 9, None)
    >>> failed = board.wait(squares.start(board, 0, "1/0", lambda on_progress: 1 // 0).id)
    >>> squares.start(board, 0, "1/0", lambda on_progress: 1 // 0) is failed, failed.state
    (True, 'failed')
    >>> squares.forget(0)
    >>> squares.start(board, 0, "1/0", lambda on_progress: 1 // 0) is failed
    False
    """

    def __init__(self, kept: int = 16, *, keep_failed: bool = False) -> None:
        self.kept = kept
        self.keep_failed = keep_failed
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, T] = OrderedDict()
        self._jobs: dict[Hashable, str] = {}

    def finished(self, key: Hashable) -> T | None:
        """The result a job for `key` returned, while among the newest `kept`; else None."""
        with self._lock:
            if (done := self._done.get(key)) is not None:
                self._done.move_to_end(key)
            return done

    def job(self, board: JobBoard, key: Hashable) -> ThreadJob[T] | None:
        """The job running (or that ran) `key`'s work, while the board remembers it."""
        with self._lock:
            return board.get(self._jobs.get(key))

    def start(
        self, board: JobBoard, key: Hashable, description: str, work: Callable[[ProgressFn], T]
    ) -> ThreadJob[T]:
        """Run `work` for `key` on `board`, or return the key's job still running (or, with
        `keep_failed`, the one that failed or was cancelled); a result joins `finished`."""

        def keyed(on_progress: ProgressFn) -> T:
            result = work(on_progress)
            with self._lock:  # before the job's state says done: a poller finds it cached
                self._done[key] = result
                self._done.move_to_end(key)
                while len(self._done) > self.kept:
                    self._done.popitem(last=False)
            return result

        with self._lock:
            earlier = board.get(self._jobs.get(key))
            if earlier is not None and (
                not earlier.finished or (self.keep_failed and earlier.state != "done")
            ):
                return earlier
            if len(self._jobs) > 4 * self.kept:  # drop the ids the board has forgotten
                self._jobs = {k: v for k, v in self._jobs.items() if board.get(v) is not None}
            job = board.start(description, keyed)
            self._jobs[key] = job.id
            return job

    def running(self, board: JobBoard) -> list[ThreadJob[T]]:
        """The jobs of these keys that the board is still running."""
        with self._lock:
            jobs = [board.get(job_id) for job_id in self._jobs.values()]
        return [job for job in jobs if job is not None and not job.finished]

    def forget(self, key: Hashable) -> None:
        """Forget `key`'s job (a failed or cancelled one), so that `start` runs it again."""
        with self._lock:
            self._jobs.pop(key, None)


BOARD = JobBoard()
"""The server process's board: every session of the app shares it."""
