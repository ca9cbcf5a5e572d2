"""Facebook fastText models: a .bin (read through gensim, with subwords) or its .vec text.

>>> from gensim.test.utils import datapath
>>> parsed = read_fasttext(Path(datapath("lee_fasttext.bin")), limit=3)
>>> len(parsed.words), parsed.subwords is not None
(3, True)
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from embedlab.errors import FormatError
from embedlab.formats._common import quoted
from embedlab.formats._lines import MAX_DIMENSIONS, starts_with_header
from embedlab.formats._parsed import Parsed
from embedlab.formats.detect import FASTTEXT_MAGIC, is_fasttext_bin
from embedlab.formats.text import read_word2vec_text


def read_fasttext(path: Path, limit: int | None) -> Parsed:
    """A fastText .bin through gensim (imported only here), or a .vec as word2vec text."""
    with path.open("rb") as f:
        head = f.read(64)
    if not is_fasttext_bin(head):
        if starts_with_header(head):
            return read_word2vec_text(path, limit)  # fastText's text format, .vec
        raise FormatError(
            f"{quoted(path)} is not a fastText .bin model (it lacks fastText's header); choose "
            "the .bin file that fastText wrote, or its .vec text file."
        )
    check_layout(path)
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(path))
    except Exception as err:  # gensim raises struct.error, ValueError, AssertionError, ...
        raise FormatError(
            f"{quoted(path)} could not be read as a fastText model ({type(err).__name__}); the "
            "file is truncated or not a fastText .bin, so export it again."
        ) from err
    return Parsed.from_keyedvectors(kv, limit)


def _truncated(path: Path, what: str) -> FormatError:
    return FormatError(
        f"{quoted(path)} could not be read as a fastText model ({what}); the file is "
        "truncated or corrupt, so download or export it again."
    )


def check_layout(path: Path) -> None:
    """Walk a fastText .bin's header, vocabulary and input matrix without loading them.

    gensim's reader loops forever on a file cut inside its vocabulary, and sets memory aside
    for whatever sizes the header claims; this refuses such a file first. The file is
    memory-mapped, so even a multi-GB model costs one pass over its words.

    >>> import tempfile
    >>> from gensim.test.utils import datapath
    >>> check_layout(Path(datapath("lee_fasttext.bin")))  # a complete model: no error
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cut = Path(tmp) / "cut.bin"
    ...     _ = cut.write_bytes(Path(datapath("lee_fasttext.bin")).read_bytes()[:200])
    ...     check_layout(cut)
    Traceback (most recent call last):
    ...
    embedlab.errors.FormatError: 'cut.bin' could not be read as a fastText model (its \
vocabulary claims 1,762 words); the file is truncated or corrupt, so download or export it again.
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        size = len(data)

        def ints(fmt: str, at: int) -> tuple[int, ...]:
            if at + struct.calcsize(fmt) > size:
                raise _truncated(path, "it ends inside its header")
            return struct.unpack_from(fmt, data, at)

        new = ints("<i", 0)[0] == FASTTEXT_MAGIC
        base = 8 if new else 0  # the new format starts with a magic number and a version
        dim, bucket = ints("<i", base)[0], ints("<i", base + 32)[0]
        if not 0 < dim <= MAX_DIMENSIONS or bucket < 0:
            raise _truncated(path, f"its header gives {dim:,} dimensions and {bucket:,} buckets")
        pos = base + 56
        vocab_size, nwords, nlabels = ints("<3i", pos)
        pos += 12 + 8 + (8 if new else 0)  # then ntokens, and pruneidx_size in the new format
        if not 0 <= nwords <= vocab_size or nlabels < 0 or pos + 10 * vocab_size > size:
            raise _truncated(path, f"its vocabulary claims {vocab_size:,} words")
        prune = ints("<q", pos - 8)[0] if new else 0
        for i in range(vocab_size):
            end = data.find(b"\0", pos)
            if end < 0 or end + 10 > size:
                raise _truncated(path, f"it ends in word {i + 1:,} of {vocab_size:,}")
            pos = end + 1 + 9  # the word's NUL, then its count (int64) and type (int8)
        pos += 8 * max(0, prune) + (1 if new else 0)  # pruned ids; a "quantised" flag
        rows, cols = ints("<2q", pos)
        if cols != dim or rows < nwords or rows * cols * 4 > size - pos - 16:
            raise _truncated(path, f"its matrix of {rows:,} × {cols:,} values does not fit")
