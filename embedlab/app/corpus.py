"""What the Corpus page shows: uploads ingested several at once, counts in words, the top-words
table, how much of the corpus a min-count drops, and the preprocessing that was used.

>>> import tempfile
>>> from embedlab.store.workspace import Workspace
>>> ws = Workspace(tempfile.mkdtemp())
>>> records, errors = ingest_uploads(ws, [("pets.txt", b"The cat sat. The dog ran.")])
>>> [r.name for r in records], errors
(['pets'], [])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlab.errors import EmbedlabError, InputError
from embedlab.jobs.corpora import add_corpus

if TYPE_CHECKING:
    import pandas as pd

    from embedlab.ingest.corpus import TokenizeOptions
    from embedlab.store.workspace import CorpusRecord, Workspace


def count_of(n: int, noun: str) -> str:
    """A count with its noun, singular or plural: '1 document', '2,683 sentences'.

    >>> count_of(1, "document"), count_of(2683, "sentence")
    ('1 document', '2,683 sentences')
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def ingest_uploads(
    ws: Workspace,
    uploads: Sequence[tuple[str, bytes]],
    name: str | None = None,
    *,
    options: TokenizeOptions | None = None,
    text_column: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    max_mb: int | None = None,
) -> tuple[list[CorpusRecord], list[str]]:
    """Ingest each uploaded (file name, bytes) as its own corpus: (records added, errors).

    One file is named `name` (or after the file); several are named `name-<file stem>`
    (or after each file). A file that cannot be read adds nothing and gives one error
    sentence; the others still go in. `on_progress(bytes_done, bytes_total)` follows the
    reading across all files. A .zip upload is one corpus of all the files inside it.
    A file over `max_mb` megabytes is refused (`upload_too_big`).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> records, errors = ingest_uploads(ws, [("a.txt", b"One cat."), ("b.txt", b"")], "pets")
    >>> [r.name for r in records], errors
    (['pets-a'], ["'b.txt' is empty; upload a file with some text in it."])
    """
    total = sum(len(data) for _, data in uploads) or 1
    done = 0
    records: list[CorpusRecord] = []
    errors: list[str] = []
    name = (name or "").strip() or None
    for filename, data in uploads:
        if name is None:
            corpus_name = None
        elif len(uploads) == 1:
            corpus_name = name
        else:
            corpus_name = f"{name}-{Path(filename).name.split('.')[0] or 'file'}"

        def progress(read: int, before: int = done) -> None:
            if on_progress is not None:
                on_progress(min(before + read, total), total)

        too_big = upload_too_big(filename, len(data), max_mb)
        try:
            if too_big:
                raise InputError(too_big)
            records.append(
                add_corpus(
                    ws,
                    data,
                    name=corpus_name,
                    filename=filename,
                    options=options,
                    text_column=(text_column or "").strip() or None,
                    on_progress=progress,
                )
            )
        except EmbedlabError as err:
            errors.append(str(err))
        done += len(data)
        if on_progress is not None:
            on_progress(min(done, total), total)
    return records, errors


def upload_too_big(filename: str, size: int, max_mb: int | None) -> str | None:
    """The sentence refusing an upload over `max_mb` megabytes, or None when it fits.

    >>> upload_too_big("big.txt", 3 * 1024**2, 2)
    "'big.txt' is 3.0 MB, over the 2 MB upload limit (EMBEDLAB_MAX_UPLOAD_MB); upload a smaller file or ask whoever runs the app to raise the limit."
    >>> upload_too_big("small.txt", 1024, 2) is None
    True
    """  # noqa: E501 - one sentence
    from embedlab.limits import MAX_UPLOAD_MB

    if max_mb is None or size <= max_mb * 1024**2:
        return None
    return (
        f"'{filename}' is {size / 1024**2:,.1f} MB, over the {MAX_UPLOAD_MB.describe(max_mb)} "
        f"upload limit ({MAX_UPLOAD_MB.env}); upload a smaller file or ask whoever runs the "
        "app to raise the limit."
    )


def top_words_table(top_words: Iterable[Sequence[Any]], tokens: int) -> pd.DataFrame:
    """The most frequent words as a table: rank, word, count and share of all tokens.

    >>> top_words_table([["the", 6], ["cat", 2]], tokens=10).to_dict("records")[1]
    {'rank': 2, 'word': 'cat', 'count': 2, 'share of tokens': 0.2}
    """
    import pandas as pd

    rows = [
        {
            "rank": rank,
            "word": str(word),
            "count": int(count),
            "share of tokens": int(count) / tokens if tokens else 0.0,
        }
        for rank, (word, count) in enumerate(top_words, start=1)
    ]
    return pd.DataFrame(rows, columns=["rank", "word", "count", "share of tokens"])


@dataclass(frozen=True)
class Coverage:
    """What a trainer's min-count keeps of a corpus: words kept and the share of tokens lost."""

    min_count: int
    kept_words: int
    vocabulary: int
    oov_share: float


def coverage(vocab: Sequence[tuple[str, int]], min_count: int) -> Coverage:
    """How many words survive `min_count`, and the share of tokens (`oov_share`) it drops.

    >>> coverage([("the", 6), ("cat", 2), ("zebra", 1), ("okapi", 1)], 2)
    Coverage(min_count=2, kept_words=2, vocabulary=4, oov_share=0.2)
    """
    from embedlab.ingest.corpus import oov_share

    kept = sum(1 for _, count in vocab if count >= min_count)
    return Coverage(min_count, kept, len(vocab), oov_share(vocab, min_count))


def options_summary(options: Mapping[str, Any] | None) -> str:
    """The preprocessing a corpus went through, in a few words.

    >>> options_summary({"lowercase": True, "strip_punctuation": True, "min_count": 2})
    'lower-cased, punctuation removed, words seen fewer than 2 times dropped'
    >>> options_summary(None)
    'unknown preprocessing'
    """
    if not options:
        return "unknown preprocessing"
    parts = [
        label
        for key, label in (
            ("lowercase", "lower-cased"),
            ("strip_punctuation", "punctuation removed"),
            ("drop_numbers", "numbers dropped"),
            ("remove_stopwords", "stop words removed"),
            ("phrases", "phrases joined"),
        )
        if options.get(key)
    ]
    if int(options.get("min_count", 1) or 1) > 1:
        parts.append(f"words seen fewer than {options['min_count']} times dropped")
    return ", ".join(parts) or "kept as written"
