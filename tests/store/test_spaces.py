"""Class mode's student spaces: the teacher's models stay read-only, spaces stay apart, names
never become paths, the disk limit holds, and the shared job queue is fair across spaces."""

from __future__ import annotations

import os

import numpy as np
import pytest

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError, NotFoundError, PermissionDenied
from embedlab.jobs.corpora import add_corpus
from embedlab.jobs.process import create_training_run, run_training
from embedlab.jobs.queue import claim_run
from embedlab.store import spaces
from embedlab.store.spaces import ClassWorkspace, open_workspace, read_only
from embedlab.store.workspace import Workspace
from embedlab.train import TrainConfig

TEXT = b"the cat sat on the mat. the dog sat on the log. a cat and a dog met.\n" * 20


def toy(*words: str) -> Embeddings:
    rng = np.random.default_rng(0)
    return Embeddings(list(words), rng.normal(size=(len(words), 4)).astype(np.float32))


@pytest.fixture
def teacher(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "class")
    ws.add_model(toy("king", "queen", "man"), name="shared")
    add_corpus(ws, TEXT, name="pets", filename="pets.txt")
    return ws


def test_a_student_cannot_delete_or_overwrite_a_teacher_model(teacher):
    alice = ClassWorkspace(teacher.root, "alice")
    record = alice.model("shared")
    assert read_only(record) and record.meta["read_only"] is True
    folder = teacher.model("shared").path
    with pytest.raises(PermissionDenied, match="teacher's model"):
        alice.delete_model("shared")
    with pytest.raises(PermissionDenied, match="teacher's model"):
        alice.delete_model(record.id)
    with pytest.raises(PermissionDenied, match="teacher's model"):
        alice.add_model(toy("x", "y"), name="shared")  # overwrite by name
    with pytest.raises(PermissionDenied, match="teacher's model"):
        alice.check_free("model", "shared")  # what import and training check first
    with pytest.raises((PermissionDenied, InputError), match="'shared'"):
        create_training_run(alice, "pets", TrainConfig(min_count=1, epochs=1), name="shared")
    with pytest.raises(PermissionDenied, match="teacher's corpus"):
        alice.delete_corpus("pets")
    # The teacher's model is untouched, and a model saved without a name avoids its name.
    assert teacher.model("shared").path == folder and folder.is_dir()
    assert [m.name for m in teacher.models()] == ["shared"]
    assert alice.add_model(toy("x", "y").with_meta(name="shared")).name == "shared-2"
    assert alice.load_model("shared").shape == (3, 4)  # students use it freely


def test_there_is_no_rename_to_guard():
    # A rename would be a third way to change a teacher's model; ClassWorkspace would need
    # to refuse it for a teacher's record, as delete_model and add_model do.
    assert not [name for name in dir(Workspace) if "rename" in name]


def test_two_spaces_never_see_each_others_uploads(teacher):
    alice, bob = ClassWorkspace(teacher, "alice"), ClassWorkspace(teacher, "bob")
    add_corpus(alice, TEXT, name="alice-notes", filename="notes.txt")
    alice.add_model(toy("a", "b"), name="alice-model")
    alice.save_metrics("shared", "toy-benchmark", {"score": 0.5})
    bob.add_model(toy("c", "d"), name="bob-model")
    assert [m.name for m in alice.models()] == ["alice-model", "shared"]
    assert [m.name for m in bob.models()] == ["bob-model", "shared"]
    assert [c.name for c in alice.corpora()] == ["alice-notes", "pets"]
    assert [c.name for c in bob.corpora()] == ["pets"]
    with pytest.raises(NotFoundError):
        bob.model("alice-model")
    with pytest.raises(NotFoundError):
        bob.corpus("alice-notes")
    # A student's score for the teacher's model stays in that student's space.
    assert alice.metrics("shared") == {"toy-benchmark": {"score": 0.5}}
    assert bob.metrics("shared") == {} and teacher.metrics("shared") == {}
    # Nothing of the spaces shows in the teacher's own workspace.
    assert [m.name for m in teacher.models()] == ["shared"]
    assert [c.name for c in teacher.corpora()] == ["pets"]


@pytest.mark.parametrize(
    "name",
    ["..", "../teacher", "/etc", "a/b", "a\\b", "a\x00b", "x" * 41, "", "  ", "a b", "~root",
     ".hidden", "-dash", "C:", "spaces/../x"],
)  # fmt: skip
def test_path_tricks_in_a_space_name_are_refused(teacher, tmp_path, name):
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InputError) as err:
        ClassWorkspace(teacher, name)
    message = str(err.value)
    assert message.startswith("The space name") and message.count(". ") == 0  # one sentence
    assert sorted(tmp_path.rglob("*")) == before  # nothing made anywhere
    if name.strip():  # an empty --space means none
        with pytest.raises(InputError):
            open_workspace(teacher.root, name)


def test_space_names_are_case_insensitive_and_live_under_spaces(teacher):
    space = ClassWorkspace(teacher, " Alice ")
    assert space.space == "alice" and space.root == teacher.root / "spaces" / "alice"
    assert spaces.is_space(space.root) and spaces.class_place(space.root) == (teacher.root, "alice")
    assert spaces.class_place(teacher.root) == (teacher.root, "")


