"""The door: an optional shared password in front of every page, and the teacher's password
for the teacher's actions in class mode.

`embedlab app --password-file F` (or `EMBEDLAB_PASSWORD_FILE=F`) makes every page show only
a password box until the session enters the password in F; app.py calls `require_password()`
before the navigation runs. `--teacher-password-file` (`EMBEDLAB_TEACHER_PASSWORD_FILE`)
guards what only the teacher may do: delete the teacher's models, clear a student space.

A password is the file's first line. It is read when checked (change the file, and the next
try uses the new one; sessions that entered the old one are asked again), compared with
`hmac.compare_digest` on SHA-256 digests, never logged, never kept in the session (the form
clears its box). Wrong tries are limited: `TRIES` per session and `ADDRESS_TRIES` per
network address in `WINDOW_SECONDS`, then a wait. Streamlit's `st.login` needs an identity
provider (OIDC), which a classroom rarely has; this gate needs none.

>>> stale = [0.0, 1.0, 2.0, 3.0, 4.0]
>>> wait_seconds(stale, TRIES, now=30.0), wait_seconds(stale, TRIES, now=61.0)
(30.0, 0.0)
>>> matches("open sesame", b"open sesame"), matches("open", b"open sesame")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from embedlab.errors import InputError, PermissionDenied

PASSWORD_ENV = "EMBEDLAB_PASSWORD_FILE"
TEACHER_PASSWORD_ENV = "EMBEDLAB_TEACHER_PASSWORD_FILE"
TRIES = 5
"""Wrong passwords one session may try in `WINDOW_SECONDS` before it must wait."""
ADDRESS_TRIES = 20
"""Wrong passwords one network address may try in `WINDOW_SECONDS` (a new session does not
reset this count)."""
WINDOW_SECONDS = 60.0

_PASSED = "_gate_passed"
_TEACHER = "_gate_teacher"
_FAILED = "_gate_failures"
_by_address: dict[str, deque[float]] = {}
_by_address_lock = threading.Lock()


def read_password(path: str | os.PathLike) -> bytes:
    """The password in a file: its first line, without the line ending.

    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile("w", delete=False); _ = f.write("s3cret\\n"); f.close()
    >>> read_password(f.name)
    b's3cret'
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise InputError(
            f"The password file {path} cannot be read ({err.strerror}); check the path."
        ) from None
    first = raw.splitlines()[0] if raw.strip() else b""
    if not first.strip():
        raise InputError(
            f"The password file {path} is empty; write the password on its first line."
        )
    return first


def matches(given: str, expected: bytes) -> bool:
    """Whether `given` is the password, compared in constant time (on SHA-256 digests, so the
    comparison takes as long whatever the lengths)."""
    ours = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(ours, hashlib.sha256(expected).digest())


def wait_seconds(failures: Sequence[float], tries: int, now: float | None = None) -> float:
    """Seconds to wait before the next try: 0 while fewer than `tries` wrong tries fall in the
    last `WINDOW_SECONDS`, else until the oldest of them leaves the window."""
    now = time.time() if now is None else now
    recent = sorted(t for t in failures if now - t < WINDOW_SECONDS)
    if len(recent) < tries:
        return 0.0
    return max(0.0, WINDOW_SECONDS - (now - recent[-tries]))


def _expected(env: str) -> bytes | None:
    path = os.environ.get(env, "").strip()
    return read_password(path) if path else None


def _token(password: bytes) -> str:
    """What a session keeps once it passed: a digest of the password (never the password),
    so a changed password asks again."""
    return hashlib.sha256(b"embedlab-gate:" + password).hexdigest()


def _address() -> str | None:
    try:
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no address (AppTest, an old server): session limit only
        return None


def _wait_now() -> float:
    """Seconds this session (or its address) must wait before it may try again."""
    wait = wait_seconds(st.session_state.get(_FAILED, []), TRIES)
    address = _address()
    if address:
        with _by_address_lock:
            wait = max(wait, wait_seconds(list(_by_address.get(address, ())), ADDRESS_TRIES))
    return wait


def _failed() -> None:
    now = time.time()
    st.session_state[_FAILED] = [
        t for t in st.session_state.get(_FAILED, []) if now - t < WINDOW_SECONDS
    ] + [now]
    address = _address()
    if address:
        with _by_address_lock:
            kept = _by_address.setdefault(address, deque(maxlen=ADDRESS_TRIES))
            kept.append(now)
            for key in [k for k, v in _by_address.items() if v and now - v[-1] > WINDOW_SECONDS]:
                del _by_address[key]


def _try(given: str, expected: bytes) -> str | None:
    """Check one try; None when right, else the one sentence to show."""
    wait = _wait_now()
    if wait > 0:
        return f"Too many wrong passwords; wait {math.ceil(wait)} seconds and try again."
    if matches(given, expected):
        return None
    _failed()
    return "That password is not right; check it and try again."


def require_password() -> None:
    """Show only the password box, and stop the page, until this session has entered the
    password in `EMBEDLAB_PASSWORD_FILE`; without that variable, do nothing."""
    try:
        expected = _expected(PASSWORD_ENV)
    except InputError as err:  # configured but unreadable: stay shut
        st.error(str(err))
        st.stop()
        return
    if expected is None or st.session_state.get(_PASSED) == _token(expected):
        return
    st.title("embedlab")
    st.caption("This embedlab is shared with a class: enter the password your teacher gave you.")
    with st.form("gate_form", clear_on_submit=True):
        given = st.text_input("Password", type="password", key="gate_password")
        sent = st.form_submit_button("Enter", type="primary")
    if sent:
        problem = _try(given or "", expected)
        if problem is None:
            st.session_state[_PASSED] = _token(expected)
            st.session_state.pop(_FAILED, None)
            st.rerun()
        st.error(problem)
    st.stop()


# --- the teacher ----------------------------------------------------------------------------
def teacher_configured() -> bool:
    """Whether a teacher's password is set (`EMBEDLAB_TEACHER_PASSWORD_FILE`)."""
    return bool(os.environ.get(TEACHER_PASSWORD_ENV, "").strip())


def teacher_unlocked() -> bool:
    """Whether this session entered the teacher's password (and it has not changed since)."""
    token = st.session_state.get(_TEACHER)
    if not token:
        return False
    try:
        expected = _expected(TEACHER_PASSWORD_ENV)
    except InputError:
        return False
    return expected is not None and token == _token(expected)


def unlock_teacher(given: str) -> None:
    """Enter the teacher's password for this session; a wrong one raises PermissionDenied
    with one sentence (the same limit on tries applies)."""
    expected = _expected(TEACHER_PASSWORD_ENV)
    if expected is None:
        raise PermissionDenied(
            "This class has no teacher's password; start the app with --teacher-password-file."
        )
    problem = _try(given, expected)
    if problem is not None:
        raise PermissionDenied(problem)
    st.session_state[_TEACHER] = _token(expected)


def leave_teacher() -> None:
    """Forget that this session entered the teacher's password."""
    st.session_state.pop(_TEACHER, None)


def require_teacher() -> None:
    """Raise PermissionDenied unless this session entered the teacher's password."""
    if not teacher_unlocked():
        raise PermissionDenied(
            "Only the teacher may do this; enter the teacher's password under Teacher in the "
            "sidebar."
        )
