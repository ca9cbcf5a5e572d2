"""Class mode in the app (EMBEDLAB_CLASS=1): each session works in its own space, named in
the URL (`space=NAME`); the teacher's models are shared read-only; the teacher's password
opens the teacher's workspace and panel. Without class mode nothing changes."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import DEMO_MODEL, new_app, open_page

from embedlab.embeddings import Embeddings
from embedlab.store.spaces import ClassWorkspace, list_spaces
from embedlab.store.workspace import Workspace


@pytest.fixture
def class_home(lee_home, monkeypatch):
    """The Lee workspace (corpus 'lee', model 'lee-demo') as the teacher's, in class mode."""
    monkeypatch.setenv("EMBEDLAB_CLASS", "1")
    return lee_home


def _captions(at) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def _param(at, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def _app(space: str | None = None):
    at = new_app()
    if space is not None:
        at.query_params["space"] = space
    return at.run()


def test_a_session_without_a_name_gets_its_own_anonymous_space(class_home):
    at = _app()
    assert not at.exception and not at.error
    space = _param(at, "space")
    assert space.startswith("anon-") and f"Space: **{space}**" in _captions(at)
    assert at.sidebar.selectbox[0].value == DEMO_MODEL  # the teacher's model, shared
    assert "The active model is the teacher's" in _captions(at)
    assert [s.name for s in list_spaces(class_home)] == [space]


def test_the_space_in_the_url_is_the_sessions_and_spaces_stay_apart(class_home):
    ClassWorkspace(class_home, "alice").add_model(
        Embeddings(["cat", "dog"], np.eye(2, dtype=np.float32)), name="alice-pets"
    )
    at = _app("Alice")
    assert not at.exception and "Space: **alice**" in _captions(at)
    assert at.sidebar.selectbox[0].options == ["alice-pets", DEMO_MODEL]
    bob = _app("bob")
    assert bob.sidebar.selectbox[0].options == [DEMO_MODEL]
    assert [m.name for m in Workspace(class_home).models()] == [DEMO_MODEL]


def test_a_bad_space_name_in_the_url_is_one_sentence(class_home):
    at = _app("../teacher")
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("The space name")
    assert "Space: **anon-" in _captions(at)
    assert not (class_home.parent / "teacher").exists()


def test_changing_the_space_in_the_sidebar(class_home):
    at = _app()
    at.sidebar.text_input(key="class_space_input").input("Group-3").run()
    assert not at.exception and "Space: **group-3**" in _captions(at)
    assert _param(at, "space") == "group-3"
    at.sidebar.text_input(key="class_space_input").input("a/b").run()
    assert "Space: **group-3**" in _captions(at)  # kept; the bad name is one sentence
    assert [e.value for e in at.sidebar.error][0].startswith("The space name 'a/b'")


def test_the_models_page_cannot_delete_a_teacher_model(class_home):
    at = new_app()
    at.query_params["space"] = "alice"
    at = at.run().switch_page("pages/models.py").run()
    assert not at.exception
    at.button(key="models_delete").click().run()
    at.button(key="models_delete_confirm").click().run()
    assert not at.exception
    [message] = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes dropped
    assert message == (
        f"'{DEMO_MODEL}' is the teacher's model: a student space can use it but not delete or "
        "replace it; ask the teacher, or choose another name."
    )
    assert Workspace(class_home).model(DEMO_MODEL).path.is_dir()


def test_the_teacher_unlocks_the_teachers_workspace(class_home, tmp_path, monkeypatch):
    secret = tmp_path / "teacher.txt"
    secret.write_text("chalk\n")
    monkeypatch.setenv("EMBEDLAB_TEACHER_PASSWORD_FILE", str(secret))
    ClassWorkspace(class_home, "bob")
    at = _app("alice")
    at.sidebar.text_input(key="class_teacher").input("nope")
    at = _submit(at)
    assert "not right" in " ".join(e.value for e in at.sidebar.error)
    at.sidebar.text_input(key="class_teacher").input("chalk")
    at = _submit(at)
    assert not at.exception
    assert "the teacher's workspace" in _captions(at)
    assert f"`{class_home.resolve()}`" in _captions(at)  # the sidebar names the teacher's root
    # The teacher clears bob's space from the panel.
    at.sidebar.selectbox(key="class_admin_space").select("bob").run()
    at.sidebar.checkbox(key="class_admin_sure").check().run()
    at.sidebar.button(key="class_admin_clear").click().run()
    assert not at.exception and [s.name for s in list_spaces(class_home)] == ["alice"]


def _submit(at):
    """Press the teacher form's Unlock button."""
    return next(b for b in at.sidebar.button if b.label == "Unlock").click().run()


def test_class_mode_off_changes_nothing(lee_home, monkeypatch):
    monkeypatch.delenv("EMBEDLAB_CLASS", raising=False)
    at = open_page("neighbours")
    assert not at.exception and not at.error
    assert "Space:" not in _captions(at) and "space" not in at.query_params
    assert f"`{lee_home.resolve()}`" in _captions(at)
    assert not (lee_home / "spaces").exists()
