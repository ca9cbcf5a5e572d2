"""Vector folders that arrive as one .zip: the projector pair and embedlab's native folder.

The Models page exports both folder formats as a zip (`embedlab.app.exports`), so both read
back from one: the archive's vector files (vectors.tsv with its metadata.tsv, or words.txt
with vectors.npy and the rest of a native folder) are copied into a temporary folder, which
the ordinary folder readers then read (vectors.npy with `allow_pickle=False`). The archive is
held to the rules corpora are (`embedlab.formats.zipsafe`): no member path that climbs out of
it, no password, no more than `limits.MAX_EXPANDED_BYTES` unpacked and no zip bomb by ratio.
Only the known file names are written, each under its own name in a fresh folder.

>>> import io, tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "pets-projector.zip"
...     with zipfile.ZipFile(path, "w") as z:
...         z.writestr("vectors.tsv", "1\\t0\\n0\\t1\\n")
...         z.writestr("metadata.tsv", "cat\\ndog\\n")
...     with unpacked_archive(path) as (folder, fmt):
...         fmt, sorted(p.name for p in folder.iterdir())
('tsv', ['metadata.tsv', 'vectors.tsv'])
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from embedlab.errors import FormatError
from embedlab.formats._common import quoted
from embedlab.formats.native import NATIVE_FILES

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
ARCHIVE_HINT = (
    "a .zip must hold a projector vectors.tsv (with its metadata.tsv) or an embedlab folder "
    "(words.txt with vectors.npy)"
)
_TSV_FILES = ("vectors.tsv", "metadata.tsv")
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError)


def is_zip(path: Path) -> bool:
    """Whether the file at `path` starts as a zip archive does."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head.startswith(ZIP_MAGIC)


def _visible(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and parts[0] != "__MACOSX" and not any(p.startswith(".") for p in parts)


def _reason(err: BaseException) -> str:
    return " ".join(str(err).split())[:120] or type(err).__name__


def _pick(infos: list[zipfile.ZipInfo], label: str) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """(format, {file name: member}) of the one vector folder in the archive."""
    folders: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        folders.setdefault(str(path.parent), {})[path.name] = info
    found: list[tuple[str, str, dict[str, zipfile.ZipInfo]]] = []
    for folder, files in folders.items():
        if "words.txt" in files and ({"vectors.npy", "vectors.safetensors"} & set(files)):
            found.append((folder, "native", {n: i for n, i in files.items() if n in NATIVE_FILES}))
        elif "vectors.tsv" in files:
            found.append((folder, "tsv", {n: i for n, i in files.items() if n in _TSV_FILES}))
    if not found:
        raise FormatError(
            f"{label} is a zip archive with neither a projector vectors.tsv nor an embedlab "
            "folder (words.txt with vectors.npy) in it; unpack it and choose the vector file "
            "inside."
        )
    if len(found) > 1:
        where = ", ".join(sorted("the top level" if f == "." else f"'{f}'" for f, _, _ in found))
        raise FormatError(
            f"{label} holds {len(found)} sets of vectors ({where}); zip one model at a time."
        )
    _, fmt, members = found[0]
    return fmt, members


@contextmanager
def unpacked_archive(path: Path) -> Iterator[tuple[Path, str]]:
    """The vector files of a projector or native .zip in a temporary folder: (folder, "tsv" or
    "native"). The folder is named after the archive and removed when the block ends."""
    # the archive rules corpora follow: zip slip, bombs (total and ratio), passwords
    from embedlab.formats.zipsafe import check_paths, zip_members

    label = quoted(path)
    try:
        archive = zipfile.ZipFile(path)
    except (*_BROKEN, OSError) as err:
        raise FormatError(
            f"{label} is a zip archive that cannot be read ({_reason(err)}); export or upload "
            "it again."
        ) from err
    with archive:
        check_paths(archive, label)
        if not any(_visible(i.filename) and not i.is_dir() for i in archive.infolist()):
            raise FormatError(f"{label} is an empty zip archive; {ARCHIVE_HINT}.")
        fmt, members = _pick(zip_members(archive, label), label)
        with tempfile.TemporaryDirectory(prefix="embedlab-archive-") as tmp:
            stem = "".join(c for c in path.stem if c.isprintable()).strip(" .") or "vectors"
            folder = Path(tmp) / stem[:120]
            folder.mkdir()
            for name, info in members.items():
                try:
                    with archive.open(info) as src, (folder / name).open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
                except _BROKEN as err:
                    raise FormatError(
                        f"'{name}' in {label} is corrupt or truncated ({_reason(err)}); export "
                        "or upload the archive again."
                    ) from err
            yield folder, fmt
