"""word2vec text (a "count dim" header, then "word v1 ... vd" rows), GloVe (the rows alone).

fastText's .vec is word2vec text. A word may hold spaces ("new york 0.1 0.2"): the last
`dim` fields are the values. Values are written as numpy's shortest float32 repr, which
reads back exactly and matches gensim byte for byte.

>>> import tempfile
>>> emb = Embeddings(["new york", "b"], np.array([[1e-8, 0.5], [2, -3]], dtype=np.float32))
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_text(emb, Path(tmp) / "glove.txt", header=False)
...     print(path.read_text(), end="")
...     read_glove(path, limit=None).words
new york 1e-08 0.5
b 2.0 -3.0
['new york', 'b']
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError
from embedlab.formats._common import is_number, plural, quoted
from embedlab.formats._lines import (
    SNIFF_BYTES,
    GrowingMatrix,
    append_row,
    check_dimensions,
    read_header,
    starts_with_header,
    strip_bom,
    text_lines,
    trailing_numbers,
)
from embedlab.formats._parsed import Parsed, check_new_word
from embedlab.formats._writing import write_file
from embedlab.formats.detect import looks_textual


def read_word2vec_text(path: Path, limit: int | None) -> Parsed:
    """word2vec text: the header's word count must match the rows (unless `limit` stops first)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
        first, _, rest = strip_bom(head).partition(b"\n")
        count, dim = read_header(path, first.rstrip(b"\r"))
        if not looks_textual(rest):
            raise FormatError(
                f"{quoted(path)} holds binary data after its header; read it as word2vec-bin."
            )
        f.seek(0)
        lines = text_lines(f)
        next(lines, None)  # the header
        want = count if limit is None else min(count, limit)
        expected = f"the header says {plural(dim, 'dimension')}"
        got = _read_rows(lines, dim, path, want, expected, count_extra=want == count)
    found = len(got.words) + got.extra
    if len(got.words) < want or got.extra:
        raise FormatError(
            f"{quoted(path)} header says {plural(count, 'word')} but the file has {found}; fix "
            "the header or re-export the file."
        )
    return _finish(path, got)


def read_glove(path: Path, limit: int | None) -> Parsed:
    """GloVe: no header, and the first row sets the dimension (a header is read as .vec)."""
    with path.open("rb") as f:
        if starts_with_header(f.readline(SNIFF_BYTES)):
            return read_word2vec_text(path, limit)  # fastText .vec: word2vec text with header
        f.seek(0)
        lines = text_lines(f)
        first = next(lines, None)
        if first is None:
            raise FormatError(f"{quoted(path)} is empty; choose a file with word vectors in it.")
        lineno, line = first
        fields = line.split(b" ")
        dim = min(trailing_numbers(fields), len(fields) - 1)
        check_dimensions(path, lineno, dim)
        if dim == 0:
            raise FormatError(
                f"{quoted(path)} line {lineno} has no numbers after the word; a GloVe row is "
                "'word v1 v2 ...'."
            )
        expected = f"the first row has {plural(dim, 'value')}"
        got = _read_rows(itertools.chain([first], lines), dim, path, limit, expected)
    return _finish(path, got)


@dataclasses.dataclass
class _TextRows:
    """Rows read from a text file: raw words, their vectors, each word's line, extra rows."""

    words: list[bytes]
    rows: GrowingMatrix
    lines: dict[bytes, int] = dataclasses.field(default_factory=dict)
    extra: int = 0


def _read_rows(
    lines: Iterable[tuple[int, bytes]],
    dim: int,
    path: Path,
    want: int | None,
    expected: str,
    count_extra: bool = False,
) -> _TextRows:
    """Parse "word v1 ... vd" rows until `want` words (optionally counting rows after them)."""
    out = _TextRows([], GrowingMatrix(dim, min(want or 1024, 1024)))
    with np.errstate(over="ignore"):  # 1e39 becomes inf, which check_finite then names
        for lineno, line in lines:
            if want is not None and len(out.words) >= want:
                if not count_extra:
                    break
                out.extra += 1
                continue
            word, values = _row_fields(line, dim, path, lineno, expected)
            check_new_word(out.lines, word, lineno, path, "remove one of them")
            append_row(out.rows, values, path, lineno)
            out.words.append(word)
    return out


def _row_fields(
    line: bytes, dim: int, path: Path, lineno: int, expected: str
) -> tuple[bytes, list[bytes]]:
    """Split a row into the word (which may hold spaces) and its `dim` value fields."""
    fields = line.split(b" ")
    nvals = len(fields) - 1
    if nvals == dim and fields[0]:
        return fields[0], fields[1:]
    if nvals > dim and not is_number(fields[-dim - 1]):
        return b" ".join(fields[:-dim]), fields[-dim:]
    found = trailing_numbers(fields)
    if found == dim:
        raise FormatError(
            f"{quoted(path)} line {lineno} has no word before its values; add the word."
        )
    raise FormatError(
        f"{quoted(path)} line {lineno} has {plural(found, 'value')} but {expected}; "
        "fix or re-export the file."
    )


def _finish(path: Path, got: _TextRows) -> Parsed:
    if not got.words:
        raise FormatError(
            f"{quoted(path)} has no word vectors in it; choose a file with some rows."
        )
    return Parsed.decode(got.words, got.rows, path, lambda i: f"line {got.lines[got.words[i]]}")


def format_row(row: np.ndarray, sep: str = " ") -> str:
    """Shortest text that reads back as the same float32 (numpy's repr, like gensim's).

    >>> format_row(np.array([1e-8, 0.1, 3.4e38], dtype=np.float32))
    '1e-08 0.1 3.4e+38'
    """
    return sep.join(map(str, row))


def write_text(emb: Embeddings, out: Path, header: bool) -> Path:
    """Write word2vec text (`header=True`) or GloVe to the file `out`, atomically."""
    return write_file(out, _rows_out(emb, header))


def _rows_out(emb: Embeddings, header: bool) -> Iterator[bytes]:
    if header:
        yield f"{len(emb)} {emb.dim}\n".encode()
    for word, row in zip(emb.words, emb.vectors, strict=True):
        yield f"{word} {format_row(row)}\n".encode()
