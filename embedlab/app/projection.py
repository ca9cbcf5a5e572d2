"""What the Projection page shows, as plain values: its choices, the view a link or the last
visit asks for, the computations it caches, captions, the map, and a word's neighbours.

The page keeps its view in the URL (`?method=umap&dims=2&n=5000&seed=0&colour=faithfulness
&word=police`), so a link reproduces it; a setting changed on the page updates the URL.
Nothing here imports streamlit.

>>> values = initial_values({"method": "tsne", "n": "50000", "colour": "lies"}, {}, vocab=900)
>>> values["proj_method"], values["proj_n"], values["proj_colour"]
('tsne', 900, 'frequency')
>>> to_query(values)["n"]
'900'
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.analysis import faithfulness as faith_mod
from embedlab.analysis import project as projecting
from embedlab.jobs.thread import KeyedJobs
from embedlab.limits import MAX_PROJECTION_WORDS

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd
    import plotly.graph_objects as go

    from embedlab.analysis.faithfulness import Faithfulness
    from embedlab.analysis.project import Projection, ProjectionEvent
    from embedlab.embeddings import Embeddings
    from embedlab.jobs.bundle import SavedView
    from embedlab.jobs.thread import JobBoard, ThreadJob
    from embedlab.store.workspace import Workspace

METHOD_LABELS = {"pca": "PCA (instant)", "umap": "UMAP", "tsne": "t-SNE"}
METHOD_HELP = (
    "PCA: linear, exact, instant. UMAP and t-SNE keep neighbourhoods: seconds for a few "
    "thousand words, minutes for 100,000 (those run in the background)."
)
INTRO = (
    "Each dot is a word; words the model uses alike land near each other. Distances are "
    "only roughly kept: PCA keeps the global layout, UMAP and t-SNE keep local "
    "neighbourhoods (clusters are meaningful, the gaps between them much less so)."
)
SELECT_HELP = (
    "Drag a box or a lasso over the chart to list the words you select (the lasso is in "
    "the bar above the map); click a word to highlight it and its neighbours; "
    "double-click the chart to clear the selection."
)
SPINNER = {
    "pca": "Projecting {n:,} words with PCA…",
    "umap": "Projecting {n:,} words with UMAP…",
    "tsne": "Projecting {n:,} words with t-SNE…",
}
HELP = (  # the method settings' help: UMAP neighbours, UMAP minimum distance, perplexity
    "How many neighbours shape each word's place: small = local detail, large = more global "
    "structure.",
    "How tightly words may pack together.",
    "Roughly how many neighbours each word pays attention to.",
)
COLOURS = {"frequency": "Frequency", "cluster": "k-means cluster", "faithfulness": "Faithfulness"}
COLOUR_HELP = (
    "Clusters are found in the model's full space, not in the picture. Faithfulness shows "
    "where the map keeps each word's nearest neighbours and where it lies."
)
DEFAULT_N = 3_000
MIN_N = 10
# query parameter -> (widget key, default): what a link carries
URL: dict[str, tuple[str, Any]] = {
    "method": ("proj_method", "pca"),
    "dims": ("proj_dims", 2),
    "n": ("proj_n", DEFAULT_N),
    "seed": ("proj_seed", 0),
    "colour": ("proj_colour", "frequency"),
    "word": ("proj_highlight", ""),
}
# widget key -> default, for the settings a link does not carry
OTHER: dict[str, Any] = {
    "proj_umap_neighbors": 15,
    "proj_umap_min_dist": 0.1,
    "proj_perplexity": 30,
    "proj_k": 8,
    "proj_faith_k": faith_mod.DEFAULT_K,
    "proj_highlight_k": 10,
    "proj_search": "",
}
REMEMBERED = tuple(key for key, _ in URL.values()) + tuple(OTHER)
_WARM_LOCK = threading.Lock()
_WARMING: list[threading.Thread] = []


def warm_up() -> threading.Thread:
    """Compile UMAP's and pynndescent's numba code in a background thread, once per process
    (later calls return the same thread): the app calls this when it starts, so the first
    UMAP a user asks for does not wait ~10 s for the compiler. The thread runs at a lower
    priority (nice 10), so pages drawn meanwhile stay quick. `EMBEDLAB_WARM_UP=0` turns it
    off (the test suite does, so its timings and call counts are its own).
    """
    with _WARM_LOCK:
        if not _WARMING and os.environ.get("EMBEDLAB_WARM_UP", "1") != "0":
            thread = threading.Thread(target=_warm, name="embedlab-warm-up", daemon=True)
            thread.start()
            _WARMING.append(thread)
        return _WARMING[0] if _WARMING else threading.Thread()


def _warm() -> None:
    with contextlib.suppress(Exception):  # a failed warm-up only means a slower first map
        if hasattr(os, "setpriority"):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        projecting.warm_umap()
        faith_mod.warm_nndescent()


# --- the view a link or the last visit asks for ---------------------------------------------
def initial_values(
    query: Mapping[str, str], memory: Mapping[str, Any], vocab: int
) -> dict[str, Any]:
    """Each widget's starting value: the link's (`query`), else the page's last (`memory`),
    else the default; a value that does not fit (unknown method, n beyond the vocabulary
    or the limit) is replaced or clipped, never an error.

    >>> initial_values({"dims": "3", "seed": "-4"}, {"proj_n": 200}, vocab=5000)["proj_dims"]
    3
    >>> v = initial_values({"seed": "-4"}, {"proj_n": 200}, vocab=5000)
    >>> v["proj_seed"], v["proj_n"]
    (0, 200)
    """
    out = {key: memory.get(key, default) for key, default in OTHER.items()}
    for name, (key, default) in URL.items():
        raw = query.get(name)
        out[key] = _parse(name, raw, default) if raw is not None else memory.get(key, default)
    out["proj_n"] = clip_n(out["proj_n"], vocab)
    return out


def seed_widgets(
    state: MutableMapping[str, Any], query: Mapping[str, str], memory: Mapping[str, Any], vocab: int
) -> None:
    """Give every widget of the page a value in `state` (Streamlit's session state) before it
    is drawn: what it holds now, else `initial_values`; n is clipped to what may be drawn
    (the limit may have been lowered while the page was open).

    >>> state = {"proj_n": 9_999}
    >>> seed_widgets(state, {"word": "cat"}, {}, vocab=500)
    >>> state["proj_n"], state["proj_highlight"], state["proj_method"]
    (500, 'cat', 'pca')
    """
    start = initial_values(query, memory, vocab)
    for key, value in start.items():
        if key not in state:
            state[key] = value
    state["proj_n"] = clip_n(state["proj_n"], vocab)


def to_query(values: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters of a view (widget key -> value), for the page's URL.

    >>> to_query({"proj_method": "umap", "proj_dims": 2, "proj_n": 500, "proj_seed": 1,
    ...           "proj_colour": "cluster", "proj_highlight": " fire "})
    {'method': 'umap', 'dims': '2', 'n': '500', 'seed': '1', 'colour': 'cluster', 'word': 'fire'}
    """
    out = {}
    for name, (key, default) in URL.items():
        value = values.get(key, default)
        out[name] = str(value).strip()
    if not out["word"]:
        del out["word"]
    return out


WORD_LIST_NOTE = "map rank 1 = the nearest point on the map; no rank: not among the words drawn."


def clip_n(n: Any, vocab: int) -> int:
    """n as the word slider can show it: from 10 to the vocabulary and the limit.

    >>> clip_n(50, vocab=20), clip_n(3, vocab=20), clip_n(10**9, vocab=10**6) <= 10**6
    (20, 10, True)
    """
    most = max_n(vocab)
    try:
        value = int(n)
    except (TypeError, ValueError):
        value = DEFAULT_N
    return max(min(value, most), min(MIN_N, most))


def max_n(vocab: int) -> int:
    """The most words the slider offers: the vocabulary, and at most the limit in force."""
    return min(vocab, projecting.max_words("umap"))


def _parse(name: str, raw: str, default: Any) -> Any:
    raw = str(raw).strip()
    if name == "method":
        return raw if raw in METHOD_LABELS else default
    if name == "colour":
        return raw if raw in COLOURS else default
    if name == "word":
        return raw[:100]
    try:
        value = int(raw)
    except ValueError:
        return default
    if name == "dims":
        return value if value in (2, 3) else default
    if name == "seed":
        return value if 0 <= value < 2**31 else default
    return value


# --- what is computed (the page caches these) -----------------------------------------------
def projection(
    model: str, path: str, method: str, n: int, dims: int, settings: tuple, _emb: Embeddings
) -> Projection:
    """The projection (model and path name it for the cache; `_emb` is not hashed)."""
    return projecting.project(_emb, method, n, dims, **dict(settings))


def clusters(model: str, path: str, n: int, k: int, _emb: Embeddings) -> np.ndarray:
    """k-means labels of the first n words."""
    return projecting.clusters(_emb, k, seed=0, n=n)


def faithfulness(
    model: str, path: str, view: tuple, k: int, _emb: Embeddings, _proj: Projection
) -> Faithfulness:
    """How well the projection `_proj` (named by `view`, its cache key) keeps neighbours."""
    return faith_mod.of_projection(_emb, _proj, k)


def settings_of(method: str, values: Mapping[str, Any]) -> tuple:
    """The method's own settings from the widget values, as the cache key `projection` takes.

    >>> settings_of("tsne", {"proj_perplexity": 20, "proj_seed": 3})
    (('perplexity', 20.0), ('seed', 3))
    >>> settings_of("pca", {"proj_perplexity": 20})
    ()
    """
    if method == "pca":
        return ()
    out: dict[str, Any] = {"seed": int(values.get("proj_seed", 0))}
    if method == "umap":
        out["umap_neighbors"] = int(values.get("proj_umap_neighbors", 15))
        out["umap_min_dist"] = float(values.get("proj_umap_min_dist", 0.1))
    else:
        out["perplexity"] = float(values.get("proj_perplexity", 30))
    return tuple(sorted(out.items()))


# --- big maps: computed on the job board ---------------------------------------------------
BACKGROUND_ABOVE = 5_000  # UMAP and t-SNE of more words run in a background job
CONFIRM_ABOVE_S = 60.0  # ... and wait for a click when they are estimated to take longer
KEPT_MAPS = 16  # finished background maps kept in memory (like the page's own cache)
_MAPS: KeyedJobs[Projection] = KeyedJobs(KEPT_MAPS)  # a failed map starts anew unless shown


def in_background(method: str, n: int) -> bool:
    """Whether this map runs on the job board (UMAP or t-SNE of more than
    `BACKGROUND_ABOVE` words) instead of while the page waits.

    >>> in_background("umap", 5_000), in_background("tsne", 20_000), in_background("pca", 10**5)
    (False, True, False)
    """
    return method != "pca" and n > BACKGROUND_ABOVE


def needs_confirming(method: str, n: int) -> bool:
    """Whether the page asks before it starts this map (estimated above `CONFIRM_ABOVE_S`)."""
    return projecting.estimate_seconds(method, n) > CONFIRM_ABOVE_S


def estimate_note(method: str, n: int) -> str:
    """What a big map will cost, said before it starts.

    >>> estimate_note("tsne", 100_000).startswith("t-SNE of 100,000 words takes about")
    True
    """
    name = projecting.METHOD_NAMES.get(method, method)
    return (
        f"{name} of {n:,} words takes about {_duration(projecting.estimate_seconds(method, n))} "
        "on this server (more when it is busy). It runs in the background: the page stays "
        "usable and the map appears when it is ready."
    )


def finished_map(key: tuple) -> Projection | None:
    """A background map computed earlier for this view (`key` = model, path, method, n,
    dims, settings), or None."""
    return _MAPS.finished(key)


def map_job(board: JobBoard, key: tuple) -> ThreadJob | None:
    """The job computing (or that computed) this view, while the board remembers it."""
    return _MAPS.job(board, key)


def start_map(board: JobBoard, key: tuple, emb: Embeddings) -> ThreadJob:
    """Start the view's projection on `board` (or return the job already computing it); its
    result joins `finished_map`'s cache when it ends."""
    model, path, method, n, dims, settings = key

    def work(on_progress: Callable[[ProjectionEvent], None]) -> Projection:
        return projecting.project(emb, method, n, dims, on_progress=on_progress, **dict(settings))

    name = projecting.METHOD_NAMES.get(method, method)
    return _MAPS.start(board, key, f"{name} of {n:,} words", work)


def forget_map(key: tuple) -> None:
    """Forget the view's failed or cancelled job, so that the page may start it again."""
    _MAPS.forget(key)


def progress_text(job: ThreadJob) -> str:
    """The running map's line: what it does now, the time so far and the estimate.

    >>> from embedlab.jobs.thread import ThreadJob
    >>> from embedlab.analysis.project import ProjectionEvent
    >>> job = ThreadJob("1", "t-SNE of 20,000 words", event=ProjectionEvent(0.5, "iteration 9"))
    >>> progress_text(job).startswith("t-SNE of 20,000 words: iteration 9 (0 s so far")
    True
    """
    event = job.event
    text = f"{job.description}: {event.text if event else 'waiting to start…'}"
    return f"{text} ({job.seconds:,.0f} s so far; {progress_eta(job)})"


def progress_fraction(job: ThreadJob) -> float:
    """How far the job has got, 0 to 1."""
    return float(min(max(getattr(job.event, "fraction", 0.0), 0.0), 1.0))


def progress_eta(job: ThreadJob) -> str:
    """Time left, from the pace so far once a tenth is done, else "starting"."""
    done = progress_fraction(job)
    if done < 0.1 or done >= 1.0:
        return "starting" if done < 0.1 else "finishing"
    return f"about {_duration(job.seconds * (1 - done) / done)} left"


def _duration(seconds: float) -> str:
    """Seconds in words, rounded.

    >>> _duration(8), _duration(95), _duration(400)
    ('10 seconds', '2 minutes', '7 minutes')
    """
    if seconds < 60:
        return f"{max(10, round(seconds, -1)):.0f} seconds"
    minutes = round(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- what the page says and draws ------------------------------------------------------------
def saved_map(
    ws: Workspace, model: str, view_id: str | None, shape: tuple[str, int, int]
) -> tuple[Projection | None, str]:
    """The saved map a link names (`view=ID`, from the Share page), with exactly its saved
    coordinates, when it is a map of `model` with this (method, words, dimensions); else
    None. The sentence (empty without a link) says which map the page shows and why.
    """
    from embedlab.errors import EmbedlabError, NotFoundError

    if not view_id:
        return None, ""
    missing = f"No saved map {view_id} of {model} in this workspace: the map below is computed. "
    try:
        saved, proj = _open_saved(ws, int(view_id)) if view_id.isdigit() else (None, None)
    except NotFoundError:
        return None, missing
    except EmbedlabError as err:  # e.g. its coordinates file is damaged
        return None, f"{err} The map below is computed from the settings. "
    if saved is None or proj is None or saved.model != model:
        return None, missing
    method, n, dims = shape
    if (proj.method, len(proj), proj.coords.shape[1]) != (method, n, dims):
        return None, f"Other settings than the saved map '{saved.name}': computed anew. "
    return proj, f"The saved map '{saved.name}', with the coordinates it was saved with. "


KEPT_SAVED = 4  # saved maps kept in memory: a link's page reruns on every highlight
_SAVED_LOCK = threading.Lock()
_SAVED: OrderedDict[tuple[str, int], tuple[int, SavedView, Projection]] = OrderedDict()


def _open_saved(ws: Workspace, view_id: int) -> tuple[SavedView, Projection | None]:
    """The saved view and its map (None: not a map), read from the catalog and the
    coordinates file only when the file is not the one read last time: cached by workspace
    root, view id and the file's mtime_ns (a view's file is written once; deleting the view
    deletes it), the newest `KEPT_SAVED`."""
    from embedlab.jobs.bundle import open_view

    key = (str(ws.root), view_id)
    with _SAVED_LOCK:
        cached = _SAVED.get(key)
    if cached is not None:
        mtime, saved, proj = cached
        if saved.coords_path is not None and _mtime_ns(saved.coords_path) == mtime:
            with _SAVED_LOCK:
                if key in _SAVED:
                    _SAVED.move_to_end(key)
            return saved, proj
    saved = open_view(ws, view_id)
    if saved.coords_path is None:
        return saved, None
    mtime = _mtime_ns(saved.coords_path)  # before the read: a later write is read next time
    proj = saved.projection()
    if mtime is not None:
        with _SAVED_LOCK:
            _SAVED[key] = (mtime, saved, proj)
            _SAVED.move_to_end(key)
            while len(_SAVED) > KEPT_SAVED:
                _SAVED.popitem(last=False)
    return saved, proj


def _mtime_ns(path: Path) -> int | None:
    """The file's modification time in nanoseconds, or None when it is gone."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def caption(proj: Projection, vocab: int) -> str:
    """How many words are drawn, of how many, by what, in how long.

    >>> from embedlab.analysis.project import Projection
    >>> p = Projection(("a", "b"), np.zeros((2, 2), np.float32), None, "umap", {"n": 2}, 1.234)
    >>> caption(p, 70_000)
    'Showing the 2 most frequent of 70,000 words · UMAP in 1.23 s'
    """
    name = projecting.METHOD_NAMES.get(proj.method, proj.method)
    return (
        f"Showing the {len(proj):,} most frequent of {vocab:,} words · {name} in "
        f"{proj.seconds:.2f} s"
    )


def limit_caption(vocab: int) -> str | None:
    """Why the slider stops short of the vocabulary, when it does.

    >>> limit_caption(10)
    >>> limit_caption(10**9).endswith("of the model's 1,000,000,000 words (the server's "
    ...                                "EMBEDLAB_MAX_PROJECTION_WORDS).")
    True
    """
    cap = projecting.max_words("umap")
    if vocab <= cap:
        return None
    return (
        f"A map shows at most {cap:,} of the model's {vocab:,} words "
        f"(the server's {MAX_PROJECTION_WORDS.env})."
    )


def colour_explained(k: int) -> str:
    """The one sentence under a map coloured by faithfulness."""
    return (
        f"Colour: the share of each word's {k} nearest neighbours in the model that are also "
        f"among its {k} nearest on the map (blue: all kept; red: none — the map lies there); "
        "hover a word to see the neighbours the map put far away."
    )


def figure(
    proj: Projection,
    colour: str,
    *,
    labels: np.ndarray | None = None,
    faith: Faithfulness | None = None,
    marked: Sequence[str] = (),
    found: str | None = None,
) -> go.Figure:
    """The map: words coloured by `colour`, `marked` (a word, then its neighbours) joined by
    lines, `found` starred; with `faith`, every hover names the neighbours the map lost.
    Colouring whose values failed to compute (an error shown above) falls back to frequency."""
    from embedlab.app.charts.projection import scatter

    if (colour == "cluster" and labels is None) or (colour == "faithfulness" and faith is None):
        colour = "frequency"
    return scatter(
        proj.to_frame(),
        colour,  # type: ignore[arg-type]
        clusters=labels,
        highlight=marked,
        search=found,
        scores=None if faith is None else faith.scores,
        lost=None if faith is None else faith.lost_words(),
    )


@dataclass(frozen=True)
class WordView:
    """A highlighted word: the words to mark on the map (it, then its neighbours that are
    drawn) and its neighbours from the whole vocabulary as a table."""

    word: str
    marked: list[str]
    table: pd.DataFrame

    def heading(self) -> str:
        """The list's title, as markdown (the word escaped)."""
        from embedlab.app.markup import escape_markdown

        return f"**Nearest to “{escape_markdown(self.word)}” in the model**"


def word_view(emb: Embeddings, proj: Projection, word: str, k: int) -> WordView:
    """`word` (which must be on the map) and its k nearest words in the whole vocabulary:
    their similarity and where the map put them (`map rank` 1 = the nearest point on the
    map; `kept`: among the k nearest there; a word beyond the words drawn has no rank).

    >>> from embedlab.embeddings import Embeddings
    >>> toy = Embeddings(["cat", "dog", "car", "kitten"],
    ...                  np.array([[1, 0.1], [1, 0.3], [0, 1], [1, 0.05]], np.float32))
    >>> p = projecting.project(toy, "pca", n=3, dims=2)
    >>> view = word_view(toy, p, "cat", k=2)
    >>> view.marked, view.table["word"].tolist(), view.table["map rank"].tolist()
    (['cat', 'dog'], ['kitten', 'dog'], [<NA>, 1])
    """
    import pandas as pd

    word = projecting.locate(emb, word, n=len(proj))
    row = emb.index(word)
    found = emb.neighbours(word, k)
    coords = np.asarray(proj.coords, dtype=np.float64)
    dist = ((coords - coords[row]) ** 2).sum(axis=1)
    dist[row] = -1.0
    ranks: list[int | None] = []
    for nb in found:
        j = emb.index(nb.word)
        ranks.append(int((dist < dist[j]).sum()) if j < len(proj) else None)
    table = pd.DataFrame(
        {
            "word": [nb.word for nb in found],
            "similarity": [round(float(nb.score), 3) for nb in found],
            "map rank": pd.array(ranks, dtype="Int64"),
            "kept": [r is not None and r <= k for r in ranks],
        }
    )
    marked = [word, *(nb.word for nb, r in zip(found, ranks, strict=True) if r is not None)]
    return WordView(word, marked, table)


def clicked_word(selection: Mapping[str, Any] | None) -> str | None:
    """The word of a click (one point, no box or lasso) on the map, else None.

    >>> clicked_word({"points": [{"customdata": ["cat", "cat"]}], "box": [], "lasso": []})
    'cat'
    >>> clicked_word({"points": [{"customdata": ["cat"]}], "box": [{"x": [0, 1]}]}) is None
    True
    """
    if not selection or selection.get("box") or selection.get("lasso"):
        return None
    words = projecting.selected_words(selection)
    return words[0] if len(words) == 1 else None


def selection_table(proj: Projection, selection: Mapping[str, Any] | None) -> pd.DataFrame | None:
    """The words a box, a lasso or shift-clicks selected (word, rank, count); None when
    nothing was, or when the selection is one click (which highlights that word instead)."""
    words = projecting.selected_words(selection)
    if not words or clicked_word(selection) is not None:
        return None
    return proj.to_frame(words)[["word", "rank", "count"]]
