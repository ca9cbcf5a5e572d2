"""Adding a corpus to a workspace: ingest writes a clean corpus folder, the workspace places
it atomically and lists it. The CLI's `ingest`, the Corpus page and the demo use this.

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> record = add_corpus(ws, b"The cat sat. The dog ran.", filename="pets.txt")
>>> record.name, record.stats["sentences"]
('pets', 2)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab.errors import InputError
from embedlab.ingest.demo import demo_corpus_path

if TYPE_CHECKING:
    from embedlab.ingest.corpus import TokenizeOptions
    from embedlab.store.workspace import CorpusRecord, Workspace

DEMO_NAME = "lee"


def add_corpus(
    ws: Workspace,
    source: str | os.PathLike[str] | bytes,
    name: str | None = None,
    *,
    filename: str | None = None,
    options: TokenizeOptions | None = None,
    text_column: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CorpusRecord:
    """Ingest a file (path or uploaded bytes) and list it as a corpus.

    Without `name` one is derived from the file name, made unique with a suffix; a `name`
    that is taken is an error, checked before any work, so nothing is silently replaced.
    """
    from embedlab.ingest.corpus import TokenizeOptions, ingest

    if isinstance(source, bytes):
        label = filename or "upload"
    else:
        label = str(source)
        if not Path(source).exists():
            raise InputError(f"No such file: {label}; check the path.")
    if name is not None:
        ws.check_free("corpus", name)
    tmp = ws.tmp_dir()
    try:
        stats = ingest(
            source,
            tmp,
            filename=filename,
            options=options or TokenizeOptions(),
            text_column=text_column,
            on_progress=on_progress,
        )
        base = name or Path(label).name.split(".")[0] or "corpus"
        return ws.place_corpus(tmp, name=name, base=base, source=label, stats=stats.to_dict())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def find_demo_corpus(ws: Workspace) -> CorpusRecord | None:
    """The demo corpus if the workspace has it: ingested from gensim's file, or named 'lee'.

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> find_demo_corpus(Workspace(tempfile.mkdtemp())) is None
    True
    """
    source = str(demo_corpus_path())
    corpora = ws.corpora()
    for record in corpora:
        if record.source == source:
            return record
    for record in corpora:
        if record.name == DEMO_NAME:
            return record
    return None


def ensure_demo_corpus(ws: Workspace) -> tuple[CorpusRecord, bool]:
    """The demo corpus (gensim's Lee news corpus), ingested on first use; (record, created).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> record, created = ensure_demo_corpus(ws)
    >>> record.name, record.stats["documents"], created
    ('lee', 300, True)
    >>> ensure_demo_corpus(ws)[1]
    False
    """
    found = find_demo_corpus(ws)
    if found is not None:
        return found, False
    return add_corpus(ws, demo_corpus_path(), name=DEMO_NAME), True
