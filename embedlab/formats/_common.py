"""Names and message pieces that every reader and writer shares.

>>> quoted("/data/glove.6B.50d.txt"), plural(1, "word"), plural(3, "word")
("'glove.6B.50d.txt'", '1 word', '3 words')
>>> show(b"caf\\xc3\\xa9\\n"), is_number(b"-1e-3"), is_number(b"nan"), is_number(b"x2")
('café\\\\n', True, True, False)
"""

from __future__ import annotations

import os
from pathlib import Path

from embedlab.errors import InputError

PathLike = str | os.PathLike[str]


def quoted(path: Path | str) -> str:
    """A file's name, quoted, for messages."""
    return f"'{Path(path).name}'"


def show(token: bytes | str, limit: int = 40) -> str:
    """A word or token, decoded leniently and shortened, for messages."""
    text = token.decode("utf-8", "replace") if isinstance(token, bytes) else token
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(n: int, noun: str) -> str:
    """`n` and `noun`, with an "s" unless `n` is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def is_number(token: bytes) -> bool:
    """Whether `float()` reads the token (so "nan" and "inf" count)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def check_exists(path: Path) -> None:
    """Raise an InputError naming `path` when nothing is there."""
    if not path.exists():
        raise InputError(f"{quoted(path)} does not exist; check the path '{path}'.")
