"""Tell a vector file's format from its first bytes (and, as a last resort, its extension).

>>> looks_textual(b"cat 0.5 -1.25\\ndog 1 2\\n"), looks_textual(b"cat \\x00\\x00\\x80?\\n")
(True, False)
>>> is_fasttext_bin(FASTTEXT_MAGIC.to_bytes(4, "little") + bytes(60))
True
"""

from __future__ import annotations

import struct
from pathlib import Path

from embedlab.errors import FormatError
from embedlab.formats._common import PathLike, check_exists, is_number, quoted
from embedlab.formats._lines import SNIFF_BYTES, parse_header, strip_bom, trailing_numbers
from embedlab.formats._parsed import guarded
from embedlab.formats.pickles import PICKLE_SUFFIXES, pickle_error

FASTTEXT_MAGIC = 793712314

_CONTROL = bytes(sorted(set(range(32)) - {9, 10, 13} | {127}))
_KNOWN_BINARIES = {
    b"\x1f\x8b": "is gzip-compressed; decompress it first",
    b"PK\x03\x04": "is a zip archive; unpack it and choose the vector file inside",
    b"\x93NUMPY": "is a bare .npy array with no words; save a native folder with words.txt",
}
# files people pick by mistake: named for what they are, with no talk of folders
_NOT_VECTORS = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"%PDF-": "a PDF document",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Office document",
}
FILE_FORMATS = "word2vec (text or binary), GloVe, fastText or projector TSV"


def has_control(data: bytes) -> bool:
    """Whether `data` holds a control byte other than tab, newline and carriage return."""
    return len(data.translate(None, _CONTROL)) != len(data)


def looks_textual(data: bytes) -> bool:
    """Whether bytes read after a word2vec header are text rows rather than float32 data.

    Float32 data nearly always holds control bytes or is not UTF-8; a short Windows-1252
    text file is told apart by its first row, which ends in a number.
    """
    if has_control(data):
        return False
    complete = data[: data.rfind(b"\n") + 1] or data
    try:
        complete.decode("utf-8")
    except UnicodeDecodeError:
        fields = complete.split(b"\n", 1)[0].rstrip(b" \t\r").split(b" ")
        return len(fields) > 1 and is_number(fields[-1])
    return True


def is_fasttext_bin(head: bytes) -> bool:
    """Whether a file starting with `head` is a Facebook fastText .bin model."""
    return head[:4] == FASTTEXT_MAGIC.to_bytes(4, "little") or _is_old_fasttext(head)


def _is_old_fasttext(head: bytes) -> bool:
    """Facebook's fastText .bin from before the magic number (gensim's lee_fasttext.bin)."""
    if len(head) < 56:
        return False
    dim, ws, epoch, min_count, neg, ngrams, loss, model, bucket, minn, maxn, lr_rate, t = (
        struct.unpack("<12id", head[:56])
    )
    return (
        0 < dim <= 100_000
        and 0 < ws <= 10_000
        and 0 < epoch <= 100_000
        and min_count >= 0
        and neg >= 0
        and ngrams >= 1
        and 1 <= loss <= 4
        and 1 <= model <= 3
        and bucket >= 0
        and 0 <= minn <= maxn <= 1000
        and lr_rate > 0
        and 0.0 <= t < 1.0
    )


def sniff(path: Path) -> str:
    """The format of a file or folder: one of READ_FORMATS (not "auto"), or "pickle"."""
    if path.is_dir():
        return _sniff_dir(path)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise FormatError(f"{quoted(path)} is empty; choose a file with word vectors in it.")
    if is_fasttext_bin(head):
        return "fasttext"
    if head[0] == 0x80 and len(head) > 1 and head[1] <= 5:
        return "pickle"
    _refuse_known_binaries(path, head)
    first, _, rest = strip_bom(head).partition(b"\n")
    header = parse_header(first)
    if header is not None:
        return "word2vec" if looks_textual(rest) else "word2vec-bin"
    first = first.rstrip(b"\r")
    if has_control(first):
        return _unknown(path)
    cells = first.split(b"\t")
    if all(is_number(c) for c in cells) and (path.suffix.lower() == ".tsv" or len(cells) > 1):
        return "tsv"
    fields = first.rstrip(b" \t").split(b" ")
    if len(fields) > 1 and trailing_numbers(fields) > 0:
        return "glove"
    return _unknown(path)


def _sniff_dir(path: Path) -> str:
    if (path / "words.txt").is_file() and any(
        (path / f"vectors.{ext}").is_file() for ext in ("npy", "safetensors")
    ):
        return "native"
    if (path / "vectors.tsv").is_file():
        return "tsv"
    raise FormatError(
        f"The folder {quoted(path)} holds neither words.txt with vectors.npy or "
        "vectors.safetensors (embedlab's native format) nor a projector vectors.tsv; choose a "
        "vector file or such a folder."
    )


def _unknown(path: Path) -> str:
    """A file that is none of the formats: name the file formats (a folder is no answer for a
    file; the .zip of one is)."""
    if path.suffix.lower() in PICKLE_SUFFIXES:
        return "pickle"
    raise FormatError(
        f"{quoted(path)} is not a vector format embedlab knows; use a {FILE_FORMATS} file, or "
        "a .zip of a projector or embedlab folder."
    )


def _refuse_known_binaries(path: Path, head: bytes) -> None:
    for magic, hint in _KNOWN_BINARIES.items():
        if head.startswith(magic):
            raise FormatError(f"{quoted(path)} {hint}.")
    for magic, what in _NOT_VECTORS.items():
        if head.startswith(magic):
            raise FormatError(
                f"{quoted(path)} is {what}, not a vector format embedlab knows; choose the "
                f"{FILE_FORMATS} file."
            )


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
    check_exists(path)
    fmt = guarded(path, "a vector file", lambda: sniff(path))
    if fmt == "pickle":
        raise pickle_error(path)
    return fmt
