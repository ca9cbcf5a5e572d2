"""The app as fast as the command line: one classification in the real app vs `embedlab classify`.

Starts `streamlit run app.py` headless on loopback with an empty workspace (the repository's
.streamlit/config.toml applies), drives the Classify page in Debian's Chromium through
Playwright (upload the labelled file, pick the features, Run), and runs
`embedlab classify FILE --features F --json` as a subprocess on the same file. Both start
cold: the CLI gets a new workspace per run, and the app's workspace cache (MiniLM encodings,
TF-IDF baselines) is emptied before each app run; the server keeps what a server keeps
(imports, the encoder once loaded). CLI and app runs alternate, so both see the same load.

What is timed, per run:
  wall     what a user waits for. CLI: from the command's start to its exit (Python's start,
           imports and the encoder's load included). App: from the click on Run to the
           scores on the page (the page's rerun, the job, the poll that sees it end and the
           redraw included). The goal: app wall <= 1.1 x CLI wall for every long job.
  settled  app only: until the whole page is drawn and idle (the document map and the
           earlier runs as well, which the CLI does not make); shown next to CLI wall.
  run      the seconds the run itself reports (`ClassificationResult.seconds`): the same
           work on both sides, so app run / CLI run shows whether the app's job (a child
           process of the server, `jobs.child`) is slower than the CLI.
  cpu      CPU seconds of the process (the server's and its job's child's during the run;
           the CLI's whole life; the CLI's is not counted under --profile); on a shared
           machine the steadiest.
  begun    app only: from the click to the job's progress box (the page's rerun that
           starts the job); after: from the job's end to the scores (wall - begun - run: the
           poll that sees it end, the page's rerun, the browser's drawing).
  encode/fit/base  the report's timings: MiniLM encoding (the encoder's load included),
           the folds' fits, the TF-IDF baseline; thr: torch's threads where it encoded.

    python bench/app_vs_cli.py                      # TF-IDF: 10,662 sentences; MiniLM: 3,000
    python bench/app_vs_cli.py --minilm-texts 0     # MiniLM on all 10,662 too
    python bench/app_vs_cli.py --profile /tmp/prof  # also py-spy both (raw collapsed stacks)
    python bench/app_vs_cli.py --env                # only the machine note: cores, load, ...
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
HEADINGS = {
    "tfidf": "TF-IDF (bag of words) + logistic regression, 5-fold CV",
    "minilm": "all-MiniLM-L6-v2 sentence encoder + logistic regression, 5-fold CV",
}
STARTED = """() => document.body.innerText.includes('Running classification')
    || !!document.querySelector("[data-testid='stMetric']")"""
LABELS = {"tfidf": "TF-IDF (bag of words)", "minilm": "all-MiniLM-L6-v2 sentence encoder"}


def load() -> str:
    """The 1-minute load average and the core count, as `uptime` would say them."""
    return f"{os.getloadavg()[0]:.2f}/{os.cpu_count()}"


def env_note() -> str:
    """The machine as the run found it: cores, load averages, runnable tasks, nice, torch's
    threads (in a fresh process, as the CLI and the server start)."""
    one, five, fifteen = os.getloadavg()
    runnable = Path("/proc/loadavg").read_text().split()[3]
    probe = "import torch; print(torch.get_num_threads(), torch.__version__)"
    try:
        torch = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               timeout=120).stdout.split()  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        torch = []
    threads = f"torch {torch[1]} with {torch[0]} threads" if len(torch) == 2 else "no torch"
    return (
        f"{len(os.sched_getaffinity(0))} cores for this run (os.cpu_count {os.cpu_count()}); "
        f"load {one:.2f} {five:.2f} {fifteen:.2f}; runnable/all tasks {runnable}; "
        f"nice {os.nice(0)}; {threads}; OMP_NUM_THREADS "
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )


def breakdown(report: dict) -> dict:
    """Where a run's seconds went, from its report: encoding (the encoder's load included),
    the folds' fits, the baseline (absent: not run, or read from the cache), torch threads."""
    timings, encoder = report.get("timings") or {}, report.get("encoder") or {}
    return {
        "encode": timings.get("encode"),
        "fit": timings.get("fit_predict"),
        "base": timings.get("baseline"),
        "threads": encoder.get("threads"),
    }


