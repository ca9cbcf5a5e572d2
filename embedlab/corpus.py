"""Ingest any text upload into a clean on-disk corpus; tokenise; count.

A corpus is a folder of three files: ``corpus.txt`` (UTF-8, one tokenised sentence per line,
tokens separated by single spaces), ``vocab.tsv`` (``word<TAB>count``, most frequent first) and
``stats.json``. `ingest` writes them from plain text, CSV/TSV, JSONL, gzip or zip, in UTF-8,
UTF-16, UTF-32 or cp1252, streaming: only the vocabulary (and, when learning phrases, gensim's
phrase counts) is held in memory.

>>> tokenize("Don't panic: it's state-of-the-art!")
["don't", 'panic', "it's", 'state-of-the-art']
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import gzip
import io
import itertools
import json
import math
import os
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import IO, Any

from embedlab.errors import InputError, NotFoundError

MAX_EXPANDED_BYTES = 4 * 1024**3
"""Most bytes an archive may expand to; the env var EMBEDLAB_MAX_EXPANDED_BYTES overrides it."""

CORPUS_FILE = "corpus.txt"
VOCAB_FILE = "vocab.tsv"
STATS_FILE = "stats.json"

_SAMPLE_BYTES = 64 * 1024  # sniffed for the encoding and for binary data
_MODE_SAMPLE_CHARS = 1024 * 1024  # sniffed for "documents are separated by blank lines"
_CHUNK_CHARS = 64 * 1024
_MAX_SENTENCE_CHARS = 50_000  # a longer run without a sentence end is cut at a space
# (so a sentence stays under the 10,000 words at which gensim's trainers truncate)
_GUESS_ROWS = 200
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_PROGRESS_EVERY = 1024 * 1024
_TOP_WORDS = 50
_COUNT_BATCH = 65_536
_BOMB_RATIO = 200
_BOMB_MEMBER_BYTES = 10 * 1024 * 1024
_TEXT_NAMES = (
    "text", "sentence", "sentences", "review", "content",
    "body", "document", "comment", "message", "tweet",
)  # fmt: skip
_UPLOAD_HINT = "upload a plain-text, CSV, JSONL, .gz or .zip file"
_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".zip": "zip", ".tar": "tar", ".tgz": "tar",
}  # fmt: skip


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that cp1252 leaves undefined decode as latin-1."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("embedlab.latin1", _latin1_fallback)


# --- tokenising -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenizeOptions:
    """How text becomes tokens; by default lower-cased words without punctuation.

    >>> TokenizeOptions(drop_numbers=True).to_dict()["drop_numbers"]
    True
    >>> TokenizeOptions(min_count=0).validate()
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: min_count must be a whole number of at least 1, got 0.
    """

    lowercase: bool = True
    strip_punctuation: bool = True
    drop_numbers: bool = False
    remove_stopwords: bool = False
    phrases: bool = False
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0
    min_count: int = 1

    def validate(self) -> None:
        """Raise InputError for the first value that is out of range."""
        for name in (
            "lowercase",
            "strip_punctuation",
            "drop_numbers",
            "remove_stopwords",
            "phrases",
        ):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise InputError(f"{name} must be true or false, got {value!r}.")
        for name in ("min_count", "phrase_min_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a whole number of at least 1, got {value!r}.")
        value = self.phrase_threshold
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise InputError(f"phrase_threshold must be a number above 0, got {value!r}.")

    def to_dict(self) -> dict[str, Any]:
        """The options as a plain dict (for stats.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenizeOptions:
        """Options from `to_dict()` output; unknown keys are ignored.

        >>> TokenizeOptions.from_dict({"min_count": 3, "other": 1}).min_count
        3
        """
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_WORD = r"\d+(?:[.,]\d+)+|\w+(?:['’\-]\w+)*"
_WORD_RE = re.compile(_WORD)
_WORD_OR_MARK_RE = re.compile(rf"{_WORD}|[^\w\s\x00-\x1f\x7f-\x9f]")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@functools.lru_cache(maxsize=32)
def _tokenizer(options: TokenizeOptions) -> Callable[[str], list[str]]:
    """A fast tokenising function for `options` (compiled once per options value)."""
    pattern = _WORD_RE if options.strip_punctuation else _WORD_OR_MARK_RE
    stop = _stop_words() if options.remove_stopwords else frozenset()
    lowercase, drop_numbers = options.lowercase, options.drop_numbers
    is_number = _NUMBER_RE.fullmatch

    def run(text: str) -> list[str]:
        text = unicodedata.normalize("NFC", text)
        if lowercase:
            text = text.lower()
        tokens = pattern.findall(text)
        if drop_numbers:
            tokens = [t for t in tokens if not is_number(t)]
        if stop:
            tokens = [t for t in tokens if (t if lowercase else t.lower()) not in stop]
        return tokens

    return run


def tokenize(text: str, options: TokenizeOptions = TokenizeOptions()) -> list[str]:
    """Split `text` into tokens: Unicode words, keeping "don't" and "state-of-the-art" whole.

    Numbers such as 3.14 and 1,000 are one token (dropped with drop_numbers); without
    strip_punctuation each punctuation mark is a token of its own.

    >>> tokenize("Café au lait costs 3.50, or 1,000 yen!")
    ['café', 'au', 'lait', 'costs', '3.50', 'or', '1,000', 'yen']
    >>> tokenize("Hi, Bob!", TokenizeOptions(lowercase=False, strip_punctuation=False))
    ['Hi', ',', 'Bob', '!']
    """
    return _tokenizer(options)(text)


# --- sentences --------------------------------------------------------------------------------

_BOUNDARY_RE = re.compile(r"""([.!?]+)["'”’)\]]*(\s+)""")
_OPENERS = frozenset("\"'“‘([")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co",
        "corp", "gen", "gov", "sen", "rep", "rev", "fig", "jan", "feb", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec", "mt", "capt", "lt", "col", "sgt", "approx",
        "dept", "vol", "cf", "al",
    }
)  # fmt: skip
_DOTTED_RE = re.compile(r"(?:\w\.)+\w")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word that ends at `dot` (a period) is an abbreviation such as Dr. or U.S."""
    words = text[max(0, dot - 24) : dot].rsplit(None, 1)
    word = words[-1].lstrip("\"'“‘([") if words else ""
    return (
        word.lower() in _ABBREVIATIONS
        or (len(word) == 1 and word.isupper())
        or ("." in word and _DOTTED_RE.fullmatch(word) is not None)
    )


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(end of a sentence, start of the next) for every sentence boundary in `text`."""
    bounds = []
    size = len(text)
    for match in _BOUNDARY_RE.finditer(text):
        nxt = match.end()
        if nxt >= size:
            continue
        char = text[nxt]
        if char.islower() or not (char.isalpha() or char.isdigit() or char in _OPENERS):
            continue
        if match.group(1) == "." and _is_abbreviation(text, match.start(1)):
            continue
        bounds.append((match.start(2), nxt))
    return bounds


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at . ! ? followed by a capital, a digit or a quote.

    Common abbreviations (Mr. Dr. U.S. e.g. etc.) and initials do not end a sentence.

    >>> split_sentences("Mr. Smith met Dr. Jones in the U.S. yesterday. Why? \\"Work.\\" 3 days!")
    ['Mr. Smith met Dr. Jones in the U.S. yesterday.', 'Why?', '"Work."', '3 days!']
    """
    sentences, start = [], 0
    for end, nxt in _sentence_bounds(text):
        sentences.append(text[start:end].strip())
        start = nxt
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


class _SentenceStream:
    """Turns a document fed in pieces into sentences, holding only the unfinished one."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._scan_at = _CHUNK_CHARS

    def feed(self, text: str) -> list[str]:
        """The sentences that `text` completes (usually none until a ~64K buffer fills)."""
        self._parts.append(text)
        self._size += len(text)
        return self._drain(final=False) if self._size >= self._scan_at else []

    def end_document(self) -> list[str | None]:
        """The document's remaining sentences, then None (the end-of-document event)."""
        events: list[str | None] = []
        events.extend(self._drain(final=True))
        events.append(None)
        return events

    def _drain(self, final: bool) -> list[str]:
        text = "".join(self._parts)
        sentences, start = [], 0
        for end, nxt in _sentence_bounds(text):
            sentences.append(text[start:end])
            start = nxt
        rest = text[start:]
        while len(rest) > _MAX_SENTENCE_CHARS:
            cut = max(
                rest.rfind(" ", 0, _MAX_SENTENCE_CHARS), rest.rfind("\t", 0, _MAX_SENTENCE_CHARS)
            )
            cut = cut if cut > 0 else _MAX_SENTENCE_CHARS
            sentences.append(rest[:cut])
            rest = rest[cut:]
        if final:
            sentences.append(rest)
            rest = ""
        self._parts = [rest] if rest else []
        self._size = len(rest)
        self._scan_at = self._size + _CHUNK_CHARS
        return [sentence for sentence in map(str.strip, sentences) if sentence]


