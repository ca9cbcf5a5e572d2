"""A class in real browsers: N students on one `embedlab app --class` server, which is
restarted once in the middle.

Builds a teacher's workspace in a temporary folder (gensim's Lee corpus 'lee' and a small
skip-gram model 'lee-demo' trained on it), starts `embedlab app --class` on a free loopback
port, and opens N Playwright browser contexts in Debian's headless Chromium, each a student
with their own space (`?space=student-N`) running a scripted session until the time is up:
open the Corpus page, ask Neighbours for a word, draw the Projection map, start a training
run on the Train page (one at a time per student), classify the demo texts. Halfway through,
the server is stopped (SIGTERM to its process group) and started again on the same port.

It prints per-page p50/p95 latency (from the click or the Enter to the page's script
settling), every error a browser showed (an exception box, an error box, a traceback, a
page error) apart from those during the restart's reconnect, the training runs (done,
failed, lost: their process died; left running at the end), and `PRAGMA integrity_check`
of every catalog. Goals: no errors but the restart's, no run lost, Neighbours p95 <= 1 s
at N = 20.

    python bench/class_load.py --students 5 --seconds 60
    python bench/class_load.py --students 3 --seconds 30 --json   # what the smoke test reads
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
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
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
WORDS = ["police", "government", "australia", "fire", "people", "world", "minister", "day"]
GOAL_NEIGHBOURS_P95 = 1.0
STEP_TIMEOUT_MS = 90_000
RESTART_GRACE = 20.0  # seconds after the server answers again that reconnect errors still count


@dataclass
class Tally:
    """What the students saw."""

    times: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (start, end) of each step, by page
    errors: list[str] = field(default_factory=list)
    restart_errors: list[str] = field(default_factory=list)
    restart: list[float] = field(default_factory=list)  # [stopped at, answering again at]
    steps: int = 0
    trainings_started: int = 0
    spaces_retyped: list[str] = field(default_factory=list)
    interrupted: int = 0  # steps the restart cut short (the student reloaded the page)
    back: asyncio.Event = field(default_factory=asyncio.Event)  # the server answers again

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
    """Wait for the script run an action started to finish (a very fast run may be missed
    while running; then it is already idle)."""
    with contextlib.suppress(Exception):  # a run shorter than the poll: already done
        await page.wait_for_selector(RUNNING, timeout=1_500)
    await page.wait_for_selector(IDLE, timeout=timeout)


async def go(page, title: str) -> None:
    """Open a page from the sidebar's navigation ("View more" first when it is folded)."""
    link = page.locator("[data-testid='stSidebarNavLink']", has_text=title).first
    more = page.locator("[data-testid='stSidebarNavViewButton']", has_text="more")
    if not await link.is_visible() and await more.count():
        await more.first.click()
    await link.click()
    await page.get_by_role("heading", name=title).first.wait_for(timeout=STEP_TIMEOUT_MS)
    await settle(page)


async def errors_on(page) -> list[str]:
    """Every error the page shows now: exception boxes, error boxes, tracebacks."""
    found = []
    for selector in ("[data-testid='stException']", "[data-testid='stAlertContentError']"):
        for text in await page.locator(selector).all_inner_texts():
            found.append(text.strip().splitlines()[0][:200] if text.strip() else selector)
    body = await page.locator("[data-testid='stApp']").inner_text()
    if "Traceback (most recent call last)" in body:
        found.append("a traceback in the page")
    return found


