"""Read and write word vectors: word2vec text and binary, GloVe, fastText, projector TSV, native.

Text formats are parsed here, row by row, so that a bad file gets an error that names the
file, the line and what is wrong with it. Uploaded files are never unpickled: gensim
`.model`/`.kv` pickles load only with `trust_pickle=True`, which only the CLI passes.

>>> import tempfile
>>> emb = Embeddings(["cat", "dog"], np.array([[1, 0.5], [0.25, -2]], dtype=np.float32))
>>> with tempfile.TemporaryDirectory() as tmp:
...     [path] = write_vectors(emb, Path(tmp) / "pets.txt", "word2vec")
...     print(path.read_text(), end="")
...     back = read_vectors(path)
2 2
cat 1.0 0.5
dog 0.25 -2.0
>>> back, back.meta["format"]
(Embeddings(name='pets', vocab=2, dim=2), 'word2vec')
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import os
import secrets
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError, FormatError, InputError
from embedlab.subwords import Subwords

PathLike = str | os.PathLike[str]
T = TypeVar("T")

READ_FORMATS: tuple[str, ...] = (
    "auto", "word2vec", "word2vec-bin", "glove", "fasttext", "tsv", "native",
)
WRITE_FORMATS: tuple[str, ...] = ("word2vec", "word2vec-bin", "glove", "tsv", "native")
PICKLE_SUFFIXES: tuple[str, ...] = (".model", ".kv", ".pkl", ".pickle")
FASTTEXT_MAGIC = 793712314
NATIVE_FILES: tuple[str, ...] = (
    "words.txt", "vectors.npy", "vectors.safetensors", "counts.npy", "meta.json",
    "subwords.npy", "subwords.json",
)

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 20
_MAX_BIN_WORD = 64 * 1024
_CONTROL = bytes(sorted(set(range(32)) - {9, 10, 13} | {127}))
_ENCODINGS = ("utf-8", "cp1252")


# --- small helpers ------------------------------------------------------------------------
def _q(path: Path | str) -> str:
    """A file's name, quoted, for messages."""
    return f"'{Path(path).name}'"


def _show(token: bytes | str, limit: int = 40) -> str:
    """A word or token, decoded leniently and shortened, for messages."""
    text = token.decode("utf-8", "replace") if isinstance(token, bytes) else token
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _trailing_numbers(fields: Sequence[bytes]) -> int:
    """How many fields at the end are numbers; the first field is always the word."""
    n = 0
    for token in reversed(fields[1:]):
        if not _is_number(token):
            break
        n += 1
    return n


def _pickle_error(path: Path) -> FormatError:
    return FormatError(
        f"{_q(path)} is a Python pickle (such as a gensim .model or .kv file), and pickles are "
        "not loaded from uploads because unpickling can run code; export it as word2vec, or "
        "load a file you trust with the CLI's --trust-pickle."
    )


def _check_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1:
        raise InputError(f"limit must be a positive whole number of words; got {limit!r}.")
    return int(limit)


def _check_format(fmt: str, allowed: Sequence[str], extra: Sequence[str] = ()) -> str:
    name = str(fmt).strip().lower()
    if name not in allowed and name not in extra:
        raise InputError(f"Unknown format '{fmt}'; choose one of: {', '.join(allowed)}.")
    return name


