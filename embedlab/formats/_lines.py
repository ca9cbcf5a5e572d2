"""Lines of a text vector file: numbering, the "count dim" header, rows of numbers.

>>> parse_header(b"3 300\\r\\n"), parse_header(b"the 0.1 0.2")
((3, 300), None)
>>> trailing_numbers([b"new", b"york", b"1.5", b"-2"])
2
>>> rows = GrowingMatrix(dim=2, capacity=1)
>>> for row in ([1, 2], [3, 4], [5, 6]):
...     rows.append(row)
>>> rows.finish().tolist()
[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from embedlab.errors import FormatError
from embedlab.formats._common import is_number, quoted, show

SNIFF_BYTES = 64 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest row of a text vector file (a 100,000-dimensional row takes about 1.2 MB)."""
MAX_DIMENSIONS = 100_000
"""Most dimensions a vector file may have (a header or a first row claiming more is refused)."""
_START_BYTES = 16 * 1024 * 1024  # a GrowingMatrix starts with at most this much memory


def strip_bom(line: bytes) -> bytes:
    """`line` without a leading UTF-8 byte order mark."""
    return line[3:] if line.startswith(b"\xef\xbb\xbf") else line


def text_lines(f: IO[bytes], start: int = 1) -> Iterator[tuple[int, bytes]]:
    """Numbered, right-stripped, non-blank lines of a binary file; no line over MAX_LINE_BYTES.

    >>> import io
    >>> list(text_lines(io.BytesIO(b"a 1\\n\\nb 2\\r\\n")))
    [(1, b'a 1'), (3, b'b 2')]
    """
    limit = MAX_LINE_BYTES
    lineno = start - 1
    while raw := f.readline(limit + 1):
        lineno += 1
        if len(raw) > limit:
            name = getattr(f, "name", None)
            raise FormatError(
                f"{quoted(name) if isinstance(name, str) else 'The file'} line {lineno} is "
                f"longer than {limit:,} bytes, far more than a word and its values; check that "
                "this is a vector file, or re-export it."
            )
        line = raw.rstrip(b" \t\r\n")
        if lineno == 1:
            line = strip_bom(line)
        if line:
            yield lineno, line


def trailing_numbers(fields: Sequence[bytes]) -> int:
    """How many fields at the end are numbers; the first field is always the word."""
    n = 0
    for token in reversed(fields[1:]):
        if not is_number(token):
            break
        n += 1
    return n


def parse_header(line: bytes) -> tuple[int, int] | None:
    """ "count dim" as two ints, or None when the line is not such a header."""
    fields = [f for f in line.strip(b" \t\r\n").split(b" ") if f]
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[0]), int(fields[1])
    return None


def starts_with_header(head: bytes) -> bool:
    """Whether the first line of `head` is a word2vec header (fastText's .vec has one)."""
    return parse_header(strip_bom(head).partition(b"\n")[0]) is not None


def read_header(path: Path, line: bytes) -> tuple[int, int]:
    """The header of a word2vec file (text or binary); raise naming what is wrong with it."""
    header = parse_header(line)
    if header is None:
        raise FormatError(
            f"{quoted(path)} line 1 should be a header 'words dimensions' such as '1000 300' but "
            f"is '{show(line)}'; if the file has no header, read it as glove."
        )
    if header[0] < 1 or header[1] < 1:
        raise FormatError(
            f"{quoted(path)} line 1 header '{show(line)}' must give a positive word count and "
            "dimension; fix the header."
        )
    check_dimensions(path, 1, header[1])
    return header


def check_dimensions(path: Path, lineno: int, dim: int) -> None:
    """Refuse more than MAX_DIMENSIONS dimensions (before memory is set aside for them).

    >>> check_dimensions(Path("v.txt"), 1, 4_000_000_000)
    Traceback (most recent call last):
    ...
    embedlab.errors.FormatError: 'v.txt' line 1 gives 4,000,000,000 dimensions, more than \
the 100,000 embedlab reads; check the header or the format.
    """
    if dim > MAX_DIMENSIONS:
        raise FormatError(
            f"{quoted(path)} line {lineno} gives {dim:,} dimensions, more than the "
            f"{MAX_DIMENSIONS:,} embedlab reads; check the header or the format."
        )


class GrowingMatrix:
    """A float32 matrix that grows by doubling while rows are read."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        capacity = min(capacity, _START_BYTES // (4 * max(1, dim)))  # wide rows: start small
        self.data = np.empty((max(1, capacity), dim), dtype=np.float32)
        self.n = 0

    def append(self, row: Any) -> None:
        """Add one row (anything numpy turns into `dim` float32s)."""
        if self.n == self.data.shape[0]:
            self.data.resize((2 * self.n, self.data.shape[1]), refcheck=False)
        self.data[self.n] = row
        self.n += 1

    def finish(self) -> np.ndarray:
        """The rows appended so far, as one array (the buffer is trimmed, not copied)."""
        self.data.resize((self.n, self.data.shape[1]), refcheck=False)
        return self.data


def append_row(rows: GrowingMatrix, values: list[bytes], path: Path, lineno: int) -> None:
    """Append a row of number fields; a field that is not a number is named in the error."""
    try:
        rows.append(values)
    except ValueError:
        bad = next((v for v in values if not is_number(v)), b"?")
        raise FormatError(
            f"{quoted(path)} line {lineno} has the non-numeric value '{show(bad)}'; "
            "fix or re-export the file."
        ) from None