async def student(browser, url: str, n: int, deadline: float, tally: Tally) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1100})
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    page = await ctx.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda err: page_errors.append(f"page error: {err}"[:200]))

    async def corpus() -> None:
        await go(page, "Corpus")

    async def neighbours() -> None:
        if not await page.locator(".st-key-query input").count():
            await go(page, "Neighbours")
        box = page.locator(".st-key-query input")
        start = time.monotonic()
        await box.fill(WORDS[(n + tally.steps) % len(WORDS)])
        await box.press("Enter")
        await settle(page)
        await page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=STEP_TIMEOUT_MS)
        tally.times["Neighbours query"].append((start, time.monotonic()))

    async def projection() -> None:
        await go(page, "Projection")
        await page.locator(".st-key-projection .js-plotly-plot").wait_for(timeout=STEP_TIMEOUT_MS)

    async def training() -> None:
        await go(page, "Train")
        button = page.locator(".st-key-train_start button")
        if await button.is_enabled():  # one run at a time per student, as the page allows
            await button.click()
            await settle(page)
            tally.trainings_started += 1

    async def classify() -> None:
        await go(page, "Classify")
        await page.locator(".st-key-cls_run button").click()
        await settle(page)
        await page.locator("[data-testid='stMetric']").first.wait_for(timeout=STEP_TIMEOUT_MS)
        await settle(page)

    steps = [("Corpus", corpus), ("Neighbours", neighbours), ("Projection", projection),
             ("Train", training), ("Neighbours", neighbours), ("Classify", classify)]  # fmt: skip
    t0 = time.monotonic()
    try:
        await page.goto(f"{url}/?space=student-{n}", timeout=STEP_TIMEOUT_MS)
        await settle(page)
        tally.times["first page"].append((t0, time.monotonic()))
    except Exception as err:  # noqa: BLE001 - reported, the session goes on
        _record(tally, f"student-{n}: first page: {type(err).__name__}", t0)
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
        if outcome is None:
            if name != "Neighbours":
                tally.times[name].append((t0, time.monotonic()))
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
    await ctx.close()


RESTARTED = object()


async def _step_or_restart(step, tally: Tally):  # noqa: ANN202 - None, an exception or RESTARTED
    """Run a step: None when it went through, its exception when it failed, RESTARTED when
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
        return task.exception()
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
    sidebar = page.locator("[data-testid='stSidebar']")
    text = await sidebar.inner_text()
    if "Space:" not in text or f"Space: student-{n} " in text.replace("\n", " "):
        return
    shown = text.split("Space:", 1)[1].split()[0]
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
        await settle(page)
    except Exception:  # noqa: BLE001 - the next step reports what is still wrong
        pass


async def restart_in_the_middle(proc_box: list, home, port, url, log, at: float, tally) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
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


async def drive(url: str, students: int, seconds: float, restart) -> Tally:
    from playwright.async_api import async_playwright

    tally = Tally()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await warm_up(browser, url)
        start = time.monotonic()
        deadline = start + seconds
        tasks = [student(browser, url, n, deadline, tally) for n in range(students)]
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
    from embedlab.jobs.queue import DIED, reap_dead_runs
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
        if r.status == "failed" and r.error == DIED
    ]
    failed = [
        f"{n} run {r.id}: {r.error}" for n, r in runs if r.status == "failed" and r.error != DIED
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
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
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
                    await restart_in_the_middle(proc_box, home, port, url, log, at, tally)

            tally = asyncio.run(drive(url, args.students, args.seconds, restart))
            runs = runs_report(home, args.wait_runs)
        finally:
            stop_server(proc_box[0])
        checks = integrity(home)
        server_tracebacks = log.read_text(errors="replace").count("Traceback")

    load = os.getloadavg()
    pages = {}  # latencies of the steps clear of the restart (those overlapping it: "during")
    for name, spans in sorted(tally.times.items()):
        clear = [b - a for a, b in spans if not tally.in_restart(a, b)]
        during = len(spans) - len(clear)
        if clear:
            pages[name] = {"n": len(clear), "p50": statistics.median(clear),
                           "p95": percentile(clear, 0.95), "during_restart": during}  # fmt: skip
    nb = pages.get("Neighbours query", {}).get("p95", float("nan"))
    report = {
        "students": args.students,
        "seconds": args.seconds,
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
          f"{tally.steps} steps, {tally.trainings_started} training runs started")  # fmt: skip
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs\n")
    print(f"{'page':<20}{'n':>5}{'p50 s':>9}{'p95 s':>9}   (steps clear of the restart)")
    for name, row in pages.items():
        print(f"{name:<20}{row['n']:>5}{row['p50']:>9.2f}{row['p95']:>9.2f}")
    verdict = "ok" if report["neighbours_p95_ok"] else "over"
    print(
        f"\nNeighbours query p95 {nb:.2f} s (goal <= {GOAL_NEIGHBOURS_P95} s at N = 20): {verdict}"
    )
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
