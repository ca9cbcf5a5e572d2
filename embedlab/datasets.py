"""Data that installed packages ship: the bundled demo corpus and benchmark files.

Nothing is downloaded: the demo is gensim's Lee corpus (300 news documents), which the
gensim wheel carries as test data.

>>> demo_corpus_path().name
'lee_background.cor'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedlab.workspace import CorpusRecord, Workspace

DEMO_CORPUS = "lee_background.cor"
DEMO_NAME = "lee"


def gensim_data(name: str) -> Path:
    """The path of a file in gensim's bundled test data.

    >>> gensim_data("questions-words.txt").exists()
    True
    """
    from gensim.test.utils import datapath

    return Path(datapath(name))


def demo_corpus_path() -> Path:
    """gensim's Lee background corpus: 300 Australian news documents, one per line."""
    return gensim_data(DEMO_CORPUS)


def find_demo_corpus(ws: Workspace) -> CorpusRecord | None:
    """The demo corpus if the workspace has it: ingested from gensim's file, or named 'lee'.

    >>> import tempfile
    >>> from embedlab.workspace import Workspace
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
    >>> from embedlab.workspace import Workspace
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
    return ws.add_corpus(demo_corpus_path(), name=DEMO_NAME), True
