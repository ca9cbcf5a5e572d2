"""Bytes to text: detect a file's encoding, refuse binary data, decode with a cp1252 restart.

A file's first 64 KB decide its encoding: a BOM (UTF-8, UTF-16, UTF-32), NUL bytes in every
other byte (UTF-16 without a BOM), or else UTF-8; they also refuse binary and empty files. When
a file read as UTF-8 holds a byte that is not UTF-8, `read_decoded` reads it again from the
start as cp1252, where the bytes that cp1252 leaves undefined decode as latin-1.

>>> import io
>>> data = "Un café.".encode("utf-16")
>>> encoding = sniff_encoding(lambda: io.BytesIO(data), "'menu.txt'")
>>> read_decoded(lambda: io.BytesIO(data), encoding, "'menu.txt'", lambda text: text.read())
('utf-16', 'Un café.')
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from embedlab.errors import InputError

T = TypeVar("T")

SAMPLE_BYTES = 64 * 1024
"""How many leading bytes of a file decide its encoding and whether it is text at all."""

UPLOAD_HINT = "upload a plain-text, CSV, JSONL, .gz or .zip file"
"""The end of the messages that refuse a file: what to upload instead."""

_BUFFER_BYTES = 64 * 1024
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_MIXED_SEQUENCES = 2  # UTF-8 sequences that make a cp1252 file "mixed" (one could be chance)


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that cp1252 leaves undefined decode as latin-1."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("embedlab.latin1", _latin1_fallback)


class NotTextError(InputError):
    """A file that holds binary data (skipped inside a zip, refused on its own)."""


class EmptyError(InputError):
    """A file with nothing but whitespace (skipped inside a zip, refused on its own)."""


@dataclass(frozen=True)
class Encoding:
    """How a file is decoded, and what the stats call it.

    >>> UTF8.errors, CP1252.errors
    ('strict', 'embedlab.latin1')
    """

    codec: str  # what Python decodes with
    label: str  # what the stats report
    fallback: bool = False  # on a decode error, start again as cp1252

    @property
    def errors(self) -> str:
        """The codec error handler: cp1252's undefined bytes decode as latin-1."""
        return "embedlab.latin1" if self.codec == "cp1252" else "strict"


UTF8 = Encoding("utf-8", "utf-8", fallback=True)
CP1252 = Encoding("cp1252", "cp1252")
_BOMS = (
    (codecs.BOM_UTF32_LE, Encoding("utf-32", "utf-32")),
    (codecs.BOM_UTF32_BE, Encoding("utf-32", "utf-32")),
    (codecs.BOM_UTF8, Encoding("utf-8-sig", "utf-8")),
    (codecs.BOM_UTF16_LE, Encoding("utf-16", "utf-16")),
    (codecs.BOM_UTF16_BE, Encoding("utf-16", "utf-16")),
)
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_CONTROL_CHARS = frozenset(map(chr, _CONTROL_BYTES))


def _utf16_without_bom(sample: bytes) -> Encoding | None:
    """UTF-16 when NUL bytes sit in most odd (or even) bytes: Latin text without a BOM.

    Latin-script UTF-16 has a NUL in nearly every other byte; text with a NUL every fourth
    byte, say, is binary data, not UTF-16.

    >>> _utf16_without_bom("Un café".encode("utf-16-le")).label
    'utf-16-le'
    >>> _utf16_without_bom(b"a\\x00b " * 20) is None
    True
    """
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0), odd.count(0)
    if nul_odd > len(odd) * 2 // 3 and nul_even <= len(even) // 100:
        return Encoding("utf-16-le", "utf-16-le")
    if nul_even > len(even) * 2 // 3 and nul_odd <= len(odd) // 100:
        return Encoding("utf-16-be", "utf-16-be")
    return None


def _not_text(label: str) -> NotTextError:
    return NotTextError(f"{label} is not text (it looks like binary data); {UPLOAD_HINT}.")