def _document(text: str) -> list[str | None]:
    """The sentences of one in-memory document (a CSV cell, a JSON value), then None."""
    stream = _SentenceStream()
    events: list[str | None] = []
    events.extend(stream.feed(text))
    events.extend(stream.end_document())
    return events


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
    with open(_existing(corpus_file(corpus_path)), encoding="utf-8", newline="\n") as lines:
        for line in lines:
            tokens = line.split()
            if tokens:
                yield tokens


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


# --- encodings --------------------------------------------------------------------------------


class _NotTextError(InputError):
    """A file that holds binary data (skipped inside a zip, refused on its own)."""


class _EmptyError(InputError):
    """A file with nothing but whitespace (skipped inside a zip, refused on its own)."""


@dataclass(frozen=True)
class _Encoding:
    codec: str  # what Python decodes with
    label: str  # what the stats report
    fallback: bool = False  # on a decode error, start again as cp1252

    @property
    def errors(self) -> str:
        return "embedlab.latin1" if self.codec == "cp1252" else "strict"


_UTF8 = _Encoding("utf-8", "utf-8", fallback=True)
_CP1252 = _Encoding("cp1252", "cp1252")
_BOMS = (
    (codecs.BOM_UTF32_LE, _Encoding("utf-32", "utf-32")),
    (codecs.BOM_UTF32_BE, _Encoding("utf-32", "utf-32")),
    (codecs.BOM_UTF8, _Encoding("utf-8-sig", "utf-8")),
    (codecs.BOM_UTF16_LE, _Encoding("utf-16", "utf-16")),
    (codecs.BOM_UTF16_BE, _Encoding("utf-16", "utf-16")),
)
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_CONTROL_CHARS = frozenset(map(chr, _CONTROL_BYTES))


