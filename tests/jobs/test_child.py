"""Jobs whose work runs in a child process (`jobs.child`): results, events, errors as one
sentence, cancel, a killed child, a dead server, and classification through it — all with
real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import EmbedlabError, InputError, UnknownWordError
from embedlab.jobs.child import GRACE_SECONDS, run_in_child, start_in_child
from embedlab.jobs.thread import JobBoard

HERE = Path(__file__).parent


# --- work for the children (module level: a child imports it by name) ---------------------
def count_to(n: int, on_progress) -> int:
    for i in range(1, n + 1):
        on_progress(i)
    return n * (n + 1) // 2


def refuse(sentence: str, on_progress) -> None:
    raise InputError(sentence)


def unknown_word(on_progress) -> None:
    raise UnknownWordError("kinq", ["king", "kind"])  # its __init__ takes a word, not a sentence


def niceness(on_progress) -> int:
    return os.nice(0)


def divide_by_zero(on_progress) -> float:
    return 1 / 0


def run_out_of_memory(on_progress) -> None:
    raise MemoryError


def report_pid_then_wait(seconds: float, often: bool, on_progress) -> str:
    """Report this process's id, then wait, reporting every 50 ms (`often`) or never."""
    on_progress(os.getpid())
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)
        if often:
            on_progress(os.getpid())
    return "waited"


