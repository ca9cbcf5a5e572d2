"""What classification jobs cost a Neighbours query in the server's process: a query plus
its chart, alone, then while THREADS classifications of the demo go on, then alone again as
the reference. `--in child` (the default) runs them as the Classify page's Run does now
(`jobs.classify.start_classification`: a job on a board whose work is a child process, so
they compete for the cores only); `--in thread` runs them in threads of this process, as the
page did before (they compete for the GIL too).

    nice python bench/neighbours_under_classify.py --threads 1
    nice python bench/neighbours_under_classify.py --threads 2 --in thread
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--in", dest="where", choices=("child", "thread"), default="child")
    args = parser.parse_args()

    from class_load import WORDS, teacher_workspace

    from embedlab.analysis.classify import ClassifyConfig
    from embedlab.app import explore
    from embedlab.app.charts.neighbours import neighbours_figure
    from embedlab.ingest.polarity import classify_demo
    from embedlab.jobs.classify import classify_and_save, start_classification
    from embedlab.jobs.thread import JobBoard
    from embedlab.store.spaces import ClassWorkspace
    from embedlab.store.workspace import Workspace

    home = teacher_workspace(Path(tempfile.mkdtemp(prefix="embedlab-gil-")) / "class")
    emb = Workspace(home).load_model("lee-demo")
    data = classify_demo()

    def query(word: str) -> float:
        t = time.perf_counter()
        result = explore.query(emb, word, k=10, metric="cosine", restrict=None)
        neighbours_figure(result.rows(), result.score_label).to_json()
        return time.perf_counter() - t

    def sample() -> list[float]:
        return [query(WORDS[i % len(WORDS)]) for i in range(args.queries)]

    stop = threading.Event()
    board, current = JobBoard(), {}  # current: worker -> its job's id (--in child)

    def classify(i: int) -> None:
        while not stop.is_set():
            space = ClassWorkspace(home, f"gil-{i}-{time.monotonic_ns()}")
            config = ClassifyConfig(model="lee-demo")
            if args.where == "thread":
                classify_and_save(space, data, config, emb=emb, save=False)
                continue
            current[i] = start_classification(board, space, data, config, emb).id
            board.wait(current[i], timeout=3600)

    def working() -> bool:  # each worker's child has begun its work (past the imports)
        jobs = [board.get(job_id) for job_id in current.values()]
        return len(jobs) == args.threads and all(j and j.event is not None for j in jobs)

    load = os.getloadavg()
    alone = sample()
    workers = [
        threading.Thread(target=classify, args=(i,), daemon=True) for i in range(args.threads)
    ]
    for w in workers:
        w.start()
    time.sleep(3)
    deadline = time.monotonic() + 120
    while args.where == "child" and not working() and time.monotonic() < deadline:
        time.sleep(0.2)
    busy = sample()
    stop.set()
    for job_id in current.values():  # a child's run may take minutes: stop it
        board.cancel(job_id)
    for w in workers:
        w.join()
    again = sample()

    def line(xs: list[float]) -> str:
        p95 = sorted(xs)[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
        return f"p50 {statistics.median(xs) * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms"

    print(f"{len(data):,} demo texts; load average {load[0]:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"Neighbours query + chart, alone:           {line(alone)}")
    print(f"  while {args.threads} classification(s) run in a {args.where}: {line(busy)}")
    print(f"  alone again (reference):                 {line(again)}")


if __name__ == "__main__":
    main()