class _Matrix:
    """A float32 matrix that grows by doubling while rows are read."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.data = np.empty((max(1, capacity), dim), dtype=np.float32)
        self.n = 0

    def append(self, row: Any) -> None:
        if self.n == self.data.shape[0]:
            self.data.resize((2 * self.n, self.data.shape[1]), refcheck=False)
        self.data[self.n] = row
        self.n += 1

    def finish(self) -> np.ndarray:
        self.data.resize((self.n, self.data.shape[1]), refcheck=False)
        return self.data


@dataclasses.dataclass
class _Parsed:
    """What a reader found, before it becomes an `Embeddings`."""

    words: list[str]
    vectors: np.ndarray
    counts: np.ndarray | None = None
    subwords: Subwords | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)


def _decode_words(raw: Sequence[bytes], path: Path, where: Callable[[int], str]) -> tuple[
    list[str], str
]:
    """Decode all words as UTF-8, or, if any is not UTF-8, all of them as Windows-1252."""
    for encoding in _ENCODINGS:
        try:
            return [w.decode(encoding) for w in raw], encoding
        except UnicodeDecodeError:
            continue
    bad = next(i for i, w in enumerate(raw) if not _decodes(w))
    raise FormatError(
        f"{_q(path)} {where(bad)} is neither UTF-8 nor Windows-1252 text; "
        "re-save the file as UTF-8."
    )


def _decodes(data: bytes) -> bool:
    for encoding in _ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _check_finite(vectors: np.ndarray, words: Sequence[str], path: Path,
                  where: Callable[[int], str]) -> None:
    """Raise naming the first word whose vector holds NaN or infinity."""
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise FormatError(
            f"{_q(path)} {where(row)}: the vector of '{_show(words[row])}' contains NaN or "
            "infinity; fix or re-export the file."
        )


def _strip_bom(line: bytes) -> bytes:
    return line[3:] if line.startswith(b"\xef\xbb\xbf") else line


# --- detection ----------------------------------------------------------------------------
def _parse_header(line: bytes) -> tuple[int, int] | None:
    """"count dim" as two ints, or None when the line is not such a header."""
    fields = [f for f in line.strip(b" \t\r\n").split(b" ") if f]
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[0]), int(fields[1])
    return None


def _has_control(data: bytes) -> bool:
    return len(data.translate(None, _CONTROL)) != len(data)


def _looks_textual(data: bytes) -> bool:
    """Whether bytes read after a word2vec header are text rows rather than float32 data.

    Float32 data nearly always holds control bytes or is not UTF-8; a short Windows-1252
    text file is told apart by its first row, which ends in a number.
    """
    if _has_control(data):
        return False
    complete = data[: data.rfind(b"\n") + 1] or data
    try:
        complete.decode("utf-8")
    except UnicodeDecodeError:
        fields = complete.split(b"\n", 1)[0].rstrip(b" \t\r").split(b" ")
        return len(fields) > 1 and _is_number(fields[-1])
    return True


def _is_old_fasttext(head: bytes) -> bool:
    """Facebook's fastText .bin from before the magic number (gensim's lee_fasttext.bin)."""
    if len(head) < 56:
        return False
    dim, ws, epoch, min_count, neg, ngrams, loss, model, bucket, minn, maxn, lr_rate, t = (
        struct.unpack("<12id", head[:56])
    )
    return (
        0 < dim <= 100_000 and 0 < ws <= 10_000 and 0 < epoch <= 100_000 and min_count >= 0
        and neg >= 0 and ngrams >= 1 and 1 <= loss <= 4 and 1 <= model <= 3 and bucket >= 0
        and 0 <= minn <= maxn <= 1000 and lr_rate > 0 and 0.0 <= t < 1.0
    )


def _sniff_dir(path: Path) -> str:
    if (path / "words.txt").is_file() and any(
        (path / f"vectors.{ext}").is_file() for ext in ("npy", "safetensors")
    ):
        return "native"
    if (path / "vectors.tsv").is_file():
        return "tsv"
    raise FormatError(
        f"The folder {_q(path)} holds neither words.txt with vectors.npy or vectors.safetensors "
        "(embedlab's native format) nor a projector vectors.tsv; choose a vector file or such "
        "a folder."
    )


def _sniff(path: Path) -> str:
    """The format of a file or folder: one of READ_FORMATS (not "auto"), or "pickle"."""
    if path.is_dir():
        return _sniff_dir(path)
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head.strip():
        raise FormatError(f"{_q(path)} is empty; choose a file with word vectors in it.")
    if head[:4] == FASTTEXT_MAGIC.to_bytes(4, "little") or _is_old_fasttext(head):
        return "fasttext"
    if head[0] == 0x80 and len(head) > 1 and head[1] <= 5:
        return "pickle"
    _refuse_known_binaries(path, head)
    first, _, rest = _strip_bom(head).partition(b"\n")
    header = _parse_header(first)
    if header is not None:
        return "word2vec" if _looks_textual(rest) else "word2vec-bin"
    first = first.rstrip(b"\r")
    if _has_control(first):
        return _unknown(path)
    cells = first.split(b"\t")
    if all(_is_number(c) for c in cells) and (path.suffix.lower() == ".tsv" or len(cells) > 1):
        return "tsv"
    fields = first.rstrip(b" \t").split(b" ")
    if len(fields) > 1 and _trailing_numbers(fields) > 0:
        return "glove"
    return _unknown(path)


def _unknown(path: Path) -> str:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        return "pickle"
    raise FormatError(
        f"{_q(path)} is not a vector format embedlab knows; use word2vec (text or binary), "
        "GloVe, fastText, projector TSV or embedlab's native folder."
    )


def _refuse_known_binaries(path: Path, head: bytes) -> None:
    hints = {
        b"\x1f\x8b": "is gzip-compressed; decompress it first",
        b"PK\x03\x04": "is a zip archive; unpack it and choose the vector file inside",
        b"\x93NUMPY": "is a bare .npy array with no words; save a native folder with words.txt",
    }
    for magic, hint in hints.items():
        if head.startswith(magic):
            raise FormatError(f"{_q(path)} {hint}.")


def detect_format(path: PathLike) -> str:
    """Guess a vector file's format from its content (and extension).

    A pickle is refused, since uploads are never unpickled.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     text = Path(tmp) / "vecs.txt"
    ...     _ = text.write_text("2 3\\na 1 2 3\\nb 4 5 6\\n")
    ...     glove = Path(tmp) / "glove.txt"
    ...     _ = glove.write_text("a 1 2 3\\nb 4 5 6\\n")
    ...     detect_format(text), detect_format(glove)
    ('word2vec', 'glove')
    """
    path = Path(path)
    _check_exists(path)
    fmt = _guarded(path, "a vector file", lambda: _sniff(path))
    if fmt == "pickle":
        raise _pickle_error(path)
    return fmt


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{_q(path)} does not exist; check the path '{path}'.")


# --- word2vec text and GloVe --------------------------------------------------------------
def _row_fields(line: bytes, dim: int, path: Path, lineno: int, expected: str) -> tuple[
    bytes, list[bytes]
]:
    """Split a row into the word (which may hold spaces) and its `dim` value fields."""
    fields = line.split(b" ")
    nvals = len(fields) - 1
    if nvals == dim and fields[0]:
        return fields[0], fields[1:]
    if nvals > dim and not _is_number(fields[-dim - 1]):
        return b" ".join(fields[:-dim]), fields[-dim:]
    found = _trailing_numbers(fields)
    if found == dim:
        raise FormatError(f"{_q(path)} line {lineno} has no word before its values; add the word.")
    raise FormatError(
        f"{_q(path)} line {lineno} has {_plural(found, 'value')} but {expected}; "
        "fix or re-export the file."
    )


def _append_row(rows: _Matrix, values: list[bytes], path: Path, lineno: int) -> None:
    try:
        rows.append(values)
    except ValueError:
        bad = next((v for v in values if not _is_number(v)), b"?")
        raise FormatError(
            f"{_q(path)} line {lineno} has the non-numeric value '{_show(bad)}'; "
            "fix or re-export the file."
        ) from None


@dataclasses.dataclass
class _TextRows:
    """Rows read from a text file: raw words, their vectors, each word's line, extra rows."""

    words: list[bytes]
    rows: _Matrix
    lines: dict[bytes, int] = dataclasses.field(default_factory=dict)
    extra: int = 0


