"""The password gate: with EMBEDLAB_PASSWORD_FILE set, every page shows only the password box
until the session enters the password; a wrong one is one sentence; tries are limited.

The first tests drive `gate.require_password()` in a two-line script; the last ones drive the
whole app.py, which calls it before its navigation.
"""

from __future__ import annotations

import pytest
from app_helpers import new_app
from streamlit.testing.v1 import AppTest

from embedlab.app import gate

SCRIPT = """
import streamlit as st
from embedlab.app import gate
gate.require_password()
st.markdown("the secret page")
"""

TEACHER_SCRIPT = """
import streamlit as st
from embedlab.app import gate
from embedlab.errors import EmbedlabError
given = st.text_input("teacher")
if given:
    try:
        gate.unlock_teacher(given)
    except EmbedlabError as err:
        st.error(str(err))
st.markdown(f"teacher: {gate.teacher_unlocked()}")
"""


@pytest.fixture
def password(tmp_path, monkeypatch) -> str:
    path = tmp_path / "class-password.txt"
    path.write_text("correct horse battery\n")
    monkeypatch.setenv("EMBEDLAB_PASSWORD_FILE", str(path))
    return "correct horse battery"


def _shown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _enter(at: AppTest, given: str) -> AppTest:
    at.text_input(key="gate_password").input(given)
    return at.button[0].click().run()


def test_without_a_password_file_the_page_shows(monkeypatch):
    monkeypatch.delenv("EMBEDLAB_PASSWORD_FILE", raising=False)
    at = AppTest.from_string(SCRIPT).run()
    assert not at.exception and "the secret page" in _shown(at)
    assert not at.text_input


def test_the_page_shows_only_the_password_box(password):
    at = AppTest.from_string(SCRIPT).run()
    assert not at.exception and not at.error
    assert "the secret page" not in _shown(at)
    assert [t.label for t in at.text_input] == ["Password"]
    assert at.text_input[0].proto.type == at.text_input[0].proto.PASSWORD  # shown as dots


def test_the_right_password_shows_the_page(password):
    at = _enter(AppTest.from_string(SCRIPT).run(), password)
    assert not at.exception and not at.error
    assert "the secret page" in _shown(at) and not at.text_input
    assert password not in str(at.session_state.to_dict())  # never kept
    assert "the secret page" in _shown(at.run())  # the session stays in


def test_a_wrong_password_is_one_sentence(password):
    at = _enter(AppTest.from_string(SCRIPT).run(), "wrong")
    assert not at.exception
    assert [e.value for e in at.error] == ["That password is not right; check it and try again."]
    assert "the secret page" not in _shown(at)


def test_tries_are_limited(password):
    at = AppTest.from_string(SCRIPT).run()
    for _ in range(gate.TRIES):
        at = _enter(at, "guess")
    at = _enter(at, password)  # even the right one waits now
    assert "the secret page" not in _shown(at)
    [message] = [e.value for e in at.error]
    assert message.startswith("Too many wrong passwords; wait ") and message.endswith(
        " seconds and try again."
    )


def test_a_changed_password_asks_again(password, tmp_path):
    at = _enter(AppTest.from_string(SCRIPT).run(), password)
    assert "the secret page" in _shown(at)
    (tmp_path / "class-password.txt").write_text("a new one\n")
    assert "the secret page" not in _shown(at.run())


def test_an_unreadable_password_file_keeps_the_door_shut(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_PASSWORD_FILE", str(tmp_path / "missing.txt"))
    at = AppTest.from_string(SCRIPT).run()
    assert "the secret page" not in _shown(at)
    assert len(at.error) == 1 and "cannot be read" in at.error[0].value


def test_the_teacher_password(tmp_path, monkeypatch):
    path = tmp_path / "teacher.txt"
    path.write_text("chalk\n")
    monkeypatch.setenv("EMBEDLAB_TEACHER_PASSWORD_FILE", str(path))
    at = AppTest.from_string(TEACHER_SCRIPT).run()
    assert "teacher: False" in _shown(at)
    at.text_input[0].input("chalkk").run()
    assert "teacher: False" in _shown(at) and "not right" in at.error[0].value
    at.text_input[0].input("chalk").run()
    assert "teacher: True" in _shown(at) and not at.error


def test_wait_seconds_and_matches():
    assert gate.wait_seconds([], 5, now=0.0) == 0.0
    assert gate.wait_seconds([10.0] * 5, 5, now=20.0) == 50.0
    assert gate.matches("é", "é".encode()) and not gate.matches("", b"x")


# --- the whole app: app.py calls gate.require_password() before its navigation -------------
def test_every_page_of_the_app_is_behind_the_gate(password, lee_home):
    at = new_app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Password"]
    assert not at.sidebar.selectbox  # no sidebar, no model, no page
    assert not [h for h in at.title if h.value != "embedlab"]
    at = _enter(at, password)
    assert not at.exception and not at.error
    assert at.sidebar.selectbox[0].value == "lee-demo"  # the app, as without a password
    at = at.switch_page("pages/neighbours.py").run()
    assert not at.exception and "Neighbours" in [t.value for t in at.title]
