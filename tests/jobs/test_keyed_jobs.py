"""KeyedJobs: one background job per key, the newest results kept, a failure kept or not."""

from __future__ import annotations

import threading
import time

from embedlab.errors import InputError
from embedlab.jobs.thread import JobBoard, KeyedJobs


def _fails(on_progress):
    raise InputError("No such word.")


def test_a_running_key_is_not_started_twice_and_its_result_is_kept():
    board, jobs, release, runs = JobBoard(), KeyedJobs[str](), threading.Event(), []

    def work(on_progress):
        runs.append(1)
        release.wait(10)
        return "map"

    job = jobs.start(board, ("a", 1), "map a", work)
    assert jobs.start(board, ("a", 1), "map a", work) is job
    assert jobs.running(board) == [job] and jobs.finished(("a", 1)) is None
    release.set()
    assert board.wait(job.id).state == "done"
    assert jobs.finished(("a", 1)) == "map" and jobs.running(board) == []
    assert jobs.job(board, ("a", 1)) is job and len(runs) == 1


def test_a_result_is_cached_before_its_job_says_done():
    """A poller that sees the job done finds its result (the page reruns on that)."""
    board, jobs = JobBoard(), KeyedJobs[int]()
    for i in range(20):
        job = jobs.start(board, i, "n", lambda on_progress, i=i: i)
        while not job.finished:
            time.sleep(0.001)
        assert jobs.finished(i) == i


def test_only_the_newest_results_are_kept():
    board, jobs = JobBoard(), KeyedJobs[int](kept=2)
    for key in "abc":
        board.wait(jobs.start(board, key, key, lambda on_progress: 1).id)
    assert jobs.finished("a") is None and jobs.finished("b") == jobs.finished("c") == 1


def test_a_failure_is_handed_back_until_forgotten_only_with_keep_failed():
    board = JobBoard()
    kept, fresh = KeyedJobs[int](keep_failed=True), KeyedJobs[int]()
    for jobs in (kept, fresh):
        failed = board.wait(jobs.start(board, "k", "fails", _fails).id)
        assert failed.state == "failed" and failed.error == "No such word."
        again = jobs.start(board, "k", "fails", _fails)
        assert (again is failed) is (jobs is kept)
        jobs.forget("k")
        assert jobs.start(board, "k", "fails", _fails) is not failed