def test_training_on_the_teachers_corpus_stays_in_the_space(teacher):
    alice = ClassWorkspace(teacher, "alice")
    theirs = alice.corpus("pets")
    assert read_only(theirs)
    config = TrainConfig(dim=8, epochs=1, min_count=1, workers=1, seed=1)
    record = run_training(alice, create_training_run(alice, "pets", config, name="mine"))
    assert record.name == "mine" and not read_only(record)
    own = alice.corpus("pets")  # linked into the space, listed once
    assert not read_only(own) and own.path.parent.parent == alice.root
    assert [c.name for c in alice.corpora()] == ["pets"]
    assert (own.path / "corpus.txt").read_bytes() == (theirs.path / "corpus.txt").read_bytes()
    assert [m.name for m in teacher.models()] == ["shared"] and teacher.runs() == []
    alice.delete_corpus("pets")  # the space's link goes; the teacher's corpus stays
    assert (teacher.corpus("pets").path / "corpus.txt").is_file()
    assert read_only(alice.corpus("pets"))


def test_the_space_disk_limit_refuses_with_one_sentence(teacher, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_SPACE_MAX_MB", "1")
    alice = ClassWorkspace(teacher, "alice")
    big = Embeddings([f"w{i}" for i in range(3000)], np.zeros((3000, 100), np.float32))
    with pytest.raises(InputError, match="EMBEDLAB_SPACE_MAX_MB"):
        alice.add_model(big, name="big")
    assert [m.name for m in alice.models()] == ["shared"]
    alice.add_model(toy("a", "b"), name="small")  # a small one still fits


def test_open_workspace_finds_the_space(teacher):
    alice = ClassWorkspace(teacher, "alice")
    assert isinstance(open_workspace(teacher.root, "alice"), ClassWorkspace)
    opened = open_workspace(alice.root)
    assert isinstance(opened, ClassWorkspace) and opened.space == "alice"
    assert type(open_workspace(teacher.root)) is Workspace
    with pytest.raises(InputError, match="student space already"):
        open_workspace(alice.root, "bob")


def test_clearing_a_space(teacher):
    alice = ClassWorkspace(teacher, "alice")
    alice.add_model(toy("a", "b"), name="mine")
    run_id = alice.create_run("word2vec", {}, None, None)
    alice.start_run(run_id)
    with pytest.raises(InputError, match="training run going"):
        spaces.clear_space(teacher.root, "alice")
    alice.fail_run(run_id, "stopped")
    info = spaces.clear_space(teacher.root, "alice")
    assert info.models == 1 and not alice.root.exists()
    assert [s.name for s in spaces.list_spaces(teacher.root)] == []
    assert [m.name for m in alice.models()] == ["shared"]  # the same object starts afresh
    with pytest.raises(NotFoundError):
        spaces.clear_space(teacher.root, "nobody")


# --- the shared queue (jobs.queue.claim_run), with rows in the catalogs; nothing trains ----
def _waiting(ws: Workspace) -> int:
    run_id = ws.create_run("word2vec", {}, None, None)
    ws.set_run_pid(run_id, os.getpid())  # a live process waits for it
    return run_id


def test_a_space_with_a_running_job_yields_to_a_space_with_none(teacher, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_SPACE_MAX_JOBS", "2")
    alice, bob = ClassWorkspace(teacher, "alice"), ClassWorkspace(teacher, "bob")
    a1, a2, a3 = _waiting(alice), _waiting(alice), _waiting(alice)
    assert claim_run(alice, a1, max_running=2)  # alice first: nobody runs
    b1 = _waiting(bob)  # bob comes later, but runs nothing
    assert not claim_run(alice, a2, max_running=2)  # alice yields the second slot to bob
    assert claim_run(bob, b1, max_running=2)
    assert not claim_run(alice, a2, max_running=2)  # the class is full
    alice.fail_run(a1, "done")
    assert not claim_run(alice, a3, max_running=2)  # oldest first within a space
    assert claim_run(alice, a2, max_running=2)
    assert [alice.run(r).status for r in (a1, a2, a3)] == ["failed", "running", "queued"]


def test_a_space_runs_at_most_its_own_limit(teacher, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_SPACE_MAX_JOBS", "1")
    alice = ClassWorkspace(teacher, "alice")
    a1, a2 = _waiting(alice), _waiting(alice)
    assert claim_run(alice, a1, max_running=4)
    assert not claim_run(alice, a2, max_running=4)  # free class slots, but alice has hers
    t1 = _waiting(teacher)  # the teacher's own runs count only against the class
    t2 = _waiting(teacher)
    assert claim_run(teacher, t1, max_running=4) and claim_run(teacher, t2, max_running=4)


def test_dead_runs_of_other_spaces_free_their_slots(teacher):
    import subprocess
    import sys

    alice, bob = ClassWorkspace(teacher, "alice"), ClassWorkspace(teacher, "bob")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = alice.create_run("word2vec", {}, None, None)
    alice.start_run(dead, pid=child.pid)
    b1 = _waiting(bob)
    assert claim_run(bob, b1, max_running=1)
    assert alice.run(dead).status == "failed"


def test_without_class_mode_the_queue_is_unchanged(tmp_path):
    ws = Workspace(tmp_path / "plain")
    a, b = _waiting(ws), _waiting(ws)
    assert spaces.class_place(ws.root) is None
    assert not claim_run(ws, b, 1) and claim_run(ws, a, 1) and not claim_run(ws, b, 1)
    assert not (ws.root / "spaces").exists()
