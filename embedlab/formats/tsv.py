"""The TensorFlow projector's pair: vectors.tsv (tab-separated rows) and metadata.tsv (words).

metadata.tsv is one word a line, or, with several columns, a header row first; a "count"
column gives counts. Without metadata, rows are named by number, as in the projector.

>>> import tempfile
>>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[7, 2])
>>> with tempfile.TemporaryDirectory() as tmp:
...     [vectors, metadata] = write_tsv(emb, Path(tmp) / "projector")
...     back = read_tsv(vectors, limit=None, metadata=None)
...     vectors.read_text().splitlines()
['1.0\\t0.0', '0.0\\t1.0']
>>> back.words, back.counts.tolist()
(['a', 'b'], [7, 2])
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats._common import check_exists, plural, quoted, show
from embedlab.formats._lines import (
    GrowingMatrix,
    append_row,
    check_dimensions,
    strip_bom,
    text_lines,
)
from embedlab.formats._parsed import Parsed, check_finite, check_new_word, decode_words
from embedlab.formats._writing import write_file
from embedlab.formats.text import format_row


def read_tsv(path: Path, limit: int | None, metadata: Path | None) -> Parsed:
    """vectors.tsv (or a folder holding it) with the given or neighbouring metadata.tsv."""
    vectors_path = path / "vectors.tsv" if path.is_dir() else path
    if not vectors_path.is_file():
        raise FormatError(
            f"The folder {quoted(path)} has no vectors.tsv; choose the projector folder."
        )
    meta_path = metadata if metadata is not None else _find_metadata(vectors_path)
    counts = None
    if meta_path is None:  # metadata is optional, as in the projector: rows are named by number
        with vectors_path.open("rb") as f:
            rows, _ = _read_rows(vectors_path, text_lines(f), limit or sys.maxsize)
        words = [str(i) for i in range(rows.n)]
    else:
        check_exists(meta_path)
        words, counts = _read_metadata(meta_path)
        n = len(words) if limit is None else min(limit, len(words))
        with vectors_path.open("rb") as f:
            rows, total = _read_rows(vectors_path, text_lines(f), n)
        if total != len(words):
            raise FormatError(
                f"{quoted(vectors_path)} has {plural(total, 'row')} but {quoted(meta_path)} has "
                f"{plural(len(words), 'word')}; they must match one to one."
            )
        words = words[:n]
        counts = None if counts is None else counts[:n]
    vectors = rows.finish()
    check_finite(vectors, words, vectors_path, lambda i: f"line {i + 1}")
    return Parsed(words, vectors, counts)


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
    lines = _split_lines(strip_bom(path.read_bytes()))
    if not lines:
        raise FormatError(f"{quoted(path)} is empty; it needs one word per vector.")
    start, count_col = 0, None
    if b"\t" in lines[0]:  # several columns: the first row is the header
        header = [h.strip().lower() for h in lines[0].split(b"\t")]
        count_col = header.index(b"count") if b"count" in header else None
        start = 1
    raw = [line.split(b"\t", 1)[0] for line in lines[start:]]

    def where(i: int) -> str:
        return f"line {i + start + 1}"

    words, _ = decode_words(raw, path, where)
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        if not word:
            raise FormatError(f"{quoted(path)} {where(i)} has no word; every vector needs one.")
        check_new_word(seen, word, i + start + 1, path, "each vector needs its own word")
    counts = None if count_col is None else _counts(path, lines[start:], count_col, start)
    return words, counts


def _counts(path: Path, lines: Sequence[bytes], col: int, start: int) -> np.ndarray:
    counts = np.empty(len(lines), dtype=np.int64)
    for i, line in enumerate(lines):
        cells = line.split(b"\t")
        cell = cells[col].strip() if col < len(cells) else b""
        if not cell.isdigit():
            raise FormatError(
                f"{quoted(path)} line {i + start + 1} has the count '{show(cell)}', which is not "
                "a whole number; fix the count column."
            )
        counts[i] = int(cell)
    return counts


def _read_rows(
    path: Path, lines: Iterable[tuple[int, bytes]], want: int
) -> tuple[GrowingMatrix, int]:
    """Parse up to `want` rows of tab-separated numbers; also count all rows."""
    rows: GrowingMatrix | None = None
    total = 0
    for lineno, line in lines:
        total += 1
        if total > want:
            continue
        cells = line.split(b"\t")
        if rows is None:
            check_dimensions(path, lineno, len(cells))
            rows = GrowingMatrix(len(cells), min(want, 1024))
        if len(cells) != rows.data.shape[1]:
            raise FormatError(
                f"{quoted(path)} line {lineno} has {plural(len(cells), 'value')} but the first "
                f"row has {rows.data.shape[1]}; fix or re-export the file."
            )
        with np.errstate(over="ignore"):
            append_row(rows, cells, path, lineno)
    if rows is None:
        raise FormatError(f"{quoted(path)} has no vectors in it; choose a file with some rows.")
    return rows, total


def write_tsv(emb: Embeddings, out: Path) -> list[Path]:
    """Write vectors.tsv and metadata.tsv (with a count column when there are counts) into `out`."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{quoted(out)} is a file; the tsv format writes into a folder.")
    return [
        write_file(out / "vectors.tsv", _vector_rows(emb)),
        write_file(out / "metadata.tsv", _metadata_rows(emb)),
    ]


def _vector_rows(emb: Embeddings) -> Iterator[bytes]:
    for row in emb.vectors:
        yield (format_row(row, "\t") + "\n").encode()


def _metadata_rows(emb: Embeddings) -> Iterator[bytes]:
    if emb.counts is None:
        for word in emb.words:
            yield f"{word}\n".encode()
        return
    yield b"word\tcount\n"
    for word, count in zip(emb.words, emb.counts, strict=True):
        yield f"{word}\t{int(count)}\n".encode()