def write_slice(n: int, folder: Path) -> Path:
    """The shipped polarity set's first `n` sentences (0: all of it), as label<TAB>text."""
    from embedlab.ingest.polarity import POLARITY_FILE, polarity_labelled

    data = polarity_labelled()
    if n <= 0 or n >= len(data):
        return POLARITY_FILE
    path = folder / f"polarity-{n}.tsv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter="\t")
        out.writerow(["label", "text"])
        out.writerows(zip(data.labels[:n], data.texts[:n], strict=True))
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far: its threads, and its children
    that have ended (the app's classification child, reaped before its job reads done)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_cli(path: Path, features: str, folder: Path, profile: Path | None, tag: str) -> dict:
    """`embedlab classify PATH --features F --json` in a new workspace: wall, run and CPU s."""
    home = Path(tempfile.mkdtemp(dir=folder, prefix="cli-"))
    cmd = [sys.executable, "-m", "embedlab.cli", "classify", str(path), "--features", features]
    cmd += ["--json"]
    if profile is not None:
        out = profile / f"cli-{tag}.txt"
        cmd = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw",
               "--threads", "--rate", "50", "-o", str(out), "--", *cmd]  # fmt: skip
    before, start = os.times(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ,
                          "EMBEDLAB_HOME": str(home)}, cwd=ROOT)  # fmt: skip
    wall = time.perf_counter() - start
    after = os.times()
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the CLI failed ({proc.returncode})")
    report, _ = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])
    shutil.rmtree(home, ignore_errors=True)
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return {"wall": wall, "run": float(report["seconds"]), "cpu": cpu,
            "accuracy": float(report["accuracy"]), **breakdown(report)}  # fmt: skip


