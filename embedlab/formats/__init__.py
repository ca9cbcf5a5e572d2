"""Read and write word vectors: word2vec text and binary, GloVe, fastText, projector TSV, native.

Text formats are parsed row by row, so that a bad file gets an error that names the file,
the line and what is wrong with it. Uploaded files are never unpickled: gensim
`.model`/`.kv` pickles load only with `trust_pickle=True`, which only the CLI passes.
Each format lives in its own module (`text`, `binary`, `fasttext`, `tsv`, `native`,
`pickles`); `detect` tells them apart and this module dispatches. The two folder formats also
read from a .zip of the folder (`archives`), as the app exports them.

>>> import tempfile
>>> import numpy as np
>>> emb = Embeddings(["cat", "dog"], np.array([[1, 0.5], [0.25, -2]], dtype=np.float32))
>>> with tempfile.TemporaryDirectory() as tmp:
...     [path] = write_vectors(emb, Path(tmp) / "pets.txt", "word2vec")
...     print(path.read_text(), end="")
...     back = read_vectors(path)
2 2
cat 1.0 0.5
dog 0.25 -2.0
>>> back, back.meta["format"]
(Embeddings(name='pets', vocab=2, dim=2), 'word2vec')
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from embedlab.checks import positive_int
from embedlab.embeddings import Embeddings
from embedlab.errors import FormatError, InputError
from embedlab.formats._common import PathLike, check_exists, quoted
from embedlab.formats._parsed import Parsed, guarded
from embedlab.formats._writing import check_words, write_error
from embedlab.formats.archives import is_zip, unpacked_archive
from embedlab.formats.binary import read_word2vec_bin, write_word2vec_bin
from embedlab.formats.detect import FASTTEXT_MAGIC, detect_format, sniff
from embedlab.formats.fasttext import read_fasttext
from embedlab.formats.native import NATIVE_FILES, load_native, read_native, save_native
from embedlab.formats.pickles import PICKLE_SUFFIXES, pickle_error, read_pickle
from embedlab.formats.text import read_glove, read_word2vec_text, write_text
from embedlab.formats.tsv import read_tsv, write_tsv
from embedlab.formats.uploads import safe_filename, upload_as_file

__all__ = [
    "FASTTEXT_MAGIC",
    "NATIVE_FILES",
    "PICKLE_SUFFIXES",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "detect_format",
    "load_native",
    "read_vectors",
    "read_vectors_bytes",
    "save_native",
    "write_vectors",
]

READ_FORMATS: tuple[str, ...] = (
    "auto",
    "word2vec",
    "word2vec-bin",
    "glove",
    "fasttext",
    "tsv",
    "native",
)
WRITE_FORMATS: tuple[str, ...] = ("word2vec", "word2vec-bin", "glove", "tsv", "native")


def _check_format(fmt: str, allowed: Sequence[str], extra: Sequence[str] = ()) -> str:
    name = str(fmt).strip().lower()
    if name not in allowed and name not in extra:
        raise InputError(f"Unknown format '{fmt}'; choose one of: {', '.join(allowed)}.")
    return name


def read_vectors(
    path: PathLike,
    format: str = "auto",
    *,
    metadata: PathLike | None = None,
    limit: int | None = None,
    trust_pickle: bool = False,
    name: str | None = None,
) -> Embeddings:
    """Read word vectors in any supported format; `limit` keeps the first N words.

    A gensim pickle (format "pickle", or a `.model`/`.kv` file) loads only with
    `trust_pickle=True`, which is for files the operator gives on the command line.
    A .zip of a projector TSV pair or of a native folder (as `embedlab.app.exports` writes
    them) is read as that folder, under the archive rules uploads follow (`archives`).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "glove.6B.2d.txt"
    ...     _ = path.write_text("the 0.1 0.2\\nof 0.3 -0.4\\nand 0.5 0.6\\n")
    ...     emb = read_vectors(path, limit=2)
    >>> emb.words, emb.meta["format"], emb.meta["name"]
    (('the', 'of'), 'glove', 'glove.6B.2d')
    """
    path = Path(path).expanduser()
    fmt = _check_format(format, READ_FORMATS, extra=("pickle",))
    limit = positive_int(limit, "limit", allow_none=True)
    check_exists(path)
    if fmt in ("auto", "tsv", "native") and path.is_file() and is_zip(path):
        return _read_archive(path, fmt, metadata, limit, name)
    if fmt == "auto":
        fmt = guarded(path, "a vector file", lambda: sniff(path))
    if fmt == "pickle" and not trust_pickle:
        raise pickle_error(path)
    meta_path = None if metadata is None else Path(metadata)
    readers: dict[str, Callable[[], Parsed]] = {
        "word2vec": lambda: read_word2vec_text(path, limit),
        "word2vec-bin": lambda: read_word2vec_bin(path, limit),
        "glove": lambda: read_glove(path, limit),
        "fasttext": lambda: read_fasttext(path, limit),
        "tsv": lambda: read_tsv(path, limit, meta_path),
        "native": lambda: read_native(path, limit),
        "pickle": lambda: read_pickle(path, limit),
    }
    if fmt not in ("native", "tsv") and path.is_dir():
        raise InputError(f"{quoted(path)} is a folder; choose the {fmt} file inside it.")
    parsed = guarded(path, fmt, readers[fmt])
    meta: dict[str, Any] = {
        "name": name or path.stem,
        "origin": "imported",
        "format": fmt,
        "source": str(path),
    }
    if fmt == "native":  # the saved meta survives; name and origin only fill gaps
        meta = {**parsed.meta, "format": fmt, "source": str(path)}
        meta.setdefault("origin", "imported")
        meta["name"] = name or meta.get("name") or path.name
    else:
        meta.update(parsed.meta)
    return parsed.build(meta, path)


def _read_archive(
    path: Path, fmt: str, metadata: PathLike | None, limit: int | None, name: str | None
) -> Embeddings:
    """A projector or native folder zipped (`archives.unpacked_archive`), read as the folder."""
    with unpacked_archive(path) as (folder, found):
        if fmt not in ("auto", found):
            held = "a projector TSV pair" if found == "tsv" else "an embedlab folder"
            raise FormatError(
                f"{quoted(path)} holds {held}, not {fmt}; choose the format {found} or let it "
                "be detected."
            )
        emb = read_vectors(folder, found, metadata=metadata, limit=limit, name=name)
    return emb.with_meta(source=str(path))


def read_vectors_bytes(
    data: bytes,
    filename: str,
    format: str = "auto",
    *,
    metadata: bytes | None = None,
    limit: int | None = None,
    name: str | None = None,
) -> Embeddings:
    """Read an upload: the bytes go to a temporary folder and are never unpickled.

    >>> emb = read_vectors_bytes(b"2 2\\ncat 1 0\\ndog 0 1\\n", "pets.vec")
    >>> emb.words, emb.meta["source"]
    (('cat', 'dog'), 'pets.vec')
    """
    safe = safe_filename(filename)
    with upload_as_file(data, safe) as path, contextlib.ExitStack() as stack:
        meta_path = None
        if metadata is not None:
            meta_path = stack.enter_context(upload_as_file(metadata, "metadata.tsv"))
        # a zipped native folder keeps the name it was saved with unless one is given
        default = None if is_zip(path) else Path(safe).stem
        emb = read_vectors(
            path,
            format,
            metadata=meta_path,
            limit=limit,
            trust_pickle=False,
            name=name or default,
        )
    return emb.with_meta(source=str(filename))


def write_vectors(emb: Embeddings, out: PathLike, format: str) -> list[Path]:
    """Write `emb` in one of WRITE_FORMATS; return the files written (each atomically).

    "tsv" and "native" write into the folder `out`; the others write the file `out`.

    >>> import tempfile
    >>> import numpy as np
    >>> emb = Embeddings(["a", "b"], np.eye(2, dtype=np.float32), counts=[7, 2])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_vectors(emb, Path(tmp) / "projector", "tsv")
    ...     [f.name for f in files], files[1].read_text().splitlines()
    (['vectors.tsv', 'metadata.tsv'], ['word\\tcount', 'a\\t7', 'b\\t2'])
    """
    fmt = _check_format(format, WRITE_FORMATS)
    out = Path(out)
    check_words(emb, fmt)
    try:
        if fmt == "native":
            directory = save_native(emb, out)
            return sorted(p for p in directory.iterdir() if p.name in NATIVE_FILES)
        if fmt == "tsv":
            return write_tsv(emb, out)
        if fmt == "word2vec-bin":
            return [write_word2vec_bin(emb, out)]
        return [write_text(emb, out, header=fmt == "word2vec")]
    except OSError as err:
        raise write_error(out, err) from err
