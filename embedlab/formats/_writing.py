"""What every writer shares: refusing words a format cannot store, and atomic replacement.

A file is written under a temporary name beside its target and renamed into place, so a
failed write leaves the old file as it was and no partial file behind.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_file(Path(tmp) / "out" / "hello.txt", [b"hello ", b"world\\n"])
...     path.read_text(), sorted(p.name for p in path.parent.iterdir())
('hello world\\n', ['hello.txt'])
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from embedlab.embeddings import Embeddings
from embedlab.errors import InputError
from embedlab.formats._common import is_number, quoted, show

_BUFFER = 1 << 20
_FORBIDDEN = {"word2vec-bin": " \n", "tsv": "\t\n\r", "native": "\n"}


def check_words(emb: Embeddings, fmt: str) -> None:
    """Refuse words that the format cannot store so that they read back the same."""
    forbidden = _FORBIDDEN.get(fmt, "\n")
    for word in emb.words:
        bad = next((c for c in forbidden if c in word), None)
        if not word or bad is not None:
            what = "is empty" if not word else f"contains {bad!r}"
            raise InputError(
                f"The word '{show(word)}' {what}, which the {fmt} format cannot store; "
                "rename it or use the native format."
            )
        last = word.rsplit(" ", 1)[-1].encode()
        if fmt in ("word2vec", "glove") and " " in word and is_number(last):
            raise InputError(
                f"The word '{show(word)}' ends in a number after a space, which {fmt} text "
                "cannot tell apart from a value; rename it or use the native format."
            )


def temp_beside(target: Path) -> Path:
    """A fresh hidden name in `target`'s folder to write to before renaming."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_file(target: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary name beside `target`, then rename it into place."""
    tmp = temp_beside(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb", buffering=_BUFFER) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def write_file(target: Path, chunks: Iterable[bytes]) -> Path:
    """Write `chunks` to the file `target` atomically, making its folder if needed."""
    if target.is_dir():
        raise InputError(f"{quoted(target)} is a folder; give a file name to write to.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target) as f:
        for chunk in chunks:
            f.write(chunk)
    return target


def write_error(target: Path, err: OSError) -> InputError:
    """The error for a write the system refused (no space, no permission, a file in the way)."""
    return InputError(
        f"Could not write {quoted(target)} ({err.strerror or err}); choose a writable location "
        "with enough free space."
    )
