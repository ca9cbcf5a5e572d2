"""Ingest any text upload into a clean on-disk corpus; count it; read it back.

A corpus is a folder of three files: ``corpus.txt`` (UTF-8, one tokenised sentence per line,
tokens separated by single spaces), ``vocab.tsv`` (``word<TAB>count``, most frequent first) and
``stats.json``. `ingest` writes them from plain text, CSV/TSV, JSONL, gzip or zip, in UTF-8,
UTF-16, UTF-32 or cp1252, streaming: only the vocabulary (and, when learning phrases, gensim's
phrase counts) is held in memory.

The parts live in their own modules: `embedlab.ingest.sources` reads the upload (with
`ingest.textio` for encodings and `ingest.documents` for formats), `ingest.tokenize`
splits sentences and tokens. `TokenizeOptions`, `tokenize`, `split_sentences` and
`MAX_EXPANDED_BYTES` are importable from here too.

>>> tokenize("Don't panic: it's state-of-the-art!")
["don't", 'panic', "it's", 'state-of-the-art']
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from embedlab.errors import InputError, NotFoundError
from embedlab.ingest.sources import MAX_EXPANDED_BYTES, Source
from embedlab.ingest.tokenize import TokenizeOptions, split_sentences, tokenize, tokenizer

__all__ = [
    "CORPUS_FILE",
    "MAX_EXPANDED_BYTES",
    "STATS_FILE",
    "VOCAB_FILE",
    "CorpusStats",
    "TokenizeOptions",
    "corpus_file",
    "ingest",
    "iter_sentences",
    "oov_share",
    "read_stats",
    "read_vocab",
    "split_sentences",
    "tokenize",
]

CORPUS_FILE = "corpus.txt"
VOCAB_FILE = "vocab.tsv"
STATS_FILE = "stats.json"

_TOP_WORDS = 50
_COUNT_BATCH = 65_536


# --- stats ------------------------------------------------------------------------------------


@dataclass
class CorpusStats:
    """What `ingest` wrote: counts, the most frequent words and how the input was read.

    >>> stats = CorpusStats(documents=1, sentences=2, tokens=5, vocabulary=4,
    ...                     top_words=[("the", 2)], sentence_lengths={2: 1, 3: 1},
    ...                     encoding="utf-8", files=1, text_column=None)
    >>> CorpusStats.from_dict(json.loads(json.dumps(stats.to_dict()))) == stats
    True
    """

    documents: int
    sentences: int
    tokens: int
    vocabulary: int
    top_words: list[tuple[str, int]]
    sentence_lengths: dict[int, int]
    encoding: str
    files: int
    text_column: str | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (sentence lengths become string keys in JSON; from_dict undoes it)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        data["top_words"] = [[w, c] for w, c in self.top_words]
        data["sentence_lengths"] = {int(k): v for k, v in sorted(self.sentence_lengths.items())}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorpusStats:
        """Stats from `to_dict()` output (or stats.json); other keys land in `extra`."""
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(
            documents=int(data["documents"]),
            sentences=int(data["sentences"]),
            tokens=int(data["tokens"]),
            vocabulary=int(data["vocabulary"]),
            top_words=[(str(w), int(c)) for w, c in data["top_words"]],
            sentence_lengths={int(k): int(v) for k, v in data["sentence_lengths"].items()},
            encoding=str(data["encoding"]),
            files=int(data["files"]),
            text_column=data.get("text_column"),
            extra={k: v for k, v in data.items() if k not in names},
        )


def oov_share(counts: Iterable[tuple[str, int]] | Mapping[str, int], min_count: int) -> float:
    """Share of tokens (not types) whose word occurs fewer than `min_count` times.

    That is the share of the corpus a trainer with that min_count would drop.

    >>> oov_share(Counter({"the": 6, "cat": 2, "zebra": 1, "okapi": 1}), 2)
    0.2
    """
    items = counts.items() if isinstance(counts, Mapping) else counts
    total = dropped = 0
    for _, count in items:
        total += count
        if count < min_count:
            dropped += count
    return dropped / total if total else 0.0


# --- reading a corpus folder ------------------------------------------------------------------


def corpus_file(corpus_dir_or_file: str | os.PathLike[str]) -> Path:
    """The path of corpus.txt, given the corpus folder or the file itself.

    >>> corpus_file("corpora/news").as_posix()
    'corpora/news/corpus.txt'
    >>> corpus_file("corpora/news/corpus.txt").as_posix()
    'corpora/news/corpus.txt'
    """
    path = Path(corpus_dir_or_file)
    if path.is_file() or (not path.exists() and path.suffix == ".txt"):
        return path
    return path / CORPUS_FILE


def _corpus_dir(corpus_dir_or_file: str | os.PathLike[str]) -> Path:
    return corpus_file(corpus_dir_or_file).parent


def _token_lines(path: Path) -> Iterator[list[str]]:
    """The tokens of each line of a corpus or pass file; [] for an empty line (a document end)."""
    with open(path, encoding="utf-8", newline="\n") as lines:
        for line in lines:
            yield line.split()


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise NotFoundError(
            f"There is no {path.name} in '{path.parent}'; ingest a corpus there first."
        )
    return path


def iter_sentences(corpus_path: str | os.PathLike[str]) -> Iterator[list[str]]:
    """Stream the sentences of corpus.txt as lists of tokens (given the folder or the file).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ingest(b"One cat. Two cats!", folder, filename="cats.txt")
    ...     print(list(iter_sentences(folder)))
    [['one', 'cat'], ['two', 'cats']]
    """
    yield from filter(None, _token_lines(_existing(corpus_file(corpus_path))))


def read_vocab(corpus_dir: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """The (word, count) pairs of vocab.tsv, most frequent first.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ingest(b"the cat and the hat", folder, filename="hat.txt")
    ...     print(read_vocab(folder)[:2])
    [('the', 2), ('and', 1)]
    """
    vocab = []
    with open(_existing(_corpus_dir(corpus_dir) / VOCAB_FILE), encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.rstrip("\n").rpartition("\t")
            if word:
                vocab.append((word, int(count)))
    return vocab


def read_stats(corpus_dir: str | os.PathLike[str]) -> CorpusStats:
    """The CorpusStats that `ingest` saved in stats.json (the options are in `.extra`).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = ingest(b"Hello world.", folder, filename="hi.txt")
    ...     stats = read_stats(folder)
    ...     print(stats.tokens, stats.extra["options"]["lowercase"])
    2 True
    """
    text = _existing(_corpus_dir(corpus_dir) / STATS_FILE).read_text(encoding="utf-8")
    return CorpusStats.from_dict(json.loads(text))


# --- pass 1: the source's sentences, tokenised, in a temporary file ---------------------------


class _Tally:
    """Counts tokens in batches (Counter.update has a high overhead per call)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._pending: list[str] = []

    def add(self, tokens: Iterable[str]) -> None:
        self._pending.extend(tokens)
        if len(self._pending) >= _COUNT_BATCH:
            self._flush()

    def counts(self) -> Counter[str]:
        """The counts of every token added."""
        self._flush()
        return self._counts

    def _flush(self) -> None:
        self._counts.update(self._pending)
        self._pending.clear()


