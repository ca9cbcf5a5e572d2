"""Uploads to sentences: a path, or bytes named by a file name; through .gz and inside .zip.

`Source` checks what was passed to `ingest`, and `Source.read_into` feeds every text file in
it (itself, a gzip's content, a zip's members) to a `Sink`: each file's encoding comes from
`ingest.textio`, its documents from `ingest.documents`. The format comes from the file
name: .csv, .tsv, .jsonl/.ndjson, else plain text, each maybe gzipped (x.csv.gz), or a .zip.
Archives are guarded: a zip bomb (too many bytes, or too many times its size), a password,
a member path that climbs out of the archive or a corrupt stream gets one clear message.

>>> class Printer:  # a Sink
...     def add(self, event):
...         if event is not None:
...             print(event)
...     def restart_file(self): ...
...     def end_file(self): ...
>>> source = Source(b"One cat. Two cats!", "cats.txt")
>>> source.label
"'cats.txt'"
>>> source.read_into(Printer())
One cat.
Two cats!
SourceReport(encodings=['utf-8'], columns=[], files=1)
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from embedlab import limits
from embedlab.errors import EmbedlabError, InputError
from embedlab.formats.zipsafe import (
    quoted_name,
    ratio_bomb_error,
    too_expanded,
    zip_bomb_error,
    zip_members,
)
from embedlab.ingest.documents import Documents, text_newline
from embedlab.ingest.textio import (
    UPLOAD_HINT,
    EmptyError,
    NotTextError,
    read_decoded,
    sniff_encoding,
)

MAX_EXPANDED_BYTES = limits.MAX_EXPANDED_BYTES.default
"""Most bytes an archive may expand to by default (`embedlab.limits.MAX_EXPANDED_BYTES`)."""

MAX_EXPANSION_RATIO = limits.MAX_EXPANSION_RATIO.default
"""Most times an archive may expand past RATIO_FLOOR_BYTES by default
(`embedlab.limits.MAX_EXPANSION_RATIO`)."""

_PROGRESS_EVERY = 1024 * 1024
_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".zip": "zip", ".tar": "tar", ".tgz": "tar",
}  # fmt: skip


class Sink(Protocol):
    """Where `Source.read_into` puts the sentences of one file after another."""

    def add(self, event: str | None) -> None:
        """Take a sentence, or None at the end of a document."""

    def restart_file(self) -> None:
        """Forget what the current file added: it is read again from its start, as cp1252."""

    def end_file(self) -> None:
        """The current file is done; what comes next belongs to the next file."""


@dataclass
class SourceReport:
    """What `Source.read_into` read: the encodings and text columns seen, and the file count."""

    encodings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    files: int = 0

    def add(self, encoding: str, column: str | None) -> None:
        """Count one more file, read with `encoding` from `column`."""
        self.files += 1
        for seen, value in ((self.encodings, encoding), (self.columns, column)):
            if value is not None and value not in seen:
                seen.append(value)


class Source:
    """What was passed to `ingest`: a path, or bytes named by `filename` (checked here).

    `name` is its file name, from which its format comes; `label` names it in messages.
    `on_progress(bytes_read)` is called about every MB with the bytes of it read so far
    (compressed bytes for .gz and .zip), never more than its size.

    >>> Source("no/such/file.txt")
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: 'no/such/file.txt' does not exist; check the path.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes,
        filename: str | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self._meter = _Meter(on_progress)
        self.name, self._top = _source_input(source, filename, self._meter)
        self.label = self._meter.label = self._top.label

    def read_into(self, sink: Sink, text_column: str | None = None) -> SourceReport:
        """Feed every text file in the source to `sink`; refuses a source without one.

        `text_column` names the CSV column or JSON field to read (guessed when None). Inside a
        zip, binary and empty files are skipped; on their own they are refused.
        """
        report = SourceReport()
        with contextlib.closing(_expand(self.name, self._top)) as inputs:
            for inp in inputs:
                try:
                    encoding, column = _read_input(inp, sink, self._meter, text_column)
                except (NotTextError, EmptyError):
                    if inp.in_archive:
                        continue
                    raise
                report.add(encoding, column)
        if report.files == 0:
            raise InputError(f"{self.label} contains no text files; {UPLOAD_HINT}.")
        self._meter.report()
        return report


# --- counting bytes: progress and the zip-bomb guard ------------------------------------------


