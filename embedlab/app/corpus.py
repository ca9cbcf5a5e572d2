"""What the Corpus page shows and decides: uploads ingested several at once, which corpus is
shown after an upload, the demo button or a link (`?corpus=NAME`), counts in words, the
top-words table, how much of the corpus a min-count drops (also under the Train page's
settings), the preprocessing that was used, and deleting a corpus. Nothing here imports
streamlit.

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

from embedlab.app.markup import escape_markdown
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


SELECTED = "selected_corpus"
"""Session key: the corpus the Corpus page shows, which the Train page preselects."""

INTRO = (
    "A **corpus** is the text a model learns word meanings from. Start with the demo corpus "
    "or upload your own; below you see what is in it (how many words, which are common, how "
    "long the sentences are), then train a model on it."
)
DEMO_NOTE = (
    "gensim's Lee news corpus: 300 short Australian news stories, about 60,000 words. "
    "Ready in seconds, and enough for a first model."
)
DEMO_BUTTON = "Use the demo corpus (Lee news, 300 documents)"
ZIP_NOTE = (
    "Each file becomes its own corpus. To combine several files into one corpus, put them in "
    "a .zip and upload that."
)
ZIPF_NOTE = (
    "Each dot is a word: its rank (1 = most common) against how often it occurs, both on log "
    "scales. Natural text falls near the dashed line: a few words are everywhere, most are "
    "rare. Hover a dot to see the word."
)
LENGTHS_NOTE = (
    "How many sentences have each length, in tokens. A context window never crosses a "
    "sentence end, so very short sentences give a word little context."
)
MIN_COUNT_NOTE = (
    "A trainer ignores words rarer than its min count. Slide to see how much of this corpus "
    "that drops."
)
NAME_HELP = "With several files, each corpus is named this plus its file's name."
SELECT_HELP = "The newest corpus comes first; the Train page trains on the one you pick here."
DROPPED_HELP = "Share of all word occurrences whose word is rarer than the min count."
UPLOAD_TYPES = ["txt", "text", "cor", "md", "gz", "zip", "csv", "tsv", "jsonl", "ndjson"]

_BOXES = (  # (TokenizeOptions field, label, help, widget key, column)
    ("lowercase", "Lower-case", "Treat 'The' and 'the' as the same word.", "corpus_lowercase", 0),
    (
        "strip_punctuation",
        "Strip punctuation",
        "Drop commas, full stops and other marks; keep only words.",
        "corpus_punctuation",
        0,
    ),
    ("drop_numbers", "Drop numbers", "Remove tokens such as 2024 or 3.5.", "corpus_numbers", 0),
    (
        "remove_stopwords",
        "Remove stop words",
        "Drop very common English words (the, of, and); helps topics, hurts analogies.",
        "corpus_stopwords",
        0,
    ),
    (
        "phrases",
        "Join phrases",
        "Turn word pairs that often go together into one token, e.g. new_york (slower).",
        "corpus_phrases",
        1,
    ),
)


def option_widgets() -> list[tuple[str, int, str, str, dict[str, Any]]]:
    """The preprocessing widgets, each (field, column, streamlit widget, label, arguments),
    starting from `TokenizeOptions`' defaults; "text_column" is the CSV/JSONL text field.

    >>> [(f, widget) for f, _, widget, _, _ in option_widgets()][-2:]
    [('min_count', 'number_input'), ('text_column', 'text_input')]
    """
    from embedlab.ingest.corpus import TokenizeOptions

    defaults = TokenizeOptions()
    widgets: list[tuple[str, int, str, str, dict[str, Any]]] = [
        (
            field,
            column,
            "checkbox",
            label,
            {"value": getattr(defaults, field), "key": key, "help": tip},
        )
        for field, label, tip, key, column in _BOXES
    ]
    widgets.append(
        (
            "min_count",
            1,
            "number_input",
            "Min count",
            {
                "min_value": 1,
                "value": defaults.min_count,
                "step": 1,
                "key": "corpus_min_count",
                "help": "Remove words seen fewer times than this from the corpus "
                "(1 keeps every word).",
            },
        )
    )
    widgets.append(
        (
            "text_column",
            1,
            "text_input",
            "Text column (CSV, TSV, JSONL)",
            {
                "key": "corpus_text_column",
                "placeholder": "guess it",
                "help": "The column or field that holds the text; leave empty to let "
                "embedlab guess.",
            },
        )
    )
    return widgets


def upload_help(limit: str) -> str:
    """The upload box's help, with the size limit in force (`ui.upload_limit_text()`).

    >>> upload_help("200 MB").endswith("up to 200 MB per file.")
    True
    """
    return (
        "Plain text (one document per line, or documents separated by blank lines), CSV/TSV, "
        f"JSONL, .gz or .zip, in UTF-8, UTF-16 or Windows/Latin-1; up to {limit} per file."
    )


def tokenize_options(values: Mapping[str, Any]) -> TokenizeOptions:
    """The preprocessing widgets' values as `TokenizeOptions` (a missing one keeps its
    default).

    >>> tokenize_options({"lowercase": False, "min_count": 2.0}).min_count
    2
    """
    from dataclasses import fields

    from embedlab.ingest.corpus import TokenizeOptions

    known = {f.name for f in fields(TokenizeOptions)}
    chosen = {k: v for k, v in values.items() if k in known}
    if "min_count" in chosen:
        chosen["min_count"] = int(chosen["min_count"])
    return TokenizeOptions(**chosen)


def demo_message(record: CorpusRecord, created: bool) -> tuple[str, str]:
    """(st.success or st.info, the sentence) after the demo button."""
    name = escape_markdown(record.name)
    if created:
        documents = count_of(record.stats["documents"], "document")
        return "success", f"Added the demo corpus **{name}** ({documents})."
    return "info", f"The demo corpus is already here as **{name}**; it is selected below."


@dataclass(frozen=True)
class Ingested:
    """What an upload did, for the page: the corpus to show next (the last one added), the
    sentence saying what was added, the errors, and whether the uploader starts empty again
    (only when every file went in: after an error the files stay, to retry)."""

    select: str | None
    message: str | None
    errors: list[str]
    start_over: bool


def ingest_outcome(records: Sequence[CorpusRecord], errors: Sequence[str]) -> Ingested:
    """The outcome of `ingest_uploads`.

    >>> ingest_outcome([], ["'b.txt' is empty; upload a file with some text in it."]).select is None
    True
    """
    if not records:
        return Ingested(None, None, [escape_markdown(e) for e in errors], False)
    added = ", ".join(f"**{escape_markdown(r.name)}**" for r in records)
    message = f"Added {added}: " + "; ".join(
        f"{count_of(r.stats['documents'], 'document')}, {count_of(r.stats['tokens'], 'token')}"
        for r in records
    )
    return Ingested(records[-1].name, message, [escape_markdown(e) for e in errors], not errors)


def shown_corpus(
    names: Sequence[str],
    current: str | None,
    linked: str | None = None,
    added: str | None = None,
) -> tuple[str, str | None]:
    """The corpus the page shows, and a sentence when a link names one that is not here.

    A corpus just added wins; then a link's corpus (a link applies once, then the select
    box rules); then the one shown before, if it is still here; else the newest (`names`
    comes newest first).

    >>> shown_corpus(["new", "lee"], "lee"), shown_corpus(["new", "lee"], "gone")
    (('lee', None), ('new', None))
    >>> shown_corpus(["new", "lee"], "new", linked="lee", added=None)
    ('lee', None)
    >>> shown_corpus(["new", "lee"], "lee", linked="zoo")[1]
    "The link names the corpus 'zoo', which this workspace does not have; showing another one."
    """
    note = None
    if added in names:
        return str(added), None
    if linked in names:
        return str(linked), None
    if linked:
        note = (
            f"The link names the corpus '{escape_markdown(linked)}', which this workspace does "
            "not have; showing another one."
        )
    return (current if current in names else names[0]), note


def source_caption(record: CorpusRecord, options: Mapping[str, Any] | None) -> str:
    """Where a corpus came from, when, and the preprocessing (Markdown-safe).

    >>> from embedlab.store.records import CorpusRecord
    >>> r = CorpusRecord(1, "pets", Path("/x"), "/up/pets.txt", "2026-01-02T03:04", {})
    >>> source_caption(r, {"lowercase": True})
    'From pets.txt · added 2026-01-02 · lower-cased'
    """
    column = record.stats.get("text_column")
    return (
        f"From {escape_markdown(Path(record.source).name)} · added {record.created[:10]} · "
        f"{escape_markdown(options_summary(options))}"
        + (f" · text column {escape_markdown(column)}" if column else "")
    )


def corpus_metrics(stats: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
    """The figures over a corpus: (label, value, help).

    >>> corpus_metrics({"documents": 3, "sentences": 5, "tokens": 1200, "vocabulary": 40,
    ...                 "encoding": "utf-8"})[2][:2]
    ('Tokens', '1,200')
    """
    return [
        ("Documents", f"{stats['documents']:,}", None),
        ("Sentences", f"{stats['sentences']:,}", None),
        ("Tokens", f"{stats['tokens']:,}", "Every word occurrence, repeats counted."),
        ("Vocabulary", f"{stats['vocabulary']:,}", "Distinct words."),
        ("Encoding", str(stats["encoding"]), "How the uploaded bytes were read as text."),
    ]


def coverage_note(cover: Coverage) -> str:
    """What a trainer's min count keeps, in one sentence (under the Train page's settings).

    >>> coverage_note(Coverage(2, 2, 4, 0.2))
    "With min count 2, the model learns 2 of the corpus's 4 distinct words; 20.0% of its tokens are rarer and skipped."
    """  # noqa: E501 - one sentence
    return (
        f"With min count {cover.min_count}, the model learns {cover.kept_words:,} of the "
        f"corpus's {cover.vocabulary:,} distinct words; {cover.oov_share:.1%} of its tokens "
        "are rarer and skipped."
    )


def kept_note(cover: Coverage) -> str:
    """The words a min count keeps, under the Corpus page's slider.

    >>> kept_note(Coverage(2, 2, 4, 0.2))
    '2 of 4 distinct words are kept.'
    """
    return f"{cover.kept_words:,} of {cover.vocabulary:,} distinct words are kept."


def delete_corpus(ws: Workspace, record: CorpusRecord) -> str:
    """Delete a corpus (its models stay); the sentence saying so. The page then shows the
    newest corpus left (`shown_corpus`).

    >>> import tempfile
    >>> from embedlab.store.workspace import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> record = ingest_uploads(ws, [("pets.txt", b"The cat sat.")])[0][0]
    >>> delete_corpus(ws, record), ws.corpora()
    ('Deleted the corpus **pets**.', [])
    """
    ws.delete_corpus(record.id)
    return f"Deleted the corpus **{escape_markdown(record.name)}**."
