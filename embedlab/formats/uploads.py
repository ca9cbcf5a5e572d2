"""An upload (bytes and the name the browser gave) as a file on disk, for readers that take a path.

The bytes go to a fresh temporary folder under a cleaned-up version of the name (no folders,
no control characters, not too long), and the folder is removed when the block ends. Both the
vector upload (`read_vectors_bytes`) and the app's own benchmark files go through here.

>>> with upload_as_file(b"cat 1 2\\n", "../../etc/vectors.txt") as path:
...     path.name, path.read_bytes(), path.exists()
('vectors.txt', b'cat 1 2\\n', True)
>>> path.exists()
False
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from embedlab.errors import InputError

_MAX_NAME = 200


def safe_filename(filename: str | None, default: str = "upload") -> str:
    """The last part of an uploaded file's name, printable and at most 200 characters
    (`default` when nothing is left).

    >>> safe_filename("C:\\\\Users\\\\me\\\\glove.txt"), safe_filename("..")
    ('glove.txt', 'upload')
    >>> safe_filename("", default="b.txt")
    'b.txt'
    """
    base = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(c for c in base if c.isprintable())
    if base in ("", ".", ".."):
        return default
    return base if len(base) <= _MAX_NAME else base[:150] + base[-50:]


@contextmanager
def upload_as_file(
    data: bytes | bytearray | memoryview,
    filename: str | None,
    *,
    default: str = "upload",
    prefix: str = "embedlab-upload-",
) -> Iterator[Path]:
    """Write `data` to a temporary folder as `safe_filename(filename)`; yield its path and
    remove the folder afterwards."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"An upload must be bytes; got {type(data).__name__}.")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp) / "upload"
        folder.mkdir()
        path = folder / safe_filename(filename, default)
        path.write_bytes(bytes(data))
        yield path
