"""What the Search page shows: a query's top passages of a corpus under several methods,
side by side, with the query's words highlighted.

Indexes are cached on disk under the workspace (`cache/search`); what is not cached yet and
takes seconds (MiniLM always: loading the encoder alone takes seconds; SIF, TF-IDF and BM25
on more than `SLOW_PASSAGES` passages) is built in the background by `start_build`, and the
page then reads it from the cache.

>>> from embedlab.analysis.retrieval import Passages, build_index
>>> index = build_index(Passages.from_texts(["a *bold* bank", "the river"]), "tfidf")
>>> hit_markdown(index.search("bank").hits[0], 3)
'**1.** `0.577` a \\\\*bold\\\\* :orange-background[bank]'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.analysis.retrieval import (
    METHODS,
    SearchEvent,
    SearchResult,
    build_index,
    check_method,
    is_cached,
)
from embedlab.app.markup import escape_markdown
from embedlab.errors import InputError

if TYPE_CHECKING:
    from embedlab.analysis.retrieval import Hit, Passages, SearchIndex
    from embedlab.embeddings import Embeddings
    from embedlab.jobs.thread import ThreadJob
    from embedlab.store.workspace import Workspace

SLOW_PASSAGES = 5_000  # sparse or SIF indexes of more passages are built in the background
DEFAULT_METHODS = ("minilm", "tfidf", "bm25")
EXAMPLE_QUERIES = ("police arrested a suspect", "bushfires near sydney", "peace talks")
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|\W+")


def cache_dir(ws: Workspace) -> Path:
    """Where the workspace keeps search indexes."""
    return ws.root / "cache" / "search"


def method_choices(has_model: bool) -> list[str]:
    """The methods the page offers: SIF only with an active model.

    >>> method_choices(False)
    ['minilm', 'tfidf', 'bm25']
    """
    return [m for m in METHODS if has_model or m != "sif"]


def parse_methods(raw: str | None, has_model: bool) -> list[str]:
    """Methods from the URL's comma list, known ones only, defaults when none remain.

    >>> parse_methods("bm25,nope,tfidf", False)
    ['bm25', 'tfidf']
    """
    allowed = method_choices(has_model)
    chosen = [m for m in (raw or "").split(",") if m in allowed]
    return list(dict.fromkeys(chosen)) or [m for m in DEFAULT_METHODS if m in allowed]


def needs_job(
    passages: Passages, method: str, folder: str | Path, emb: Embeddings | None = None
) -> bool:
    """Whether building `method`'s index takes long enough for the background."""
    if is_cached(passages, check_method(method), folder, emb):
        return False
    return method == "minilm" or len(passages) > SLOW_PASSAGES


def build_all(
    passages: Passages,
    methods: Sequence[str],
    folder: str | Path,
    emb: Embeddings | None = None,
    device: str | None = None,
    on_progress: Any = None,
) -> dict[str, dict[str, Any]]:
    """Build (and cache) each method's index; returns each one's `info`."""
    infos = {}
    for method in methods:

        def report(event: SearchEvent, method: str = method) -> None:
            if on_progress is not None:
                on_progress((METHODS[method], event))

        index = build_index(passages, method, folder, emb=emb, device=device, on_progress=report)
        infos[method] = index.info
    return infos


def start_build(
    passages: Passages,
    methods: Sequence[str],
    folder: str | Path,
    emb: Embeddings | None = None,
    device: str | None = None,
) -> ThreadJob[Any]:
    """Build the indexes in a thread of the server (`embedlab.jobs.thread.BOARD`)."""
    from embedlab.jobs.thread import BOARD

    if not methods:
        raise InputError("Choose at least one search method.")
    names = ", ".join(METHODS[m] for m in methods)
    return BOARD.start(
        f"search index ({names}) of {passages.name}",
        lambda on_progress: build_all(passages, methods, folder, emb, device, on_progress),
    )


def progress(event: Any) -> tuple[float, str]:
    """(fraction, text) of a background build's last event.

    >>> progress(("BM25", SearchEvent("counting", 5, 10)))
    (0.5, 'BM25 — counting: 5 of 10 passages')
    >>> progress(None)
    (0.0, 'Starting…')
    """
    if not event:
        return 0.0, "Starting…"
    name, inner = event
    return inner.fraction, f"{name} — {inner.text()}"


def search(index: SearchIndex, query: str, k: int) -> SearchResult:
    """The index's answer to a query (an InputError for an empty or too long one)."""
    return index.search(query, k)


def highlight(text: str, terms: Sequence[str]) -> str:
    """`text` as safe Markdown with each word equal to a term (any case) highlighted.

    >>> highlight("The <b>Bank</b> of banks", ["bank"])
    'The \\\\<b\\\\>:orange-background[Bank]\\\\</b\\\\> of banks'
    """
    wanted = {t.lower() for t in terms}
    parts = []
    for piece in _TOKEN.findall(text):
        safe = escape_markdown(piece)
        parts.append(f":orange-background[{safe}]" if piece.lower() in wanted else safe)
    return "".join(parts)


def hit_markdown(hit: Hit, digits: int = 3) -> str:
    """One hit as a Markdown line: rank, score and the passage with its matches marked."""
    return f"**{hit.rank}.** `{hit.score:.{digits}f}` {highlight(hit.text, hit.matched)}"


def caption(result: SearchResult) -> str:
    """'10 of 2,683 passages · cosine · 12 ms'."""
    ms = result.seconds * 1000
    return (
        f"{len(result.hits)} of {result.passages:,} passages · {result.score_label} · {ms:,.0f} ms"
    )


def summary(results: Sequence[SearchResult]) -> str:
    """What the columns show, and which passages every method agrees on."""
    if not results:
        return ""
    shared = set.intersection(*({h.index for h in r.hits} for r in results))
    names = ", ".join(METHODS[r.method] for r in results)
    agree = (
        f"{len(shared)} passage(s) appear in every column."
        if len(results) > 1
        else "Add a method to compare."
    )
    return (
        f"Top passages under {escape_markdown(names)}. TF-IDF and BM25 match the query's "
        "words; MiniLM and SIF compare meanings, so they also find passages that share no "
        f"word with the query. {agree}"
    )
