"""The Models page's "Share" download and bundle upload: a model with its saved views (the
queries and the maps, with their coordinates), its training record and scores, as one .zip
that opens the same in another embedlab (`embedlab.jobs.bundle`); nothing here imports
streamlit.

>>> import tempfile
>>> import numpy as np
>>> from embedlab.embeddings import Embeddings
>>> from embedlab.jobs.bundle import save_view
>>> from embedlab.store.workspace import Workspace
>>> home, away = Workspace(tempfile.mkdtemp()), Workspace(tempfile.mkdtemp())
>>> _ = home.add_model(Embeddings(["cat", "dog"], np.eye(2)), name="Pets v2")
>>> _ = save_view(home, "Pets v2", "neighbours", {"q": "cat"})
>>> filename, data = bundle_bytes(home, "Pets v2")
>>> filename
'pets-v2-bundle.zip'
>>> record = import_bundle(away, data, filename)
>>> print(import_message(away, record))
Loaded **Pets v2** from the bundle: 2 words × 2 dimensions, with 1 saved view. It is now the active model.
"""  # noqa: E501 - one sentence

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from embedlab.app.markup import escape_markdown
from embedlab.jobs import bundle
from embedlab.store.records import slug

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.store.records import ModelRecord
    from embedlab.store.workspace import Workspace

BUNDLE_MIME = "application/zip"
SHARE_NOTE = (
    "A bundle holds the vectors, every view saved on this model (queries and maps, with the "
    "maps' exact coordinates), how it was trained and its scores, so it opens the same in "
    "another embedlab: upload it here, or run `embedlab bundle import`."
)
UPLOAD_NOTE = "A .zip from the Share tab or `embedlab bundle export`: the model and its views."


def bundle_bytes(ws: Workspace, model_name: str, *, with_corpus: bool = False) -> tuple[str, bytes]:
    """(file name, zip bytes) of the model's bundle, with all its saved maps; `with_corpus`
    adds the corpus it was trained on (see `has_corpus`)."""
    buffer = io.BytesIO()
    bundle.export_bundle(ws, model_name, buffer, maps=None, with_corpus=with_corpus)
    return f"{slug(model_name)}-bundle.zip", buffer.getvalue()


def has_corpus(ws: Workspace, model_name: str) -> bool:
    """Whether the model was trained on a corpus of this workspace (so "with its corpus" can
    be offered)."""
    record = ws.model(model_name)
    return record.corpus_id is not None and any(c.id == record.corpus_id for c in ws.corpora())


def import_bundle(
    ws: Workspace, data: bytes, filename: str, name: str | None = None
) -> ModelRecord:
    """Add an uploaded bundle's model (with its views, scores and corpus) to the workspace;
    a bad bundle is one sentence and leaves the workspace as it was."""
    name = (name or "").strip() or None
    return bundle.import_bundle(ws, data, filename=filename, name=name).record


def import_message(ws: Workspace, record: ModelRecord) -> str:
    """The sentence shown after a bundle was imported (Markdown)."""
    n = len(bundle.saved_views(ws, record.name))
    views = "1 saved view" if n == 1 else f"{n} saved views"
    corpus = (
        f" and its corpus **{escape_markdown(record.corpus_name)}**" if record.corpus_name else ""
    )
    return (
        f"Loaded **{escape_markdown(record.name)}** from the bundle: {record.vocab:,} words × "
        f"{record.dim} dimensions, with {views}{corpus}. It is now the active model."
    )


def view_links(ws: Workspace, model_name: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, page file, query parameters) of a link that reopens each saved view of a model,
    newest first; a map reopens with its saved coordinates (`view=ID`).

    >>> import tempfile
    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> from embedlab.jobs.bundle import save_view
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> _ = ws.add_model(Embeddings(["cat", "dog"], np.eye(2)), name="pets")
    >>> _ = save_view(ws, "pets", "neighbours", {"q": "cat", "k": 5}, name="cats")
    >>> view_links(ws, "pets")
    [('Open **cats** (neighbours)', 'pages/neighbours.py', {'q': 'cat', 'k': '5', 'model': 'pets'})]
    """
    out = []
    for view in bundle.saved_views(ws, model_name):
        params = {k: ",".join(v) if isinstance(v, list) else v for k, v in view.params.items()}
        label = f"Open **{escape_markdown(view.name)}** ({escape_markdown(view.page)})"
        saved = {"view": str(view.id)} if view.is_map else {}  # the map's own coordinates
        out.append((label, f"pages/{view.page}.py", {**params, **saved, "model": model_name}))
    return out


def views_table(ws: Workspace, model_name: str) -> pd.DataFrame:
    """The views saved on a model, newest first: id, name, page, map (yes/no), parameters and
    when it was saved."""
    import pandas as pd

    rows = [
        {
            "id": v.id,
            "view": v.name,
            "page": v.page,
            "map": v.is_map,
            "parameters": "&".join(f"{k}={val}" for k, val in v.params.items()),
            "saved": v.created,
        }
        for v in bundle.saved_views(ws, model_name)
    ]
    columns = ["id", "view", "page", "map", "parameters", "saved"]
    return pd.DataFrame(rows, columns=columns)