class _Sink:
    """Writes tokenised sentences, one per line, with an empty line after each document.

    The `embedlab.ingest.sources.Sink` of pass 1: `counts` has the tokens of the files ended so far.
    """

    def __init__(self, file: IO[bytes], options: TokenizeOptions) -> None:
        self.counts: Counter[str] = Counter()
        self._file = file
        self._tokenize = tokenizer(options)
        self._file_counts = _Tally()
        self._open = False  # the current document has sentences written
        self._mark = file.tell()  # where the current file's lines begin

    def add(self, event: str | None) -> None:
        if event is None:
            if self._open:
                self._file.write(b"\n")
                self._open = False
            return
        tokens = self._tokenize(event)
        if tokens:
            self._file.write((" ".join(tokens) + "\n").encode("utf-8"))
            self._file_counts.add(tokens)
            self._open = True

    def restart_file(self) -> None:
        self._file.seek(self._mark)
        self._file.truncate()
        self._file_counts = _Tally()
        self._open = False

    def end_file(self) -> None:
        self.add(None)
        self.counts.update(self._file_counts.counts())
        self._file_counts = _Tally()
        self._mark = self._file.tell()


# --- passes 2 and 3: phrases, min_count, final counts -----------------------------------------


class _TokenLines:
    """A restartable iterable over the sentences of a pass-1 file (for gensim Phrases)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[list[str]]:
        return iter_sentences(self.path)


def _phrase_pass(src: Path, dst: Path, options: TokenizeOptions) -> Counter[str]:
    """Learn bigram phrases on `src`, write the phrased sentences to `dst`; returns the counts."""
    from gensim.models.phrases import Phrases

    learnt = Phrases(
        _TokenLines(src),
        min_count=options.phrase_min_count,
        threshold=options.phrase_threshold,
        delimiter="_",
    )
    phraser = learnt.freeze()
    del learnt
    tally = _Tally()
    with open(dst, "w", encoding="utf-8", newline="\n") as out:
        for tokens in _token_lines(src):
            if tokens:
                tokens = phraser[tokens]
                tally.add(tokens)
                out.write(" ".join(tokens) + "\n")
            else:
                out.write("\n")
    return tally.counts()


@dataclass
class _Final:
    """What the final pass wrote: token counts, sentence-length counts, number of documents."""

    counts: Counter[str]
    lengths: Counter[int]
    documents: int

    @property
    def sentences(self) -> int:
        return self.lengths.total()

    @property
    def tokens(self) -> int:
        return self.counts.total()


def _final_pass(src: Path, dst: Path, counts: Counter[str], min_count: int) -> _Final:
    """Write corpus.txt (no empty lines) dropping rare tokens, and count what is left."""
    tally = _Tally()
    lengths: Counter[int] = Counter()
    documents, in_document = 0, False
    with open(dst, "w", encoding="utf-8", newline="\n") as out:
        for tokens in _token_lines(src):
            if not tokens:
                documents += in_document
                in_document = False
                continue
            if min_count > 1:
                tokens = [t for t in tokens if counts[t] >= min_count]
            if tokens:
                out.write(" ".join(tokens) + "\n")
                tally.add(tokens)
                lengths[len(tokens)] += 1
                in_document = True
    documents += in_document
    return _Final(tally.counts(), lengths, documents)


class _TempFiles:
    """Temporary files in the output folder, removed on exit unless renamed away."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths: list[Path] = []

    def new(self, tag: str) -> Path:
        """A new empty file (created with the usual permissions, unlike mkstemp's 0600)."""
        path = self.folder / f".{tag}-{os.getpid()}-{os.urandom(6).hex()}.tmp"
        path.open("x").close()
        self.paths.append(path)
        return path

    def __enter__(self) -> _TempFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