class App:
    """A headless `streamlit run app.py` with its own workspace, and a browser on it."""

    def __init__(self, folder: Path) -> None:
        self.home = folder / "app-workspace"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / "streamlit.log").open("wb")
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.port", str(self.port),
            "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        env = {**os.environ, "EMBEDLAB_HOME": str(self.home)}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("streamlit did not start; see streamlit.log") from None
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        self.pw = sync_playwright().start()
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        self.browser = self.pw.chromium.launch(executable_path=CHROMIUM, args=args)
        self.context = None

    def open(self, path: Path, texts: int):  # noqa: ANN201 - a Playwright page
        """A new session on the Classify page with `path` uploaded and read."""
        if self.context is not None:  # one session at a time: the last one's page goes
            self.context.close()
        context = self.context = self.browser.new_context(viewport={"width": 1440, "height": 1500})
        context.set_default_timeout(120_000)
        page = context.new_page()
        page.goto(f"{self.url}/classify")
        page.wait_for_selector(IDLE)
        page.get_by_text("Upload a file").first.click()
        page.wait_for_selector(IDLE)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
        page.get_by_text(f"{texts:,} texts, 2 classes").first.wait_for()
        page.wait_for_selector(IDLE)
        return page

    def settle(self, limit: float = 600.0) -> float:
        """Wait until the server is idle: the work a new server does once (app.py starts
        compiling UMAP's numba code in a thread at the first page view, ~50 CPU seconds) is
        done when the server uses under 0.2 CPU s in each of two 2-s windows. Seconds waited."""
        start, quiet = time.perf_counter(), 0
        while quiet < 2 and time.perf_counter() - start < limit:
            before = cpu_seconds(self.proc.pid)
            time.sleep(2.0)
            quiet = quiet + 1 if cpu_seconds(self.proc.pid) - before < 0.2 else 0
        return time.perf_counter() - start

    def run(self, page, features: str, profile: Path | None, tag: str) -> dict:  # noqa: ANN001
        """Pick `features`, click Run, wait for the result: wall, run and server CPU seconds."""
        shutil.rmtree(self.home / "cache", ignore_errors=True)  # cold, like a new CLI home
        page.locator(".st-key-cls_features").click()
        page.get_by_role("option", name=LABELS[features]).click()
        page.wait_for_selector(IDLE)
        spy = None
        if profile is not None:
            spy = subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw",
                 "--threads", "--idle", "--rate", "50", "--pid", str(self.proc.pid),
                 "-o", str(profile / f"app-{tag}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1.0)
        cpu, start = cpu_seconds(self.proc.pid), time.perf_counter()
        page.locator(".st-key-cls_run button").click()
        page.wait_for_function(STARTED, timeout=600_000)  # the job's box, or a quick result
        begun = time.perf_counter() - start
        page.get_by_role("heading", name=HEADINGS[features]).wait_for(timeout=3_600_000)
        metric = page.locator("[data-testid='stMetric']", has_text="Seconds")
        metric.wait_for()
        wall = time.perf_counter() - start
        cpu = cpu_seconds(self.proc.pid) - cpu
        value = page.locator("[data-testid='stMetric']", has_text="Accuracy")
        accuracy = float(value.locator("[data-testid='stMetricValue']").inner_text())
        page.wait_for_selector(IDLE, timeout=600_000)  # the rest of the page: map, history
        settled = time.perf_counter() - start
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        from embedlab.store.workspace import Workspace

        report = Workspace(self.home).classifications()[0].report  # this run's, the newest
        run = float(report["seconds"])
        return {"wall": wall, "run": run, "cpu": cpu, "accuracy": accuracy, "begun": begun,
                "after": max(wall - begun - run, 0.0),
                "settled": settled,
                **breakdown(report)}  # fmt: skip

    def close(self) -> None:
        self.browser.close()
        self.pw.stop()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


GOAL = 1.1
"""The app may take at most this many times the CLI's wall time for a long job."""
KEYS = ("wall", "settled", "run", "cpu")


def _cell(value: float | None, width: int = 6) -> str:
    return f"{value:>{width}.1f}" if value is not None else f"{'-':>{width}}"


def print_row(tag: str, row: dict) -> None:
    """One run: wall, run, CPU seconds, its timings, accuracy, the app's settled time, load."""
    settled = row.get("settled")
    print(f"{tag:<10} {row['side']:<4} {row['texts']:>6,} {_cell(row['wall'], 7)} "
          f"{_cell(row['run'], 7)} {_cell(row['cpu'], 7)} {_cell(row['encode'])} "
          f"{_cell(row['fit'])} {_cell(row['base'])} {row['threads'] or '-':>3} "
          f"{row['accuracy']:>8.3f} {_cell(settled, 7)} {_cell(row.get('begun'))} "
          f"{_cell(row.get('after'))}  {row['load']}",
          flush=True)  # fmt: skip


def summarise(rows: list[dict], features: list[str], counts: dict[str, int]) -> dict:
    """Medians per side and job, the app / CLI ratios, and whether the goal is met."""
    print(f"{'features':<8} {'texts':>6} | {'CLI wall':>8} {'app wall':>8} {'ratio':>6} | "
          f"{'settled':>7} {'ratio':>6} | {'CLI run':>7} {'app run':>7} {'ratio':>6} | "
          f"{'CLI cpu':>7} {'app cpu':>7} {'ratio':>6}")  # fmt: skip
    summary = {}
    for job in features:
        med = {}
        for side in ("cli", "app"):
            mine = [r for r in rows if r["features"] == job and r["side"] == side]
            for key in KEYS:
                values = [r[key] for r in mine if r.get(key) is not None]
                med[side, key] = statistics.median(values) if values else None
        ratio = {key: med["app", key] / med["cli", key] for key in ("wall", "run", "cpu")}
        ratio["settled"] = med["app", "settled"] / med["cli", "wall"]
        summary[job] = {f"{s}_{k}": v for (s, k), v in med.items()} | {
            f"ratio_{k}": v for k, v in ratio.items()
        }
        cli, app = {k: med["cli", k] for k in KEYS}, {k: med["app", k] for k in KEYS}
        print(f"{job:<8} {counts[job]:>6,} | {cli['wall']:>8.1f} {app['wall']:>8.1f} "
              f"{ratio['wall']:>5.2f}x | {app['settled']:>7.1f} {ratio['settled']:>5.2f}x | "
              f"{cli['run']:>7.1f} {app['run']:>7.1f} {ratio['run']:>5.2f}x | "
              f"{cli['cpu']:>7.1f} {app['cpu']:>7.1f} {ratio['cpu']:>5.2f}x")  # fmt: skip
    verdict = ", ".join(
        f"{job} {summary[job]['ratio_wall']:.2f}x "
        f"({'met' if summary[job]['ratio_wall'] <= GOAL else 'NOT met'})"
        for job in features
    )
    print(f"goal, app wall <= {GOAL} x CLI wall: {verdict}")
    print("settled ratio: app until the page is idle (map and earlier runs drawn too) / CLI "
          "wall; run ratio: the same work timed inside each process; cpu ratio: the server's "
          "(with its job's child's) "
          "CPU during the run / the CLI process's.")  # fmt: skip
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", nargs="+", default=["tfidf", "minilm"],
                        choices=sorted(HEADINGS))  # fmt: skip
    parser.add_argument("--texts", type=int, default=0, help="TF-IDF's texts (0: all 10,662)")
    parser.add_argument("--minilm-texts", type=int, default=3000, help="MiniLM's (0: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="py-spy both sides into this folder")
    parser.add_argument("--env", action="store_true", help="print the machine note and stop")
    parser.add_argument("--no-settle", action="store_true",
                        help="time the first runs while the new server still warms up")  # fmt: skip
    args = parser.parse_args()
    print(f"machine: {env_note()}", flush=True)
    if args.env:
        return
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="app-vs-cli-"))
    sizes = {"tfidf": args.texts, "minilm": args.minilm_texts}
    files = {f: write_slice(sizes[f], folder) for f in args.features}
    counts = {f: _count(files[f]) for f in args.features}
    app = App(folder)
    rows: list[dict] = []
    print(f"{'run':<10} {'side':<4} {'texts':>6} {'wall s':>7} {'run s':>7} {'cpu s':>7} "
          f"{'encode':>6} {'fit':>6} {'base':>6} {'thr':>3} {'accuracy':>8} {'settled':>7} "
          f"{'begun':>6} {'after':>6}  "
          "load before→after / cores")  # fmt: skip
    started, settled = time.perf_counter(), ""
    try:
        for rep in range(1, args.repeat + 1):
            page = None
            for features in args.features:
                if page is None or counts[features] != page[1]:
                    page = (app.open(files[features], counts[features]), counts[features])
                    if rep == 1 and not args.no_settle and not settled:
                        settled = f"{app.settle():.0f}"
                        print(f"(the server settled {settled} s after its first page: "
                              "its one-off numba warm-up; --no-settle times runs against it)",
                              flush=True)  # fmt: skip
                tag = f"{features}-{rep}"
                for side in ("cli", "app"):
                    before = load()
                    if side == "cli":
                        got = run_cli(files[features], features, folder, args.profile, tag)
                    else:
                        got = app.run(page[0], features, args.profile, tag)
                    row = {"features": features, "side": side, "rep": rep,
                           "texts": counts[features], **got,
                           "load": f"{before}→{load()}"}  # fmt: skip
                    rows.append(row)
                    print_row(tag, row)
    finally:
        app.close()
        shutil.rmtree(folder, ignore_errors=True)
    print()
    summary = summarise(rows, args.features, counts)
    print(
        f"medians of {args.repeat}; {time.perf_counter() - started:.0f} s in all; "
        f"load {load()} (uptime: {_uptime()})"
    )
    print(f"machine: {env_note()}")
    save("app_vs_cli", {"rows": rows, "summary": summary, "repeat": args.repeat})


def _count(path: Path) -> int:
    from embedlab.ingest.labelled import read_labelled

    return len(read_labelled(path))


def _uptime() -> str:
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return re.sub(r"^.*load average:\s*", "", out.strip())


if __name__ == "__main__":
    main()