def _utf16_without_bom(sample: bytes) -> _Encoding | None:
    """UTF-16 when NUL bytes sit in every other byte (ASCII-range text without a BOM)."""
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0), odd.count(0)
    if nul_odd > len(odd) // 3 and nul_even <= len(even) // 100:
        return _Encoding("utf-16-le", "utf-16-le")
    if nul_even > len(even) // 3 and nul_odd <= len(odd) // 100:
        return _Encoding("utf-16-be", "utf-16-be")
    return None


def _not_text(label: str) -> _NotTextError:
    return _NotTextError(f"{label} is not text (it looks like binary data); {_UPLOAD_HINT}.")


def _detect_encoding(sample: bytes, label: str, whole: bool) -> _Encoding:
    """The encoding of a file from its first bytes; refuses binary and empty files."""
    encoding = next((enc for bom, enc in _BOMS if sample.startswith(bom)), None)
    encoding = encoding or _utf16_without_bom(sample)
    if encoding is None:
        controls = sum(sample.count(b) for b in _CONTROL_BYTES)
        if b"\0" in sample or controls > len(sample) / 10:
            raise _not_text(label)
        encoding = _UTF8
    try:
        text = codecs.getincrementaldecoder(encoding.codec)().decode(sample, final=whole)
    except UnicodeDecodeError:
        if not encoding.fallback:
            raise _not_text(label) from None
        text = sample.decode("cp1252", errors="embedlab.latin1")
    if sum(text.count(c) for c in _CONTROL_CHARS) > len(text) / 10:
        raise _not_text(label)
    if whole and not text.strip():
        raise _EmptyError(f"{label} is empty; upload a file with some text in it.")
    return encoding


# --- inputs: files, gzip streams and zip members ----------------------------------------------