def _read_rows(lines: Iterable[tuple[int, bytes]], dim: int, path: Path, want: int | None,
               expected: str, count_extra: bool = False) -> _TextRows:
    """Parse "word v1 ... vd" rows until `want` words (optionally counting rows after them)."""
    out = _TextRows([], _Matrix(dim, min(want or 1024, 1024)))
    with np.errstate(over="ignore"):  # 1e39 becomes inf, which _check_finite then names
        for lineno, line in lines:
            if want is not None and len(out.words) >= want:
                if not count_extra:
                    break
                out.extra += 1
                continue
            word, values = _row_fields(line, dim, path, lineno, expected)
            _check_new(out.lines, word, lineno, path)
            _append_row(out.rows, values, path, lineno)
            out.words.append(word)
    return out


def _check_new(seen: dict[bytes, int], word: bytes, lineno: int, path: Path) -> None:
    if word in seen:
        raise FormatError(
            f"{_q(path)} has the word '{_show(word)}' twice, on lines {seen[word]} and "
            f"{lineno}; remove one of them."
        )
    seen[word] = lineno


def _text_lines(f: IO[bytes], start: int = 1) -> Iterator[tuple[int, bytes]]:
    """Numbered, right-stripped, non-blank lines of a binary file."""
    for lineno, raw in enumerate(f, start):
        line = raw.rstrip(b" \t\r\n")
        if lineno == 1:
            line = _strip_bom(line)
        if line:
            yield lineno, line


def _finish_text(path: Path, got: _TextRows) -> _Parsed:
    if not got.words:
        raise FormatError(f"{_q(path)} has no word vectors in it; choose a file with some rows.")

    def where(i: int) -> str:
        return f"line {got.lines[got.words[i]]}"

    words, encoding = _decode_words(got.words, path, where)
    vectors = got.rows.finish()
    _check_finite(vectors, words, path, where)
    meta = {} if encoding == "utf-8" else {"encoding": encoding}
    return _Parsed(words, vectors, meta=meta)


def _read_header(path: Path, line: bytes) -> tuple[int, int]:
    header = _parse_header(line)
    if header is None:
        raise FormatError(
            f"{_q(path)} line 1 should be a header 'words dimensions' such as '1000 300' but is "
            f"'{_show(line)}'; if the file has no header, read it as glove."
        )
    if header[0] < 1 or header[1] < 1:
        raise FormatError(
            f"{_q(path)} line 1 header '{_show(line)}' must give a positive word count and "
            "dimension; fix the header."
        )
    return header


def _read_word2vec_text(path: Path, limit: int | None) -> _Parsed:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
        first, _, rest = _strip_bom(head).partition(b"\n")
        count, dim = _read_header(path, first.rstrip(b"\r"))
        if not _looks_textual(rest):
            raise FormatError(
                f"{_q(path)} holds binary data after its header; read it as word2vec-bin."
            )
        f.seek(0)
        lines = _text_lines(f)
        next(lines, None)  # the header
        want = count if limit is None else min(count, limit)
        expected = f"the header says {_plural(dim, 'dimension')}"
        got = _read_rows(lines, dim, path, want, expected, count_extra=want == count)
    found = len(got.words) + got.extra
    if len(got.words) < want or got.extra:
        raise FormatError(
            f"{_q(path)} header says {_plural(count, 'word')} but the file has {found}; fix the "
            "header or re-export the file."
        )
    return _finish_text(path, got)


def _read_glove(path: Path, limit: int | None) -> _Parsed:
    with path.open("rb") as f:
        if _parse_header(_strip_bom(f.readline(_SNIFF_BYTES))) is not None:
            return _read_word2vec_text(path, limit)  # fastText .vec: word2vec text with header
        f.seek(0)
        lines = _text_lines(f)
        first = next(lines, None)
        if first is None:
            raise FormatError(f"{_q(path)} is empty; choose a file with word vectors in it.")
        lineno, line = first
        fields = line.split(b" ")
        dim = min(_trailing_numbers(fields), len(fields) - 1)
        if dim == 0:
            raise FormatError(
                f"{_q(path)} line {lineno} has no numbers after the word; a GloVe row is "
                "'word v1 v2 ...'."
            )

        def rows() -> Iterator[tuple[int, bytes]]:
            yield first
            yield from lines

        expected = f"the first row has {_plural(dim, 'value')}"
        got = _read_rows(rows(), dim, path, limit, expected)
    return _finish_text(path, got)


