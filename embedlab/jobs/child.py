"""Background work in a child process, shown on the server's board as an ordinary job.

A job on `jobs.thread.BOARD` runs in a thread of the app's server, where it shares the GIL
with every session's script runs, Streamlit's collections and the other jobs: scikit-learn's
fits ran 3 times slower there than on the command line, and other pages' queries waited on
the job. `start_in_child` runs the work in a child process instead (a fresh interpreter,
`python -c`, never a fork of a threaded server with torch loaded), started like the CLI
(same environment, same torch threads; in class mode at a lower priority, `job_niceness`,
so that pages answer first on a busy machine), and relays it as a `ThreadJob`: a thread
of the server waits on a socket, hands each progress event to the board, and ends the job with the
child's result or its error. Not multiprocessing's "spawn": while Streamlit runs a page its
`__main__` is the app's script, which "spawn" would run again in every child (a second app
in bare mode, with its warm-ups and an anonymous class space, 3 s of CPU a job).

- `fn` is a module-level function (it is pickled by name), called as `fn(*args,
  on_progress)`; its arguments, events and result are pickled between our own processes
  (never anything from an upload: an upload is parsed before it becomes an argument).
- An `EmbedlabError` keeps its one sentence; MemoryError and unexpected errors read as
  `jobs.thread`'s do; a child that dies (killed, a crash) fails the job with one sentence.
- Cancel: the page's cancel shows at the next event, or within `POLL_SECONDS` when the child
  is quiet; the child is asked to stop at its next event, then terminated after
  `GRACE_SECONDS`, and is gone when the job reads "cancelled".
- A child whose server dies ends by itself within `WATCH_SECONDS`.
- A spare child can be started ahead (`prepare_spare`, e.g. when the Classify page opens),
  importing what the work needs while it waits, so the job skips the interpreter's start
  and those imports; a spare no longer wanted reads the end of its socket and exits.
- At most `limits.MAX_CHILD_JOBS` children run at once (each holds its own copy of torch,
  and a sentence encoder); later jobs wait their turn, first come first served, reporting
  `waiting(ahead)` as their event meanwhile, and can be cancelled while they wait.

>>> import os
>>> from embedlab.jobs.thread import JobBoard
>>> board = JobBoard()
>>> done = board.wait(start_in_child(board, "probe", child_pid).id, timeout=60)
>>> done.state, done.result == done.event != os.getpid()
('done', True)
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from embedlab import limits
from embedlab.errors import EmbedlabError
from embedlab.jobs.thread import Cancelled, JobBoard, ProgressFn, ThreadJob

POLL_SECONDS = 0.25  # how often a quiet child's job looks for a cancel
GRACE_SECONDS = 3.0  # a cancelled child's time to stop at its next event before SIGTERM
REAP_SECONDS = 1.0  # how long a job waits for its finished child to exit
WATCH_SECONDS = 1.0  # how often a child checks that its server is alive
JOB_NICENESS = 10  # in class mode, how much lower than the server's a job's priority is
NICE_ENV = "EMBEDLAB_JOB_NICE"  # overrides it (0 to 19), in or out of class mode
_FD_ENV = "EMBEDLAB_CHILD_FD"  # the child's end of the socket
_PARENT_ENV = "EMBEDLAB_CHILD_PARENT"  # the server's pid
_STOP = "stop"
T = TypeVar("T")


class ChildDied(EmbedlabError):
    """The child process ended without a result or an error (killed, or a crash)."""


class _Turns:
    """First come, first served: at most `limit()` holders at once; the others wait, each
    told how many wait before it.

    >>> turns, seen = _Turns(lambda: 1), []
    >>> turns.enter(seen.append)
    >>> waiter = threading.Thread(target=turns.enter, args=(seen.append,))
    >>> waiter.start()
    >>> while not seen:  # the second waits, first in line
    ...     time.sleep(0.01)
    >>> turns.leave(); waiter.join(5); turns.leave()
    >>> seen[0], turns.running
    (0, 0)
    """

    def __init__(self, limit: Callable[[], int]) -> None:
        self._limit = limit
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self.running = 0

    def enter(self, waiting: Callable[[int], None]) -> None:
        """Take a turn, calling `waiting(ahead)` every `POLL_SECONDS` until it comes; when
        `waiting` raises (a cancel), the place in the line is given up."""
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                while True:
                    ahead = self._queue.index(ticket)
                    if ahead == 0 and self.running < self._limit():
                        self._queue.popleft()
                        self.running += 1
                        return
                    waiting(ahead)
                    self._cond.wait(POLL_SECONDS)
            except BaseException:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise

    def leave(self) -> None:
        """Give a turn back: the first in line takes it."""
        with self._cond:
            self.running -= 1
            self._cond.notify_all()


_TURNS = _Turns(limits.MAX_CHILD_JOBS.value)


def start_in_child(
    board: JobBoard,
    description: str,
    fn: Callable[..., T],
    *args: Any,
    waiting: Callable[[int], Any] | None = None,
    preload: Sequence[str] = (),
) -> ThreadJob[T]:
    """Run `fn(*args, on_progress)` in a child process, shown as a job on `board`; returns
    the job at once (see the module's docstring). While the job waits for its turn, its
    event is `waiting(ahead)` (None without `waiting`). With `preload`, a spare child that
    imports it is started for the next job once this one has ended (`prepare_spare`)."""

    def work(on_progress: ProgressFn) -> T:
        _TURNS.enter(lambda ahead: on_progress(waiting(ahead) if waiting else None))
        try:
            return run_in_child(fn, args, on_progress, what=description)
        finally:
            _TURNS.leave()
            if preload:  # not before: its imports would take CPU from this job's start
                prepare_spare(preload)

    return board.start(description, work)


def run_in_child(
    fn: Callable[..., T],
    args: Sequence[Any],
    on_progress: ProgressFn,
    *,
    what: str = "background",
    grace: float = GRACE_SECONDS,
) -> T:
    """Run `fn(*args, on_progress)` in a spawned child and wait for it here: each event the
    child reports goes to `on_progress`; returns its result or raises its error. When
    `on_progress` raises (the board's `Cancelled`), the child is stopped and gone first."""
    child, ours = _spawn(fn, args, what)
    try:
        kind, value = _relay(ours, child, on_progress, what, grace)
    except BaseException:  # cancelled (or the server's own trouble): the child goes too
        _stop(child, ours, grace)
        raise
    finally:
        ours.close()
    _reap_later(child, grace)
    return _outcome(kind, value)


def _relay(
    conn: Any, child: Any, on_progress: ProgressFn, what: str, grace: float
) -> tuple[str, Any]:
    """Hand the child's events to `on_progress` until its last message, which is returned."""
    last: Any = None
    while True:
        if not conn.poll(POLL_SECONDS):
            on_progress(last)  # the same event again: raises once a cancel was asked
            continue
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            _wait(child, grace)
            raise ChildDied(_death_sentence(what, child.returncode)) from None
        if kind != "event":
            return kind, value
        last = value
        on_progress(value)


def _outcome(kind: str, value: Any) -> Any:
    """The child's last message as a result, or as the error it stands for."""
    if kind == "done":
        return value
    if kind == "error":
        error, sentence = value
        raise error if error is not None else EmbedlabError(sentence)
    if kind == "memory":
        raise MemoryError
    if kind == "cancelled":
        raise Cancelled(value)
    raise ChildDied(f"The run failed unexpectedly ({value}); nothing was saved.")


def _start(preload: Sequence[str] = ()) -> tuple[subprocess.Popen[bytes], Connection]:
    """Start a child (`_child_entry`) and send it the import path and the modules to import
    before it waits for its work."""
    ours, theirs = socket.socketpair()
    env = {**os.environ, _FD_ENV: str(theirs.fileno()), _PARENT_ENV: str(os.getpid())}
    code = "from embedlab.jobs.child import _child_entry; _child_entry()"
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            env=env,
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()  # the child's end: ours reads EOF once the child is gone
    conn = Connection(ours.detach())
    try:
        conn.send(list(sys.path))
        conn.send(list(preload))
    except BaseException:
        _discard(child, conn)
        raise
    return child, conn


def _discard(child: subprocess.Popen[bytes], conn: Connection) -> None:
    """End a child that has no work (a spare no longer wanted, or one that failed to start)."""
    conn.close()  # a waiting child reads EOF and exits
    if not _wait(child, REAP_SECONDS):
        child.kill()
        child.wait()


def _spawn(
    fn: Callable[..., Any], args: Sequence[Any], what: str
) -> tuple[subprocess.Popen[bytes], Connection]:
    """A child with (fn, args) sent: the spare (`prepare_spare`) when one is waiting, else a
    new one."""
    taken = _SPARE.take()
    child, conn = taken if taken is not None else _start()
    try:
        conn.send((fn, tuple(args)))  # one that does not pickle raises here
    except (BrokenPipeError, ConnectionResetError):
        _wait(child, GRACE_SECONDS)
        conn.close()
        if taken is not None:  # the spare had died: start one afresh
            return _spawn(fn, args, what)
        raise ChildDied(_death_sentence(what, child.returncode)) from None
    except BaseException:
        child.kill()
        child.wait()
        conn.close()
        raise
    return child, conn


class _Spare:
    """At most one child started ahead of its work, its imports done, waiting: a job that
    takes it skips the interpreter's start and those imports (1.6 s for scikit-learn and
    embedlab's classifiers on this 2-core machine)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: tuple[subprocess.Popen[bytes], Connection, tuple[str, ...]] | None = None

    def prepare(self, preload: Sequence[str]) -> None:
        """Have a spare that imported `preload` waiting (start one unless there is)."""
        modules = tuple(preload)
        with self._lock:
            ready = self._ready
            if ready is not None and ready[0].poll() is None and ready[2] == modules:
                return
            self._ready = None
        if ready is not None:
            _discard(ready[0], ready[1])
        try:
            child, conn = _start(modules)
        except OSError:  # no spare: a job starts its own child, as without one
            return
        with self._lock:
            if self._ready is None:
                self._ready = (child, conn, modules)
                return
        _discard(child, conn)  # another thread prepared one meanwhile

    def take(self) -> tuple[subprocess.Popen[bytes], Connection] | None:
        """The spare, if one is alive (it is no longer the spare)."""
        with self._lock:
            ready, self._ready = self._ready, None
        if ready is None:
            return None
        if ready[0].poll() is not None:
            ready[1].close()
            return None
        return ready[0], ready[1]

    def pid(self) -> int | None:
        """The waiting spare's process id, or None."""
        with self._lock:
            return self._ready[0].pid if self._ready is not None else None


_SPARE = _Spare()


def prepare_spare(preload: Sequence[str]) -> None:
    """Start a child ahead of the next job, importing the modules `preload` names while it
    waits; nothing when such a spare waits already. The next `start_in_child` job runs in it.

    >>> prepare_spare(["json"])
    >>> spare = _SPARE.pid()
    >>> prepare_spare(["json"]); _SPARE.pid() == spare  # the same one still waits
    True
    >>> seen = []
    >>> run_in_child(child_pid, (), seen.append) == spare and _SPARE.pid() is None
    True
    """
    _SPARE.prepare(preload)


def _wait(child: subprocess.Popen[bytes], seconds: float) -> bool:
    """Wait up to `seconds` for the child to end; whether it has."""
    try:
        child.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop(child: subprocess.Popen[bytes], conn: Any, grace: float) -> None:
    """Ask the child to stop at its next event, then SIGTERM, then SIGKILL; reap it."""
    if child.poll() is None:
        with contextlib.suppress(OSError, ValueError):  # a pipe already closed
            conn.send(_STOP)
        if not _wait(child, grace):
            child.terminate()
            if not _wait(child, grace):
                child.kill()
    child.wait()


def _reap_later(child: subprocess.Popen[bytes], grace: float) -> None:
    """Wait a moment for the child's exit (it has sent its last message, and exits without
    the interpreter's teardown); should it be slow, a thread waits so no zombie is left."""
    if _wait(child, REAP_SECONDS):
        return

    def reap() -> None:
        if not _wait(child, grace * 10):
            child.kill()
            child.wait()

    threading.Thread(target=reap, name=f"reap-{child.pid}", daemon=True).start()


def _death_sentence(what: str, exitcode: int | None) -> str:
    """One sentence for a child that ended without a word."""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
        if exitcode == -signal.SIGKILL:
            how += ", as the system does when memory runs out"
    else:
        how = f"exit code {exitcode}" if exitcode is not None else "no exit code"
    return f"The {what} run's process ended unexpectedly ({how}); nothing was saved."


# --- in the child -----------------------------------------------------------------------
def job_niceness(environ: Mapping[str, str] | None = None) -> int:
    """How far below the server's a job process's priority goes: `$EMBEDLAB_JOB_NICE`, else
    `JOB_NICENESS` in class mode (many people's pages should answer before one job), else 0
    (one person waits on the job itself, and their browser's drawing would take it first).

    >>> job_niceness({}), job_niceness({"EMBEDLAB_CLASS": "1"})
    (0, 10)
    >>> job_niceness({"EMBEDLAB_CLASS": "1", "EMBEDLAB_JOB_NICE": "5"})
    5
    >>> job_niceness({"EMBEDLAB_JOB_NICE": "high"})  # not a number: as if unset
    0
    """
    env = os.environ if environ is None else environ
    given = env.get(NICE_ENV, "").strip()
    if given.isdigit():
        return min(int(given), 19)
    in_class = env.get("EMBEDLAB_CLASS", "").strip().lower() in {"1", "true", "yes", "on"}
    return JOB_NICENESS if in_class else 0


def lower_priority() -> None:
    """Run this process `job_niceness()` below its parent's priority (a job's own process)."""
    if niceness := job_niceness():
        with contextlib.suppress(OSError):
            os.nice(niceness)


def _child_entry() -> None:
    """The child's entry (`python -c`): the server's import path, the modules to import
    first, then (fn, args), then run."""
    parent = int(os.environ.pop(_PARENT_ENV))
    conn = Connection(int(os.environ.pop(_FD_ENV)))
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    lower_priority()
    sys.path[:] = conn.recv()
    for module in conn.recv():  # a spare's imports, done while it waits for its work
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    try:
        fn, args = conn.recv()
    except EOFError:  # a spare no longer wanted
        os._exit(0)
    _child_main(fn, args, conn)


def _child_main(fn: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    """Run `fn`, send its events and then one last message, and exit."""

    def on_progress(event: Any) -> None:
        if conn.poll() and conn.recv() == _STOP:
            raise Cancelled("The run was cancelled.")
        conn.send(("event", event))

    try:
        message: tuple[str, Any] = ("done", fn(*args, on_progress))
    except Cancelled as err:
        message = ("cancelled", str(err))
    except EmbedlabError as err:
        message = ("error", (_portable(err), str(err)))
    except MemoryError:
        message = ("memory", None)
    except Exception as err:  # noqa: BLE001 - the server must hear of it, in one line
        traceback.print_exc(file=sys.stderr)  # for the server's log only
        message = ("unexpected", type(err).__name__)
    try:
        conn.send(message)
    except Exception as err:  # noqa: BLE001 - a result that does not pickle
        traceback.print_exc(file=sys.stderr)
        conn.send(("unexpected", type(err).__name__))
    # The server has all it needs: skip the interpreter's teardown (a second or two of CPU
    # with torch and scikit-learn loaded); files and the catalog are written and closed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _portable(err: EmbedlabError) -> EmbedlabError | None:
    """`err` if it survives pickling with its sentence (some errors' __init__ take other
    arguments than their message), else None: the server then raises its sentence."""
    import pickle

    try:
        copy = pickle.loads(pickle.dumps(err))
    except Exception:  # noqa: BLE001 - any failure means: send the sentence only
        return None
    return err if str(copy) == str(err) and type(copy) is type(err) else None


def _watch_parent(parent: int) -> None:
    """End this process when the server that started it is gone (it is then adopted)."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def child_pid(on_progress: ProgressFn) -> int:
    """The smallest child job: reports its process id as an event and returns it."""
    on_progress(os.getpid())
    return os.getpid()