@dataclass(frozen=True)
class _Input:
    """One file to read: a label for messages, its format and a way to (re)open its bytes."""

    label: str
    fmt: str  # "text", "csv", "tsv" or "jsonl"
    open: Callable[[], IO[bytes]]
    expanded: bool  # its bytes come out of a decompressor (they count towards the bomb guard)
    in_archive: bool


def _format(name: str) -> tuple[str, bool]:
    """(format, gzipped) from a file name: x.csv.gz is ("csv", True)."""
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    if gzipped:
        lower = lower[:-3]
    return _FORMATS.get(PurePosixPath(lower).suffix, "text"), gzipped


def _max_expanded_bytes() -> int:
    value = os.environ.get("EMBEDLAB_MAX_EXPANDED_BYTES", "").strip()
    if not value:
        return MAX_EXPANDED_BYTES
    try:
        return int(value)
    except ValueError:
        raise InputError(
            f"EMBEDLAB_MAX_EXPANDED_BYTES must be a whole number of bytes, got {value!r}."
        ) from None


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def _zip_bomb(label: str, limit: int) -> InputError:
    return InputError(
        f"{label} looks like a zip bomb (it expands to more than {_size(limit)}); upload a "
        "smaller archive, or raise EMBEDLAB_MAX_EXPANDED_BYTES if you trust it."
    )


class _ClosingGzip(gzip.GzipFile):
    """A GzipFile that also closes the stream it reads from."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__(fileobj=inner, mode="rb")
        self._inner = inner

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._inner.close()


def _counted(open_raw: Callable[[], IO[bytes]], meter: _Meter) -> Callable[[], IO[bytes]]:
    """An opener whose streams count the bytes read from them as progress."""
    return lambda: _Counted(open_raw(), meter.add_read)


def _source_input(
    source: str | os.PathLike[str] | bytes, filename: str | None, meter: _Meter
) -> tuple[str, _Input]:
    """(file name, input) for what was passed to ingest (before gzip and zip are looked into).

    Its bytes are counted by `meter` as they are read, for progress.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = source if isinstance(source, bytes) else bytes(source)
        label = f"'{filename}'" if filename else "The upload"
        opener = _counted(functools.partial(io.BytesIO, data), meter)
        meter.size = len(data)
        return filename or "upload", _Input(label, "text", opener, False, False)
    path = Path(source)
    label = f"'{filename or os.fspath(source)}'"
    if path.is_dir():
        raise InputError(f"{label} is a folder; pass a file, or zip the folder and pass the .zip.")
    if not path.is_file():
        raise InputError(f"{label} does not exist; check the path.")
    opener = _counted(functools.partial(open, path, "rb"), meter)
    meter.size = path.stat().st_size
    return filename or path.name, _Input(label, "text", opener, False, False)


def _expand(name: str, inp: _Input) -> Iterator[_Input]:
    """The readable inputs inside `inp`, whose file name is `name` (fmt is not yet known)."""
    fmt, gzipped = _format(name)
    if fmt == "tar" or (gzipped and fmt == "zip"):
        if inp.in_archive:
            return
        raise InputError(f"{inp.label} is a tar or gzipped zip archive; {_UPLOAD_HINT}.")
    opener = inp.open
    if gzipped:
        opener = functools.partial(lambda outer: _ClosingGzip(outer()), inp.open)
    if fmt == "zip":
        if not inp.in_archive:  # a zip inside a zip is skipped
            yield from _zip_inputs(inp)
        return
    yield _Input(inp.label, fmt, opener, inp.expanded or gzipped, inp.in_archive)


def _zip_inputs(inp: _Input) -> Iterator[_Input]:
    """Every text member of a zip archive, read straight from the archive."""
    with inp.open() as raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, EOFError, ValueError) as err:
            raise InputError(
                f"{inp.label} is not a valid zip file ({err}); upload the archive again."
            ) from err
        with archive:
            for info in _zip_members(archive, inp.label):
                within = inp.label if inp.label.startswith("'") else inp.label.lower()
                member = _Input(
                    f"'{info.filename}' in {within}",
                    "text",
                    functools.partial(archive.open, info),
                    True,
                    True,
                )
                yield from _expand(info.filename, member)


def _is_content(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename).parts
    return (
        not info.is_dir()
        and bool(parts)
        and parts[0] != "__MACOSX"
        and not any(part.startswith(".") for part in parts)
    )


