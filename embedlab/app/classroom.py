"""Class mode in the app (`embedlab app --class`, or `EMBEDLAB_CLASS=1`): each browser
session works in its own student space; the teacher's workspace is shared read-only.

A session's space is the name its student typed in the sidebar, kept in the URL as
`space=NAME` so a reload finds it, else an anonymous `anon-…` space made for the session
(also kept in the URL). The name is also kept in a cookie (`COOKIE`): a session that starts
without `space=` in its URL (the browser reconnected to a restarted server in the middle of
a page switch, whose request carried no query string) finds its space there.

`ui.workspace()` returns the session's `ClassWorkspace` (`embedlab.store.spaces`), or the
teacher's own workspace once the session entered the teacher's password
(`embedlab.app.gate`), which also shows the teacher's panel: the spaces, their disk use,
and clearing one. Without class mode nothing here runs.

>>> class_mode({"EMBEDLAB_CLASS": "1"}), class_mode({})
(True, False)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from embedlab.app import gate
from embedlab.app.markup import escape_markdown
from embedlab.errors import EmbedlabError
from embedlab.store import spaces
from embedlab.store.records import ModelRecord
from embedlab.store.workspace import Workspace

CLASS_ENV = "EMBEDLAB_CLASS"
PARAM = "space"
COOKIE = "embedlab_space"
COOKIE_DAYS = 30
_SPACE = "_class_space"
_PROBLEM = "_class_space_problem"


def class_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the server runs in class mode (`EMBEDLAB_CLASS` is 1, true, yes or on)."""
    value = (os.environ if environ is None else environ).get(CLASS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


@st.cache_resource(max_entries=512, show_spinner=False)
def _space(teacher_root: str, name: str) -> spaces.ClassWorkspace:
    return spaces.ClassWorkspace(teacher_root, name)


def choose_space(from_url: str | None, from_cookie: str | None) -> tuple[str, str | None]:
    """(the space a new session works in, the sentence on a bad name in the URL or None):
    the URL's name, else the cookie's, else a new anonymous one. A bad cookie is ignored.

    >>> choose_space("Alice", "bob"), choose_space(None, "bob")
    (('alice', None), ('bob', None))
    >>> name, problem = choose_space("../x", None)
    >>> name.startswith("anon-"), problem.startswith("The space name")
    (True, True)
    """
    problem = None
    if from_url:
        try:
            return spaces.space_name(from_url), None
        except EmbedlabError as err:
            problem = str(err)
    if from_cookie:
        with contextlib.suppress(EmbedlabError):
            return spaces.space_name(from_cookie), problem
    return spaces.anonymous_name(), problem


def _cookie() -> str | None:
    """The space cookie the browser sent when this session connected (None in AppTest)."""
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no client connection (AppTest): no cookie
        return None


def session_space() -> str:
    """This session's space name: chosen before, else the URL's, else the cookie's, else a
    new anonymous one (`choose_space`)."""
    name = st.session_state.get(_SPACE)
    if name:
        return name
    name, problem = choose_space(st.query_params.get(PARAM), _cookie())
    if problem:
        st.session_state[_PROBLEM] = problem
    st.session_state[_SPACE] = name
    return name


def cookie_script(name: str) -> str:
    """The script that keeps `name` in the browser's space cookie (a checked space name, so
    nothing in it needs escaping).

    >>> cookie_script("alice")
    "<script>document.cookie = 'embedlab_space=alice; path=/; max-age=2592000; SameSite=Strict';</script>"
    """  # noqa: E501 - one line of script
    name = spaces.space_name(name)
    age = COOKIE_DAYS * 86400
    return (
        f"<script>document.cookie = '{COOKIE}={name}; path=/; max-age={age}; SameSite=Strict';"
        "</script>"
    )


def _remember(name: str) -> None:
    """Keep the space in the URL and, while the browser's cookie (as sent when this session
    connected) names another, write the cookie: the same script on every run, so Streamlit
    keeps its element and the browser runs it once."""
    st.query_params[PARAM] = name
    if _cookie() != name:
        st.html(cookie_script(name), unsafe_allow_javascript=True)


def session_workspace(teacher: Workspace) -> Workspace:
    """The workspace this session works in: its student space, or the teacher's own
    workspace (full rights) once it entered the teacher's password."""
    if gate.teacher_unlocked():
        return teacher
    return _space(str(teacher.root), session_space())


def model_home(record: ModelRecord) -> str:
    """The workspace folder whose catalog lists this model (a space's or the teacher's):
    a model's folder is `<root>/models/<folder>`."""
    return str(Path(record.path).parent.parent)


def _switch(key: str) -> None:
    try:
        st.session_state[_SPACE] = spaces.space_name(st.session_state.get(key, ""))
        st.session_state.pop(_PROBLEM, None)
    except EmbedlabError as err:
        st.session_state[_PROBLEM] = str(err)


def sidebar_panel(ws: Workspace, record: ModelRecord | None) -> None:
    """The sidebar's class lines (inside `st.sidebar`): whose space this is, a box to change
    it, a note on a read-only model, and the teacher's sign-in or panel."""
    teacher = gate.teacher_unlocked()
    if teacher:
        st.caption("Space: **the teacher's workspace** (full rights: you can delete its models).")
    else:
        name = session_space()
        _remember(name)
        st.caption(
            f"Space: **{escape_markdown(name)}** · your own corpora, models and runs; the "
            "teacher's models are shared read-only."
        )
        if record is not None and spaces.read_only(record):
            st.caption("The active model is the teacher's: explore it freely; it stays as it is.")
        with st.expander("Change space"):
            st.text_input(
                "Your name or group",
                key="class_space_input",
                max_chars=spaces.MAX_NAME,
                on_change=_switch,
                args=("class_space_input",),
                help="Letters, digits, '-' or '_'. The same name finds the same space again.",
            )
        if problem := st.session_state.pop(_PROBLEM, None):
            st.error(escape_markdown(problem))
    if gate.teacher_configured():
        _teacher_panel(ws, teacher)


def clear_space(teacher_root: Path, name: str) -> spaces.SpaceInfo:
    """Clear a student space (its runs whose process died are failed first)."""
    from embedlab.jobs.queue import reap_dead_runs

    root = spaces.space_root(teacher_root, name)
    if spaces.is_space(root):
        reap_dead_runs(Workspace(root))
    return spaces.clear_space(teacher_root, name)


def _teacher_panel(ws: Workspace, unlocked: bool) -> None:
    with st.expander("Teacher", icon=":material/admin_panel_settings:"):
        if not unlocked:
            with st.form("class_teacher_form", clear_on_submit=True):
                given = st.text_input("Teacher's password", type="password", key="class_teacher")
                sent = st.form_submit_button("Unlock")
            if sent:
                try:
                    gate.unlock_teacher(given or "")
                except EmbedlabError as err:
                    st.error(escape_markdown(err))
                else:
                    st.rerun()
            return
        found = spaces.list_spaces(ws.root)
        st.caption(f"{len(found)} student space{'' if len(found) == 1 else 's'}.")
        if found:
            by_name = {s.name: s for s in found}
            picked = st.selectbox(
                "Space",
                list(by_name),
                key="class_admin_space",
                format_func=lambda n: (
                    f"{n} · {by_name[n].bytes / 1024**2:,.1f} MB · {by_name[n].models} models"
                ),
            )
            sure = st.checkbox(f"Yes, clear {escape_markdown(picked)}", key="class_admin_sure")
            if st.button("Clear this space", key="class_admin_clear", disabled=not sure):
                try:
                    gate.require_teacher()
                    cleared = clear_space(ws.root, picked)
                except EmbedlabError as err:
                    st.error(escape_markdown(err))
                else:
                    st.success(f"Cleared the space {escape_markdown(cleared.name)}.")
        st.button("Leave teacher mode", key="class_admin_leave", on_click=gate.leave_teacher)
