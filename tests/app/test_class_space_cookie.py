"""Class mode keeps a session's space in a cookie as well as in the URL, so a session that
starts without `space=` (the browser reconnected to a restarted server in the middle of a
page switch) finds its space again. The browser side is in tests/e2e/test_class_space.py."""

from __future__ import annotations

import pytest
from app_helpers import new_app

from embedlab.app.classroom import COOKIE, choose_space, cookie_script
from embedlab.errors import InputError


@pytest.fixture
def class_home(lee_home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CLASS", "1")
    return lee_home


def _cookie_scripts(at) -> list[str]:
    return [h.value for h in at.sidebar.html if COOKIE in h.value]


def test_the_url_wins_then_the_cookie_then_a_new_anonymous_space():
    assert choose_space("Alice", "bob") == ("alice", None)
    assert choose_space(None, "bob") == ("bob", None)
    assert choose_space("", "bob") == ("bob", None)
    name, problem = choose_space(None, None)
    assert name.startswith("anon-") and problem is None


def test_a_bad_url_name_is_one_sentence_and_the_cookie_still_finds_the_space():
    name, problem = choose_space("../teacher", "bob")
    assert name == "bob" and problem.startswith("The space name '../teacher'")


def test_a_forged_cookie_is_ignored():
    name, problem = choose_space(None, "../teacher'; alert(1)")
    assert name.startswith("anon-") and problem is None


def test_the_cookie_script_takes_only_a_checked_name():
    assert "embedlab_space=alice; path=/" in cookie_script("Alice")
    with pytest.raises(InputError):
        cookie_script("a';document.cookie='x")


def test_the_page_writes_the_space_into_the_cookie(class_home):
    at = new_app()
    at.query_params["space"] = "alice"
    at.run()
    assert not at.exception
    assert _cookie_scripts(at) == [cookie_script("alice")]
    at.sidebar.text_input(key="class_space_input").input("group-3").run()
    assert _cookie_scripts(at) == [cookie_script("group-3")]


def test_without_class_mode_there_is_no_cookie(lee_home, monkeypatch):
    monkeypatch.delenv("EMBEDLAB_CLASS", raising=False)
    at = new_app().run()
    assert not at.exception and _cookie_scripts(at) == []