def _zip_members(archive: zipfile.ZipFile, label: str) -> list[zipfile.ZipInfo]:
    """The members worth reading; refuses bombs, passwords and archives of archives."""
    infos = [info for info in archive.infolist() if _is_content(info)]
    nested = [info for info in infos if _format(info.filename)[0] == "zip"]
    infos = [info for info in infos if _format(info.filename)[0] != "zip"]
    if not infos:
        what = (
            "only zip archives (archives inside an archive are not read)" if nested else "no files"
        )
        raise InputError(f"{label} contains {what}; put .txt, .csv or .jsonl files in the zip.")
    limit = _max_expanded_bytes()
    if sum(info.file_size for info in infos) > limit:
        raise _zip_bomb(label, limit)
    for info in infos:
        if info.file_size > _BOMB_MEMBER_BYTES and info.file_size > _BOMB_RATIO * max(
            info.compress_size, 1
        ):
            raise _zip_bomb(label, limit)
        if info.flag_bits & 0x1:
            raise InputError(
                f"{label} is password-protected; upload an archive without a password."
            )
    return infos


# --- decoding with progress -------------------------------------------------------------------


class _Meter:
    """Counts source bytes read (for progress) and expanded bytes (for the zip-bomb guard)."""

    def __init__(self, on_progress: Callable[[int], None] | None) -> None:
        self.on_progress = on_progress
        self.label = "The upload"
        self.size: int | None = None  # of the source, when known: reports never exceed it
        self.limit = _max_expanded_bytes()
        self.read = self.expanded = self.reported = 0
        self._mark = (0, 0)

    def mark(self) -> None:
        self._mark = (self.read, self.expanded)

    def rewind(self) -> None:
        """Forget what was read since `mark()` (a sniffed sample, an abandoned decoding)."""
        self.read, self.expanded = self._mark

    def add_read(self, n: int) -> None:
        self.read += n
        if self.read >= self.reported + _PROGRESS_EVERY:
            self.report()

    def add_expanded(self, n: int) -> None:
        self.expanded += n
        if self.expanded > self.limit:
            raise _zip_bomb(self.label, self.limit)

    def report(self) -> None:
        """Call on_progress with the bytes read so far (never with a smaller number than before)."""
        read = self.read if self.size is None else min(self.read, self.size)
        if read > self.reported:
            self.reported = read
            if self.on_progress is not None:
                self.on_progress(self.reported)


class _Counted(io.RawIOBase):
    """A raw stream that passes the number of bytes read through it to `count`."""

    def __init__(self, inner: IO[bytes], count: Callable[[int], None]) -> None:
        self._inner, self._count = inner, count

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer: Any) -> int:
        n = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        self._count(n or 0)
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


