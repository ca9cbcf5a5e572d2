"""A class against the server alone: N students as lightweight websocket clients on one
`embedlab app --class` server, which is restarted once in the middle.

bench/class_load.py drives real browsers, whose rendering shares the server's 2 cores; here
each student is an asyncio client that speaks Streamlit's own websocket protocol
(`/_stcore/stream`, the `streamlit.proto` messages) as the browser's frontend does: a
`BackMsg.rerun_script` (`ClientState`: the URL's query string, the page's script hash or,
on the first load, its URL path, the changed widgets' states) and then the run's
`ForwardMsg`s until `script_finished`. A page switch sends the target page's hash with an
empty query string (the frontend drops the old page's parameters); a typed word is the
text box's new value in `widget_states`, a click a button's `trigger_value`; the query
string the app writes (`page_info_changed`) goes with the next rerun, and fragments that
ask for it (`auto_rerun`: the Train and Classify pages' live panels) are rerun at their
interval, as the browser does. The `embedlab_space` cookie and `?space=student-N` go with
the connection, as a browser that has been there before sends them. A latency is from
sending the BackMsg to the end of the full run it started, so it is the server's answer
time plus loopback; the clients' CPU is a fraction of the server's (printed).

Each student, after arriving within `--ramp` seconds, cycles through Corpus, Neighbours
(two or three words typed in turn), Projection (opened with `?word=` as a tour link does),
Train and Classify, pausing `--think` seconds between steps. Every reply is checked: the
page's title must be there, a Neighbours reply must hold the "nearest to **word**" line and
a dataframe whose `word` column lists the neighbours (decoded from its Arrow bytes), the
Projection its map; an exception element, an error alert, a page-not-found or a compile
error is an error. The background work is the real class's, started through the same
protocol on the same server: a student on the Train page clicks "Start training" only while
fewer than 2 of the class's runs are queued or running (the app runs each as a child
process), and one student at a time clicks "Run" on the Classify page (the demo texts, the
page's default settings) and waits for the scores.

Halfway through, the server is stopped (SIGTERM to its process group) and started again on
the same port; clients whose connection dropped wait for it, reconnect and rerun the page
they were on with its query string. Errors from the stop to 20 s after the server answers
again are counted apart. It prints per-page p50/p95 (steps clear of the restart), errors,
the training runs (done, lost to the restart, left running), `PRAGMA integrity_check`, the
load average and the CPU seconds of the server's process group and of the clients.
`--no-background` leaves out the training runs and classifications. The app starts its job
processes (training runs, classifications) `jobs.child.JOB_NICENESS` below the server's
priority, so that pages answer first; `--nice-jobs DELTA` renices them further, DELTA above
the server, as they appear (a what-if; before the jobs were niced it showed that the
pages' p95 came from two training runs at the server's priority on 2 cores).
Goals (issue 22): Neighbours query p95 <= 1 s at N = 20, no errors but the restart's, no
run lost.

    python bench/class_load_ws.py --students 3 --seconds 25 --json   # the smoke test's run
    nice python bench/class_load_ws.py --students 20 --seconds 150
    nice python bench/class_load_ws.py --students 20 --seconds 150 --no-background  # pages only
    nice python bench/class_load_ws.py --students 20 --seconds 150 --nice-jobs 10  # a what-if
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from class_load import (  # noqa: E402 - the bench folder is not a package
    GOAL_NEIGHBOURS_P95,
    WORDS,
    Tally,
    free_port,
    integrity,
    percentile,
    print_latencies,
    print_runs,
    restart_in_the_middle,
    runs_report,
    start_server,
    stop_server,
    teacher_workspace,
    wait_healthy,
)

STEP_TIMEOUT = 90.0  # seconds a run may take before the step counts as failed
RESULT_TIMEOUT = 180.0  # seconds a classification may take to show its scores
MAX_TRAININGS = 2  # the class's training runs queued or running at once
FULL_RUN = (0, 1)  # ForwardMsg.FINISHED_SUCCESSFULLY, FINISHED_WITH_COMPILE_ERROR
FRAGMENT_DONE = 3  # FINISHED_FRAGMENT_RUN_SUCCESSFULLY


class Dropped(Exception):
    """The server closed the connection (the restart)."""


@dataclass
class Run:
    """One full script run as a client saw it: its elements and the errors among them."""

    elements: list = field(default_factory=list)  # streamlit.proto Element messages
    errors: list[str] = field(default_factory=list)
    space: str | None = None  # the space the sidebar named

    def of(self, kind: str) -> list:
        return [e for e in self.elements if e.WhichOneof("type") == kind]

    def widget(self, kind: str, key: str):  # noqa: ANN201 - a streamlit.proto widget
        """The widget of this kind whose user key is `key` (its id ends with '-key')."""
        for e in self.of(kind):
            w = getattr(e, kind)
            if w.id.endswith(f"-{key}"):
                return w
        return None

    def text(self, kind: str) -> list[str]:
        return [getattr(e, kind).body for e in self.of(kind)]

    def titled(self, title: str) -> bool:
        return any(
            h.tag == "h1" and h.body == title for h in (e.heading for e in self.of("heading"))
        )


def _element_error(element) -> str | None:  # noqa: ANN001 - a streamlit.proto Element
    kind = element.WhichOneof("type")
    if kind == "exception":
        ex = element.exception
        return f"exception {ex.type}: {ex.message.splitlines()[0][:160] if ex.message else ''}"
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"error box: {element.alert.body.splitlines()[0][:160]}"
    return None


class Session:
    """One browser tab's websocket session: reruns pages, follows the query string the app
    writes, reruns the fragments that ask for it, and hands each full run over."""

    def __init__(self, port: int, space: str, on_poll_error: Callable[[str], None]) -> None:
        self.port, self.space, self.on_poll_error = port, space, on_poll_error
        self.pages: dict[str, str] = {}  # page title -> script hash (from `navigation`)
        self.page_hash = ""
        self.query = f"space={space}"
        self.auto: dict[str, float] = {}  # fragment id -> seconds between its reruns
        self.polls = 0
        self._ws = None
        self._tasks: list[asyncio.Task] = []
        self._runs_started = 0
        self._run: Run | None = None
        self._fragment = False
        self._frag_errors: list[str] = []
        self._done: asyncio.Queue[tuple[int, Run] | None] = asyncio.Queue()

    async def connect(self) -> None:
        import websockets

        self._ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": f"embedlab_space={self.space}"},
            max_size=None,
            open_timeout=STEP_TIMEOUT,
            ping_interval=None,  # the server's own heartbeat is not part of the measure
        )
        self._done = asyncio.Queue()
        self.auto.clear()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._poll())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:  # ended before a reconnect makes new ones
            with contextlib.suppress(BaseException):
                await task
        self._tasks = []
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    @property
    def last(self) -> Run | None:
        """The latest full run (still running, or finished)."""
        return self._run

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._ws.close_code is None

    # --- what a student does ---
    async def open(self, title: str | None, query: str = "") -> Run:
        """Open a page (None: the URL's path, on the first load) as the navigation does."""
        if title is None:
            return await self.rerun(page_hash="", query=self.query, page_name="")
        return await self.rerun(page_hash=self.pages[title], query=query)

    async def rerun(
        self, widgets: Iterable = (), page_hash: str | None = None, query: str | None = None,
        page_name: str = "",
    ) -> Run:  # fmt: skip
        """Send a rerun and wait for the full run it started."""
        started = self._runs_started
        await self._send(widgets, page_hash, query, page_name)
        return await self.next_run(after=started)

    async def next_run(self, after: int, timeout: float = STEP_TIMEOUT) -> Run:
        """The next full run that began after the `after`-th one."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no run ended within {timeout:.0f} s")
            got = await asyncio.wait_for(self._done.get(), left)
            if got is None:
                self._done.put_nowait(None)  # every later wait sees it too
                raise Dropped("the server closed the connection")
            number, run = got
            if number > after:
                return run

    async def until(self, ok: Callable[[Run], bool], first: Run, timeout: float) -> Run:
        """Full runs (the fragments' polls go on meanwhile) until one satisfies `ok`."""
        run, deadline = first, time.monotonic() + timeout
        while not ok(run) and not run.errors:
            run = await self.next_run(self._runs_started - 1, deadline - time.monotonic())
        return run

    # --- the protocol ---
    async def _send(self, widgets, page_hash, query, page_name, fragment: str = "") -> None:  # noqa: ANN001
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query if query is None else query
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.widget_states.widgets.extend(widgets)
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, True
        if self._ws is None:
            raise Dropped("not connected")
        try:
            await self._ws.send(msg.SerializeToString())
        except Exception as err:  # noqa: BLE001 - a closed socket, whatever its class
            raise Dropped(str(err)) from err

    async def _read(self) -> None:
        done = self._done  # this connection's queue, not a later one's
        try:
            async for data in self._ws:
                self._handle(ForwardMsg.FromString(data))
        except Exception:  # noqa: BLE001, S110 - a dropped connection ends the session
            pass
        finally:
            done.put_nowait(None)

    def _handle(self, msg) -> None:  # noqa: ANN001, C901 - a ForwardMsg, one branch per kind
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._fragment = bool(msg.metadata.run.fragment_ids)
            if self._fragment:
                self._frag_errors = []
            else:
                self._runs_started += 1
                self._run = Run()
                self.auto.clear()  # the frontend drops its fragment timers on a full run
                self.page_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto[msg.auto_rerun.fragment_id] = max(0.1, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.auto.pop(fid, None)
        elif kind == "page_not_found":
            self._errors().append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if (problem := _element_error(element)) is not None:
                self._errors().append(problem)
            if not self._fragment and self._run is not None:
                self._run.elements.append(element)
                if (
                    element.WhichOneof("type") == "markdown"
                    and "Space: **" in element.markdown.body
                ):
                    self._run.space = element.markdown.body.split("**")[1].replace("\\", "")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == 1:
                self._errors().append("the script failed to compile")
            if status in FULL_RUN and not self._fragment and self._run is not None:
                self._done.put_nowait((self._runs_started, self._run))
            elif status == FRAGMENT_DONE:
                for text in self._frag_errors:
                    self.on_poll_error(text)
                self._frag_errors = []

    def _errors(self) -> list[str]:
        if self._fragment:
            return self._frag_errors
        return self._run.errors if self._run is not None else self._frag_errors

    async def _poll(self) -> None:
        """Rerun each fragment that asked for it at its interval, as the frontend's timers do."""
        last: dict[str, float] = {}
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            for fid, every in list(self.auto.items()):
                if now - last.get(fid, 0.0) >= every:
                    last[fid] = now
                    self.polls += 1
                    with contextlib.suppress(Dropped):
                        await self._send((), None, None, "", fragment=fid)


# --- one student ------------------------------------------------------------------------------
@dataclass
class Class:
    """What the students share: the tally, the background work in flight, the checks."""

    tally: Tally
    home: Path
    port: int
    background: bool = True  # students start training runs and classifications
    classifying: bool = False
    neighbour_replies: int = 0
    neighbour_words: set[str] = field(default_factory=set)
    classifications: int = 0
    polls: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # background work not started: why
    wrong_space: list[str] = field(default_factory=list)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    async def trainings_active(self) -> int:
        return await asyncio.to_thread(_active_runs, self.home)


def _active_runs(home: Path) -> int:
    import sqlite3

    count = 0
    spaces = home / "spaces"
    for catalog in spaces.glob("*/catalog.sqlite") if spaces.is_dir() else []:
        db = sqlite3.connect(catalog, timeout=30)
        try:
            count += db.execute(
                "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # a space whose catalog is being created: no runs yet
            continue
        finally:
            db.close()
    return count


class StepFailed(Exception):
    """A reply that came back without what the step asked for."""


def _check(run: Run, title: str) -> None:
    if run.errors:
        raise StepFailed("; ".join(run.errors))
    if not run.titled(title):
        raise StepFailed(f"the {title} page's title is missing")


async def student(n: int, cls: Class, deadline: float, pace) -> None:  # noqa: ANN001, C901
    tally, rng, name = cls.tally, random.Random(n), f"student-{n}"
    await asyncio.sleep(pace.ramp * n / max(1, pace.students))  # students arrive over time
    session = Session(cls.port, name, lambda text: _record(cls, f"{name} (a live panel): {text}"))
    timed: dict[str, float] = {}

    async def timed_run(label: str, coro) -> Run:  # noqa: ANN001
        t0 = time.monotonic()
        run = await coro
        timed[label] = time.monotonic() - t0
        if run.space is not None and run.space != name:
            cls.wrong_space.append(f"{name} found itself in {run.space}")
        return run

    async def corpus() -> None:
        _check(await timed_run("Corpus", session.open("Corpus")), "Corpus")

    async def neighbours() -> None:
        if session.page_hash != session.pages.get("Neighbours"):
            _check(await timed_run("Neighbours", session.open("Neighbours")), "Neighbours")
        for i in range(rng.choice((2, 3))):
            word = WORDS[(n + tally.steps + i) % len(WORDS)]
            box = (await _current(session, "Neighbours")).widget("text_input", "query")
            if box is None:
                raise StepFailed("the Neighbours page has no query box")
            run = await timed_run(
                "Neighbours query", session.rerun([WidgetState(id=box.id, string_value=word)])
            )
            _check(run, "Neighbours")
            cls.neighbour_words.update(_neighbours_of(run, word))
            cls.neighbour_replies += 1
            if i < 2:
                await asyncio.sleep(rng.uniform(0.5, 1.5))  # reads the list, types the next

    async def projection() -> None:
        word = WORDS[(n + tally.steps) % len(WORDS)]
        run = await timed_run("Projection", session.open("Projection", f"word={word}"))
        _check(run, "Projection")
        charts = [e.plotly_chart.id for e in run.of("plotly_chart")]
        if not any(c.endswith(("-projection", "-projection_3d")) for c in charts):
            raise StepFailed("the Projection page drew no map")

    async def training() -> None:
        run = await timed_run("Train", session.open("Train"))
        _check(run, "Train")
        button = run.widget("button", "train_start")
        if not cls.background:
            return
        if button is None or button.disabled:
            cls.skip("training: this student's run is still going")
            return
        if await cls.trainings_active() >= MAX_TRAININGS:
            cls.skip(f"training: {MAX_TRAININGS} of the class's runs are going")
            return
        tally.trainings_started += 1
        run = await timed_run(
            "Train start", session.rerun([WidgetState(id=button.id, trigger_value=True)])
        )
        _check(run, "Train")

    async def classify() -> None:
        run = await timed_run("Classify", session.open("Classify"))
        _check(run, "Classify")
        button = run.widget("button", "cls_run")
        if not cls.background:
            return
        if cls.classifying or button is None or button.disabled:
            cls.skip("classify: " + ("another is running" if cls.classifying else "no Run button"))
            return
        cls.classifying = True
        try:
            t0 = time.monotonic()
            run = await timed_run(
                "Classify run", session.rerun([WidgetState(id=button.id, trigger_value=True)])
            )
            run = await session.until(lambda r: bool(r.of("metric")), run, RESULT_TIMEOUT)
            _check(run, "Classify")
            if not run.of("metric"):
                raise StepFailed("the classification showed no scores")
            timed["Classify result"] = time.monotonic() - t0
            cls.classifications += 1
        finally:
            cls.classifying = False

    steps = [("Corpus", corpus), ("Neighbours", neighbours), ("Projection", projection),
             ("Train", training), ("Neighbours", neighbours), ("Classify", classify)]  # fmt: skip
    t0 = time.monotonic()
    try:
        await session.connect()
        await timed_run("first page", session.open(None))
        tally.times["first page"].append((t0, time.monotonic(), timed.pop("first page")))
    except Exception as err:  # noqa: BLE001 - reported, the session goes on
        _record(cls, f"{name}: first page: {type(err).__name__}: {err}", t0)
    tally.arrived += 1
    i = n  # students start at different steps
    while time.monotonic() < deadline:
        label, step = steps[i % len(steps)]
        i += 1
        t0, timed = time.monotonic(), {}
        try:
            await step()
        except Dropped:  # the server went away: wait for it, reconnect, rerun the page
            tally.interrupted += 1
            await _reconnect(session, cls, name)
            continue
        except Exception as err:  # noqa: BLE001 - a timeout, a missing reply: reported
            _record(cls, f"{name} {label}: {type(err).__name__}: {str(err)[:200]}", t0)
            if not session.connected:
                await _reconnect(session, cls, name)
        t1 = time.monotonic()
        for what, took in timed.items():
            tally.times[what].append((t0, t1, took))
        tally.steps += 1
        await asyncio.sleep(rng.uniform(*pace.think))  # reads the page, thinks
    cls.polls += session.polls
    await session.close()


async def _current(session: Session, title: str) -> Run:
    """The page as it is now (a rerun with nothing changed, as after a reconnect) when the
    client has no run of it yet; else the last run's widgets are still on screen."""
    last = session.last
    if last is not None and last.titled(title) and last.widget("text_input", "query"):
        return last
    return await session.rerun()


def _neighbours_of(run: Run, word: str) -> list[str]:
    """The neighbour words of a Neighbours reply (the dataframe's `word` column); a
    StepFailed when the reply is not the answer for `word`."""
    import pyarrow as pa

    if not any(f"nearest to **{word}**" in body for body in run.text("markdown")):
        raise StepFailed(f"no 'nearest to **{word}**' line in the reply")
    for element in run.of("dataframe"):
        table = pa.ipc.open_stream(element.dataframe.arrow_data.data).read_all()
        if "word" in table.column_names and table.num_rows:
            words = [w for w in table.column("word").to_pylist() if w]
            if words and word not in words:
                return words
    raise StepFailed(f"no table of neighbours for {word!r}")


async def _reconnect(session: Session, cls: Class, name: str) -> None:
    """What the browser does when its connection drops: retry until the server answers,
    then rerun the page it shows, with its URL's query string."""
    if cls.tally.restart:
        await cls.tally.back.wait()
    t0 = time.monotonic()
    for _ in range(60):
        await session.close()
        try:
            await session.connect()
            run = await session.rerun()
        except (OSError, Dropped, TimeoutError) as err:
            _record(cls, f"{name} reconnect: {type(err).__name__}: {str(err)[:160]}", t0)
            await asyncio.sleep(1.0)
            continue
        for text in run.errors:
            _record(cls, f"{name} reconnect: {text}", t0)
        cls.tally.times["reconnect"].append((t0, time.monotonic(), time.monotonic() - t0))
        return


def _record(cls: Class, text: str, t0: float | None = None) -> None:
    tally = cls.tally
    start = time.monotonic() if t0 is None else t0
    (tally.restart_errors if tally.in_restart(start, time.monotonic()) else tally.errors).append(
        text
    )


async def warm_up(port: int) -> None:
    """One visit before the clock starts: a fresh server's first page imports the libraries."""
    session = Session(port, "warm-up", lambda _text: None)
    await session.connect()
    await session.open(None)
    await session.close()


async def drive(cls: Class, pace, seconds: float, restart, nicer=None) -> None:  # noqa: ANN001
    await warm_up(cls.port)
    start = time.monotonic()
    deadline = start + seconds
    tasks = [student(n, cls, deadline, pace) for n in range(pace.students)]
    tasks.append(restart(start + seconds / 2, cls.tally))
    background = asyncio.create_task(nicer()) if nicer is not None else None
    await asyncio.gather(*tasks)
    if background is not None:
        background.cancel()


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every process, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            found[int(stat.parent.name)] = (int(fields[1]), int(fields[2]))
    return found


def _job_processes(server_group: int) -> list[int]:
    """The server's job processes: training runs (its children in a session of their own)
    and spawned children (a classification: `multiprocessing.spawn` in the command line)."""
    procs = _processes()
    server = {pid for pid, (_, group) in procs.items() if group == server_group}
    jobs = []
    for pid, (parent, group) in procs.items():
        if parent in server and group != server_group:
            jobs.append(pid)
        elif group == server_group and pid != server_group:
            with contextlib.suppress(OSError):
                if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    jobs.append(pid)
    return jobs


def nice_jobs(server_group: Callable[[], int], delta: int) -> int:
    """Give every thread of the server's job processes a nice `delta` above the server's (a
    what-if for issue 22: what the pages gain when the jobs yield the CPU); the threads
    changed."""
    changed = 0
    group = server_group()
    try:
        level = min(19, os.getpriority(os.PRIO_PROCESS, group) + delta)
    except OSError:  # the server is restarting
        return 0
    for pid in _job_processes(group):
        for task in Path(f"/proc/{pid}/task").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                tid = int(task.name)
                if os.getpriority(os.PRIO_PROCESS, tid) < level:
                    os.setpriority(os.PRIO_PROCESS, tid, level)
                    changed += 1
    return changed


@dataclass(frozen=True)
class Pace:
    """How the students behave: how many, arriving over `ramp` seconds, pausing a uniform
    `think` = (low, high) seconds between steps."""

    students: int
    ramp: float
    think: tuple[float, float]


def _server_cpu(pid: int) -> float:
    """CPU seconds of the server's process group so far (its children that ended count in
    their parent's cutime), from /proc; 0 where /proc is missing."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # the process group
            total += sum(int(x) for x in fields[11:15]) / tick
    return total


def main() -> None:  # noqa: C901, PLR0915 - one report
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--no-restart", action="store_true", help="keep one server throughout")
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="students open Train and Classify but start nothing",
    )
    parser.add_argument("--wait-runs", type=float, default=120.0, help="seconds to let runs end")
    ramp_help = "seconds over which the students arrive (default: N/2)"
    parser.add_argument("--ramp", type=float, default=None, help=ramp_help)
    think_help = "LOW,HIGH seconds a student pauses between steps (default 1,4)"
    parser.add_argument("--think", default="1,4", help=think_help)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    nice_help = (
        "a what-if: the bench renices the server's job processes (training runs, spawned "
        "classification children) DELTA above the server's nice as they appear (default: "
        "leave them)"
    )
    parser.add_argument("--nice-jobs", type=int, default=None, metavar="DELTA", help=nice_help)
    keep_help = "work in this new folder and keep it (the workspace, server.log)"
    parser.add_argument("--keep", type=Path, default=None, help=keep_help)
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    ramp = args.students / 2 if args.ramp is None else args.ramp
    pace = Pace(args.students, ramp, (low, high))
    began, load_before = time.monotonic(), os.getloadavg()

    if args.keep is not None:
        args.keep.mkdir(parents=True)
    keep = contextlib.nullcontext(str(args.keep)) if args.keep is not None else None
    with keep or tempfile.TemporaryDirectory(prefix="embedlab-class-ws-") as tmp:
        home = teacher_workspace(Path(tmp) / "class")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        proc_box = [start_server(home, port, log)]
        cls = Class(Tally(), home, port, background=not args.no_background)
        server_cpu = 0.0
        try:
            wait_healthy(url, proc_box[0])

            async def restart(at: float, tally: Tally) -> None:
                nonlocal server_cpu
                if not args.no_restart:
                    await asyncio.sleep(max(0.0, at - time.monotonic()))
                    for _ in range(int(2 * STEP_TIMEOUT / 0.2)):  # as restart_in_the_middle
                        if tally.arrived >= args.students:
                            break
                        await asyncio.sleep(0.2)
                    server_cpu += _server_cpu(proc_box[0].pid)  # the first server's share
                    await restart_in_the_middle(
                        proc_box, home, port, url, log, at, tally, args.students
                    )

            reniced = 0

            async def nicer() -> None:
                nonlocal reniced
                while True:
                    reniced += await asyncio.to_thread(
                        nice_jobs, lambda: proc_box[0].pid, args.nice_jobs
                    )
                    await asyncio.sleep(0.5)

            client_cpu0 = sum(os.times()[:2])
            asyncio.run(
                drive(
                    cls, pace, args.seconds, restart, nicer if args.nice_jobs is not None else None
                )
            )
            client_cpu = sum(os.times()[:2]) - client_cpu0
            server_cpu += _server_cpu(proc_box[0].pid)
            runs = runs_report(home, args.wait_runs)
        finally:
            stop_server(proc_box[0])
        checks = integrity(home)
        server_tracebacks = log.read_text(errors="replace").count("Traceback")

    tally = cls.tally
    load = os.getloadavg()
    pages = {}  # latencies of the steps clear of the restart (those overlapping it: "during")
    for name, spans in sorted(tally.times.items()):
        clear = [took for a, b, took in spans if not tally.in_restart(a, b)]
        if clear:
            pages[name] = {"n": len(clear), "p50": statistics.median(clear),
                           "p95": percentile(clear, 0.95),
                           "during_restart": len(spans) - len(clear)}  # fmt: skip
    nb = pages.get("Neighbours query", {}).get("p95", float("nan"))
    report = {
        "students": args.students,
        "seconds": args.seconds,
        "ramp_seconds": ramp,
        "think_seconds": [low, high],
        "wall_seconds": round(time.monotonic() - began, 1),
        "load_before_1_5_15": [round(x, 2) for x in load_before],
        "load_1_5_15": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
        "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "background": cls.background,
        "nice_jobs": args.nice_jobs,
        "job_threads_reniced": reniced,
        "steps": tally.steps,
        "trainings_started": tally.trainings_started,
        "classifications": cls.classifications,
        "fragment_polls": cls.polls,
        "background_skipped": cls.skipped,
        "neighbour_replies": cls.neighbour_replies,
        "neighbour_words_seen": len(cls.neighbour_words),
        "pages": pages,
        "errors": tally.errors,
        "restart_errors": tally.restart_errors,
        "restart_seconds": round(tally.restart[1] - tally.restart[0], 1)
        if len(tally.restart) > 1
        else None,
        "wrong_space": cls.wrong_space,
        "steps_cut_by_restart": tally.interrupted,
        "runs": runs,
        "integrity": checks,
        "server_log_tracebacks": server_tracebacks,
        "neighbours_p95_ok": nb <= GOAL_NEIGHBOURS_P95,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.students} websocket students for {args.seconds:.0f} s on one `embedlab app "
          f"--class` server (restarted once: {report['restart_seconds']} s to answer again); "
          f"{tally.steps} steps, {tally.trainings_started} training runs started, "
          f"{cls.classifications} classifications, {cls.polls} live-panel polls; arriving over "
          f"{ramp:g} s, thinking {low:g}-{high:g} s; {report['wall_seconds']:.0f} s in all"
          )  # fmt: skip
    if not cls.background:
        print("(--no-background: the students started no training run and no classification)")
    if args.nice_jobs is not None:
        print(f"(--nice-jobs {args.nice_jobs}: {reniced} threads of training runs and "
              "classification children reniced above the server, a what-if)")  # fmt: skip
    lb = load_before
    print(f"load average before {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}, after {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; CPU seconds: server "
          f"{server_cpu:.0f} (training runs are apart), clients {client_cpu:.0f}\n")  # fmt: skip
    print_latencies(pages, nb, "BackMsg sent -> run finished")
    print(f"background work not started: {cls.skipped}")
    print(f"neighbour replies checked: {cls.neighbour_replies} "
          f"({len(cls.neighbour_words)} distinct neighbour words)")  # fmt: skip
    print(f"errors: {len(tally.errors)}")
    for text in tally.errors[:30]:
        print(f"  {text}")
    print(f"errors during the restart's reconnect: {len(tally.restart_errors)}")
    for text in tally.restart_errors[:10]:
        print(f"  {text}")
    print(f"steps cut short by the restart (the client reconnected): {tally.interrupted}")
    print(f"students shown another space: {len(cls.wrong_space)}")
    for text in cls.wrong_space[:10]:
        print(f"  {text}")
    print(f"tracebacks in the server's log: {server_tracebacks}")
    print_runs(runs, checks)


if __name__ == "__main__":
    main()