# --- word2vec binary ----------------------------------------------------------------------
def _read_word2vec_bin(path: Path, limit: int | None) -> _Parsed:
    with path.open("rb") as f:
        line = _strip_bom(f.readline(_SNIFF_BYTES)).rstrip(b"\r\n")
        count, dim = _read_header(path, line)
        start = f.tell()
        if _looks_textual(f.read(_SNIFF_BYTES)):
            raise FormatError(f"{_q(path)} holds text rows, not binary data; read it as word2vec.")
        f.seek(start)
        want = count if limit is None else min(count, limit)
        words, rows, tail = _read_bin_records(f, path, dim, want, count)
        if want == count and (tail.strip() or f.read(_CHUNK).strip()):
            raise FormatError(
                f"{_q(path)} has more data after the {_plural(count, 'word')} its header "
                "announces; fix the header's word count or re-export the file."
            )

    def where(i: int) -> str:
        return f"word {i + 1}"

    decoded, encoding = _decode_words(words, path, where)
    vectors = rows.finish()
    _check_finite(vectors, decoded, path, where)
    return _Parsed(decoded, vectors, meta={} if encoding == "utf-8" else {"encoding": encoding})


def _read_bin_records(f: IO[bytes], path: Path, dim: int, want: int, count: int) -> tuple[
    list[bytes], _Matrix, bytes
]:
    """Read `want` records of `word` b" " float32×dim; return words, rows and unread bytes."""
    size = 4 * dim
    words: list[bytes] = []
    rows = _Matrix(dim, min(want, 1024))
    seen: dict[bytes, int] = {}
    buf, pos = b"", 0
    while len(words) < want:
        space = buf.find(b" ", pos)
        while space < 0 or len(buf) - space - 1 < size:
            if space < 0 and len(buf) - pos > _MAX_BIN_WORD:
                raise FormatError(
                    f"{_q(path)} word {len(words) + 1} is not followed by a space within "
                    f"{_MAX_BIN_WORD} bytes; the file is not word2vec binary or is corrupt."
                )
            chunk = f.read(_CHUNK)
            if not chunk:
                raise FormatError(
                    f"{_q(path)} ends after {len(words)} of {_plural(count, 'word')}; the file "
                    "is truncated, so download or export it again."
                )
            buf, pos = buf[pos:] + chunk, 0
            space = buf.find(b" ")
        word = buf[pos:space].lstrip(b"\n")  # the C tool ends each vector with b"\n"
        if not word:
            raise FormatError(
                f"{_q(path)} word {len(words) + 1} is empty; the file is corrupt, so export it "
                "again."
            )
        if word in seen:
            raise FormatError(
                f"{_q(path)} has the word '{_show(word)}' twice (words {seen[word]} and "
                f"{len(words) + 1}); remove one of them."
            )
        seen[word] = len(words) + 1
        rows.append(np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1))
        words.append(word)
        pos = space + 1 + size
    return words, rows, buf[pos:]


# --- fastText and gensim pickles ----------------------------------------------------------
def _from_kv(kv: Any, limit: int | None) -> _Parsed:
    emb = Embeddings.from_keyedvectors(kv)
    n = len(emb) if limit is None else min(limit, len(emb))
    counts = None if emb.counts is None else np.array(emb.counts[:n])
    return _Parsed(list(emb.words[:n]), np.array(emb.vectors[:n]), counts, emb.subwords)


def _read_fasttext(path: Path, limit: int | None) -> _Parsed:
    with path.open("rb") as f:
        head = f.read(64)
    if head[:4] != FASTTEXT_MAGIC.to_bytes(4, "little") and not _is_old_fasttext(head):
        if _parse_header(_strip_bom(head).partition(b"\n")[0]) is not None:
            return _read_word2vec_text(path, limit)  # fastText's text format, .vec
        raise FormatError(
            f"{_q(path)} is not a fastText .bin model (it lacks fastText's header); choose the "
            ".bin file that fastText wrote, or its .vec text file."
        )
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(path))
    except Exception as err:  # gensim raises struct.error, ValueError, AssertionError, ...
        raise FormatError(
            f"{_q(path)} could not be read as a fastText model ({type(err).__name__}); the file "
            "is truncated or not a fastText .bin, so export it again."
        ) from err
    return _from_kv(kv, limit)


def _read_pickle(path: Path, limit: int | None) -> _Parsed:
    """A gensim KeyedVectors, Word2Vec or FastText pickle (only from a trusted path)."""
    from gensim.models import KeyedVectors
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(str(path))
    except Exception as err:  # unpickling raises anything
        raise FormatError(
            f"{_q(path)} could not be loaded as a gensim model ({type(err).__name__}: {err}); "
            "check that it is a gensim .model or .kv file."
        ) from err
    kv = obj if isinstance(obj, KeyedVectors) else getattr(obj, "wv", None)
    if not isinstance(kv, KeyedVectors) or not len(kv.index_to_key):
        raise FormatError(
            f"{_q(path)} holds a {type(obj).__name__}, not gensim word vectors; choose a "
            "KeyedVectors, Word2Vec or FastText model."
        )
    return _from_kv(kv, limit)


# --- projector TSV ------------------------------------------------------------------------
def _find_metadata(vectors: Path) -> Path | None:
    candidates = [vectors.with_name("metadata.tsv")]
    if "vectors" in vectors.name:
        candidates.insert(0, vectors.with_name(vectors.name.replace("vectors", "metadata")))
    return next((c for c in candidates if c.is_file() and c != vectors), None)