# --- helpers --------------------------------------------------------------------------------
def wait_for_pid(board: JobBoard, job_id: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while not isinstance(pid := board.get(job_id).event, int):
        assert time.monotonic() < deadline and not board.get(job_id).finished
        time.sleep(0.05)
    return pid


def gone(pid: int) -> bool:
    """No such process, or only its exit status left for a parent that is not us."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"


# --- tests ----------------------------------------------------------------------------------
def test_a_childs_events_and_result_arrive():
    seen: list = []
    assert run_in_child(count_to, (5,), seen.append) == 15
    events = [e for i, e in enumerate(seen) if e is not None and (i == 0 or seen[i - 1] != e)]
    assert events == [1, 2, 3, 4, 5]  # every event, in order (a quiet moment repeats the last)

    board = JobBoard()
    job = board.wait(start_in_child(board, "counting", count_to, 3).id, timeout=60)
    assert (job.state, job.result, job.event, job.error) == ("done", 6, 3, None)


def test_errors_in_the_child_reach_the_job_as_one_sentence():
    board, sentence = JobBoard(), "The file 'x.csv' has no text column; name it with --text-column."
    jobs = [
        start_in_child(board, "refusal", refuse, sentence),
        start_in_child(board, "word", unknown_word),
        start_in_child(board, "division", divide_by_zero),
        start_in_child(board, "memory", run_out_of_memory),
    ]
    ended = [board.wait(job.id, timeout=90) for job in jobs]
    assert [job.state for job in ended] == ["failed"] * 4
    assert [job.error for job in ended] == [
        sentence,
        "'kinq' is not in the vocabulary; did you mean: king, kind?",
        "The run failed unexpectedly (ZeroDivisionError); nothing was saved.",
        "The run ran out of memory; try it on less data or smaller settings.",
    ]
    with pytest.raises(InputError, match="^The file 'x.csv' has no text column"):
        run_in_child(refuse, (sentence,), lambda event: None)  # its own class, where it can
    with pytest.raises(EmbedlabError) as caught:  # this one's class cannot be rebuilt
        run_in_child(unknown_word, (), lambda event: None)
    assert str(caught.value) == ended[1].error


def test_cancel_stops_a_running_child_and_it_is_gone():
    board = JobBoard()
    chatty = start_in_child(board, "chatty", report_pid_then_wait, 120, True)
    quiet = start_in_child(board, "quiet", report_pid_then_wait, 120, False)  # no more events
    pids = {job.id: wait_for_pid(board, job.id) for job in (chatty, quiet)}
    asked = time.monotonic()
    assert board.cancel(chatty.id) and board.cancel(quiet.id)
    for job in (chatty, quiet):
        ended = board.wait(job.id, timeout=GRACE_SECONDS + 10)
        assert ended.state == "cancelled" and ended.result is None
        assert ended.error == f"The {job.description} run was cancelled."
        assert gone(pids[job.id]), f"the {job.description} child is still there"
    assert time.monotonic() - asked < GRACE_SECONDS + 5  # the quiet one: SIGTERM after grace


def test_a_killed_child_fails_its_job_with_one_sentence():
    board = JobBoard()
    job = start_in_child(board, "doomed", report_pid_then_wait, 120, False)
    os.kill(wait_for_pid(board, job.id), signal.SIGKILL)
    ended = board.wait(job.id, timeout=20)
    assert ended.state == "failed" and ended.result is None
    assert ended.error == (
        "The doomed run's process ended unexpectedly (killed by SIGKILL, as the system does "
        "when memory runs out); nothing was saved."
    )


def test_a_child_ends_by_itself_when_its_server_dies():
    server = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from test_child import report_pid_then_wait\n"
        "from embedlab.jobs.child import run_in_child\n"
        "run_in_child(report_pid_then_wait, (120, False), lambda e: e and print(e, flush=True))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", server, str(HERE)], stdout=subprocess.PIPE, text=True
    )
    try:
        pid = int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait(10)
    deadline = time.monotonic() + 10
    while not gone(pid):
        assert time.monotonic() < deadline, "the child outlived its server by 10 s"
        time.sleep(0.1)


def test_a_classification_job_lands_in_a_students_space(tmp_path):
    from embedlab.analysis.classify import ClassifyConfig
    from embedlab.embeddings import Embeddings
    from embedlab.ingest.labelled import demo_labelled
    from embedlab.jobs.classify import start_classification
    from embedlab.store.spaces import ClassWorkspace
    from embedlab.store.workspace import Workspace

    data = demo_labelled()
    words = sorted({w.strip(".,!?\"'()").lower() for t in data.texts for w in t.split()} - {""})
    rng = np.random.default_rng(0)
    vectors = Embeddings(words, rng.normal(size=(len(words), 8)).astype(np.float32))
    teacher = Workspace(tmp_path / "class")
    teacher.add_model(vectors, name="shared")
    alice, elsewhere = ClassWorkspace(teacher.root, "alice"), Workspace(tmp_path / "other")
    board = JobBoard()
    in_space = start_classification(  # the page hands over the catalog model it has loaded
        board, alice, data, ClassifyConfig(features="mean", model="shared", cv=2),
        alice.load_model("shared"),
    )  # fmt: skip
    handed = start_classification(  # vectors that are in no catalog travel to the child
        board, elsewhere, data, ClassifyConfig(features="mean", model="loose", cv=2), vectors
    )
    space_job, handed_job = board.wait(in_space.id, 120), board.wait(handed.id, 120)
    assert (space_job.state, space_job.error) == ("done", None)
    assert (handed_job.state, handed_job.error) == ("done", None)
    assert [r.id for r in alice.classifications()] == [space_job.result.record_id]
    assert space_job.result.config.model == "shared"
    assert teacher.classifications() == [] and len(teacher.models()) == 1  # read-only
    assert [r.id for r in elsewhere.classifications()] == [handed_job.result.record_id]
    assert space_job.result.accuracy == handed_job.result.accuracy  # the same vectors


def test_children_past_the_limit_wait_their_turn_and_can_be_cancelled_while_waiting(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_CHILD_JOBS", "1")
    board = JobBoard()
    first = start_in_child(board, "first", report_pid_then_wait, 60.0, True)
    pid = wait_for_pid(board, first.id)
    second = start_in_child(board, "second", count_to, 3, waiting=lambda ahead: ("wait", ahead))
    third = start_in_child(board, "third", count_to, 4, waiting=lambda ahead: ("wait", ahead))
    deadline = time.monotonic() + 10
    while (board.get(second.id).event, board.get(third.id).event) != (("wait", 0), ("wait", 1)):
        assert time.monotonic() < deadline, "the waiting jobs never said where they stand"
        time.sleep(0.05)
    board.cancel(second.id)  # cancelled while waiting: no child was started for it
    assert board.wait(second.id, timeout=10).state == "cancelled"
    assert board.get(third.id).state == "running"
    board.cancel(first.id)
    assert board.wait(first.id, timeout=30).state == "cancelled" and gone(pid)
    done = board.wait(third.id, timeout=60)  # the turn passes to the next in line
    assert (done.state, done.result) == ("done", 10)


def test_in_class_mode_a_child_runs_below_the_servers_priority(monkeypatch):
    from embedlab.jobs.child import JOB_NICENESS

    assert run_in_child(niceness, (), lambda event: None) == os.nice(0)  # one user: as the CLI
    monkeypatch.setenv("EMBEDLAB_CLASS", "1")
    assert run_in_child(niceness, (), lambda event: None) == min(os.nice(0) + JOB_NICENESS, 19)


def test_a_job_runs_in_the_spare_started_ahead_and_another_spare_waits_after_it():
    from embedlab.jobs.child import _SPARE, child_pid, prepare_spare

    prepare_spare(["json"])
    spare = _SPARE.pid()
    assert spare is not None
    board = JobBoard()
    done = board.wait(start_in_child(board, "probe", child_pid, preload=("json",)).id, 60)
    assert (done.state, done.result) == ("done", spare)  # no new interpreter was started
    assert _SPARE.pid() not in (None, spare)  # the next job's spare waits already
    os.kill(_SPARE.pid(), signal.SIGKILL)  # a spare that died is passed over
    time.sleep(0.2)
    done = board.wait(start_in_child(board, "probe", child_pid).id, 60)
    assert done.state == "done" and done.result != spare


def loaded_modules(names: list[str], on_progress) -> list[str]:
    return [name for name in names if name in sys.modules]


def test_a_spare_imports_what_it_is_told_while_it_waits():
    from embedlab.jobs.child import prepare_spare
    from embedlab.jobs.classify import PRELOAD

    prepare_spare(PRELOAD)
    names = ["sklearn.linear_model", "embedlab.analysis.classify.runner"]
    assert run_in_child(loaded_modules, (names,), lambda event: None) == names
    assert run_in_child(loaded_modules, (names,), lambda event: None) == []  # a fresh child