@contextlib.contextmanager
def _corrupt_guard(label: str) -> Iterator[None]:
    """Turn the errors of a broken gzip stream or zip member into one InputError."""
    try:
        yield
    except (gzip.BadGzipFile, zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise InputError(
            f"{label} is corrupt or truncated ({err or type(err).__name__}); upload it again."
        ) from err


# --- formats: each yields sentences, and None at the end of each document ---------------------


def _pieces(text: IO[str]) -> Iterator[tuple[str, bool]]:
    """(piece, ends a line): whole lines, or at most ~64K characters of a very long line."""
    carry = ""
    while chunk := text.read(_CHUNK_CHARS):
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        for line in lines:
            yield line, True
        if len(carry) > _CHUNK_CHARS:
            yield carry, False
            carry = ""
    if carry:
        yield carry, True


def _blank_separated(sample: list[tuple[str, bool]]) -> bool:
    """Whether a blank line separates two non-blank ones in the sample."""
    at_start, seen, pending = True, False, False
    for piece, eol in sample:
        blank = at_start and eol and not piece.strip()
        at_start = eol
        if blank:
            pending = seen
        elif piece.strip():
            if pending:
                return True
            seen = True
    return False


def _text_events(text: IO[str]) -> Iterator[str | None]:
    """Plain text: blocks between blank lines are documents, or else each line is one."""
    pieces = _pieces(text)
    sample: list[tuple[str, bool]] = []
    size = 0
    for piece in pieces:
        sample.append(piece)
        size += len(piece[0])
        if size >= _MODE_SAMPLE_CHARS:
            break
    blocks = _blank_separated(sample)
    replay = itertools.chain(sample, pieces)
    del sample  # the chain frees it once replayed
    stream = _SentenceStream()
    at_start = True
    for piece, eol in replay:
        blank = at_start and eol and not piece.strip()
        at_start = eol
        if blocks:
            if blank:
                yield from stream.end_document()
            else:
                yield from stream.feed(piece + " " if eol else piece)
        else:
            yield from stream.feed(piece)
            if eol:
                yield from stream.end_document()
    yield from stream.end_document()


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


def _looks_like_text(values: list[Any]) -> bool:
    """Mostly non-numeric strings with a mean length over 20 characters."""
    filled = [v for v in values if v is not None and str(v).strip()]
    words = [v for v in filled if isinstance(v, str) and not _is_number(v)]
    return len(words) * 2 > len(filled) and sum(map(len, words)) > 20 * len(words)


def _choose_column(
    names: list[str], rows: list[list[Any]], wanted: str | None, label: str, kind: str
) -> int:
    """Index of the text column: the wanted one, a text-like name, or the only long-text one."""
    if wanted is not None:
        for match in (lambda n: n == wanted, lambda n: n.strip().lower() == wanted.strip().lower()):
            found = [i for i, name in enumerate(names) if match(name)]
            if found:
                return found[0]
        raise InputError(
            f"{label} has no {kind} '{wanted}' (its {kind}s are: {', '.join(names)}); "
            f"pass one of those as the text column (--text-column)."
        )
    if len(names) == 1:
        return 0
    lowered = [name.strip().lower() for name in names]
    for name in _TEXT_NAMES:
        if name in lowered:
            return lowered.index(name)
    columns = [[row[i] if i < len(row) else None for row in rows] for i in range(len(names))]
    found = [i for i, values in enumerate(columns) if _looks_like_text(values)]
    if len(found) == 1:
        return found[0]
    if found:
        candidates = ", ".join(f"'{names[i]}'" for i in found)
        raise InputError(
            f"{label} has several {kind}s that could hold the text ({candidates}); "
            f"pass the one to use as the text column (--text-column)."
        )
    raise InputError(
        f"{label} has no {kind} that looks like text (its {kind}s are: {', '.join(names)}); "
        f"pass the one to use as the text column (--text-column)."
    )


def _sniff_delimiter(sample: str) -> str:
    """The first of , TAB ; | that splits the first rows into the same number (>1) of fields."""
    for delimiter in (",", "\t", ";", "|"):
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 20))
        except csv.Error:
            continue
        rows = [row for row in rows if row]
        if rows and len(rows[0]) > 1 and all(len(row) == len(rows[0]) for row in rows):
            return delimiter
    return ","


@dataclass
class _Report:
    column: str | None = None