def _write_outputs(
    temps: _TempFiles, ordered: list[tuple[str, int]], stats: CorpusStats, options: TokenizeOptions
) -> tuple[Path, Path]:
    """Write vocab.tsv and stats.json to temporary files; returns their paths."""
    vocab, stats_path = temps.new("vocab"), temps.new("stats")
    with open(vocab, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(f"{word}\t{count}\n" for word, count in ordered)
    data = {**stats.to_dict(), "options": options.to_dict()}
    stats_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return vocab, stats_path


def ingest(
    source: str | os.PathLike[str] | bytes,
    out_dir: str | os.PathLike[str],
    *,
    filename: str | None = None,
    options: TokenizeOptions = TokenizeOptions(),  # noqa: B008 (a frozen dataclass)
    text_column: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CorpusStats:
    """Read a text upload (a path, or raw bytes named by `filename`) into a corpus in `out_dir`.

    Writes corpus.txt, vocab.tsv and stats.json atomically (a failure leaves an earlier corpus
    untouched). The format comes from the extension: text, .csv/.tsv, .jsonl/.ndjson, .gz, .zip;
    `text_column` names the CSV column or JSON field to read (guessed when None).
    `on_progress(bytes_read)` is called about every MB with the bytes of `source` read so far
    (compressed bytes for .gz and .zip), to compare with the size of `source`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     text = b"The cat sat.\\n\\nThe dog ran. It ran far."
    ...     stats = ingest(text, folder, filename="pets.txt")
    ...     print(stats.documents, stats.sentences, stats.tokens, stats.top_words[:2])
    2 3 9 [('ran', 2), ('the', 2)]
    """
    options.validate()
    upload = Source(source, filename, on_progress)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' is a file, not a folder; pass a folder to hold the corpus.")
    out.mkdir(parents=True, exist_ok=True)
    with _TempFiles(out) as temps:
        tokens_path = temps.new("tokens")
        with open(tokens_path, "wb") as tokens_file:
            sink = _Sink(tokens_file, options)
            read = upload.read_into(sink, text_column)
        counts = sink.counts
        if options.phrases:
            phrased = temps.new("phrased")
            counts = _phrase_pass(tokens_path, phrased, options)
            tokens_path.unlink()
            tokens_path = phrased
        corpus_tmp = temps.new("corpus")
        final = _final_pass(tokens_path, corpus_tmp, counts, options.min_count)
        if final.tokens == 0:
            raise InputError(
                f"{upload.label} contains no words after preprocessing; upload text with words in "
                "it, or relax the options (stop words, drop_numbers, min_count)."
            )
        ordered = sorted(final.counts.items(), key=lambda item: (-item[1], item[0]))
        stats = CorpusStats(
            documents=final.documents,
            sentences=final.sentences,
            tokens=final.tokens,
            vocabulary=len(final.counts),
            top_words=ordered[:_TOP_WORDS],
            sentence_lengths=dict(sorted(final.lengths.items())),
            encoding=", ".join(read.encodings),
            files=read.files,
            text_column=", ".join(read.columns) or None,
        )
        vocab_tmp, stats_tmp = _write_outputs(temps, ordered, stats, options)
        os.replace(corpus_tmp, out / CORPUS_FILE)
        os.replace(vocab_tmp, out / VOCAB_FILE)
        os.replace(stats_tmp, out / STATS_FILE)
    stats.extra = {"options": options.to_dict()}
    return stats