def _split_lines(data: bytes) -> list[bytes]:
    lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _read_metadata(path: Path) -> tuple[list[str], np.ndarray | None]:
    """Words (the first column) and, with a "count" column, counts, from a metadata.tsv."""
    lines = _split_lines(_strip_bom(path.read_bytes()))
    if not lines:
        raise FormatError(f"{_q(path)} is empty; it needs one word per vector.")
    start, count_col = 0, None
    if b"\t" in lines[0]:  # several columns: the first row is the header
        header = [h.strip().lower() for h in lines[0].split(b"\t")]
        count_col = header.index(b"count") if b"count" in header else None
        start = 1
    raw = [line.split(b"\t", 1)[0] for line in lines[start:]]

    def where(i: int) -> str:
        return f"line {i + start + 1}"

    words, _ = _decode_words(raw, path, where)
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        if not word:
            raise FormatError(f"{_q(path)} {where(i)} has no word; every vector needs one.")
        if word in seen:
            raise FormatError(
                f"{_q(path)} has the word '{_show(word)}' twice, on lines {seen[word]} and "
                f"{i + start + 1}; each vector needs its own word."
            )
        seen[word] = i + start + 1
    counts = None if count_col is None else _metadata_counts(path, lines[start:], count_col, start)
    return words, counts


def _metadata_counts(path: Path, lines: Sequence[bytes], col: int, start: int) -> np.ndarray:
    counts = np.empty(len(lines), dtype=np.int64)
    for i, line in enumerate(lines):
        cells = line.split(b"\t")
        cell = cells[col].strip() if col < len(cells) else b""
        if not cell.isdigit():
            raise FormatError(
                f"{_q(path)} line {i + start + 1} has the count '{_show(cell)}', which is not a "
                "whole number; fix the count column."
            )
        counts[i] = int(cell)
    return counts


def _read_tsv(path: Path, limit: int | None, metadata: Path | None) -> _Parsed:
    vectors_path = path / "vectors.tsv" if path.is_dir() else path
    if not vectors_path.is_file():
        raise FormatError(f"The folder {_q(path)} has no vectors.tsv; choose the projector folder.")
    meta_path = metadata if metadata is not None else _find_metadata(vectors_path)
    if meta_path is None:  # metadata is optional, as in the projector: rows are named by number
        with vectors_path.open("rb") as f:
            rows, _ = _read_tsv_rows(vectors_path, _text_lines(f), limit or sys.maxsize)
        vectors = rows.finish()
        words = [str(i) for i in range(len(vectors))]
        _check_finite(vectors, words, vectors_path, lambda i: f"line {i + 1}")
        return _Parsed(words, vectors, None)
    _check_exists(meta_path)
    words, counts = _read_metadata(meta_path)
    n = len(words) if limit is None else min(limit, len(words))
    with vectors_path.open("rb") as f:
        rows, total = _read_tsv_rows(vectors_path, _text_lines(f), n)
    if total != len(words):
        raise FormatError(
            f"{_q(vectors_path)} has {_plural(total, 'row')} but {_q(meta_path)} has "
            f"{_plural(len(words), 'word')}; they must match one to one."
        )
    vectors = rows.finish()

    def where(i: int) -> str:
        return f"line {i + 1}"

    _check_finite(vectors, words, vectors_path, where)
    counts = None if counts is None else counts[:n]
    return _Parsed(words[:n], vectors, counts)


def _read_tsv_rows(path: Path, lines: Iterable[tuple[int, bytes]], want: int) -> tuple[
    _Matrix, int
]:
    """Parse up to `want` rows of tab-separated numbers; also count all rows."""
    rows: _Matrix | None = None
    total = 0
    for lineno, line in lines:
        total += 1
        if total > want:
            continue
        cells = line.split(b"\t")
        if rows is None:
            rows = _Matrix(len(cells), min(want, 1024))
        if len(cells) != rows.data.shape[1]:
            raise FormatError(
                f"{_q(path)} line {lineno} has {_plural(len(cells), 'value')} but the first row "
                f"has {rows.data.shape[1]}; fix or re-export the file."
            )
        with np.errstate(over="ignore"):
            _append_row(rows, cells, path, lineno)
    if rows is None:
        raise FormatError(f"{_q(path)} has no vectors in it; choose a file with some rows.")
    return rows, total


# --- native -------------------------------------------------------------------------------
def _load_array(path: Path, limit: int | None) -> np.ndarray:
    """A .npy array, never unpickled; a bad file is a FormatError."""
    try:
        arr = np.load(path, allow_pickle=False, mmap_mode="r" if limit else None)
        return np.array(arr[:limit] if limit else arr)
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise FormatError(
                f"{_q(path)} holds Python objects, which are never unpickled; save the array "
                "with a numeric dtype."
            ) from err
        raise FormatError(f"{_q(path)} is not a valid .npy file ({err}); save it again.") from err
    except (EOFError, OSError, struct.error) as err:
        raise FormatError(f"{_q(path)} is not a valid .npy file ({err}); save it again.") from err


def _load_safetensors(path: Path, limit: int | None) -> np.ndarray:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            if "vectors" not in f.keys():  # noqa: SIM118 - safe_open is not a dict
                raise FormatError(
                    f"{_q(path)} has no tensor named 'vectors'; save the matrix under that key."
                )
            part = f.get_slice("vectors")
            return np.array(part[:limit] if limit else part[:])
    except EmbedlabError:
        raise
    except Exception as err:  # safetensors raises its own SafetensorError
        raise FormatError(
            f"{_q(path)} is not a valid safetensors file ({err}); save it again."
        ) from err