def _csv_events(
    text: IO[str], inp: _Input, wanted: str | None, report: _Report
) -> Iterator[str | None]:
    """CSV/TSV: each row is a document; the text column is given or guessed."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    sample = text.read(_SAMPLE_BYTES) + text.readline()
    delimiter = "\t" if inp.fmt == "tsv" else _sniff_delimiter(sample)
    reader = csv.reader(itertools.chain(io.StringIO(sample, newline=""), text), delimiter=delimiter)
    del sample
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            return
        head = list(itertools.islice(reader, _GUESS_ROWS))
        index = _choose_column(header, head, wanted, inp.label, "column")
        report.column = header[index].strip()
        for row in itertools.chain(head, reader):
            if index < len(row) and row[index].strip():
                yield from _document(row[index])
    except csv.Error as err:
        raise InputError(
            f"{inp.label} is not valid CSV (line {reader.line_num}: {err}); fix the file or "
            "upload it as plain text."
        ) from err


def _json_records(text: IO[str], label: str) -> Iterator[dict[str, Any] | str]:
    for number, line in enumerate(text, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{label} line {number} is not valid JSON ({err.msg}); fix or remove that line."
            ) from err
        if not isinstance(value, dict | str):
            raise InputError(
                f"{label} line {number} holds a JSON {type(value).__name__}, not an object or a "
                "string; make each line an object with a text field, or a string."
            )
        yield value


def _jsonl_events(
    text: IO[str], inp: _Input, wanted: str | None, report: _Report
) -> Iterator[str | None]:
    """JSONL: each line is a document, a JSON string or an object with a text field."""
    records = _json_records(text, inp.label)
    head = list(itertools.islice(records, _GUESS_ROWS))
    objects = [record for record in head if isinstance(record, dict)]
    key = None
    if objects:
        keys = list(dict.fromkeys(k for record in objects for k in record))
        rows = [[record.get(k) for k in keys] for record in objects]
        key = keys[_choose_column(keys, rows, wanted, inp.label, "field")]
        report.column = key
    for record in itertools.chain(head, records):
        value = record if isinstance(record, str) else record.get(key) if key else None
        if isinstance(value, str) and value.strip():
            yield from _document(value)


def _events(
    text: IO[str], inp: _Input, wanted: str | None, report: _Report
) -> Iterator[str | None]:
    if inp.fmt == "jsonl":
        return _jsonl_events(text, inp, wanted, report)
    if inp.fmt in ("csv", "tsv"):
        return _csv_events(text, inp, wanted, report)
    return _text_events(text)


# --- pass 1: inputs -> tokenised sentences in a temporary file ---------------------------------


class _Sink:
    """Writes tokenised sentences, one per line, with an empty line after each document."""

    def __init__(self, file: IO[bytes], options: TokenizeOptions) -> None:
        self.counts: Counter[str] = Counter()
        self._file = file
        self._tokenize = _tokenizer(options)
        self._local: Counter[str] = Counter()
        self._pending: list[str] = []  # counted in batches: Counter.update has a high overhead
        self._open = False
        self._mark = 0

    def begin_file(self) -> None:
        self._mark = self._file.tell()
        self._local = Counter()
        self._pending.clear()
        self._open = False

    def restart_file(self) -> None:
        self._file.seek(self._mark)
        self._file.truncate()
        self.begin_file()

    def add(self, event: str | None) -> None:
        if event is None:
            if self._open:
                self._file.write(b"\n")
                self._open = False
            return
        tokens = self._tokenize(event)
        if tokens:
            self._file.write((" ".join(tokens) + "\n").encode("utf-8"))
            self._pending.extend(tokens)
            self._open = True
            if len(self._pending) >= _COUNT_BATCH:
                self._local.update(self._pending)
                self._pending.clear()

    def end_file(self) -> None:
        self.add(None)
        self._local.update(self._pending)
        self.counts.update(self._local)
        self._local = Counter()
        self._pending.clear()


def _decode_into(
    inp: _Input, encoding: _Encoding, sink: _Sink, meter: _Meter, wanted: str | None
) -> str | None:
    """Decode one input with `encoding` and feed its sentences to the sink; returns the column."""
    report = _Report()
    newline = "" if inp.fmt in ("csv", "tsv") else None
    raw = _Counted(inp.open(), meter.add_expanded) if inp.expanded else inp.open()
    buffered = io.BufferedReader(raw, buffer_size=_CHUNK_CHARS)
    with io.TextIOWrapper(buffered, encoding.codec, encoding.errors, newline=newline) as text:
        for event in _events(text, inp, wanted, report):
            sink.add(event)
    return report.column


def _read_input(
    inp: _Input, sink: _Sink, meter: _Meter, wanted: str | None
) -> tuple[str, str | None]:
    """Read one input into the sink; returns (encoding, text column)."""
    with _corrupt_guard(inp.label):
        meter.mark()
        with inp.open() as raw:
            sample = _read_up_to(raw, _SAMPLE_BYTES)
        meter.rewind()  # the sample is read again below
        encoding = _detect_encoding(sample, inp.label, whole=len(sample) < _SAMPLE_BYTES)
        sink.begin_file()
        try:
            column = _decode_into(inp, encoding, sink, meter, wanted)
        except UnicodeDecodeError as err:
            if not encoding.fallback:
                raise InputError(
                    f"{inp.label} is not valid {encoding.label} text ({err.reason}); save it as "
                    "UTF-8 and upload it again."
                ) from err
            sink.restart_file()
            meter.rewind()
            encoding = _CP1252
            column = _decode_into(inp, encoding, sink, meter, wanted)
        sink.end_file()
    return encoding.label, column


@dataclass
class _FirstPass:
    encodings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    files: int = 0


def _first_pass(
    name: str, top: _Input, sink: _Sink, meter: _Meter, wanted: str | None
) -> _FirstPass:
    """Read every input inside `top` (a file called `name`) into the sink."""
    result = _FirstPass()
    with contextlib.closing(_expand(name, top)) as inputs:
        for inp in inputs:
            try:
                encoding, column = _read_input(inp, sink, meter, wanted)
            except (_NotTextError, _EmptyError):
                if inp.in_archive:
                    continue
                raise
            result.files += 1
            for seen, value in ((result.encodings, encoding), (result.columns, column)):
                if value is not None and value not in seen:
                    seen.append(value)
    if result.files == 0:
        raise InputError(f"{top.label} contains no text files; {_UPLOAD_HINT}.")
    meter.report()
    return result


# --- passes 2 and 3: phrases, min_count, final counts -----------------------------------------


class _TokenLines:
    """A restartable iterable over the sentences of a pass-1 file (for gensim Phrases)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8", newline="\n") as lines:
            for line in lines:
                tokens = line.split()
                if tokens:
                    yield tokens


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
    counts: Counter[str] = Counter()
    pending: list[str] = []
    with (
        open(src, encoding="utf-8", newline="\n") as lines,
        open(dst, "w", encoding="utf-8", newline="\n") as out,
    ):
        for line in lines:
            tokens = line.split()
            if tokens:
                tokens = phraser[tokens]
                pending.extend(tokens)
                out.write(" ".join(tokens) + "\n")
                if len(pending) >= _COUNT_BATCH:
                    counts.update(pending)
                    pending.clear()
            else:
                out.write("\n")
    counts.update(pending)
    return counts


