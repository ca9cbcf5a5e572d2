"""A class in real browsers: N students on one `embedlab app --class` server, which is
restarted once in the middle.

Builds a teacher's workspace in a temporary folder (gensim's Lee corpus 'lee' and a small
skip-gram model 'lee-demo' trained on it), starts `embedlab app --class` on a free loopback
port, and opens N Playwright browser contexts in Debian's headless Chromium, each a student
with their own space (`?space=student-N`) running a scripted session until the time is up:
open the Corpus page, ask Neighbours for a word, draw the Projection map, start a training
run on the Train page (one at a time per student), classify the demo texts. Halfway through,
the server is stopped (SIGTERM to its process group) and started again on the same port.

One Chromium serves every student (a browser context each, not a browser each), students
start over the first `--ramp` seconds and pause `--think` seconds between steps, as people
do, so N = 20 fits on 2 cores. A page's latency is measured inside the browser: from the
click or the Enter (a capture-phase listener) to the app's script state turning back to
`notRunning` (a MutationObserver), so it is the server's answer time as the browser sees it,
without Playwright's own polling.

It prints per-page p50/p95 latency, every error a browser showed (an exception box, an
error box, a traceback, a page error) apart from those during the restart's reconnect, the
training runs (done; failed otherwise; lost: killed by the restart, so failed and to be run
again; left running at the end), and `PRAGMA integrity_check` of every catalog. Goals: no
errors but the restart's, no run lost, Neighbours p95 <= 1 s at N = 20.

    python bench/class_load.py --students 5 --seconds 60
    python bench/class_load.py --students 3 --seconds 30 --json   # what the smoke test reads
    nice python bench/class_load.py --students 20 --seconds 180 --wait-runs 60  # ~5 min
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-extensions",
    "--mute-audio",
    "--disable-features=Translate,MediaRouter,OptimizationHints,BackForwardCache",
]
# Runs in every page before the app: marks the last click/Enter and each change of the
# app's script state, on the page's own clock.
TIMING_JS = """(() => {
  const el = window.__el = {action: 0, running: 0, idle: 0, state: null};
  const state = () => {
    const app = document.querySelector("[data-testid='stApp']");
    return app && app.getAttribute('data-test-script-state');
  };
  const mark = () => {
    el.action = performance.now(); el.idle = 0;
    el.running = state() === 'running' ? el.action : 0;
  };
  document.addEventListener('click', mark, true);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') mark(); }, true);
  new MutationObserver(() => {
    const s = state();
    if (s === el.state) return;
    el.state = s;
    const t = performance.now();
    if (s === 'running') el.running = t;
    else if (s === 'notRunning' && el.running) el.idle = t;
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();"""
# Settled: a run began after the last action and ended; or, 1.5 s after the action, none
# began (a widget that changed nothing on the server) and the app is idle.
SETTLED_JS = """() => {
  const el = window.__el;
  if (!el) return true;
  if (el.idle > el.action) return true;
  return !el.running && el.state !== 'running' && performance.now() - el.action > 1500;
}"""
LATENCY_JS = (
    "() => (window.__el && window.__el.idle > window.__el.action) ? "
    "(window.__el.idle - window.__el.action) / 1000 : null"
)
ERRORS_JS = """() => {
  const out = [];
  for (const sel of ["[data-testid='stException']", "[data-testid='stAlertContentError']"]) {
    for (const n of document.querySelectorAll(sel)) {
      const t = (n.textContent || '').trim();
      out.push(t ? t.split('\\n')[0].slice(0, 200) : sel);
    }
  }
  const app = document.querySelector("[data-testid='stApp']");
  if (app && (app.textContent || '').includes('Traceback (most recent call last)'))
    out.push('a traceback in the page');
  return out;
}"""
SPACE_JS = """() => {
  const bar = document.querySelector("[data-testid='stSidebar']");
  const m = bar && (bar.textContent || '').match(/Space:\\s*([a-z0-9_-]+)/);
  return m ? m[1] : null;
}"""
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
WORDS = ["police", "government", "australia", "fire", "people", "world", "minister", "day"]
GOAL_NEIGHBOURS_P95 = 1.0
STEP_TIMEOUT_MS = 90_000
POLL_MS = 250  # how often Playwright asks a page whether it settled (the timing is in-page)
RESTART_GRACE = 20.0  # seconds after the server answers again that reconnect errors still count


@dataclass
class Tally:
    """What the students saw."""

    times: dict[str, list[tuple[float, float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (start, end, seconds the browser waited for the server) of each step, by page
    errors: list[str] = field(default_factory=list)
    restart_errors: list[str] = field(default_factory=list)
    restart: list[float] = field(default_factory=list)  # [stopped at, answering again at]
    steps: int = 0
    trainings_started: int = 0
    spaces_retyped: list[str] = field(default_factory=list)
    interrupted: int = 0  # steps the restart cut short (the student reloaded the page)
    back: asyncio.Event = field(default_factory=asyncio.Event)  # the server answers again
    arrived: int = 0  # students whose first page loaded (or failed to)

    def in_restart(self, t0: float, t1: float) -> bool:
        """Whether [t0, t1] overlaps the restart (from the stop to the grace after it)."""
        if not self.restart:
            return False
        end = self.restart[1] + RESTART_GRACE if len(self.restart) > 1 else float("inf")
        return t0 <= end and t1 >= self.restart[0]


# --- the teacher's workspace and the server ---------------------------------------------------
def teacher_workspace(root: Path) -> Path:
    """Lee corpus 'lee' and a small skip-gram model 'lee-demo' in a new workspace."""
    from gensim.test.utils import datapath

    from embedlab.jobs.corpora import add_corpus
    from embedlab.jobs.process import create_training_run, run_training
    from embedlab.store.workspace import Workspace
    from embedlab.train import TrainConfig

    ws = Workspace(root)
    add_corpus(ws, datapath("lee_background.cor"), name="lee")
    config = TrainConfig(dim=32, epochs=5, min_count=3, workers=1, seed=3)
    run_training(ws, create_training_run(ws, "lee", config, name="lee-demo"))
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    """`embedlab app --class` in its own process group (so SIGTERM reaches streamlit too)."""
    cmd = [
        sys.executable, "-m", "embedlab.cli", "--home", str(home), "app", "--class",
        "--port", str(port), "--address", "127.0.0.1",
    ]  # fmt: skip
    env = {**os.environ, "STREAMLIT_SERVER_HEADLESS": "true"}
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (embedlab app and streamlit), then wait."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the whole group: streamlit outlives `embedlab app`
        proc.poll()
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# --- one student ------------------------------------------------------------------------------
async def settle(page, timeout: float = STEP_TIMEOUT_MS) -> None:
    """Wait for the script run that the last click or Enter started to end (TIMING_JS)."""
    await page.wait_for_function(SETTLED_JS, polling=POLL_MS, timeout=timeout)


async def latency(page) -> float | None:
    """Seconds from the last click or Enter to the end of the run it started, on the page's
    clock; None when no run followed."""
    return await page.evaluate(LATENCY_JS)


async def loaded(page) -> None:
    """Wait for a freshly opened page's first script run to end."""
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    await page.wait_for_function(
        "() => window.__el && window.__el.state === 'notRunning'", polling=POLL_MS,
        timeout=STEP_TIMEOUT_MS,
    )  # fmt: skip


async def go(page, title: str) -> float | None:
    """Open a page from the sidebar's navigation ("View more" first when it is folded);
    the seconds the browser waited for it."""
    link = page.locator("[data-testid='stSidebarNavLink']", has_text=title).first
    more = page.locator("[data-testid='stSidebarNavViewButton']", has_text="more")
    if not await link.is_visible() and await more.count():
        await more.first.click()
        await settle(page)
    await link.click()
    # a CSS match, not get_by_role: the accessibility tree is costly on 2 cores
    await page.locator("h1", has_text=title).first.wait_for(timeout=STEP_TIMEOUT_MS)
    await settle(page)
    return await latency(page)


async def errors_on(page) -> list[str]:
    """Every error the page shows now: exception boxes, error boxes, tracebacks."""
    return await page.evaluate(ERRORS_JS)


async def student(browser, url: str, n: int, deadline: float, tally: Tally, opts: Pace) -> None:
    rng = random.Random(n)
    await asyncio.sleep(opts.ramp * n / max(1, opts.students))  # students arrive over time
    ctx = await browser.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    await ctx.add_init_script(TIMING_JS)
    page = await ctx.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda err: page_errors.append(f"page error: {err}"[:200]))

    async def corpus() -> dict[str, float | None]:
        return {"Corpus": await go(page, "Corpus")}

    async def neighbours() -> dict[str, float | None]:
        took = {}
        if not await page.locator(".st-key-query input").count():
            took["Neighbours"] = await go(page, "Neighbours")
        box = page.locator(".st-key-query input")
        await box.fill(WORDS[(n + tally.steps) % len(WORDS)])
        await box.press("Enter")
        await settle(page)
        await page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=STEP_TIMEOUT_MS)
        took["Neighbours query"] = await latency(page)
        return took

    async def projection() -> dict[str, float | None]:
        took = await go(page, "Projection")
        await page.locator(".st-key-projection .js-plotly-plot").wait_for(timeout=STEP_TIMEOUT_MS)
        return {"Projection": took}

    async def training() -> dict[str, float | None]:
        took = {"Train": await go(page, "Train")}
        button = page.locator(".st-key-train_start button")
        if await button.is_enabled():  # one run at a time per student, as the page allows
            await button.click()
            await settle(page)
            took["Train start"] = await latency(page)
            tally.trainings_started += 1
        return took

    async def classify() -> dict[str, float | None]:
        took = {"Classify": await go(page, "Classify")}
        await page.locator(".st-key-cls_run button").click()
        await settle(page)
        await page.locator("[data-testid='stMetric']").first.wait_for(timeout=STEP_TIMEOUT_MS)
        took["Classify run"] = await latency(page)
        return took

    steps = [("Corpus", corpus), ("Neighbours", neighbours), ("Projection", projection),
             ("Train", training), ("Neighbours", neighbours), ("Classify", classify)]  # fmt: skip
    t0 = time.monotonic()
    try:
        await page.goto(f"{url}/?space=student-{n}", timeout=STEP_TIMEOUT_MS)
        await loaded(page)
        tally.times["first page"].append((t0, time.monotonic(), time.monotonic() - t0))
    except Exception as err:  # noqa: BLE001 - reported, the session goes on
        _record(tally, f"student-{n}: first page: {type(err).__name__}", t0)
    tally.arrived += 1
    i = n  # students start at different steps
    while time.monotonic() < deadline:
        name, step = steps[i % len(steps)]
        i += 1
        t0 = time.monotonic()
        outcome = await _step_or_restart(step(), tally)
        if outcome is RESTARTED:  # the server went away meanwhile: wait, then reload
            tally.interrupted += 1
            await tally.back.wait()
            await _reopen(page, url, n)
            page_errors.clear()
            continue
        problems = []
        if isinstance(outcome, dict):
            t1 = time.monotonic()
            for label, took in outcome.items():
                if took is not None:
                    tally.times[label].append((t0, t1, took))
            with contextlib.suppress(Exception):
                problems = await errors_on(page)
        else:  # a timeout or a vanished element
            problems = [f"{type(outcome).__name__}: {str(outcome).splitlines()[0][:160]}"]
        problems += page_errors
        page_errors.clear()
        for text in problems:
            _record(tally, f"student-{n} {name}: {text}", t0)
        if problems and tally.in_restart(t0, time.monotonic()):
            await _reopen(page, url, n)
        with contextlib.suppress(Exception):  # the next step reports what is still wrong
            await keep_space(page, n, tally, t0)
        tally.steps += 1
        await asyncio.sleep(rng.uniform(*opts.think))  # reads the page, thinks
    await ctx.close()


@dataclass(frozen=True)
class Pace:
    """How the students behave: how many, arriving over `ramp` seconds, pausing a uniform
    `think` = (low, high) seconds between steps."""

    students: int
    ramp: float
    think: tuple[float, float]


RESTARTED = object()


async def _step_or_restart(step, tally: Tally):  # noqa: ANN202 - a dict, an exception or RESTARTED
    """Run a step: its latencies when it went through, its exception when it failed, RESTARTED when
    the restart began while it ran (abandoned, as a student would on seeing the app
    reconnect)."""
    task = asyncio.ensure_future(step)
    if tally.restart and not tally.back.is_set():
        task.cancel()
        return RESTARTED
    stopped = asyncio.ensure_future(_until(lambda: bool(tally.restart) and not tally.back.is_set()))
    done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task in done:
        return task.exception() or task.result()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return RESTARTED


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.2)


def _record(tally: Tally, text: str, t0: float) -> None:
    (tally.restart_errors if tally.in_restart(t0, time.monotonic()) else tally.errors).append(text)


async def keep_space(page, n: int, tally: Tally, t0: float) -> None:
    """A student whose sidebar shows another space (a reconnect to the restarted server in
    the middle of a page switch, whose URL had no `space=` yet, starts an anonymous one)
    types their name into "Change space", as the sidebar invites."""
    shown = await page.evaluate(SPACE_JS)
    if shown is None or shown == f"student-{n}":
        return
    sidebar = page.locator("[data-testid='stSidebar']")
    where = "during the restart" if tally.in_restart(t0, time.monotonic()) else "outside it"
    tally.spaces_retyped.append(f"student-{n} found itself in {shown} ({where})")
    await sidebar.get_by_text("Change space").first.click()
    box = page.locator(".st-key-class_space_input input")
    await box.fill(f"student-{n}")
    await box.press("Enter")
    await settle(page)


async def _reopen(page, url: str, n: int) -> None:
    """After the restart: what a student does when the page looks stuck, reload it."""
    try:
        await page.goto(f"{url}/?space=student-{n}", timeout=STEP_TIMEOUT_MS)
        await loaded(page)
    except Exception:  # noqa: BLE001 - the next step reports what is still wrong
        pass


async def restart_in_the_middle(
    proc_box: list, home, port, url, log, at: float, tally, students: int
) -> None:
    """Restart at `at`, or once every student has arrived if that is later: the restart
    interrupts a class at work, not students still opening their first page."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    with contextlib.suppress(TimeoutError):  # a student that never arrives holds no one up
        await asyncio.wait_for(
            _until(lambda: tally.arrived >= students), 2 * STEP_TIMEOUT_MS / 1000
        )
    tally.restart.append(time.monotonic())
    await asyncio.to_thread(stop_server, proc_box[0])
    proc_box[0] = start_server(home, port, log)
    await asyncio.to_thread(wait_healthy, url, proc_box[0])
    tally.restart.append(time.monotonic())
    tally.back.set()


async def warm_up(browser, url: str) -> None:
    """One visit before the clock starts: a fresh server's first page imports the libraries."""
    ctx = await browser.new_context()
    page = await ctx.new_page()
    await page.goto(f"{url}/?space=warm-up", timeout=180_000)
    await page.wait_for_selector(IDLE, timeout=180_000)
    await ctx.close()


async def drive(url: str, pace: Pace, seconds: float, restart) -> Tally:
    from playwright.async_api import async_playwright

    tally = Tally()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await warm_up(browser, url)
        start = time.monotonic()
        deadline = start + seconds
        tasks = [student(browser, url, n, deadline, tally, pace) for n in range(pace.students)]
        tasks.append(restart(start + seconds / 2, tally))
        await asyncio.gather(*tasks)
        await browser.close()
    return tally


# --- after the class --------------------------------------------------------------------------
def catalogs(home: Path) -> list[tuple[str, Path]]:
    found = [("teacher", home / "catalog.sqlite")]
    spaces = home / "spaces"
    if spaces.is_dir():
        found += [(p.name, p / "catalog.sqlite") for p in sorted(spaces.iterdir()) if p.is_dir()]
    return [(name, path) for name, path in found if path.exists()]


def runs_report(home: Path, wait_s: float) -> dict:
    """Wait up to `wait_s` for the runs to end, then count them by fate."""
    from embedlab.jobs.queue import DIED, NEVER_STARTED, reap_dead_runs
    from embedlab.store.workspace import Workspace

    deadline = time.monotonic() + wait_s
    while True:
        runs = []
        for name, path in catalogs(home)[1:]:  # the spaces (the teacher's setup run is not one)
            ws = Workspace(path.parent)
            reap_dead_runs(ws)
            runs += [(name, r) for r in ws.runs()]
        active = [r for _, r in runs if r.status in ("queued", "running")]
        if not active or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    by_status: dict[str, int] = defaultdict(int)
    for _, r in runs:
        by_status[r.status] += 1
    lost = [
        f"{n} run {r.id} (created {r.created}, started {r.started}): {r.error} "
        f"log: {_log_tail(home, n, r.id)}"
        for n, r in runs
        if r.status == "failed" and r.error in (DIED, NEVER_STARTED)
    ]
    failed = [
        f"{n} run {r.id}: {r.error}"
        for n, r in runs
        if r.status == "failed" and r.error not in (DIED, NEVER_STARTED)
    ]
    return {
        "total": len(runs),
        "by_status": dict(by_status),
        "lost": lost,
        "failed_otherwise": failed,
        "left_running": [f"{n} run {r.id}" for n, r in runs if r.status in ("queued", "running")],
    }


def _log_tail(home: Path, space: str, run_id: int) -> str:
    path = home / "spaces" / space / "logs" / f"run-{run_id}.log"
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return " | ".join(lines[-3:])[-400:] or "(empty)"


def integrity(home: Path) -> dict[str, str]:
    result = {}
    for name, path in catalogs(home):
        db = sqlite3.connect(path, timeout=30)
        try:
            result[name] = db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-restart", action="store_true", help="keep one server throughout")
    parser.add_argument("--wait-runs", type=float, default=120.0, help="seconds to let runs end")
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which the students arrive (default: N/2)",
    )
    parser.add_argument(
        "--think",
        default="1,4",
        help="LOW,HIGH seconds a student pauses between steps (default 1,4)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    ramp = args.students / 2 if args.ramp is None else args.ramp
    pace = Pace(args.students, ramp, (low, high))
    began, load_before = time.monotonic(), os.getloadavg()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")

    with tempfile.TemporaryDirectory(prefix="embedlab-class-") as tmp:
        home = teacher_workspace(Path(tmp) / "class")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        proc_box = [start_server(home, port, log)]
        try:
            wait_healthy(url, proc_box[0])

            async def restart(at: float, tally: Tally) -> None:
                if not args.no_restart:
                    await restart_in_the_middle(
                        proc_box, home, port, url, log, at, tally, args.students
                    )

            tally = asyncio.run(drive(url, pace, args.seconds, restart))
            runs = runs_report(home, args.wait_runs)
        finally:
            stop_server(proc_box[0])
        checks = integrity(home)
        server_tracebacks = log.read_text(errors="replace").count("Traceback")

    load = os.getloadavg()
    pages = {}  # latencies of the steps clear of the restart (those overlapping it: "during")
    for name, spans in sorted(tally.times.items()):
        clear = [took for a, b, took in spans if not tally.in_restart(a, b)]
        during = len(spans) - len(clear)
        if clear:
            pages[name] = {"n": len(clear), "p50": statistics.median(clear),
                           "p95": percentile(clear, 0.95), "during_restart": during}  # fmt: skip
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
        "steps": tally.steps,
        "trainings_started": tally.trainings_started,
        "pages": pages,
        "errors": tally.errors,
        "restart_errors": tally.restart_errors,
        "restart_seconds": round(tally.restart[1] - tally.restart[0], 1)
        if len(tally.restart) > 1
        else None,
        "spaces_retyped": tally.spaces_retyped,
        "steps_cut_by_restart": tally.interrupted,
        "runs": runs,
        "integrity": checks,
        "server_log_tracebacks": server_tracebacks,
        "neighbours_p95_ok": nb <= GOAL_NEIGHBOURS_P95,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.students} students for {args.seconds:.0f} s on one `embedlab app --class` "
          f"server (restarted once: {report['restart_seconds']} s to answer again); "
          f"{tally.steps} steps, {tally.trainings_started} training runs started; arriving "
          f"over {ramp:g} s, thinking {low:g}-{high:g} s between steps; "
          f"{report['wall_seconds']:.0f} s in all")  # fmt: skip
    lb = load_before
    print(f"load average before {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}, after {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs\n")  # fmt: skip
    print_latencies(pages, nb, "server time as the browser saw it")
    print(f"errors seen by browsers: {len(tally.errors)}")
    for text in tally.errors:
        print(f"  {text}")
    print(f"errors during the restart's reconnect: {len(tally.restart_errors)}")
    for text in tally.restart_errors[:10]:
        print(f"  {text}")
    print(f"steps cut short by the restart (the student reloaded): {tally.interrupted}")
    print(f"students who had to type their space again: {len(tally.spaces_retyped)}")
    for text in tally.spaces_retyped:
        print(f"  {text}")
    print(f"tracebacks in the server's log: {server_tracebacks}")
    print_runs(runs, checks)