def _numeric_matrix(arr: np.ndarray, path: Path, ndim: int) -> np.ndarray:
    if arr.ndim != ndim or arr.dtype.kind not in "fiu":
        raise FormatError(
            f"{_q(path)} holds a {arr.dtype} array of shape {arr.shape}; it must be a "
            f"{ndim}-D numeric array."
        )
    return arr


def _read_native(path: Path, limit: int | None) -> _Parsed:
    if not path.is_dir():
        raise FormatError(
            f"{_q(path)} is a file, but the native format is a folder with words.txt and "
            "vectors.npy; choose the folder."
        )
    words_path = path / "words.txt"
    if not words_path.is_file():
        raise FormatError(f"The folder {_q(path)} has no words.txt; it is not a native model.")
    words = _native_words(words_path, limit)
    vectors = _native_vectors(path, limit)
    if vectors.shape[0] != len(words):
        raise FormatError(
            f"The folder {_q(path)} has {_plural(len(words), 'word')} in words.txt but "
            f"{_plural(vectors.shape[0], 'vector')}; save the model again."
        )
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        if word in seen:
            raise FormatError(
                f"'words.txt' has the word '{_show(word)}' twice, on lines {seen[word] + 1} and "
                f"{i + 1}; save the model again."
            )
        seen[word] = i
    _check_finite(vectors, words, words_path.with_name("vectors"), lambda i: f"row {i + 1}")
    return _Parsed(
        words, vectors, _native_counts(path, len(words), limit), _native_subwords(path, vectors),
        _native_meta(path),
    )


def _native_words(path: Path, limit: int | None) -> list[str]:
    data = _strip_bom(path.read_bytes())
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    if not raw:
        raise FormatError(f"{_q(path)} is empty; a model needs at least one word.")
    try:
        return [w.decode("utf-8") for w in raw[:limit]]
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FormatError(f"{_q(path)} line {line} is not UTF-8; save the model again.") from err


def _native_vectors(path: Path, limit: int | None) -> np.ndarray:
    npy, st = path / "vectors.npy", path / "vectors.safetensors"
    if npy.is_file():
        return _numeric_matrix(_load_array(npy, limit), npy, 2)
    if st.is_file():
        return _numeric_matrix(_load_safetensors(st, limit), st, 2)
    raise FormatError(
        f"The folder {_q(path)} has no vectors.npy or vectors.safetensors; save the model again."
    )


def _native_counts(path: Path, n: int, limit: int | None) -> np.ndarray | None:
    counts_path = path / "counts.npy"
    if not counts_path.is_file():
        return None
    counts = _numeric_matrix(_load_array(counts_path, limit), counts_path, 1)
    if counts.shape[0] != n:
        raise FormatError(
            f"{_q(counts_path)} has {counts.shape[0]} counts for {_plural(n, 'word')}; save the "
            "model again."
        )
    return counts.astype(np.int64)


def _native_subwords(path: Path, vectors: np.ndarray) -> Subwords | None:
    ngrams_path, spec_path = path / "subwords.npy", path / "subwords.json"
    if not ngrams_path.is_file():
        return None
    spec = _read_json(spec_path) if spec_path.is_file() else None
    if not isinstance(spec, dict) or not all(
        isinstance(spec.get(k), int) for k in ("min_n", "max_n")
    ):
        raise FormatError(
            f"{_q(spec_path)} is missing or lacks integer min_n and max_n; save the model again."
        )
    ngrams = _numeric_matrix(_load_array(ngrams_path, None), ngrams_path, 2)
    if ngrams.shape[1] != vectors.shape[1]:
        raise FormatError(
            f"{_q(ngrams_path)} has {ngrams.shape[1]} dimensions but the word vectors have "
            f"{vectors.shape[1]}; save the model again."
        )
    return Subwords(ngrams.astype(np.float32), spec["min_n"], spec["max_n"])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(
            f"{_q(path)} is not valid UTF-8 JSON ({err}); save the model again."
        ) from err


def _native_meta(path: Path) -> dict[str, Any]:
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        return {}
    meta = _read_json(meta_path)
    if not isinstance(meta, dict):
        raise FormatError(f"{_q(meta_path)} must hold a JSON object; save the model again.")
    return meta


def load_native(directory: PathLike) -> Embeddings:
    """Load a folder written by `save_native`, with its counts, meta and subwords.

    >>> import tempfile
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[3, 1],
    ...                  meta={"name": "toy"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = load_native(save_native(emb, Path(tmp) / "toy"))
    >>> back, back.counts.tolist()
    (Embeddings(name='toy', vocab=2, dim=2), [3, 1])
    """
    path = Path(directory)
    _check_exists(path)
    parsed = _guarded(path, "native", lambda: _read_native(path, None))
    return _build(parsed, parsed.meta, path)


def _build(parsed: _Parsed, meta: Mapping[str, Any], path: Path) -> Embeddings:
    try:
        return Embeddings(parsed.words, parsed.vectors, parsed.counts, meta, parsed.subwords)
    except InputError as err:  # our checks come first; this is a safety net
        raise FormatError(f"{_q(path)} cannot be used: {err}") from err


# --- reading ------------------------------------------------------------------------------
def _guarded(path: Path, fmt: str, read: Callable[[], T]) -> T:
    """Run a reader; turn any stray low-level error into a FormatError naming the file."""
    try:
        return read()
    except EmbedlabError:
        raise
    except PermissionError as err:
        raise InputError(
            f"{_q(path)} could not be opened ({err.strerror}); check its permissions."
        ) from err
    except (ValueError, UnicodeError, struct.error, EOFError, OSError, IndexError) as err:
        raise FormatError(
            f"{_q(path)} could not be read as {fmt} ({type(err).__name__}: {err}); check the "
            "format."
        ) from err


