"""What the Models page decides: importing an upload, deleting a model and which model is
active after it, which model the page shows and which the compare box starts with, and the
catalog's columns. Rows and details come from `embedlab.app.reports`, files to download from
`embedlab.app.exports`; nothing here imports streamlit.

>>> next_active(["new", "lee", "old"], deleted="new", active="new")
'lee'
>>> next_active(["new", "lee"], deleted="lee", active="new") is None  # it stays as it was
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedlab.app.markup import escape_markdown
from embedlab.formats import read_vectors_bytes
from embedlab.store.workspace import ModelRecord, Workspace

UPLOAD_FORMATS: dict[str, str] = {
    "auto": "Detect from the file",
    "word2vec": "word2vec text (.txt, .vec)",
    "word2vec-bin": "word2vec binary (.bin)",
    "glove": "GloVe text (.txt, no header line)",
    "fasttext": "fastText binary (.bin, with subwords)",
    "tsv": "Projector TSV (vectors.tsv and metadata.tsv, or the .zip of both)",
    "native": "embedlab folder (.zip, as the Export tab writes it)",
}
"""The formats the upload box offers, in words (the keys are `formats.READ_FORMATS`)."""

INTRO = (
    "Every model in this workspace with its latest benchmark scores (analogy accuracy is a "
    "share of questions, WS353 and SimLex are correlations with human ratings from −1 to 1; "
    "run them on the **Evaluate** page). Pick a model to see, activate, export or delete it."
)
UPLOAD_NOTE = (
    "word2vec text or binary, GloVe text, fastText .bin, the projector's vectors.tsv (with "
    "its metadata.tsv), or a .zip from the Export tab. Pickled gensim models (.model, .kv) "
    "are refused because unpickling can run code; use the CLI for those."
)
EXPORT_NOTE = (
    "Writing a big model takes a while, so prepare the file first, then download it. Every "
    "format reads back into embedlab (upload a .zip as it is), gensim and most other tools."
)

CATALOG_COLUMNS: tuple[str, ...] = (
    "Active", "Model", "Made with", "Corpus or file", "Vocabulary", "Dimension",
    "Analogy accuracy", "WS353 Spearman", "SimLex Spearman",
)  # fmt: skip
"""The catalog columns shown (of `reports.catalog_rows`): origin and date are in the details."""


@dataclass(frozen=True)
class Imported:
    """A model loaded from an upload: its catalog record and the sentence that says so."""

    record: ModelRecord
    message: str


def import_upload(
    ws: Workspace,
    data: bytes,
    filename: str,
    fmt: str = "auto",
    *,
    metadata: bytes | None = None,
    name: str | None = None,
) -> Imported:
    """Read an uploaded vector file (or the .zip of a projector or native folder; never a
    pickle) and add it to the catalog under `name` (or its own name, made unique)."""
    name = (name or "").strip() or None
    emb = read_vectors_bytes(data, filename, fmt, metadata=metadata, name=name)
    record = ws.add_model(emb, name=name)
    return Imported(
        record,
        f"Loaded **{escape_markdown(record.name)}**: {record.vocab:,} words × {record.dim} "
        "dimensions. It is now the active model.",
    )


def next_active(names: Sequence[str], deleted: str, active: str | None) -> str | None:
    """The model to make active after `deleted` goes: the first other model when the deleted
    one was active, else None (the active model stays)."""
    if deleted != active:
        return None
    return next((n for n in names if n != deleted), None)


@dataclass(frozen=True)
class Deleted:
    """What a delete did: the model to make active now (None: leave it) and the sentence."""

    activate: str | None
    message: str


def delete_model(ws: Workspace, record: ModelRecord, active: str | None) -> Deleted:
    """Delete the model from the workspace and say which model is active now."""
    names = [m.name for m in ws.models()]
    ws.delete_model(record.name)
    activate = next_active(names, record.name, active)
    message = f"Deleted **{escape_markdown(record.name)}**."
    if activate is not None:
        message += f" The active model is now **{escape_markdown(activate)}**."
    return Deleted(activate, message)


def shown_model(
    names: Sequence[str], current: str | None, wanted: str | None, active: str | None
) -> str | None:
    """The model the page's picker shows: one just loaded (`wanted`), else the one picked
    before, else the active one, else the newest.

    >>> shown_model(["a", "b"], current="gone", wanted=None, active="b")
    'b'
    """
    for name in (wanted, current, active):
        if name in names:
            return name
    return names[0] if names else None


def compare_start(
    names: Sequence[str], current: Sequence[str] | None, default: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """(the models in the compare box, the default to pass next time): the two newest until
    someone changes the choice, then what they chose, less deleted models. `default` is the
    one this returned last time (None at first).

    >>> compare_start(["a"], None, None)
    (['a'], ['a'])
    >>> compare_start(["b", "a"], ["a"], ["a"])[0]  # untouched: a new model joins it
    ['b', 'a']
    >>> compare_start(["c", "b", "a"], ["a", "c"], ["c", "b"])[0]  # chosen by hand: kept
    ['a', 'c']
    """
    newest = list(names[:2])
    if current is None or list(current) == list(default or []):
        return newest, newest
    return [n for n in current if n in names], newest


def prepared_after(
    prepared: Sequence[tuple[str, str]], job: tuple[str, str]
) -> list[tuple[str, str]]:
    """The (model folder, format) exports a session keeps ready to download: `job` last, at
    most the six newest (their bytes stay in the server's cache).

    >>> prepared_after([("m", "tsv"), ("m", "glove")], ("m", "tsv"))
    [('m', 'glove'), ('m', 'tsv')]
    """
    return [*(p for p in prepared if p != job), job][-6:]