def print_latencies(pages: dict, neighbours_p95: float, measured: str) -> None:
    """The per-page latency table and the Neighbours goal's verdict (both benches)."""
    print(f"{'page':<20}{'n':>5}{'p50 s':>9}{'p95 s':>9}   ({measured}, steps clear of the "
          "restart)")  # fmt: skip
    for name, row in pages.items():
        print(f"{name:<20}{row['n']:>5}{row['p50']:>9.2f}{row['p95']:>9.2f}")
    verdict = "ok" if neighbours_p95 <= GOAL_NEIGHBOURS_P95 else "over"
    print(
        f"\nNeighbours query p95 {neighbours_p95:.2f} s (goal <= {GOAL_NEIGHBOURS_P95} s at "
        f"N = 20): {verdict}"
    )


def print_runs(runs: dict, checks: dict) -> None:
    """The training runs (done, lost, left running) and the catalogs' integrity (both benches)."""
    lost, left, failed = (len(runs[k]) for k in ("lost", "left_running", "failed_otherwise"))
    print(
        f"runs: {runs['total']} {dict(runs['by_status'])}; lost {lost}, left running {left}, "
        f"failed otherwise {failed}"
    )
    for text in runs["lost"] + runs["failed_otherwise"] + runs["left_running"]:
        print(f"  {text}")
    print("integrity_check: " + ", ".join(f"{k} {v}" for k, v in checks.items()))


if __name__ == "__main__":
    main()