def read_vectors(
    path: PathLike,
    format: str = "auto",
    *,
    metadata: PathLike | None = None,
    limit: int | None = None,
    trust_pickle: bool = False,
    name: str | None = None,
) -> Embeddings:
    """Read word vectors in any supported format; `limit` keeps the first N words.

    A gensim pickle (format "pickle", or a `.model`/`.kv` file) loads only with
    `trust_pickle=True`, which is for files the operator gives on the command line.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "glove.6B.2d.txt"
    ...     _ = path.write_text("the 0.1 0.2\\nof 0.3 -0.4\\nand 0.5 0.6\\n")
    ...     emb = read_vectors(path, limit=2)
    >>> emb.words, emb.meta["format"], emb.meta["name"]
    (('the', 'of'), 'glove', 'glove.6B.2d')
    """
    path = Path(path).expanduser()
    fmt = _check_format(format, READ_FORMATS, extra=("pickle",))
    limit = _check_limit(limit)
    _check_exists(path)
    if fmt == "auto":
        fmt = _guarded(path, "a vector file", lambda: _sniff(path))
    if fmt == "pickle" and not trust_pickle:
        raise _pickle_error(path)
    meta_path = None if metadata is None else Path(metadata)
    readers: dict[str, Callable[[], _Parsed]] = {
        "word2vec": lambda: _read_word2vec_text(path, limit),
        "word2vec-bin": lambda: _read_word2vec_bin(path, limit),
        "glove": lambda: _read_glove(path, limit),
        "fasttext": lambda: _read_fasttext(path, limit),
        "tsv": lambda: _read_tsv(path, limit, meta_path),
        "native": lambda: _read_native(path, limit),
        "pickle": lambda: _read_pickle(path, limit),
    }
    if fmt not in ("native", "tsv") and path.is_dir():
        raise InputError(f"{_q(path)} is a folder; choose the {fmt} file inside it.")
    parsed = _guarded(path, fmt, readers[fmt])
    meta: dict[str, Any] = {
        "name": name or path.stem, "origin": "imported", "format": fmt, "source": str(path),
    }
    if fmt == "native":  # the saved meta survives; name and origin only fill gaps
        meta = {**parsed.meta, "format": fmt, "source": str(path)}
        meta.setdefault("origin", "imported")
        meta["name"] = name or meta.get("name") or path.name
    else:
        meta.update(parsed.meta)
    return _build(parsed, meta, path)


def _safe_filename(filename: str) -> str:
    base = str(filename).replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(c for c in base if c.isprintable())
    if base in ("", ".", ".."):
        return "upload"
    return base if len(base) <= 200 else base[:150] + base[-50:]