class _Meter:
    """Counts source bytes read (for progress) and expanded bytes (for the zip-bomb guard)."""

    def __init__(self, on_progress: Callable[[int], None] | None) -> None:
        self.on_progress = on_progress
        self.label = "The upload"
        self.size: int | None = None  # of the source, when known: reports never exceed it
        self.limit = limits.MAX_EXPANDED_BYTES.value()
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
            raise zip_bomb_error(self.label, self.limit)
        if too_expanded(self.expanded, self.read):  # a .gz says nothing of its size up front
            raise ratio_bomb_error(self.label, self.expanded, self.read)

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


def _counted(open_raw: Callable[[], IO[bytes]], meter: _Meter) -> Callable[[], IO[bytes]]:
    """An opener whose streams count the bytes read from them as progress."""
    return lambda: _Counted(open_raw(), meter.add_read)


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


def _source_input(
    source: str | os.PathLike[str] | bytes, filename: str | None, meter: _Meter
) -> tuple[str, _Input]:
    """(file name, input) for what was passed to ingest (before gzip and zip are looked into).

    Its bytes are counted by `meter` as they are read, for progress.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = source if isinstance(source, bytes) else bytes(source)
        label = quoted_name(filename) if filename else "The upload"
        opener = _counted(functools.partial(io.BytesIO, data), meter)
        meter.size = len(data)
        return filename or "upload", _Input(label, "text", opener, False, False)
    path = Path(source)
    label = quoted_name(filename or os.fspath(source))
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
        raise InputError(f"{inp.label} is a tar or gzipped zip archive; {UPLOAD_HINT}.")
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
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as err:
            raise InputError(
                f"{inp.label} is not a valid zip file ({_reason(err)}); upload the archive again."
            ) from err
        with archive:
            for info in zip_members(archive, inp.label, lambda name: _format(name)[0] == "zip"):
                within = inp.label if inp.label.startswith("'") else inp.label.lower()
                member_label = f"{quoted_name(info.filename)} in {within}"
                member = _Input(
                    member_label,
                    "text",
                    functools.partial(_open_member, archive, info, member_label),
                    True,
                    True,
                )
                yield from _expand(info.filename, member)


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> IO[bytes]:
    """A zip member's stream; a local header that contradicts the directory is refused."""
    try:
        return archive.open(info)
    except UnicodeDecodeError as err:  # a UTF-8-flagged name that is not UTF-8
        raise InputError(f"{label} is corrupt ({_reason(err)}); upload it again.") from err


# --- reading one input ------------------------------------------------------------------------


@contextlib.contextmanager
def _corrupt_guard(label: str) -> Iterator[None]:
    """Turn the errors of a broken gzip stream or zip member into one InputError."""
    try:
        yield
    except EmbedlabError:  # already one clear sentence (and an InputError is a ValueError)
        raise
    except (gzip.BadGzipFile, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError) as err:
        raise InputError(
            f"{label} is corrupt or truncated ({_reason(err)}); upload it again."
        ) from err
    except OSError as err:
        if err.errno is not None:  # a real I/O error (a full disk), not a broken stream
            raise
        raise InputError(  # bz2's "Invalid data stream"
            f"{label} is corrupt or truncated ({_reason(err)}); upload it again."
        ) from err
    except ValueError as err:  # zipfile: a member's offset or sizes that make no sense
        if isinstance(err, UnicodeError):
            raise
        raise InputError(
            f"{label} is corrupt or truncated ({_reason(err)}); upload it again."
        ) from err
    except (NotImplementedError, RuntimeError) as err:  # zipfile: methods, versions, encryption
        raise InputError(
            f"{label} uses a zip feature embedlab cannot read ({_reason(err)}); re-create the "
            "archive with ordinary (deflate) compression and no password."
        ) from err


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split())[:120]
    return text or type(err).__name__


def _read_input(
    inp: _Input, sink: Sink, meter: _Meter, wanted: str | None
) -> tuple[str, str | None]:
    """Read one input into the sink; returns (encoding, text column)."""

    def open_counted() -> IO[bytes]:
        raw = inp.open()
        return _Counted(raw, meter.add_expanded) if inp.expanded else raw

    def read(text: IO[str]) -> str | None:
        documents = Documents(text, inp.fmt, inp.label, wanted)
        for event in documents:
            sink.add(event)
        return documents.column

    def restart() -> None:
        sink.restart_file()
        meter.rewind()

    with _corrupt_guard(inp.label):
        meter.mark()
        encoding = sniff_encoding(inp.open, inp.label)
        meter.rewind()  # the sample is read again below
        newline = text_newline(inp.fmt)
        label, column = read_decoded(
            open_counted, encoding, inp.label, read, newline=newline, restart=restart
        )
        sink.end_file()
    return label, column