def detect_encoding(sample: bytes, label: str, whole: bool) -> Encoding:
    """The encoding of a file from its first bytes; refuses binary and empty files.

    `whole` says that `sample` is the whole file; `label` names the file in messages.

    >>> detect_encoding("naïve".encode("utf-16-le"), "'a.txt'", whole=True).label
    'utf-16-le'
    >>> detect_encoding(bytes(range(32)), "'a.bin'", whole=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    embedlab.ingest.textio.NotTextError: 'a.bin' is not text (it looks like binary data)...
    """
    encoding = next((enc for bom, enc in _BOMS if sample.startswith(bom)), None)
    encoding = encoding or _utf16_without_bom(sample)
    if encoding is None:
        controls = sum(sample.count(b) for b in _CONTROL_BYTES)
        if b"\0" in sample or controls > len(sample) / 10:
            raise _not_text(label)
        encoding = UTF8
    try:
        text = codecs.getincrementaldecoder(encoding.codec)().decode(sample, final=whole)
    except UnicodeDecodeError:
        if not encoding.fallback:
            raise _not_text(label) from None
        text = sample.decode("cp1252", errors="embedlab.latin1")
    if sum(text.count(c) for c in _CONTROL_CHARS) > len(text) / 10:
        raise _not_text(label)
    if whole and not text.strip():
        raise EmptyError(f"{label} is empty; upload a file with some text in it.")
    return encoding


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def sniff_encoding(open_raw: Callable[[], IO[bytes]], label: str) -> Encoding:
    """The encoding of the bytes that `open_raw()` gives, from the first SAMPLE_BYTES of them.

    >>> sniff_encoding(lambda: io.BytesIO("naïve".encode("utf-16-be")), "'a.txt'").label
    'utf-16-be'
    """
    with open_raw() as raw:
        sample = _read_up_to(raw, SAMPLE_BYTES)
    return detect_encoding(sample, label, whole=len(sample) < SAMPLE_BYTES)


def _read_as(
    open_raw: Callable[[], IO[bytes]],
    encoding: Encoding,
    read: Callable[[IO[str]], T],
    newline: str | None,
) -> T:
    buffered = io.BufferedReader(open_raw(), buffer_size=_BUFFER_BYTES)
    with io.TextIOWrapper(buffered, encoding.codec, encoding.errors, newline=newline) as text:
        return read(text)


class _Utf8Spotter(io.RawIOBase):
    """A raw stream that refuses its file once it has seen a few valid UTF-8 sequences.

    Wrapped around a file that is being read as cp1252 because it is not UTF-8 throughout:
    UTF-8 sequences in it (such as b"\\xc3\\xa9", UTF-8's é) mean two encodings are mixed.
    """

    def __init__(self, inner: IO[bytes], label: str) -> None:
        self._inner, self._label = inner, label
        self._tail = b""
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            data = self._tail + bytes(memoryview(buffer)[:n])
            if not data.isascii():
                self._seen += len(_UTF8_SEQUENCE.findall(data, len(self._tail)))
                if self._seen >= _MIXED_SEQUENCES:
                    raise mixed_error(self._label)
            self._tail = data[-3:]
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def mixed_error(label: str) -> InputError:
    """The error for a file that mixes UTF-8 with another encoding.

    >>> print(mixed_error("'notes.txt'"))  # doctest: +ELLIPSIS
    'notes.txt' mixes two text encodings (UTF-8 in places, ...); save the whole file as UTF-8 ...
    """
    return InputError(
        f"{label} mixes two text encodings (UTF-8 in places, another such as Windows-1252 "
        "elsewhere); save the whole file as UTF-8 and upload it again."
    )


def read_decoded(
    open_raw: Callable[[], IO[bytes]],
    encoding: Encoding,
    label: str,
    read: Callable[[IO[str]], T],
    *,
    newline: str | None = None,
    restart: Callable[[], None] | None = None,
) -> tuple[str, T]:
    """`read(text)` on the bytes of `open_raw()` decoded; returns (encoding label, its result).

    A UTF-8 decode error (a cp1252 byte past the sniffed sample) calls `restart()`, to undo
    what `read` did, and reads the stream again as cp1252; other encodings' errors are refused,
    and so is a file that turns out to mix UTF-8 with cp1252.
    `newline` is TextIOWrapper's (None: universal newlines).

    >>> data = b"plain words " * 10_000 + "café".encode("cp1252")
    >>> read_decoded(lambda: io.BytesIO(data), UTF8, "'late.txt'", lambda t: t.read()[-4:])
    ('cp1252', 'café')
    """
    try:
        return encoding.label, _read_as(open_raw, encoding, read, newline)
    except UnicodeDecodeError as err:
        if not encoding.fallback:
            raise InputError(
                f"{label} is not valid {encoding.label} text ({err.reason}); save it as "
                "UTF-8 and upload it again."
            ) from err
    if restart is not None:
        restart()

    def open_spotted() -> IO[bytes]:
        return _Utf8Spotter(open_raw(), label)  # type: ignore[return-value]

    return CP1252.label, _read_as(open_spotted, CP1252, read, newline)