@dataclass
class _Final:
    counts: Counter[str] = field(default_factory=Counter)
    lengths: Counter[int] = field(default_factory=Counter)
    documents: int = 0
    sentences: int = 0
    tokens: int = 0


def _final_pass(src: Path, dst: Path, counts: Counter[str], min_count: int) -> _Final:
    """Write corpus.txt (no empty lines) dropping rare tokens, and count what is left."""
    final = _Final()
    pending: list[str] = []
    lengths: list[int] = []
    in_document = False
    with (
        open(src, encoding="utf-8", newline="\n") as lines,
        open(dst, "w", encoding="utf-8", newline="\n") as out,
    ):
        for line in lines:
            tokens = line.split()
            if not tokens:
                final.documents += in_document
                in_document = False
                continue
            if min_count > 1:
                tokens = [t for t in tokens if counts[t] >= min_count]
            if tokens:
                out.write(" ".join(tokens) + "\n")
                pending.extend(tokens)
                lengths.append(len(tokens))
                in_document = True
                if len(pending) >= _COUNT_BATCH:
                    _count(final, pending, lengths)
    final.documents += in_document
    _count(final, pending, lengths)
    return final


def _count(final: _Final, tokens: list[str], lengths: list[int]) -> None:
    """Add a batch of tokens and sentence lengths to `final`, then empty the batch."""
    final.counts.update(tokens)
    final.lengths.update(lengths)
    final.sentences += len(lengths)
    final.tokens += len(tokens)
    tokens.clear()
    lengths.clear()


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
    options: TokenizeOptions = TokenizeOptions(),
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
    meter = _Meter(on_progress)
    name, top = _source_input(source, filename, meter)
    meter.label = top.label
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' is a file, not a folder; pass a folder to hold the corpus.")
    out.mkdir(parents=True, exist_ok=True)
    with _TempFiles(out) as temps:
        tokens_path = temps.new("tokens")
        with open(tokens_path, "wb") as tokens_file:
            sink = _Sink(tokens_file, options)
            first = _first_pass(name, top, sink, meter, text_column)
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
                f"{top.label} contains no words after preprocessing; upload text with words in "
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
            encoding=", ".join(first.encodings),
            files=first.files,
            text_column=", ".join(first.columns) or None,
        )
        vocab_tmp, stats_tmp = _write_outputs(temps, ordered, stats, options)
        os.replace(corpus_tmp, out / CORPUS_FILE)
        os.replace(vocab_tmp, out / VOCAB_FILE)
        os.replace(stats_tmp, out / STATS_FILE)
    stats.extra = {"options": options.to_dict()}
    return stats
