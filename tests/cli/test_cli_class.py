"""The command line against a class: `--space NAME` works in a student space, where the
teacher's models are read-only; `embedlab spaces` lists and clears spaces; `embedlab app
--class` checks its password files before it starts anything.

`--space` is a global flag (embedlab/cli/__init__.py) and `cli.common.workspace` opens the
space through `embedlab.store.spaces.open_workspace`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.cli import main
from embedlab.store.spaces import ClassWorkspace
from embedlab.store.workspace import Workspace


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def teacher(tmp_path, capsys) -> Path:
    """A class workspace whose teacher imported the model 'shared'."""
    home = tmp_path / "class"
    vectors = tmp_path / "vecs.txt"
    vectors.write_text("3 2\ncat 1 0\ndog 0 1\nemu 1 1\n")
    assert run(capsys, "--home", str(home), "import", str(vectors), "--name", "shared")[0] == 0
    return home


def test_delete_refuses_a_teacher_model_from_a_space(teacher, capsys):
    code, out, err = run(capsys, "--home", str(teacher), "--space", "alice", "delete", "shared")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is the teacher's model" in err
    assert [m.name for m in Workspace(teacher).models()] == ["shared"]
    # The same through the space's own folder as --home.
    space = teacher / "spaces" / "alice"
    code, _, err = run(capsys, "--home", str(space), "delete", "shared")
    assert code == 1 and "is the teacher's model" in err
    assert Workspace(teacher).model("shared").path.is_dir()


def test_import_cannot_overwrite_a_teacher_model(teacher, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("1 2\nzebra 1 0\n")
    code, _, err = run(
        capsys, "--home", str(teacher), "--space", "alice", "import", str(other), "--name", "shared"
    )
    assert code == 1 and "is the teacher's model" in err
    assert Workspace(teacher).model("shared").vocab == 3


def test_a_space_lists_the_teacher_models_and_its_own_only(teacher, tmp_path, capsys):
    mine = tmp_path / "mine.txt"
    mine.write_text("1 2\nzebra 1 0\n")
    home = ("--home", str(teacher))
    assert run(capsys, *home, "--space", "alice", "import", str(mine), "--name", "mine")[0] == 0
    code, out, _ = run(capsys, *home, "--space", "alice", "models", "--json")
    assert code == 0 and [m["name"] for m in json.loads(out)] == ["mine", "shared"]
    code, out, _ = run(capsys, *home, "--space", "bob", "models", "--json")
    assert [m["name"] for m in json.loads(out)] == ["shared"]
    code, out, _ = run(capsys, *home, "models", "--json")  # the teacher's own view
    assert [m["name"] for m in json.loads(out)] == ["shared"]
    assert run(capsys, *home, "--space", "alice", "delete", "mine")[0] == 0  # her own: fine


@pytest.mark.parametrize("name", ["../x", "/etc", "a/b", "x" * 41])
def test_a_path_trick_as_space_is_one_line(teacher, capsys, name):
    code, out, err = run(capsys, "--home", str(teacher), "--space", name, "models")
    assert code == 1 and out == "" and err.count("\n") == 1 and "space name" in err
    assert not (teacher / "spaces").exists() or not any((teacher / "spaces").iterdir())


def test_spaces_lists_and_clears(teacher, capsys):
    ClassWorkspace(teacher, "bob")
    ClassWorkspace(teacher, "alice")
    code, out, _ = run(capsys, "--home", str(teacher), "spaces", "--json")
    assert code == 0 and [s["name"] for s in json.loads(out)] == ["alice", "bob"]
    code, out, _ = run(capsys, "--home", str(teacher), "spaces", "--clear", "bob")
    assert code == 0 and "Cleared the space 'bob'" in out
    assert not (teacher / "spaces" / "bob").exists()
    code, _, err = run(capsys, "--home", str(teacher), "spaces", "--clear", "bob")
    assert code == 1 and "No space named 'bob'" in err


def test_app_class_refuses_a_missing_or_empty_password_file(teacher, tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    code, _, err = run(capsys, "--home", str(teacher), "app", "--class", "--password-file",
                       str(missing))  # fmt: skip
    assert code == 1 and "cannot be read" in err and err.count("\n") == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    code, _, err = run(capsys, "--home", str(teacher), "app", "--class",
                       "--teacher-password-file", str(empty))  # fmt: skip
    assert code == 1 and "is empty" in err