def read_vectors_bytes(
    data: bytes,
    filename: str,
    format: str = "auto",
    *,
    metadata: bytes | None = None,
    limit: int | None = None,
    name: str | None = None,
) -> Embeddings:
    """Read an upload: the bytes go to a temporary folder and are never unpickled.

    >>> emb = read_vectors_bytes(b"2 2\\ncat 1 0\\ndog 0 1\\n", "pets.vec")
    >>> emb.words, emb.meta["source"]
    (('cat', 'dog'), 'pets.vec')
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"An upload must be bytes; got {type(data).__name__}.")
    safe = _safe_filename(filename)
    with tempfile.TemporaryDirectory(prefix="embedlab-upload-") as tmp:
        path = Path(tmp) / "upload" / safe
        path.parent.mkdir()
        path.write_bytes(data)
        meta_path = None
        if metadata is not None:
            meta_path = Path(tmp) / "meta" / "metadata.tsv"
            meta_path.parent.mkdir()
            meta_path.write_bytes(metadata)
        emb = read_vectors(
            path, format, metadata=meta_path, limit=limit, trust_pickle=False,
            name=name or Path(safe).stem,
        )
    return emb.with_meta(source=str(filename))


# --- writing ------------------------------------------------------------------------------
def _write_error(target: Path, err: OSError) -> InputError:
    return InputError(
        f"Could not write {_q(target)} ({err.strerror or err}); choose a writable location "
        "with enough free space."
    )


@contextmanager
def _atomic_file(target: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary name beside `target`, then rename it into place."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb", buffering=_CHUNK) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def _format_row(row: np.ndarray, sep: str = " ") -> str:
    """Shortest text that reads back as the same float32 (numpy's repr, like gensim's)."""
    return sep.join(map(str, row))


def _text_lines_out(emb: Embeddings, header: bool) -> Iterator[bytes]:
    if header:
        yield f"{len(emb)} {emb.dim}\n".encode()
    for word, row in zip(emb.words, emb.vectors, strict=True):
        yield f"{word} {_format_row(row)}\n".encode()


def _bin_records(emb: Embeddings) -> Iterator[bytes]:
    yield f"{len(emb)} {emb.dim}\n".encode()
    for word, row in zip(emb.words, emb.vectors.astype("<f4", copy=False), strict=True):
        yield word.encode() + b" " + row.tobytes() + b"\n"


def _tsv_vectors(emb: Embeddings) -> Iterator[bytes]:
    for row in emb.vectors:
        yield (_format_row(row, "\t") + "\n").encode()


def _tsv_metadata(emb: Embeddings) -> Iterator[bytes]:
    if emb.counts is None:
        for word in emb.words:
            yield f"{word}\n".encode()
        return
    yield b"word\tcount\n"
    for word, count in zip(emb.words, emb.counts, strict=True):
        yield f"{word}\t{int(count)}\n".encode()


def _check_words(emb: Embeddings, fmt: str) -> None:
    """Refuse words that the format cannot store so that they read back the same."""
    forbidden = {"word2vec-bin": " \n", "tsv": "\t\n\r", "native": "\n"}.get(fmt, "\n")
    for word in emb.words:
        bad = next((c for c in forbidden if c in word), None)
        if not word or bad is not None:
            what = "is empty" if not word else f"contains {bad!r}"
            raise InputError(
                f"The word '{_show(word)}' {what}, which the {fmt} format cannot store; "
                "rename it or use the native format."
            )
        last = word.rsplit(" ", 1)[-1].encode()
        if fmt in ("word2vec", "glove") and " " in word and _is_number(last):
            raise InputError(
                f"The word '{_show(word)}' ends in a number after a space, which {fmt} text "
                "cannot tell apart from a value; rename it or use the native format."
            )


def _write_file(target: Path, chunks: Iterable[bytes]) -> Path:
    if target.is_dir():
        raise InputError(f"{_q(target)} is a folder; give a file name to write to.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _atomic_file(target) as f:
        for chunk in chunks:
            f.write(chunk)
    return target


def write_vectors(emb: Embeddings, out: PathLike, format: str) -> list[Path]:
    """Write `emb` in one of WRITE_FORMATS; return the files written (each atomically).

    "tsv" and "native" write into the folder `out`; the others write the file `out`.

    >>> import tempfile
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[7, 2])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_vectors(emb, Path(tmp) / "projector", "tsv")
    ...     [f.name for f in files], files[1].read_text().splitlines()
    (['vectors.tsv', 'metadata.tsv'], ['word\\tcount', 'a\\t7', 'b\\t2'])
    """
    fmt = _check_format(format, WRITE_FORMATS)
    out = Path(out)
    _check_words(emb, fmt)
    try:
        if fmt == "native":
            directory = save_native(emb, out)
            return sorted(p for p in directory.iterdir() if p.name in NATIVE_FILES)
        if fmt == "tsv":
            if out.exists() and not out.is_dir():
                raise InputError(f"{_q(out)} is a file; the tsv format writes into a folder.")
            return [
                _write_file(out / "vectors.tsv", _tsv_vectors(emb)),
                _write_file(out / "metadata.tsv", _tsv_metadata(emb)),
            ]
        if fmt == "word2vec-bin":
            return [_write_file(out, _bin_records(emb))]
        return [_write_file(out, _text_lines_out(emb, header=fmt == "word2vec"))]
    except OSError as err:
        raise _write_error(out, err) from err


# --- native writing -----------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise InputError(
        f"The model's meta holds a {type(value).__name__}, which cannot be saved as JSON; "
        "store plain numbers, strings, lists or dicts in meta."
    )


def _meta_json(meta: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(meta), default=_jsonable, ensure_ascii=False, indent=2).encode()


def _replaceable(target: Path) -> bool:
    """Only an empty folder or an earlier native model may be replaced."""
    if not target.is_dir() or target.is_symlink():
        return False
    names = {p.name for p in target.iterdir()}
    return not names or ("words.txt" in names and names <= set(NATIVE_FILES))


def _write_native_files(emb: Embeddings, tmp: Path, vectors_as: str, meta: bytes) -> None:
    (tmp / "words.txt").write_bytes("".join(f"{w}\n" for w in emb.words).encode())
    vectors = np.ascontiguousarray(emb.vectors, dtype=np.float32)
    if vectors_as == "npy":
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    else:
        from safetensors.numpy import save_file

        save_file({"vectors": vectors}, str(tmp / "vectors.safetensors"))
    if emb.counts is not None:
        np.save(tmp / "counts.npy", np.asarray(emb.counts, dtype=np.int64), allow_pickle=False)
    if emb.subwords is not None:
        np.save(tmp / "subwords.npy", np.asarray(emb.subwords.vectors_ngrams, dtype=np.float32),
                allow_pickle=False)
        spec = {"min_n": int(emb.subwords.min_n), "max_n": int(emb.subwords.max_n)}
        (tmp / "subwords.json").write_text(json.dumps(spec))
    (tmp / "meta.json").write_bytes(meta)


def _swap_in(tmp: Path, target: Path) -> None:
    """Rename `tmp` to `target`; an existing target is moved away first, then deleted."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def save_native(
    emb: Embeddings, directory: PathLike, vectors_as: Literal["npy", "safetensors"] = "npy"
) -> Path:
    """Save as a folder (words.txt, vectors, counts, meta.json, subwords), replaced atomically.

    >>> import tempfile
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = save_native(emb, Path(tmp) / "m", vectors_as="safetensors")
    ...     sorted(p.name for p in folder.iterdir())
    ['meta.json', 'vectors.safetensors', 'words.txt']
    """
    if vectors_as not in ("npy", "safetensors"):
        raise InputError(f"vectors_as must be 'npy' or 'safetensors'; got {vectors_as!r}.")
    target = Path(directory)
    _check_words(emb, "native")
    meta = _meta_json(emb.meta)
    if target.exists() and not _replaceable(target):
        raise InputError(
            f"{_q(target)} exists and is not an embedlab native model; choose a new or empty "
            "folder."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        tmp.mkdir()
        try:
            _write_native_files(emb, tmp, vectors_as, meta)
            _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as err:
        raise _write_error(target, err) from err
    return target
