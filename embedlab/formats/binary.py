"""word2vec binary: a "count dim" text header, then per word `word` b" " and dim float32s.

Each record may end in b"\\n" (the C tool writes one; some writers do not).

>>> import tempfile
>>> emb = Embeddings(["cat", "dog"], np.array([[1, 0.5], [0.25, -2]], dtype=np.float32))
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_word2vec_bin(emb, Path(tmp) / "pets.bin")
...     path.read_bytes()[:12], read_word2vec_bin(path, limit=1).words
(b'2 2\\ncat \\x00\\x00\\x80?', ['cat'])
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError
from embedlab.formats._common import plural, quoted, show
from embedlab.formats._lines import SNIFF_BYTES, GrowingMatrix, read_header, strip_bom
from embedlab.formats._parsed import Parsed
from embedlab.formats._writing import write_file
from embedlab.formats.detect import looks_textual

_CHUNK = 1 << 20
_MAX_WORD = 64 * 1024


def read_word2vec_bin(path: Path, limit: int | None) -> Parsed:
    """word2vec binary; a file with more records than its header says is refused."""
    with path.open("rb") as f:
        line = strip_bom(f.readline(SNIFF_BYTES)).rstrip(b"\r\n")
        count, dim = read_header(path, line)
        start = f.tell()
        if looks_textual(f.read(SNIFF_BYTES)):
            raise FormatError(
                f"{quoted(path)} holds text rows, not binary data; read it as word2vec."
            )
        f.seek(start)
        want = count if limit is None else min(count, limit)
        words, rows, tail = _read_records(f, path, dim, want, count)
        if want == count and (tail.strip() or f.read(_CHUNK).strip()):
            raise FormatError(
                f"{quoted(path)} has more data after the {plural(count, 'word')} its header "
                "announces; fix the header's word count or re-export the file."
            )
    return Parsed.decode(words, rows, path, lambda i: f"word {i + 1}")


def _read_records(
    f: IO[bytes], path: Path, dim: int, want: int, count: int
) -> tuple[list[bytes], GrowingMatrix, bytes]:
    """Read `want` records of `word` b" " float32×dim; return words, rows and unread bytes."""
    size = 4 * dim
    words: list[bytes] = []
    rows = GrowingMatrix(dim, min(want, 1024))
    seen: dict[bytes, int] = {}
    buf, pos = b"", 0
    while len(words) < want:
        space = buf.find(b" ", pos)
        while space < 0 or len(buf) - space - 1 < size:
            if space < 0 and len(buf) - pos > _MAX_WORD:
                raise FormatError(
                    f"{quoted(path)} word {len(words) + 1} is not followed by a space within "
                    f"{_MAX_WORD} bytes; the file is not word2vec binary or is corrupt."
                )
            chunk = f.read(_CHUNK)
            if not chunk:
                raise FormatError(
                    f"{quoted(path)} ends after {len(words)} of {plural(count, 'word')}; the "
                    "file is truncated, so download or export it again."
                )
            buf, pos = buf[pos:] + chunk, 0
            space = buf.find(b" ")
        word = buf[pos:space].lstrip(b"\n")  # the C tool ends each vector with b"\n"
        if not word:
            raise FormatError(
                f"{quoted(path)} word {len(words) + 1} is empty; the file is corrupt, so export "
                "it again."
            )
        if word in seen:
            raise FormatError(
                f"{quoted(path)} has the word '{show(word)}' twice (words {seen[word]} and "
                f"{len(words) + 1}); remove one of them."
            )
        seen[word] = len(words) + 1
        rows.append(np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1))
        words.append(word)
        pos = space + 1 + size
    return words, rows, buf[pos:]


def write_word2vec_bin(emb: Embeddings, out: Path) -> Path:
    """Write word2vec binary (as the C tool and gensim do) to the file `out`, atomically."""
    return write_file(out, _records(emb))


def _records(emb: Embeddings) -> Iterator[bytes]:
    yield f"{len(emb)} {emb.dim}\n".encode()
    for word, row in zip(emb.words, emb.vectors.astype("<f4", copy=False), strict=True):
        yield word.encode() + b" " + row.tobytes() + b"\n"
