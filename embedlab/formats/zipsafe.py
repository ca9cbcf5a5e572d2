"""The rules every uploaded zip archive follows, for corpora, vector folders and bundles alike:
no member path that climbs out of the archive (zip slip), no password, no bomb (a total size
over `limits.MAX_EXPANDED_BYTES`, or a member that expands more than
`limits.MAX_EXPANSION_RATIO` times past `RATIO_FLOOR_BYTES`). Members are never extracted by
these checks; each refusal is one sentence.

>>> human_size(12_000_000), quoted_name("bad\\nname.txt")
('11.4 MB', "'bad?name.txt'")
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from embedlab import limits
from embedlab.errors import InputError

RATIO_FLOOR_BYTES = 10 * 1024 * 1024
"""Below this many expanded bytes the ratio guard is off (short repetitive text compresses well)."""


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def zip_bomb_error(label: str, limit: int) -> InputError:
    return InputError(
        f"{label} looks like a zip bomb (it expands to more than {human_size(limit)}); upload a "
        "smaller archive, or raise EMBEDLAB_MAX_EXPANDED_BYTES if you trust it."
    )


def ratio_bomb_error(label: str, expanded: int, packed: int) -> InputError:
    """The error for an archive that expands more than MAX_EXPANSION_RATIO times.

    >>> print(ratio_bomb_error("'a.zip'", 12_000_000, 12_000))  # doctest: +ELLIPSIS
    'a.zip' looks like a zip bomb (11.4 MB from 11.7 KB, 1,000 times; ... 200 times); upload ...
    """
    ratio = expanded / max(packed, 1)
    return InputError(
        f"{label} looks like a zip bomb ({human_size(expanded)} from {human_size(packed)}, "
        f"{ratio:,.0f} times; text compresses at most {limits.MAX_EXPANSION_RATIO.value()} "
        "times); upload a smaller archive, or unpack it and upload the text files."
    )


def too_expanded(expanded: int, packed: int) -> bool:
    ratio = limits.MAX_EXPANSION_RATIO.value()
    return expanded > RATIO_FLOOR_BYTES and expanded > ratio * max(packed, 1)


def quoted_name(name: str, limit: int = 120) -> str:
    """A file name for messages: quoted, on one line, shortened.

    >>> quoted_name("notes.txt"), quoted_name("bad\\nname.txt")
    ("'notes.txt'", "'bad?name.txt'")
    """
    text = "".join(c if c.isprintable() else "?" for c in name)
    return f"'{text if len(text) <= limit else text[: limit - 1] + '…'}'"


def is_content(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename).parts
    return (
        not info.is_dir()
        and bool(parts)
        and parts[0] != "__MACOSX"
        and not any(part.startswith(".") for part in parts)
    )


_UNSAFE_PATH = re.compile(r"^(?:/|[A-Za-z]:)|(?:^|/)\.\.(?:/|$)")


def check_paths(archive: zipfile.ZipFile, label: str) -> None:
    """Refuse a member whose path climbs out of the archive or starts at the root (zip slip).

    Members are never extracted to disk, but such a path marks a hostile or broken archive.
    """
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        if _UNSAFE_PATH.search(name):
            raise InputError(
                f"{label} holds a file with an unsafe path ({quoted_name(info.filename, 80)}, "
                "which climbs out of the archive or starts at the root); re-create the archive "
                "with relative paths."
            )


def zip_members(
    archive: zipfile.ZipFile,
    label: str,
    is_nested: Callable[[str], bool] = lambda name: name.lower().endswith(".zip"),
    hint: str = "put .txt, .csv or .jsonl files in the zip",
) -> list[zipfile.ZipInfo]:
    """The members worth reading; refuses bombs, passwords, unsafe paths and nested archives."""
    check_paths(archive, label)
    infos = [info for info in archive.infolist() if is_content(info)]
    nested = [info for info in infos if is_nested(info.filename)]
    infos = [info for info in infos if not is_nested(info.filename)]
    if not infos:
        what = (
            "only zip archives (archives inside an archive are not read)" if nested else "no files"
        )
        raise InputError(f"{label} contains {what}; {hint}.")
    limit = limits.MAX_EXPANDED_BYTES.value()
    if sum(info.file_size for info in infos) > limit:
        raise zip_bomb_error(label, limit)
    for info in infos:
        if too_expanded(info.file_size, info.compress_size):
            raise ratio_bomb_error(label, info.file_size, info.compress_size)
        if info.flag_bits & 0x1:
            raise InputError(
                f"{label} is password-protected; upload an archive without a password."
            )
    return infos
