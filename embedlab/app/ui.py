"""Streamlit glue shared by the pages: the workspace, the active model, errors as messages.

Pages stay thin: they read widgets, call one embedlab function and draw the result;
what every page needs (the cached workspace and models, the sidebar, turning an
`EmbedlabError` into an error box) lives here. Importing this module imports streamlit.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

# pandas is imported in full before any page runs: plotly checks for it by peeking at
# sys.modules, and while the first sessions of a fresh server import it at the same time
# it would find the half-imported module ("partially initialized module 'pandas'").
import pandas  # noqa: F401
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.uploaded_file_manager import UploadedFile

from embedlab.app import classroom, links
from embedlab.app.corpus import Coverage, coverage, upload_too_big
from embedlab.app.markup import escape_markdown
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError, InputError
from embedlab.limits import MAX_UPLOAD_MB
from embedlab.store.workspace import DEFAULT_HOME, ModelRecord, Workspace

if TYPE_CHECKING:
    from embedlab.analysis.project import Projection

# app.py builds the navigation with st.navigation, but a `pages/` folder beside it makes
# Streamlit start in its old folder-based mode until the first st.navigation call in the
# process; a deep link opened first on a fresh server would then run a page file alone.
# Every page imports this module, so turning the mode off here covers that first request.
PagesManager.uses_pages_directory = False

ACTIVE = "active_model"
_NEXT_ACTIVE = "_next_active_model"
_SHELL = "_shell_drawn"  # set by sidebar(), which app.py runs before any page
_RECORD = "_active_record"  # the active model's catalog row: sidebar() finds it once per run
_NOT_VIEW = ("model", classroom.PARAM)  # URL parameters that are not part of a saved view
log = logging.getLogger("embedlab.app")


def home() -> str:
    """The workspace folder this server uses."""
    return os.environ.get("EMBEDLAB_HOME") or DEFAULT_HOME


@st.cache_resource(max_entries=4)
def _workspace(root: str) -> Workspace:
    return Workspace(root)


def _ensure_shell() -> None:
    """Rerun a page file that runs without app.py (the legacy mode above, on a fresh
    server's first request): the rerun goes through app.py's navigation and sidebar."""
    if not st.session_state.get(_SHELL):
        st.rerun()


def workspace() -> Workspace:
    """The server's one Workspace (EMBEDLAB_HOME or ./.embedlab); in class mode, this
    session's student space (`embedlab.app.classroom`)."""
    _ensure_shell()
    if classroom.class_mode():
        return classroom.session_workspace(_workspace(home()))
    return _workspace(home())


@st.cache_resource(max_entries=6, show_spinner="Loading the model…")
def _load(root: str, name: str, path: str) -> Embeddings:  # path: a deleted-and-reused id reloads
    return _workspace(root).load_model(name)


def load_model(record: ModelRecord) -> Embeddings:
    """A catalog model's vectors, loaded once per server and shared by every session."""
    return _load(_model_home(record), record.name, str(record.path))


def forget_model(record: ModelRecord) -> None:
    """Drop a deleted model's vectors from the server's cache (they would stay in memory)."""
    _load.clear(_model_home(record), record.name, str(record.path))


def _model_home(record: ModelRecord) -> str:
    """The workspace folder listing the record: the server's, or in class mode a space's."""
    return classroom.model_home(record) if classroom.class_mode() else home()


def upload_limit_mb() -> int:
    """The upload size limit in force, in MB: `limits.MAX_UPLOAD_MB`, and never more than the
    server's own `server.maxUploadSize` (which refuses bigger files before the app sees them)."""
    return max(1, min(MAX_UPLOAD_MB.value(), int(st.get_option("server.maxUploadSize"))))


def upload_limit_text() -> str:
    """'1 GB' or '200 MB': the upload limit for a widget's help text."""
    mb = upload_limit_mb()
    return f"{mb / 1024:g} GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb:,} MB"


def check_upload(upload: UploadedFile | None) -> None:
    """Refuse an uploaded file over `upload_limit_mb()` (InputError, one sentence)."""
    if upload is None:
        return
    message = upload_too_big(upload.name, upload.size, upload_limit_mb())
    if message:
        raise InputError(message)


def set_active_model(name: str) -> None:
    """Make `name` the active model from the next run of the script on."""
    st.session_state[_NEXT_ACTIVE] = name


def active_record() -> ModelRecord | None:
    """The catalog record of the active model, if there is one.

    The sidebar, which runs first in every run, finds it in the catalog listing it draws
    anyway and keeps it for the run; the page then reads it from there, not from the catalog.
    """
    _ensure_shell()
    name = st.session_state.get(ACTIVE)
    if not name:
        return None
    kept = st.session_state.get(_RECORD)
    if isinstance(kept, ModelRecord) and kept.name == name:
        return kept
    ws = workspace()
    record = ws.model(name) if ws.has_model(name) else None
    st.session_state[_RECORD] = record
    return record


def active_model() -> Embeddings | None:
    """The active model's vectors, or None."""
    record = active_record()
    return None if record is None else load_model(record)


def require_active() -> tuple[ModelRecord, Embeddings]:
    """The active model's record and vectors; without one, say how to get one and stop."""
    record = active_record()
    if record is None:
        st.info(
            "No model is active yet. Train one on the **Train** page (the demo corpus takes "
            "seconds) or load a pretrained file on the **Models** page."
        )
        st.stop()
    assert record is not None
    return record, load_model(record)


def require_model() -> Embeddings:
    """The active model; without one, say how to get one and stop the page."""
    return require_active()[1]


@contextmanager
def shown_errors() -> Iterator[None]:
    """Turn an `EmbedlabError` into an error box; the page goes on below it."""
    try:
        yield
    except EmbedlabError as err:
        st.error(escape_markdown(err))


def default_model(names: list[str]) -> str | None:
    """The model a new session starts on: the pretrained English model when the workspace
    has it (the classic demos work on it), else the newest.

    >>> default_model(["lee-demo", "minilm-static"]), default_model(["a", "b"]), default_model([])
    ('minilm-static', 'a', None)
    """
    from embedlab.jobs.bootstrap import PRETRAINED

    return PRETRAINED if PRETRAINED in names else (names[0] if names else None)


def sidebar() -> None:
    """The sidebar every page shares: workspace, active model and its facts, device."""
    from embedlab.device import describe_device

    st.session_state[_SHELL] = True
    ws = workspace()
    if _NEXT_ACTIVE in st.session_state:
        st.session_state[ACTIVE] = st.session_state.pop(_NEXT_ACTIVE)
    records = {m.name: m for m in ws.models()}  # the run's one catalog look-up of models
    names = list(records)
    linked = linked_params("model", ["model"], remember=False)
    if linked and linked["model"] in names:  # a link names its model
        st.session_state[ACTIVE] = linked["model"]
    elif linked:
        st.warning(
            f"The link names the model '{escape_markdown(linked['model'])}', which this "
            "workspace does not have; showing another model."
        )
    if st.session_state.get(ACTIVE) not in names:
        st.session_state[ACTIVE] = default_model(names)
    with st.sidebar:
        st.selectbox(
            "Active model",
            names,
            key=ACTIVE,
            placeholder="No model yet",
            help="Every page explores this model; the Train and Models pages add more.",
        )
        record = records.get(st.session_state.get(ACTIVE) or "")
        st.session_state[_RECORD] = record
        if record is not None:
            origin = record.meta.get("description") or record.meta.get("format") or record.origin
            st.caption(
                f"{record.vocab:,} words × {record.dim} dimensions · "
                f"{escape_markdown(record.origin)}"
                + (f" on *{escape_markdown(record.corpus_name)}*" if record.corpus_name else "")
                + f" · {escape_markdown(origin)}"
            )
        st.caption(f"Compute: {describe_device()}")
        st.caption(f"Workspace: `{ws.root}`")
        if classroom.class_mode():
            classroom.sidebar_panel(ws, record)
        _tour(names)
    keep_in_url("model", {"model": st.session_state.get(ACTIVE) or ""})


def _tour(models: list[str]) -> None:
    from streamlit.errors import StreamlitPageNotFoundError

    from embedlab.app.tour import steps

    with st.expander("Tour: five minutes", icon=":material/school:"):
        for step in steps(models):
            try:
                st.page_link(
                    f"pages/{step.page}.py",
                    label=step.label,
                    query_params=step.params,
                    help=step.sentence,
                )
            except StreamlitPageNotFoundError:  # a page this app does not register
                continue
            st.caption(step.sentence)


def linked_params(scope: str, keys: list[str], remember: bool = True) -> dict[str, str] | None:
    """The query parameters a link brought (not the ones `keep_in_url` wrote on the last
    run of this scope), or None: a page applies them once, then the widgets rule.

    Back from another page (whose navigation cleared the URL), `remember` brings the values
    this scope last kept, so the page shows what it showed when the user left.
    """
    kept = st.session_state.get(f"_url_{scope}")
    current = {k: v for k in keys if (v := st.query_params.get(k))}
    if not current and remember and kept and not any(k in st.query_params for k in keys):
        return dict(kept)
    if not current or current == kept:
        return None
    st.session_state[f"_url_{scope}"] = current
    return current


def linked_widgets(scope: str, fields: Mapping[str, links.Field]) -> None:
    """Keep a page's widgets in its URL and across page changes; call it before drawing them.

    `fields` maps each query parameter to its widget (`links.Field(key, parse)`). A link's
    values go into the widgets; a value Streamlit dropped while another page ran (or while
    the widget was hidden) comes back from the session's copy; then the URL and the copy
    take the widgets' values, so a copied link reopens this view.
    """
    link = links.brought(st.query_params.to_dict(), fields, st.session_state.get(f"_url_{scope}"))
    links.seed(st.session_state, link, {}, fields)
    remember_widgets(scope, [field.key for field in fields.values()])
    keep_in_url(scope, links.to_query(st.session_state, fields))


def remember_widgets(scope: str, keys: Iterable[str]) -> None:
    """Give these widgets back the values Streamlit dropped while another page ran (or while
    they were hidden), from the session's copy, and update the copy; call it before drawing
    them."""
    memory: dict = st.session_state.setdefault(f"_keep_{scope}", {})
    keys = list(keys)
    links.seed(st.session_state, {}, memory, {key: links.Field(key) for key in keys})
    memory.update((key, st.session_state[key]) for key in keys if key in st.session_state)


def save_view_control(
    page: str, params: Mapping[str, Any] | None = None, coords: Projection | None = None
) -> None:
    """A small "Save this view" control: the page's URL parameters (or `params`) and, for a
    map, its coordinates are saved on the active model; the Share page lists them and the
    model's bundle carries them."""
    from embedlab.jobs.bundle import save_view

    record = active_record()
    if record is None:
        return
    if params is None:
        params = {k: v for k, v in st.query_params.to_dict().items() if k not in _NOT_VIEW}
    with st.popover("Save this view", icon=":material/bookmark_add:"):
        name = st.text_input("Name (optional)", key=f"save_view_{page}_name", max_chars=80)
        if st.button("Save", key=f"save_view_{page}", type="primary"):
            with shown_errors():
                view = save_view(workspace(), record.name, page, params, coords, name=name or None)
                st.success(
                    f"Saved as **{escape_markdown(view.name)}** on "
                    f"{escape_markdown(record.name)}: the **Share** page lists it, and the "
                    "model's bundle carries it."
                )


def keep_in_url(scope: str, values: dict[str, str]) -> None:
    """Write a view's state into the URL, so a copied link reopens it."""
    kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
    for key in values:
        if key not in kept:
            st.query_params.pop(key, None)
    st.query_params.update(kept)
    st.session_state[f"_url_{scope}"] = kept


def guarded(page: st.navigation) -> None:  # type: ignore[valid-type]
    """Run a page; an unexpected error becomes one message, the traceback goes to the log."""
    try:
        page.run()
    except EmbedlabError as err:
        st.error(escape_markdown(err))
    except Exception as err:  # noqa: BLE001 - users never see a traceback
        log.exception("page %s failed", getattr(page, "title", "?"))
        st.error(
            f"Something went wrong ({type(err).__name__}: {escape_markdown(err)}). Your models "
            "and corpora are "
            "safe; try again, and if it happens again please report it with the server log."
        )


def copy_link() -> None:
    """The sidebar's link to exactly this view (the page's URL with its parameters), in a box
    with a copy button."""
    from urllib.parse import urlencode

    base = (st.context.url or "").split("?")[0]
    params = st.query_params.to_dict()
    if not base:
        return
    with st.sidebar:
        st.caption("Link to this view")
        st.code(base + ("?" + urlencode(params) if params else ""), language=None, wrap_lines=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def corpus_vocab(path: str) -> list[tuple[str, int]]:
    """A corpus folder's vocabulary, (word, count) most frequent first, read once per server
    and shared by the Corpus and Train pages: read-only, never mutate it."""
    from embedlab.ingest.corpus import read_vocab

    return read_vocab(path)


@st.cache_data(max_entries=64, show_spinner=False)
def corpus_coverage(path: str, min_count: int) -> Coverage:
    """What a trainer's `min_count` keeps of the corpus in folder `path` (cached)."""
    return coverage(corpus_vocab(path), min_count)
