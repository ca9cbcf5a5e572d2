"""The app as fast as the command line: one classification in the real app vs `embedlab classify`.

Starts `streamlit run app.py` headless on loopback with an empty workspace (the repository's
.streamlit/config.toml applies), drives the Classify page in Debian's Chromium through
Playwright (upload the labelled file, pick the features, Run) and times each run from the
click to its scores on the page ("wall"; "settled": until the page has also drawn the map and
the earlier runs); runs `embedlab classify FILE --features F --json` as a subprocess on the
same file, timed from start to exit (Python's start and imports included). Both start cold:
the CLI gets a new workspace per run, and the app's workspace cache (MiniLM encodings, TF-IDF
baselines) is emptied before each app run; the server keeps what a server keeps (imports, the
encoder once loaded). CLI and app runs alternate, so both see the same load. Per run: wall
time, the seconds the run reports ("run"), the CPU seconds the process spent (the server's
during the run; the CLI's is not counted under --profile), the load; then medians and
app / CLI. Goal: app <= 1.1 x CLI for every long job.

    python bench/app_vs_cli.py                      # TF-IDF: 10,662 sentences; MiniLM: 3,000
    python bench/app_vs_cli.py --minilm-texts 0     # MiniLM on all 10,662 too
    python bench/app_vs_cli.py --profile /tmp/prof  # also py-spy both (collapsed stacks)
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
LABELS = {"tfidf": "TF-IDF (bag of words)", "minilm": "all-MiniLM-L6-v2 sentence encoder"}


def load() -> str:
    """The 1-minute load average and the core count, as `uptime` would say them."""
    return f"{os.getloadavg()[0]:.2f}/{os.cpu_count()}"


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
    """User + system CPU seconds a process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            "accuracy": float(report["accuracy"]), "timings": report.get("timings")}  # fmt: skip


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

    def open(self, path: Path, texts: int):  # noqa: ANN201 - a Playwright page
        """A new session on the Classify page with `path` uploaded and read."""
        context = self.browser.new_context(viewport={"width": 1440, "height": 1500})
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
        page.get_by_role("heading", name=HEADINGS[features]).wait_for(timeout=3_600_000)
        metric = page.locator("[data-testid='stMetric']", has_text="Seconds")
        metric.wait_for()
        wall = time.perf_counter() - start
        cpu = cpu_seconds(self.proc.pid) - cpu
        run = float(metric.locator("[data-testid='stMetricValue']").inner_text())
        value = page.locator("[data-testid='stMetric']", has_text="Accuracy")
        accuracy = float(value.locator("[data-testid='stMetricValue']").inner_text())
        page.wait_for_selector(IDLE, timeout=600_000)  # the rest of the page: map, history
        settled = time.perf_counter() - start
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        return {"wall": wall, "run": run, "cpu": cpu, "accuracy": accuracy, "settled": settled}

    def close(self) -> None:
        self.browser.close()
        self.pw.stop()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", nargs="+", default=["tfidf", "minilm"],
                        choices=sorted(HEADINGS))  # fmt: skip
    parser.add_argument("--texts", type=int, default=0, help="TF-IDF's texts (0: all 10,662)")
    parser.add_argument("--minilm-texts", type=int, default=3000, help="MiniLM's (0: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="py-spy both sides into this folder")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="app-vs-cli-"))
    sizes = {"tfidf": args.texts, "minilm": args.minilm_texts}
    files = {f: write_slice(sizes[f], folder) for f in args.features}
    counts = {f: _count(files[f]) for f in args.features}
    app = App(folder)
    rows: list[dict] = []
    print(f"{'run':<10} {'side':<4} {'texts':>6} {'wall s':>7} {'run s':>7} {'cpu s':>7} "
          f"{'accuracy':>8} {'settled':>7}  load")  # fmt: skip
    try:
        for rep in range(1, args.repeat + 1):
            page = None
            for features in args.features:
                if page is None or counts[features] != page[1]:
                    page = (app.open(files[features], counts[features]), counts[features])
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
                    print(f"{tag:<10} {side:<4} {row['texts']:>6,} {row['wall']:>7.1f} "
                          f"{row['run']:>7.1f} {row['cpu']:>7.1f} {row['accuracy']:>8.3f} "
                          f"{row.get('settled', row['wall']):>7.1f}  {row['load']}",
                          flush=True)  # fmt: skip
    finally:
        app.close()
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(f"{'features':<8} {'texts':>6} {'CLI wall':>9} {'app wall':>9} {'app/CLI':>8} "
          f"{'CLI run':>8} {'app run':>8} {'CLI cpu':>8} {'app cpu':>8}")  # fmt: skip
    summary = {}
    for features in args.features:
        med = {
            (side, key): statistics.median(
                r[key] for r in rows if r["features"] == features and r["side"] == side
            )
            for side in ("cli", "app")
            for key in ("wall", "run", "cpu")
        }
        ratio = med["app", "wall"] / med["cli", "wall"]
        summary[features] = {f"{s}_{k}": v for (s, k), v in med.items()} | {"ratio": ratio}
        print(f"{features:<8} {counts[features]:>6,} {med['cli', 'wall']:>9.1f} "
              f"{med['app', 'wall']:>9.1f} {ratio:>7.2f}x {med['cli', 'run']:>8.1f} "
              f"{med['app', 'run']:>8.1f} {med['cli', 'cpu']:>8.1f} "
              f"{med['app', 'cpu']:>8.1f}")  # fmt: skip
    print(f"medians of {args.repeat}; load {load()} (uptime: {_uptime()})")
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
